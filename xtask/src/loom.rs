//! `cargo xtask loom`: runs every strategy crate's loom models.
//!
//! Convention (see the workspace docs): models live in a `loom_tests` unit-test
//! module compiled under `--cfg tp_loom`; they run in release mode in a target
//! directory of their own, with `LOOM_MAX_PREEMPTIONS` 2 unless set.

use std::process::Command;

use crate::error::{Context, Error, Result};
use crate::paths;

/// The crates with loom models: (directory under `crates/`, package name).
pub const STRATEGY_CRATES: &[(&str, &str)] = &[
    ("utils", "taskpool-utils"),
    ("taskpool", "taskpool"),
    ("baselines", "taskpool-baselines"),
    ("workerpool", "taskpool-workerpool"),
    ("ants", "taskpool-ants"),
    ("tunny", "taskpool-tunny"),
];

/// Runs the loom models of every strategy crate present (or only `only`).
pub fn run(only: Option<&str>) -> Result<()> {
    let root = paths::root();
    let selected: Vec<&(&str, &str)> = STRATEGY_CRATES
        .iter()
        .filter(|(dir, pkg)| only.is_none_or(|o| o == *dir || o == *pkg))
        .collect();
    if selected.is_empty() {
        let valid: Vec<&str> = STRATEGY_CRATES.iter().map(|(d, _)| *d).collect();
        return Err(Error(format!(
            "unknown crate `{}` (valid: {})",
            only.unwrap_or_default(),
            valid.join(", ")
        )));
    }
    let target = paths::target_dir(&root).join("loom");
    let rustflags = match std::env::var("RUSTFLAGS") {
        Ok(flags) if !flags.trim().is_empty() => format!("{flags} --cfg tp_loom"),
        _ => "--cfg tp_loom".to_owned(),
    };
    let preemptions = std::env::var("LOOM_MAX_PREEMPTIONS").unwrap_or_else(|_| "2".into());
    let mut failed = Vec::new();
    let mut ran = 0;
    for (dir, pkg) in selected {
        if !root.join("crates").join(dir).join("Cargo.toml").is_file() {
            eprintln!("loom: skipping {pkg}: crates/{dir} does not exist");
            continue;
        }
        eprintln!("loom: {pkg} (LOOM_MAX_PREEMPTIONS={preemptions})");
        let status = Command::new(paths::cargo())
            .args(["test", "-p", pkg, "--lib", "--release", "--", "loom_tests"])
            .current_dir(&root)
            .env("RUSTFLAGS", &rustflags)
            .env("CARGO_TARGET_DIR", &target)
            .env("LOOM_MAX_PREEMPTIONS", &preemptions)
            .status()
            .context(|| "running cargo test".into())?;
        ran += 1;
        if !status.success() {
            failed.push(pkg.to_owned());
        }
    }
    if ran == 0 {
        return Err(Error("no strategy crate exists yet; nothing to run".into()));
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(Error(format!(
            "loom models failed in: {}",
            failed.join(", ")
        )))
    }
}
