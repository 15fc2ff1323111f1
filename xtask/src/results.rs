//! `results.json`: every figure of a run, with its unit and its round, and
//! how such a file is loaded (including files written before rounds, which
//! are brought to the current form by [`normalize`]). This module knows
//! nothing of what is derived from the figures: the modules that read a raw
//! run directory, compute the tables and write the report build on it.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};
use taskpool_benches::calibration::Calibration;
use taskpool_benches::out::{BenchMeta, MemoryResult, Percentiles, Skipped};
use taskpool_benches::rows::RowInfo;

use crate::error::{Context, Error, Result};
use crate::machine::Environment;

/// The `format` of files this xtask writes. Files without the field were
/// written before rounds (format 1): one round per row.
pub const FORMAT: u32 = 2;

/// One criterion benchmark of one round, per-iteration times in nanoseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// `group/function/parameter`.
    pub id: String,
    /// Criterion group, e.g. `W1_trivial`.
    pub group: String,
    /// Workload id, e.g. `W1`.
    pub workload: String,
    /// The row (criterion function id), e.g. `ants`.
    pub row: String,
    /// Criterion parameter, e.g. `cap=2`.
    pub parameter: String,
    /// The round (files before rounds: 1).
    #[serde(default = "first_round")]
    pub round: usize,
    /// Tasks per iteration, when the benchmark declared a throughput.
    pub elements: Option<u64>,
    /// Criterion's median estimate of one iteration, ns.
    pub median_ns: f64,
    /// Lower bound of the median's 95 % confidence interval, ns.
    pub median_ci_low_ns: f64,
    /// Upper bound of the median's 95 % confidence interval, ns.
    pub median_ci_high_ns: f64,
    /// Criterion's mean estimate of one iteration, ns.
    pub mean_ns: f64,
    /// Fastest sample, as time per iteration, ns.
    pub min_ns: f64,
    /// Slowest sample, as time per iteration, ns.
    pub max_ns: f64,
    /// Number of samples.
    pub samples: usize,
    /// Iterations over all samples.
    pub iterations: f64,
}

fn first_round() -> usize {
    1
}

/// A feature row of the pool table, from the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureRow {
    /// Pool name.
    pub pool: String,
    /// Column name → value, in column order.
    pub values: Vec<(String, String)>,
}

/// What one round's process recorded about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundInfo {
    /// The round (from 1); it seeds the round's order of the rows.
    pub round: usize,
    /// The machine as this round's process measured it.
    pub calibration: Calibration,
}

/// Everything a report is drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// [`FORMAT`] (1 for files that predate the field).
    #[serde(default = "format_one")]
    pub format: u32,
    /// The notice carried into every generated file.
    pub generated_by: String,
    /// `quick`, `full` or `narrowed` (`custom` before narrowed runs had
    /// their own name).
    pub report: String,
    /// Machine, toolchain, versions, revision, date.
    pub environment: Environment,
    /// Selection, sizes and calibration of the run (its first round's).
    pub meta: BenchMeta,
    /// The pools' features, from the catalog.
    pub features: Vec<FeatureRow>,
    /// Every row's definition as the run measured it (empty before rows
    /// were recorded).
    #[serde(default)]
    pub rows: Vec<RowInfo>,
    /// The rounds (empty before rounds: one round).
    #[serde(default)]
    pub rounds: Vec<RoundInfo>,
    /// Criterion's figures of every round, sorted by id and round.
    pub benchmarks: Vec<Measurement>,
    /// W8 per-call percentiles, per row, regime and round.
    pub latency: Vec<Percentiles>,
    /// W9: one entry per probe process (row and round).
    pub memory: Vec<MemoryResult>,
    /// Planned cases that could not be measured, with the reason.
    #[serde(default)]
    pub skipped: Vec<Skipped>,
}

fn format_one() -> u32 {
    1
}

/// Brings a file written before rounds to the current form: its W9 runs
/// (several processes per row, unnumbered) become rounds 1, 2, … in file
/// order. Figures are never changed.
pub fn normalize(mut results: Results) -> Results {
    let mut seen: BTreeMap<(String, usize), usize> = BTreeMap::new();
    for m in &mut results.memory {
        if m.round == 0 {
            let n = seen.entry((m.row.clone(), m.capacity)).or_insert(0);
            *n += 1;
            m.round = *n;
        }
    }
    results
}

/// The command that regenerates a report of kind `report`.
pub fn command_for(report: &str) -> &'static str {
    match report {
        "full" => "cargo xtask bench --full",
        "quick" => "cargo xtask bench",
        _ => "cargo xtask bench --pools/--workloads/--capacity/--tasks/--rounds …",
    }
}

/// The "generated; do not edit" notice.
pub fn generated_by(report: &str) -> String {
    format!(
        "Generated by `{}` (rebuild with `cargo xtask report`); do not edit.",
        command_for(report)
    )
}

/// Reads a `results.json` of any format this xtask knows.
pub fn load(path: &Path) -> Result<Results> {
    let results: Results = read_json(
        path,
        "cargo xtask bench",
        "results",
        |r: &Results| r.format,
        FORMAT,
    )?;
    Ok(normalize(results))
}

/// Reads the JSON results file at `path` written by `command`, refusing one
/// whose format (read by `format_of`) is newer than `known`. `what` names
/// the kind of results in the error.
pub fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    command: &str,
    what: &str,
    format_of: impl Fn(&T) -> u32,
    known: u32,
) -> Result<T> {
    if !path.is_file() {
        return Err(Error(format!(
            "no results at {} (run `{command}` first)",
            path.display()
        )));
    }
    let text = fs::read_to_string(path).context(|| format!("reading {}", path.display()))?;
    let results: T =
        serde_json::from_str(&text).context(|| format!("parsing {}", path.display()))?;
    let format = format_of(&results);
    if format > known {
        return Err(Error(format!(
            "{} is {what} format {format}, newer than this xtask reads ({known}): update the workspace",
            path.display()
        )));
    }
    Ok(results)
}
