//! Tidy: keeps simple workspace invariants true: the code map, the
//! ARCHITECTURE invariants about dependencies (checked on the manifests), no
//! debugging leftovers, `//!` openers, and no path in the docs that leads
//! nowhere.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

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

// ---------------------------------------------------------------------------
// The ARCHITECTURE invariants about dependencies, checked on the manifests.

/// The kinds of dependency sections of a manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum DepKind {
    /// `[dependencies]`, and `[target.'cfg(..)'.dependencies]`.
    Normal,
    /// `[dev-dependencies]` (also per target).
    Dev,
    /// `[build-dependencies]` (also per target).
    Build,
}

/// One package's name and its dependencies, by kind.
#[derive(Debug)]
struct Manifest {
    dir: String,
    name: String,
    deps: BTreeMap<DepKind, BTreeSet<String>>,
}

impl Manifest {
    fn deps(&self, kind: DepKind) -> BTreeSet<&str> {
        self.deps
            .get(&kind)
            .map(|d| d.iter().map(String::as_str).collect())
            .unwrap_or_default()
    }

    fn all_deps(&self) -> BTreeSet<&str> {
        self.deps.values().flatten().map(String::as_str).collect()
    }
}

/// Reads the parts of a `Cargo.toml` these checks need: the package name
/// and the dependency names of every dependency section, in both spellings
/// (`name = ...` lines under `[dependencies]`, and `[dependencies.name]`).
fn parse_manifest(dir: &str, text: &str) -> Manifest {
    let mut name = String::new();
    let mut deps: BTreeMap<DepKind, BTreeSet<String>> = BTreeMap::new();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.starts_with('[') {
            section = line.trim_matches(|c| c == '[' || c == ']').to_owned();
            if let Some((kind, Some(dep))) = dep_section(&section) {
                deps.entry(kind).or_default().insert(dep);
            }
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if section == "package" && key == "name" {
            name = value.trim().trim_matches('"').to_owned();
        } else if let Some((kind, None)) = dep_section(&section) {
            let dep = key.split('.').next().unwrap_or(key).trim();
            deps.entry(kind).or_default().insert(dep.to_owned());
        }
    }
    Manifest {
        dir: dir.to_owned(),
        name,
        deps,
    }
}

/// Whether a section header names dependencies: their kind, and the one
/// dependency for the `[dependencies.name]` spelling.
fn dep_section(section: &str) -> Option<(DepKind, Option<String>)> {
    // `target.'cfg(..)'.dependencies` names its table after the quoted cfg.
    let table = match section.rsplit_once("'.") {
        Some((_, rest)) if section.starts_with("target.") => rest,
        _ => section,
    };
    let (head, dep) = match table.split_once('.') {
        Some((head, dep)) => (head, Some(dep.trim_matches('"').to_owned())),
        None => (table, None),
    };
    let kind = match head {
        "dependencies" => DepKind::Normal,
        "dev-dependencies" => DepKind::Dev,
        "build-dependencies" => DepKind::Build,
        _ => return None,
    };
    Some((kind, dep))
}

fn manifests() -> Vec<Manifest> {
    packages()
        .into_iter()
        .map(|dir| {
            let text = fs::read_to_string(root().join(&dir).join("Cargo.toml"))
                .unwrap_or_else(|e| panic!("{dir}/Cargo.toml: {e}"));
            parse_manifest(&dir, &text)
        })
        .collect()
}

const STRATEGIES: [&str; 3] = ["taskpool-workerpool", "taskpool-ants", "taskpool-tunny"];

#[test]
fn the_manifests_keep_the_architecture_invariants() {
    let manifests = manifests();
    let by_name: BTreeMap<&str, &Manifest> =
        manifests.iter().map(|m| (m.name.as_str(), m)).collect();
    let mut broken = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            broken.push(what);
        }
    };

    // `taskpool` depends only on the floor (and loom under `--cfg tp_loom`).
    let contract = by_name["taskpool"];
    let floor: BTreeSet<&str> = ["taskpool-utils", "loom"].into();
    check(
        contract.deps(DepKind::Normal).is_subset(&floor),
        format!(
            "taskpool depends on {:?}; allowed: {floor:?}",
            contract.deps(DepKind::Normal)
        ),
    );

    // `taskpool-utils` knows no pool: crossbeam-utils, crossbeam-queue and
    // loom only.
    let utils = by_name["taskpool-utils"];
    let allowed: BTreeSet<&str> = ["crossbeam-utils", "crossbeam-queue", "loom"].into();
    check(
        utils.deps(DepKind::Normal).is_subset(&allowed),
        format!(
            "taskpool-utils depends on {:?}; allowed: {allowed:?}",
            utils.deps(DepKind::Normal)
        ),
    );
    check(
        !utils.all_deps().iter().any(|d| d.starts_with("taskpool")),
        "taskpool-utils depends on a taskpool crate; it knows no pool".to_owned(),
    );

    // Strategy crates depend only on the contract, the floor and small
    // building blocks; never on each other, the baselines or the catalog,
    // in any section.
    let building_blocks: BTreeSet<&str> = [
        "taskpool",
        "taskpool-utils",
        "crossbeam-channel",
        "crossbeam-utils",
        "loom",
    ]
    .into();
    for strategy in STRATEGIES {
        let m = by_name[strategy];
        let extra: Vec<&str> = m
            .deps(DepKind::Normal)
            .difference(&building_blocks)
            .copied()
            .collect();
        check(
            extra.is_empty(),
            format!("{strategy} depends on {extra:?}; allowed: {building_blocks:?}"),
        );
        for other in STRATEGIES
            .iter()
            .copied()
            .chain(["taskpool-baselines", "taskpool-catalog"])
        {
            check(
                other == strategy || !m.all_deps().contains(other),
                format!("{strategy} depends on {other} (in {})", m.dir),
            );
        }
    }

    // Only the catalog, the conformance suite (in its tests), the benches,
    // the measuring crate and xtask know every implementation.
    let implementations: Vec<&str> = STRATEGIES
        .iter()
        .copied()
        .chain(["taskpool-baselines"])
        .collect();
    for m in &manifests {
        let knows: Vec<&str> = implementations
            .iter()
            .copied()
            .filter(|i| *i != m.name)
            .filter(|i| match m.name.as_str() {
                "taskpool-catalog" | "taskpool-benches" | "taskpool-measure" | "xtask" => false,
                "taskpool-conformance" => m.deps(DepKind::Normal).contains(i),
                _ => m.all_deps().contains(i),
            })
            .collect();
        check(
            knows.is_empty(),
            format!("{} ({}) depends on {knows:?}", m.name, m.dir),
        );
    }
    // The third-party adapters serve the conformance verdict only: nothing
    // but xtask depends on them.
    for m in &manifests {
        let allowed = m.name == "xtask" || m.name == "taskpool-adapters";
        check(
            allowed || !m.all_deps().contains("taskpool-adapters"),
            format!("{} ({}) depends on taskpool-adapters", m.name, m.dir),
        );
    }
    assert!(
        broken.is_empty(),
        "the manifests break docs/ARCHITECTURE.md's invariants:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_manifest_reader_sees_every_section_spelling() {
    let m = parse_manifest(
        "x",
        "[package]\nname = \"p\"\n[dependencies]\na = \"1\" # c\nb.workspace = true\n\
         [target.'cfg(tp_loom)'.dependencies]\nloom = { workspace = true }\n\
         [dev-dependencies.d]\nversion = \"1\"\n[build-dependencies]\ne = \"1\"\n",
    );
    assert_eq!(m.name, "p");
    assert_eq!(m.deps(DepKind::Normal), ["a", "b", "loom"].into());
    assert_eq!(m.deps(DepKind::Dev), ["d"].into());
    assert_eq!(m.deps(DepKind::Build), ["e"].into());
}

// ---------------------------------------------------------------------------
// Paths named in the docs exist.

/// Every file of the repository below `dir` (skipping build output and
/// hidden directories), relative to the root.
fn files_below(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if !name.starts_with("target") && !name.starts_with('.') {
                files_below(&path, out);
            }
        } else {
            out.push(path);
        }
    }
}

/// A generated file (a report `cargo xtask` writes) says so on a line of
/// its own; its paths are the generator's business.
fn is_generated(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start_matches(|c: char| c == '>' || c.is_whitespace());
        l.starts_with("Generated by `cargo xtask") && l.contains("do not edit")
    })
}

/// The doc text of a file: a Markdown file whole, a Rust file's `//!` lines.
/// Fenced code blocks are left out (their content is code, not prose).
fn doc_lines(path: &Path, text: &str) -> Vec<(usize, String)> {
    let rust = path.extension().is_some_and(|e| e == "rs");
    let mut fenced = false;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = if rust {
            match line.trim_start().strip_prefix("//!") {
                Some(doc) => doc,
                None => continue,
            }
        } else {
            line
        };
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            out.push((n + 1, line.to_owned()));
        }
    }
    out
}

/// The spans of a line inside single backticks (an unclosed one is not a
/// span).
fn backticked(line: &str) -> Vec<&str> {
    let pieces: Vec<&str> = line.split('`').collect();
    let closed = pieces.len() - 1 - (pieces.len() - 1) % 2;
    pieces[..closed]
        .iter()
        .skip(1)
        .step_by(2)
        .copied()
        .collect()
}

/// The directory of the nearest `Cargo.toml` at or above `dir`, within the
/// repository.
fn package_root(root: &Path, dir: &Path) -> PathBuf {
    dir.ancestors()
        .take_while(|d| d.starts_with(root))
        .find(|d| d.join("Cargo.toml").is_file())
        .unwrap_or(root)
        .to_path_buf()
}

/// Resolves `rel` below `base` without touching the file system; `None` if
/// it climbs out of the repository.
fn resolve(root: &Path, base: &Path, rel: &str) -> Option<PathBuf> {
    let mut out = base.to_path_buf();
    for part in Path::new(rel).components() {
        match part {
            Component::Normal(p) => out.push(p),
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            _ => return None,
        }
    }
    out.starts_with(root).then_some(out)
}

/// Directories that `.gitignore` files keep out of the repository (build
/// output, reports of quick runs): paths below them exist only after a run.
fn ignored_dirs(root: &Path, files: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for file in files.iter().filter(|f| f.ends_with(".gitignore")) {
        let dir = file.parent().unwrap_or(root);
        let text = fs::read_to_string(file).unwrap_or_default();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') || line.contains('*') {
                continue;
            }
            out.push(dir.join(line.trim_matches('/')));
        }
    }
    out
}

/// Paths named in backticks in the docs that do not exist. A span counts
/// as a path when it is made of path characters only and contains a `/` or
/// ends in `.md`, `.rs` or `.toml`:
///
/// - a bare file name (`DESIGN.md`) must name a file somewhere in the
///   repository;
/// - a path with a `/` claims to be relative to the repository root, to the
///   doc's own directory or to the doc's package, when its first component
///   (or `..`) exists there; it must then exist there, inside the
///   repository, unless a `.gitignore` keeps it out (build output, reports
///   of quick runs). Spans whose first component exists nowhere are names
///   of another kind (`W1_trivial/ants/cap=2`, `github.com/...`).
fn dangling_doc_paths() -> Vec<String> {
    let root = root();
    let root = root.as_path();
    let mut files = Vec::new();
    files_below(root, &mut files);
    for hidden in [".ci", ".cargo"] {
        files_below(&root.join(hidden), &mut files);
    }
    let ignored = ignored_dirs(root, &files);
    let names: BTreeSet<String> = files
        .iter()
        .filter_map(|f| f.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .collect();
    let is_path_char = |c: char| c.is_ascii_alphanumeric() || "_-./".contains(c);
    let mut dangling = Vec::new();
    for file in &files {
        let is_doc = matches!(file.extension().and_then(|e| e.to_str()), Some("md" | "rs"));
        if !is_doc {
            continue;
        }
        let text = fs::read_to_string(file).unwrap_or_default();
        if is_generated(&text) {
            continue;
        }
        let dir = file.parent().unwrap_or(root);
        let package = package_root(root, dir);
        for (n, line) in doc_lines(file, &text) {
            for span in backticked(&line) {
                let looks_like_path = !span.is_empty()
                    && span.chars().all(is_path_char)
                    && span.chars().any(|c| c.is_ascii_alphabetic())
                    && (span.contains('/')
                        || [".md", ".rs", ".toml"].iter().any(|e| span.ends_with(e)));
                if !looks_like_path {
                    continue;
                }
                let ok = if !span.contains('/') {
                    let stem_ok = span.split('.').next().is_some_and(|s| !s.is_empty());
                    !stem_ok || names.contains(span)
                } else {
                    let first = span
                        .trim_start_matches("./")
                        .split('/')
                        .next()
                        .unwrap_or("");
                    let bases = [root, dir, package.as_path()];
                    let claimed: Vec<&Path> = bases
                        .iter()
                        .copied()
                        .filter(|b| first == ".." || (!first.is_empty() && b.join(first).exists()))
                        .collect();
                    claimed.is_empty()
                        || claimed.iter().any(|base| match resolve(root, base, span) {
                            Some(p) => p.exists() || ignored.iter().any(|i| p.starts_with(i)),
                            None => false,
                        })
                };
                if !ok {
                    let shown = file.strip_prefix(root).unwrap_or(file);
                    dangling.push(format!("{}:{n}: `{span}`", shown.display()));
                }
            }
        }
    }
    dangling.sort();
    dangling
}

/// Paths that work in progress elsewhere creates: the conformance verdict
/// that `cargo xtask conformance` writes, not committed yet. Once it exists
/// this list is to be emptied (a listed path that exists is checked like any
/// other).
const ANNOUNCED: &[&str] = &["comparisons/CONFORMANCE.md"];

#[test]
fn every_path_named_in_the_docs_exists() {
    let dangling: Vec<String> = dangling_doc_paths()
        .into_iter()
        .filter(|d| !ANNOUNCED.iter().any(|a| d.ends_with(&format!("`{a}`"))))
        .collect();
    assert!(
        dangling.is_empty(),
        "these paths, named in backticks in the docs, do not exist (fix the \
         path, or point at the repository's own copy, e.g. docs/contract.md):\n{}",
        dangling.join("\n")
    );
}

#[test]
fn the_doc_path_check_reads_spans_and_resolves_within_the_repository() {
    assert_eq!(backticked("a `b/c.md` and `d` but not e`"), ["b/c.md", "d"]);
    let root = root();
    assert!(resolve(&root, &root, "../outside-the-repository").is_none());
    assert_eq!(
        resolve(&root, &root.join("crates/ants"), "../tunny/README.md"),
        Some(root.join("crates/tunny/README.md"))
    );
    let lines = doc_lines(
        Path::new("x.rs"),
        "//! `a.md`\n//! ```\n//! `b.md`\n//! ```\nfn f() {} // `c.md`\n",
    );
    assert_eq!(lines, [(1, " `a.md`".to_owned())]);
    assert!(is_generated(
        "> Generated by `cargo xtask bench`; do not edit."
    ));
    assert!(!is_generated(
        "carries a \"generated by `cargo xtask …`; do not edit\" line"
    ));
}
