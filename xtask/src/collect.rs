//! Reads a raw run directory into [`Results`]: one `round-<k>/` per round,
//! each with criterion's own JSON (`criterion/…/new/{benchmark,estimates,
//! sample}.json`, never its console text) and the benchmarks' files
//! (`meta.json`, `latency/`, `memory/`, `skipped/`). A directory without
//! `round-*` subdirectories is read as one round (the layout before rounds).

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use taskpool_benches::out::{self, BenchMeta, MemoryResult, Percentiles, Skipped};
use taskpool_benches::rows::{Row, RowInfo};
use taskpool_benches::workload::Workload;

use crate::error::{Context, Error, Result};
use crate::machine::Environment;
use crate::results::{generated_by, FeatureRow, Measurement, Results, RoundInfo, FORMAT};

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

/// Reads one criterion benchmark of `round` from its `new/` directory.
fn read_measurement(new_dir: &Path, round: usize) -> Result<Measurement> {
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
    let workload = Workload::from_group(&bench.group_id)
        .map_or_else(|| bench.group_id.clone(), |w| w.id().to_owned());
    Ok(Measurement {
        id: bench.full_id.clone(),
        group: bench.group_id,
        workload,
        row: bench.function_id.unwrap_or_default(),
        parameter: bench.value_str.unwrap_or_default(),
        round,
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

/// Reads every benchmark criterion wrote under `criterion_dir` in `round`.
pub fn read_criterion(criterion_dir: &Path, round: usize) -> Result<Vec<Measurement>> {
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
    found
        .iter()
        .map(|b| read_measurement(b.parent().unwrap_or(Path::new(".")), round))
        .collect()
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

/// The round directories of `run_dir` as (round, dir), in round order; the
/// directory itself as round 1 when it has none.
pub fn round_dirs(run_dir: &Path) -> Vec<(usize, PathBuf)> {
    let mut rounds: Vec<(usize, PathBuf)> = fs::read_dir(run_dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .filter_map(|p| {
            let n = p
                .file_name()?
                .to_str()?
                .strip_prefix("round-")?
                .parse()
                .ok()?;
            Some((n, p))
        })
        .collect();
    rounds.sort();
    if rounds.is_empty() {
        rounds.push((1, run_dir.to_path_buf()));
    }
    rounds
}

/// The definitions of the rows that appear in `results`, in `Row::all` order.
fn row_infos(results: &Results) -> Vec<RowInfo> {
    let measured = |name: &str| {
        results.benchmarks.iter().any(|m| m.row == name)
            || results.latency.iter().any(|p| p.row == name)
            || results.memory.iter().any(|m| m.row == name)
    };
    Row::all()
        .iter()
        .map(Row::info)
        .filter(|info| measured(&info.name))
        .collect()
}

/// Collects a run from its raw directory.
pub fn collect(
    run_dir: &Path,
    report: &str,
    environment: Environment,
    features: Vec<FeatureRow>,
) -> Result<Results> {
    let mut meta: Option<BenchMeta> = None;
    let mut rounds = Vec::new();
    let (mut benchmarks, mut latency, mut memory, mut skipped) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let dirs = round_dirs(run_dir);
    // The layout before rounds: one directory, several W9 runs per row.
    let legacy = dirs.len() == 1 && dirs[0].1 == run_dir;
    for (round, dir) in dirs {
        let meta_path = dir.join(out::META_FILE);
        if !meta_path.is_file() {
            return Err(Error(format!(
                "missing {} (the benchmarks did not run, or ran without `cargo xtask bench`)",
                meta_path.display()
            )));
        }
        let round_meta: BenchMeta = read_json(&meta_path)?;
        rounds.push(RoundInfo {
            round,
            calibration: round_meta.calibration,
        });
        let mut round_memory: Vec<MemoryResult> = read_dir_json(&dir.join(out::MEMORY_DIR))?;
        if !legacy {
            for m in &mut round_memory {
                m.round = round;
            }
        }
        let round_latency: Vec<Percentiles> = read_dir_json(&dir.join(out::LATENCY_DIR))?;
        // A round of W8 or W9 alone has no criterion output; a round with
        // nothing else must have some.
        let criterion_dir = dir.join("criterion");
        if criterion_dir.is_dir() || (round_memory.is_empty() && round_latency.is_empty()) {
            benchmarks.extend(read_criterion(&criterion_dir, round)?);
        }
        latency.extend(round_latency);
        memory.extend(round_memory);
        skipped.extend(read_dir_json::<Skipped>(&dir.join(out::SKIPPED_DIR))?);
        meta.get_or_insert(round_meta);
    }
    let meta = meta.ok_or_else(|| Error(format!("no round under {}", run_dir.display())))?;
    benchmarks
        .sort_by(|a: &Measurement, b: &Measurement| a.id.cmp(&b.id).then(a.round.cmp(&b.round)));
    let mut results = Results {
        format: FORMAT,
        generated_by: generated_by(report),
        report: report.to_owned(),
        environment,
        meta,
        features,
        rows: Vec::new(),
        rounds,
        benchmarks,
        latency,
        memory,
        skipped,
    };
    results.rows = row_infos(&results);
    Ok(crate::results::normalize(results))
}
