//! Where things are: the workspace root, cargo, the target directory, the raw
//! run directories and the report directories.

use std::path::{Path, PathBuf};

use taskpool_benches::selection::Selection;
use taskpool_benches::sizes::Profile;

/// The workspace root (the parent of xtask's own manifest directory).
pub fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The cargo that runs us (`$CARGO`), or `cargo` from `PATH`.
pub fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

/// `$CARGO_TARGET_DIR`, or `<root>/target`.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Which report a run writes: the two standard profiles, a narrowed or
/// resized run that must not overwrite them, or a user's own workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// `comparisons/quick/`: the default `cargo xtask bench` (not committed).
    Quick,
    /// `comparisons/`: the committed full report.
    Full,
    /// `comparisons/narrowed/`: any run with `--pools`, `--workloads`,
    /// `--capacity`, `--tasks` or `--rounds` (not committed).
    Narrowed,
    /// `comparisons/custom/`: `cargo xtask bench --custom`, a workload
    /// described by a task profile (not committed).
    Custom,
}

impl ReportKind {
    /// The kind of report `selection` produces.
    pub fn of(selection: &Selection) -> ReportKind {
        match (selection.is_custom(), selection.profile) {
            (true, _) => ReportKind::Narrowed,
            (false, Profile::Quick) => ReportKind::Quick,
            (false, Profile::Full) => ReportKind::Full,
        }
    }

    /// `"quick"`, `"full"`, `"narrowed"` or `"custom"`.
    pub fn label(self) -> &'static str {
        match self {
            ReportKind::Quick => "quick",
            ReportKind::Full => "full",
            ReportKind::Narrowed => "narrowed",
            ReportKind::Custom => "custom",
        }
    }

    /// The directory the report goes to.
    pub fn report_dir(self, root: &Path) -> PathBuf {
        let comparisons = root.join("comparisons");
        match self {
            ReportKind::Full => comparisons,
            ReportKind::Quick => comparisons.join("quick"),
            ReportKind::Narrowed => comparisons.join("narrowed"),
            ReportKind::Custom => comparisons.join("custom"),
        }
    }

    /// The directory the raw measurements of the last run of this kind go to
    /// (criterion's JSON under `criterion/`, ours beside it).
    pub fn raw_dir(self, target: &Path) -> PathBuf {
        target.join("taskpool-bench").join(self.label())
    }
}
