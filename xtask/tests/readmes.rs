//! Tidy: no performance figure in a README is typed by hand. Each strategy
//! README carries the block `cargo xtask report` generates from the
//! committed `comparisons/results.json`, unchanged; and no README (nor a page
//! of `docs/`) quotes a figure in one of the report's units that those
//! results do not hold.

use std::fs;
use std::path::{Path, PathBuf};

use xtask::analysis;
use xtask::readme::{self, STRATEGY_READMES};
use xtask::results;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Every README of the workspace and every page of `docs/`.
fn documents(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![root.join("README.md")];
    for dir in [root.join("crates"), root.to_path_buf()] {
        for entry in fs::read_dir(dir).unwrap().flatten() {
            let readme = entry.path().join("README.md");
            if readme.is_file() && !out.contains(&readme) {
                out.push(readme);
            }
        }
    }
    for entry in fs::read_dir(root.join("docs")).unwrap().flatten() {
        if entry.path().extension().is_some_and(|e| e == "md") {
            out.push(entry.path());
        }
    }
    out
}

#[test]
fn readme_figures_come_from_the_committed_results() {
    let root = root();
    let results = results::load(&root.join("comparisons/results.json")).unwrap();
    let tables = analysis::tables(&results);
    let mut problems = Vec::new();
    let docs = documents(&root);
    for (_, path) in STRATEGY_READMES {
        assert!(docs.contains(&root.join(path)), "{path} is checked");
    }
    assert!(docs.contains(&root.join(readme::TAX_DOC)));
    for path in &docs {
        let text = fs::read_to_string(path).unwrap();
        let relative = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let family = STRATEGY_READMES
            .iter()
            .find(|(_, p)| *p == relative)
            .map(|(family, _)| *family);
        for problem in readme::check(&text, family, &tables) {
            problems.push(format!("{relative}: {problem}"));
        }
        if relative == readme::TAX_DOC {
            for problem in readme::check_tax_doc(&text, &tables) {
                problems.push(format!("{relative}: {problem}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "README figures that do not come from comparisons/results.json \
         (run `cargo xtask report --profile full` to regenerate the blocks):\n{}",
        problems.join("\n")
    );
}
