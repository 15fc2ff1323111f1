//! Tidy: the modules of `benches/src` and `xtask/src` import each other
//! without a cycle, so each can be read knowing only the ones it builds on.
//! Test modules (`tests.rs`, `*/tests.rs`) are left out: they may use
//! anything.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The top-level module a source file belongs to (`measure/latency.rs` →
/// `measure`), or `None` for the crate root and test modules.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?.to_owned();
    let name = first.trim_end_matches(".rs").to_owned();
    let is_test = rel.file_name().is_some_and(|n| n == "tests.rs");
    if is_test || ["lib", "main", "bin"].contains(&name.as_str()) {
        return None;
    }
    Some(name)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The first path segment of every `crate::…` in `text`, braces expanded.
fn crate_uses(text: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.insert(ident(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(c);
                }
            }
            out.insert(ident(&item));
        } else {
            out.insert(ident(rest));
        }
    }
    out.retain(|m| !m.is_empty() && m != "self");
    out
}

/// module → the other modules it uses.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let Some(module) = module_of(src, &file) else {
            continue;
        };
        let uses = crate_uses(&fs::read_to_string(&file).unwrap());
        let entry = edges.entry(module.clone()).or_default();
        entry.extend(uses.into_iter().filter(|u| *u != module && u != "tests"));
    }
    edges
}

/// A cycle of `edges`, if there is one.
fn cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut found = path[i..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|n| visit(n, edges, &mut Vec::new(), &mut done))
}

#[test]
fn the_scanner_sees_grouped_and_nested_uses() {
    let uses =
        crate_uses("use crate::a::B;\nuse crate::{b, c::{D, E}, self};\nlet x = crate::d::f();");
    assert_eq!(uses.into_iter().collect::<Vec<_>>(), ["a", "b", "c", "d"]);
    let mut looped = BTreeMap::new();
    looped.insert("x".to_owned(), BTreeSet::from(["y".to_owned()]));
    looped.insert("y".to_owned(), BTreeSet::from(["x".to_owned()]));
    assert!(cycle(&looped).is_some());
}

#[test]
fn benches_and_xtask_modules_import_without_cycles() {
    for krate in ["benches/src", "xtask/src"] {
        let edges = graph(&root().join(krate));
        assert!(edges.len() > 5, "{krate}: {edges:?}");
        if let Some(c) = cycle(&edges) {
            panic!("{krate}: modules import in a cycle: {}", c.join(" → "));
        }
    }
}
