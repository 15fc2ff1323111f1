//! `results.json`: every figure of a run, with its unit, and how it is
//! collected from criterion's JSON output and the benchmarks' own files.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use taskpool_benches::out::{self, BenchMeta, MemoryResult, Percentiles, Skipped};

use crate::error::{Context, Error, Result};
use crate::machine::Environment;

/// One criterion benchmark, per-iteration times in nanoseconds.
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

/// A feature row of the pool table, from the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureRow {
    /// Pool name.
    pub pool: String,
    /// Column name → value, in column order.
    pub values: Vec<(String, String)>,
}

/// Everything a report is drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// The notice carried into every generated file.
    pub generated_by: String,
    /// `quick`, `full` or `custom`.
    pub report: String,
    /// Machine, toolchain, versions, revision, date.
    pub environment: Environment,
    /// Selection, sizes and calibration of the run.
    pub meta: BenchMeta,
    /// The pools' features, from the catalog.
    pub features: Vec<FeatureRow>,
    /// Criterion's figures, sorted by id.
    pub benchmarks: Vec<Measurement>,
    /// W8 per-call percentiles.
    pub latency: Vec<Percentiles>,
    /// W9 peak-RSS growth, one entry per probe run (several per row; a
    /// file from before W9 repeated its probe holds one, read as one run).
    pub memory: Vec<MemoryResult>,
    /// Planned cases that could not be measured, with the reason.
    #[serde(default)]
    pub skipped: Vec<Skipped>,
    /// The derived tables exactly as the report shows them (output only:
    /// `cargo xtask report` recomputes them from the figures above).
    #[serde(default)]
    pub tables: Vec<crate::analysis::Table>,
}

#[derive(Deserialize)]
struct CritBenchmark {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
    throughput: Option<CritThroughput>,
    full_id: String,
}

#[derive(Deserialize)]
enum CritThroughput {
    Elements(u64),
    Bytes(serde::de::IgnoredAny),
    BytesDecimal(serde::de::IgnoredAny),
}

#[derive(Deserialize)]
struct CritEstimate {
    confidence_interval: CritInterval,
    point_estimate: f64,
}

#[derive(Deserialize)]
struct CritInterval {
    lower_bound: f64,
    upper_bound: f64,
}

#[derive(Deserialize)]
struct CritEstimates {
    mean: CritEstimate,
    median: CritEstimate,
}

#[derive(Deserialize)]
struct CritSample {
    iters: Vec<f64>,
    times: Vec<f64>,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = fs::read_to_string(path).context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).context(|| format!("parsing {}", path.display()))
}

/// Every `new/benchmark.json` below `dir`.
fn find_benchmarks(dir: &Path, found: &mut Vec<PathBuf>) -> Result<()> {
    let entries = fs::read_dir(dir).context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let path = entry
            .context(|| format!("reading {}", dir.display()))?
            .path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "new") {
                let bench = path.join("benchmark.json");
                if bench.is_file() {
                    found.push(bench);
                }
            } else {
                find_benchmarks(&path, found)?;
            }
        }
    }
    Ok(())
}

/// Reads one criterion benchmark from its `new/` directory.
fn read_measurement(new_dir: &Path) -> Result<Measurement> {
    let bench: CritBenchmark = read_json(&new_dir.join("benchmark.json"))?;
    let est: CritEstimates = read_json(&new_dir.join("estimates.json"))?;
    let sample: CritSample = read_json(&new_dir.join("sample.json"))?;
    if sample.iters.is_empty() || sample.iters.len() != sample.times.len() {
        return Err(Error(format!(
            "{}: sample.json has {} iteration counts and {} times",
            new_dir.display(),
            sample.iters.len(),
            sample.times.len()
        )));
    }
    let per_iter: Vec<f64> = sample
        .times
        .iter()
        .zip(&sample.iters)
        .map(|(t, n)| t / n.max(1.0))
        .collect();
    let workload = taskpool_benches::spec::Workload::from_group(&bench.group_id)
        .map_or_else(|| bench.group_id.clone(), |w| w.id().to_owned());
    Ok(Measurement {
        id: bench.full_id.clone(),
        group: bench.group_id,
        workload,
        row: bench.function_id.unwrap_or_default(),
        parameter: bench.value_str.unwrap_or_default(),
        elements: match bench.throughput {
            Some(CritThroughput::Elements(n)) => Some(n),
            Some(CritThroughput::Bytes(_) | CritThroughput::BytesDecimal(_)) | None => None,
        },
        median_ns: est.median.point_estimate,
        median_ci_low_ns: est.median.confidence_interval.lower_bound,
        median_ci_high_ns: est.median.confidence_interval.upper_bound,
        mean_ns: est.mean.point_estimate,
        min_ns: per_iter.iter().copied().fold(f64::INFINITY, f64::min),
        max_ns: per_iter.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        samples: per_iter.len(),
        iterations: sample.iters.iter().sum(),
    })
}

/// Reads every benchmark criterion wrote under `criterion_dir`.
pub fn read_criterion(criterion_dir: &Path) -> Result<Vec<Measurement>> {
    if !criterion_dir.is_dir() {
        return Err(Error(format!(
            "no criterion output at {} (run `cargo xtask bench` first)",
            criterion_dir.display()
        )));
    }
    let mut found = Vec::new();
    find_benchmarks(criterion_dir, &mut found)?;
    if found.is_empty() {
        return Err(Error(format!(
            "no criterion benchmark (*/new/benchmark.json) under {}",
            criterion_dir.display()
        )));
    }
    let mut out = found
        .iter()
        .map(|b| read_measurement(b.parent().unwrap_or(Path::new("."))))
        .collect::<Result<Vec<_>>>()?;
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Reads every JSON file of one of our subdirectories (`latency`, `memory`).
fn read_dir_json<T: serde::de::DeserializeOwned>(dir: &Path) -> Result<Vec<T>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths.iter().map(|p| read_json(p)).collect()
}

/// Collects a run from its raw directory: `criterion/` (criterion's JSON),
/// `meta.json`, `latency/`, `memory/`.
pub fn collect(
    raw_dir: &Path,
    report: &str,
    environment: Environment,
    features: Vec<FeatureRow>,
) -> Result<Results> {
    let meta_path = raw_dir.join(out::META_FILE);
    if !meta_path.is_file() {
        return Err(Error(format!(
            "missing {} (the benchmarks did not run, or ran without `cargo xtask bench`)",
            meta_path.display()
        )));
    }
    let meta: BenchMeta = read_json(&meta_path)?;
    let memory: Vec<MemoryResult> = read_dir_json(&raw_dir.join(out::MEMORY_DIR))?;
    let criterion_dir = raw_dir.join("criterion");
    // A W9-only run has no criterion output; anything else must have some.
    let benchmarks = if memory.is_empty() || criterion_dir.is_dir() {
        read_criterion(&criterion_dir)?
    } else {
        Vec::new()
    };
    Ok(Results {
        generated_by: generated_by(report),
        report: report.to_owned(),
        environment,
        meta,
        features,
        benchmarks,
        latency: read_dir_json(&raw_dir.join(out::LATENCY_DIR))?,
        memory,
        skipped: read_dir_json(&raw_dir.join(out::SKIPPED_DIR))?,
        tables: Vec::new(),
    })
}

/// The command that regenerates a report of kind `report`.
pub fn command_for(report: &str) -> &'static str {
    match report {
        "full" => "cargo xtask bench --full",
        "quick" => "cargo xtask bench",
        _ => "cargo xtask bench --pools/--workloads/--capacity/--tasks …",
    }
}

/// The "generated; do not edit" notice.
pub fn generated_by(report: &str) -> String {
    format!(
        "Generated by `{}` (rebuild with `cargo xtask report`); do not edit.",
        command_for(report)
    )
}

/// Reads a `results.json`.
pub fn load(path: &Path) -> Result<Results> {
    if !path.is_file() {
        return Err(Error(format!(
            "no results at {} (run `cargo xtask bench` first)",
            path.display()
        )));
    }
    read_json(path)
}

/// Latency percentiles by row.
pub fn latency_by_row(results: &Results) -> BTreeMap<&str, &Percentiles> {
    results
        .latency
        .iter()
        .map(|p| (p.row.as_str(), p))
        .collect()
}
