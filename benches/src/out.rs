//! The JSON files the benchmarks write beside criterion's own output, read
//! back by `cargo xtask report`: calibration and sizes (`meta.json`), W8
//! percentiles (`latency/<row>.json`), W9 memory (`memory/<row>_cap<N>_run<K>.json`,
//! one file per probe process).

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::harness::Calibration;
use crate::spec::{Selection, Sizes};

/// Name of the file holding [`BenchMeta`] in the output directory.
pub const META_FILE: &str = "meta.json";
/// Subdirectory holding one [`Percentiles`] file per W8 row.
pub const LATENCY_DIR: &str = "latency";
/// Subdirectory holding one [`MemoryResult`] file per W9 probe run (see
/// [`memory_file`]).
pub const MEMORY_DIR: &str = "memory";
/// Subdirectory holding one [`Skipped`] file per case that could not run.
pub const SKIPPED_DIR: &str = "skipped";

/// A case that was planned but could not be measured (its pool failed to
/// build, or its probe failed), with the reason; the report lists these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The benchmark id, e.g. `W1_trivial/ants/cap=2`.
    pub id: String,
    /// Why it did not run.
    pub reason: String,
}

/// What a bench run used: the selection, the sizes of each workload, and the
/// machine calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchMeta {
    /// The profile and narrowing.
    pub selection: Selection,
    /// Sizes per workload id (`"W1"` …).
    pub sizes: BTreeMap<String, Sizes>,
    /// Measured machine facts.
    pub calibration: Calibration,
}

/// Per-call round-trip percentiles of one W8 row, nearest-rank, in ns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    /// The row (criterion function id).
    pub row: String,
    /// Pool capacity.
    pub capacity: usize,
    /// Number of per-call samples.
    pub samples: usize,
    /// Fastest call.
    pub min_ns: f64,
    /// Median call.
    pub p50_ns: f64,
    /// 90th percentile.
    pub p90_ns: f64,
    /// 99th percentile.
    pub p99_ns: f64,
    /// Slowest call.
    pub max_ns: f64,
}

impl Percentiles {
    /// Computes the percentiles of `samples_ns` (nearest-rank method).
    /// Returns `None` for an empty sample.
    pub fn from_samples(row: &str, capacity: usize, samples_ns: &[f64]) -> Option<Percentiles> {
        if samples_ns.is_empty() {
            return None;
        }
        let mut sorted = samples_ns.to_vec();
        sorted.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            let idx = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
            sorted[idx.clamp(1, sorted.len()) - 1]
        };
        Some(Percentiles {
            row: row.to_owned(),
            capacity,
            samples: sorted.len(),
            min_ns: sorted[0],
            p50_ns: rank(50.0),
            p90_ns: rank(90.0),
            p99_ns: rank(99.0),
            max_ns: sorted[sorted.len() - 1],
        })
    }
}

/// Peak-RSS growth of one W9 process: one sample. A row has one per run;
/// runs from before W9 repeated its probe are a row's only sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryResult {
    /// The row (pool name).
    pub row: String,
    /// Pool capacity (every worker blocked during the measurement).
    pub capacity: usize,
    /// Tasks queued behind the blocked workers.
    pub tasks: usize,
    /// VmHWM before queueing, KiB.
    pub hwm_before_kib: u64,
    /// VmHWM after queueing, KiB.
    pub hwm_after_kib: u64,
    /// (after − before) × 1024 / tasks.
    pub bytes_per_task: f64,
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

/// A file name for a row that is safe on every file system (`+` and `/` avoided).
pub fn row_file(dir: &Path, sub: &str, row: &str) -> PathBuf {
    dir.join(sub).join(format!("{}.json", file_safe(row)))
}

/// The file of W9 run `run` (counted from 1) of `row` at `capacity`:
/// `memory/<row>_cap<capacity>_run<run>.json`, the run zero-padded so the
/// files list in run order.
pub fn memory_file(dir: &Path, row: &str, capacity: usize, run: usize) -> PathBuf {
    dir.join(MEMORY_DIR)
        .join(format!("{}_cap{capacity}_run{run:03}.json", file_safe(row)))
}
