//! Tidy: keeps simple workspace invariants true (code map, no debugging leftovers, `//!` openers).

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/catalog sits two levels below the workspace root")
        .to_path_buf()
}

/// Every `.rs` file of the workspace's packages, skipping build output.
fn rust_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if path.is_dir() {
                if name != "target" && !name.to_string_lossy().starts_with('.') {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    for top in ["crates", "benches", "xtask"] {
        walk(&root().join(top), &mut out);
    }
    out.sort();
    out
}

/// Package directories: `crates/*`, `benches`, `xtask` (those that exist).
fn packages() -> Vec<String> {
    let root = root();
    let mut out = Vec::new();
    if let Ok(entries) = fs::read_dir(root.join("crates")) {
        for entry in entries.flatten() {
            if entry.path().join("Cargo.toml").is_file() {
                out.push(format!("crates/{}", entry.file_name().to_string_lossy()));
            }
        }
    }
    for top in ["benches", "xtask"] {
        if root.join(top).join("Cargo.toml").is_file() {
            out.push(top.to_owned());
        }
    }
    out.sort();
    out
}

#[test]
fn every_package_has_a_heading_in_the_architecture_code_map() {
    let doc = fs::read_to_string(root().join("docs/ARCHITECTURE.md"))
        .expect("docs/ARCHITECTURE.md exists");
    let code_map = doc
        .split("\n## Code map")
        .nth(1)
        .expect("ARCHITECTURE.md has a `## Code map` section");
    let code_map = code_map.split("\n## ").next().unwrap_or(code_map);
    let headings: Vec<&str> = code_map.lines().filter(|l| l.starts_with("### ")).collect();
    let missing: Vec<String> = packages()
        .into_iter()
        .filter(|dir| !headings.iter().any(|h| h.contains(&format!("`{dir}`"))))
        .collect();
    assert!(
        missing.is_empty(),
        "add a `### ... (`<dir>`)` heading to the code map of docs/ARCHITECTURE.md for: {missing:?}"
    );
}

#[test]
fn no_debugging_leftovers_in_sources() {
    // Spelled in two halves so this file does not match itself.
    let banned = [concat!("dbg", "!("), concat!("todo", "!(")];
    let mut hits = Vec::new();
    for path in rust_files() {
        let text = fs::read_to_string(&path).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            if banned.iter().any(|b| line.contains(b)) {
                hits.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(hits.is_empty(), "debugging leftovers:\n{}", hits.join("\n"));
}

#[test]
fn every_rust_file_opens_with_a_module_doc_line() {
    let missing: Vec<String> = rust_files()
        .into_iter()
        .filter(|path| {
            let text = fs::read_to_string(path).unwrap_or_default();
            let text = text.trim_start_matches('\u{feff}');
            // A crate whose docs are its README (so the README's examples
            // run as doctests) opens with that include instead.
            !(text.starts_with("//!")
                || text.starts_with("#![doc = include_str!(\"../README.md\")]"))
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading `//!` line:\n{}",
        missing.join("\n")
    );
}

#[test]
fn tidy_sees_the_workspace() {
    // Guards the checks above against silently scanning nothing.
    assert!(packages().contains(&"crates/taskpool".to_owned()));
    assert!(rust_files()
        .iter()
        .any(|p| p.ends_with("crates/catalog/tests/tidy.rs")));
}

#[test]
fn readme_feature_table_matches_the_catalog() {
    let readme = fs::read_to_string(root().join("README.md")).expect("README.md exists");
    let yes = |b: bool| if b { "yes" } else { "no" };
    let stale: Vec<String> = taskpool_catalog::PoolKind::ALL
        .iter()
        .map(|kind| {
            let f = kind.features();
            format!(
                "| {} | {} | {} | {} | {} |",
                kind.name(),
                f.admission,
                yes(f.resizable),
                yes(f.reaps_idle),
                yes(f.per_worker_state)
            )
        })
        .filter(|row| !readme.lines().any(|l| l.trim() == row))
        .collect();
    assert!(
        stale.is_empty(),
        "README.md's \"pools at a glance\" table is out of date; expected rows:\n{}",
        stale.join("\n")
    );
}
