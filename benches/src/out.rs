//! The JSON files the benchmarks write beside criterion's own output, read
//! back by `cargo xtask report`. One round's directory holds its calibration
//! and sizes (`meta.json`), W8's percentiles
//! (`latency/<row>_<regime>_cap<N>.json`), W9's probes
//! (`memory/<row>_cap<N>.json`, one process each) and the cases that could
//! not run (`skipped/`).

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::calibration::Calibration;
use crate::selection::Selection;
use crate::sizes::Sizes;

/// Name of the file holding [`BenchMeta`] in a round's directory.
pub const META_FILE: &str = "meta.json";
/// Subdirectory holding one [`Percentiles`] file per W8 row and regime.
pub const LATENCY_DIR: &str = "latency";
/// Subdirectory holding one [`MemoryResult`] file per W9 probe.
pub const MEMORY_DIR: &str = "memory";
/// Subdirectory holding one [`Skipped`] file per case that could not run.
pub const SKIPPED_DIR: &str = "skipped";

/// The directory of round `round` (from 1) inside a run's directory.
pub fn round_dir(run_dir: &Path, round: usize) -> PathBuf {
    run_dir.join(format!("round-{round}"))
}

/// A case that was planned but could not be measured (its pool failed to
/// build, or its probe failed), with the reason; the report lists these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The benchmark id, e.g. `W1_trivial/ants/cap=2`.
    pub id: String,
    /// Why it did not run.
    pub reason: String,
    /// The round (absent from files written before rounds: 1).
    #[serde(default = "first_round")]
    pub round: usize,
}

/// What a bench process used: the selection, the sizes of each workload, the
/// machine calibration, and which round it measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchMeta {
    /// The profile and narrowing.
    pub selection: Selection,
    /// Sizes per workload id (`"W1"` …).
    pub sizes: BTreeMap<String, Sizes>,
    /// Measured machine facts.
    pub calibration: Calibration,
    /// The round (absent from files written before rounds: 1).
    #[serde(default = "first_round")]
    pub round: usize,
}

/// The round of files written before rounds existed.
fn first_round() -> usize {
    1
}

/// W8's two regimes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Regime {
    /// Each call right after the previous one returned: workers still awake.
    BackToBack,
    /// Each call after an idle gap long enough for the workers to park.
    AfterIdle,
}

impl Regime {
    /// Both regimes, in report order.
    pub const ALL: [Regime; 2] = [Regime::BackToBack, Regime::AfterIdle];

    /// `"back-to-back"` or `"after-idle"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Regime::BackToBack => "back-to-back",
            Regime::AfterIdle => "after-idle",
        }
    }
}

impl fmt::Display for Regime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Files written before W8 had two regimes measured calls back to back.
fn back_to_back() -> Regime {
    Regime::BackToBack
}

/// Per-call round-trip percentiles of one W8 row in one regime and round,
/// nearest-rank over every recorded call, in ns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// The row (criterion function id).
    pub row: String,
    /// Pool capacity.
    pub capacity: usize,
    /// Back to back or after an idle gap.
    #[serde(default = "back_to_back")]
    pub regime: Regime,
    /// The round.
    #[serde(default = "first_round")]
    pub round: usize,
    /// Number of recorded calls.
    pub samples: usize,
    /// Fastest call.
    pub min_ns: f64,
    /// 25th percentile (absent from files written before rounds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p25_ns: Option<f64>,
    /// Median call.
    pub p50_ns: f64,
    /// 75th percentile (absent from files written before rounds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p75_ns: Option<f64>,
    /// 90th percentile.
    pub p90_ns: f64,
    /// 99th percentile.
    pub p99_ns: f64,
    /// 99.9th percentile (the slowest call below 1,000 samples; absent from
    /// files written before rounds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p999_ns: Option<f64>,
    /// Slowest call.
    pub max_ns: f64,
}

/// The `p`-th percentile of `sorted` (ascending, not empty), nearest rank:
/// the smallest sample with at least `p` % of the samples at or below it.
pub fn nearest_rank(sorted: &[f64], p: f64) -> f64 {
    // The small tolerance keeps 99.9 % of 1,000 at rank 999, not 1,000.
    let idx = ((p / 100.0) * sorted.len() as f64 - 1e-9).ceil() as usize;
    sorted[idx.clamp(1, sorted.len()) - 1]
}

impl Percentiles {
    /// Computes the percentiles of `samples_ns` (nearest-rank method).
    /// Returns `None` for an empty sample.
    pub fn from_samples(
        row: &str,
        capacity: usize,
        regime: Regime,
        round: usize,
        samples_ns: &[f64],
    ) -> Option<Percentiles> {
        if samples_ns.is_empty() {
            return None;
        }
        let mut sorted = samples_ns.to_vec();
        sorted.sort_by(f64::total_cmp);
        let rank = |p: f64| nearest_rank(&sorted, p);
        Some(Percentiles {
            row: row.to_owned(),
            capacity,
            regime,
            round,
            samples: sorted.len(),
            min_ns: sorted[0],
            p25_ns: Some(rank(25.0)),
            p50_ns: rank(50.0),
            p75_ns: Some(rank(75.0)),
            p90_ns: rank(90.0),
            p99_ns: rank(99.0),
            p999_ns: Some(rank(99.9)),
            max_ns: sorted[sorted.len() - 1],
        })
    }
}

/// One W9 process: how much more memory the process held with the tasks
/// queued than before. A row has one per round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryResult {
    /// The row.
    pub row: String,
    /// Pool capacity (every worker blocked during the measurement).
    pub capacity: usize,
    /// Tasks queued behind the blocked workers.
    pub tasks: usize,
    /// The round (0 in files written before rounds, whose runs the report
    /// numbers in file order).
    #[serde(default)]
    pub round: usize,
    /// Growth of the bytes the heap holds (counting global allocator, every
    /// platform), per queued task. Absent from files written before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heap_bytes_per_task: Option<f64>,
    /// Growth of the heap's high-water mark, per queued task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heap_peak_bytes_per_task: Option<f64>,
    /// VmHWM before queueing, KiB (Linux only).
    #[serde(default)]
    pub hwm_before_kib: Option<u64>,
    /// VmHWM after queueing, KiB (Linux only).
    #[serde(default)]
    pub hwm_after_kib: Option<u64>,
    /// (VmHWM after − before) × 1024 / tasks (Linux only).
    #[serde(default, rename = "bytes_per_task")]
    pub rss_bytes_per_task: Option<f64>,
}

/// Writes `value` as pretty JSON to `path`, creating parent directories.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    fs::write(path, text + "\n")
}

/// `name` with every character other than ASCII letters, digits, `-` and `_`
/// replaced by `_`.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A file name for a row or id that is safe on every file system (`+`,
/// spaces and `/` avoided).
pub fn row_file(dir: &Path, sub: &str, row: &str) -> PathBuf {
    dir.join(sub).join(format!("{}.json", file_safe(row)))
}

/// The file of W8 `row` at `capacity` in `regime`:
/// `latency/<row>_<regime>_cap<capacity>.json`.
pub fn latency_file(round_dir: &Path, row: &str, capacity: usize, regime: Regime) -> PathBuf {
    round_dir.join(LATENCY_DIR).join(format!(
        "{}_{}_cap{capacity}.json",
        file_safe(row),
        regime.as_str()
    ))
}

/// The file of W9 `row` at `capacity`: `memory/<row>_cap<capacity>.json`.
pub fn memory_file(round_dir: &Path, row: &str, capacity: usize) -> PathBuf {
    round_dir
        .join(MEMORY_DIR)
        .join(format!("{}_cap{capacity}.json", file_safe(row)))
}
