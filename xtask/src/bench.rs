//! `cargo xtask bench`: runs the criterion benchmarks and the W9 processes
//! with a progress bar, then collects and renders the report.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use taskpool_benches::memory::{probes, Probe};
use taskpool_benches::out::{self, MemoryResult};
use taskpool_benches::plan::plan;
use taskpool_benches::spec::{Selection, ENV_OUT, ENV_PROGRESS};

use crate::error::{Context, Error, Result};
use crate::machine::Environment;
use crate::paths::{self, ReportKind};
use crate::{features, report, results};

/// The prefix of the progress lines the bench binary prints on stderr.
const PROGRESS_PREFIX: &str = "taskpool-bench: case ";

/// Parses a progress line `taskpool-bench: case 3/57 W1_trivial/ants/cap=2`
/// into (3, 57, id).
pub fn parse_progress(line: &str) -> Option<(u64, u64, &str)> {
    let rest = line.strip_prefix(PROGRESS_PREFIX)?;
    let (counts, id) = rest.split_once(' ')?;
    let (done, total) = counts.split_once('/')?;
    Some((done.parse().ok()?, total.parse().ok()?, id))
}

fn run_logged(mut cmd: Command, log: &Path, bar: &ProgressBar, offset: u64) -> Result<()> {
    let mut log_file = fs::File::create(log).context(|| format!("creating {}", log.display()))?;
    let stdout_log = log_file
        .try_clone()
        .context(|| "cloning the log handle".into())?;
    cmd.stdout(Stdio::from(stdout_log)).stderr(Stdio::piped());
    let mut child = cmd.spawn().context(|| "starting cargo bench".into())?;
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some((done, _, id)) = parse_progress(&line) {
                bar.set_position(offset + done - 1);
                bar.set_message(id.to_owned());
                if bar.is_hidden() {
                    // No terminal (CI, a pipe): one plain line per benchmark.
                    eprintln!(
                        "[{}/{}] {id} ({:.0?} elapsed)",
                        offset + done,
                        bar.length().unwrap_or(0),
                        bar.elapsed()
                    );
                }
            }
            let _ = writeln!(log_file, "{line}");
        }
    }
    let status = child.wait().context(|| "waiting for cargo bench".into())?;
    if status.success() {
        return Ok(());
    }
    let text = fs::read_to_string(log).unwrap_or_default();
    let tail: Vec<&str> = text.lines().rev().take(15).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(Error(format!(
        "the benchmarks failed ({status}); last lines of {}:\n{}",
        log.display(),
        tail.join("\n")
    )))
}

fn compile(root: &Path, args: &[&str], what: &str) -> Result<()> {
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(format!("compiling {what} (release)…"));
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let out = Command::new(paths::cargo())
        .args(args)
        .current_dir(root)
        .output()
        .context(|| "running cargo".into())?;
    spinner.finish_and_clear();
    if out.status.success() {
        Ok(())
    } else {
        Err(Error(format!(
            "compiling {what} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}

/// Runs the selected benchmarks and writes the report; returns the report
/// directory.
pub fn run(selection: &Selection) -> Result<PathBuf> {
    let root = paths::root();
    let kind = ReportKind::of(selection);
    let raw = kind.raw_dir(&paths::target_dir(&root));
    let cases = plan(selection);
    let memory_probes = probes(selection);
    // Every run of every probe is one process.
    let memory_runs: usize = memory_probes.iter().map(|p| p.runs).sum();
    if cases.is_empty() && memory_probes.is_empty() {
        return Err(Error("the selection contains no benchmark".into()));
    }
    if raw.exists() {
        fs::remove_dir_all(&raw).context(|| format!("clearing {}", raw.display()))?;
    }
    fs::create_dir_all(&raw).context(|| format!("creating {}", raw.display()))?;
    // The date and revision of the measurement, not of a later re-render.
    let env_path = raw.join(ENVIRONMENT_FILE);
    out::write_json(&env_path, &Environment::capture(&root))
        .context(|| format!("writing {}", env_path.display()))?;

    if !cases.is_empty() {
        compile(
            &root,
            &[
                "bench",
                "-p",
                "taskpool-benches",
                "--bench",
                "workloads",
                "--no-run",
            ],
            "the benchmarks",
        )?;
    }
    if !memory_probes.is_empty() {
        compile(
            &root,
            &[
                "build",
                "--release",
                "-p",
                "taskpool-benches",
                "--bin",
                "queued-memory",
            ],
            "the W9 probe",
        )?;
    }

    let total = (cases.len() + memory_runs) as u64;
    let started = Instant::now();
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30.cyan/blue}] {pos}/{len} done, ~{eta} left  {msg}",
        )
        .map_err(|e| Error(format!("progress template: {e}")))?
        .progress_chars("=> "),
    );
    eprintln!(
        "running {} benchmarks ({} profile) and {} memory probe processes; criterion's console output goes to {}",
        cases.len(),
        selection.profile,
        memory_runs,
        raw.join("bench.log").display()
    );

    if !cases.is_empty() {
        let mut cmd = Command::new(paths::cargo());
        cmd.args(["bench", "-p", "taskpool-benches", "--bench", "workloads"])
            .current_dir(&root)
            .env("CRITERION_HOME", raw.join("criterion"))
            .env(ENV_OUT, &raw)
            .env(ENV_PROGRESS, "1");
        for (k, v) in selection.to_env() {
            cmd.env(k, v);
        }
        run_logged(cmd, &raw.join("bench.log"), &bar, 0)?;
    } else {
        // W9 alone: record the sizes and calibration all the same.
        write_meta_only(selection, &raw)?;
    }

    run_memory_probes(&root, &memory_probes, &raw, &bar, cases.len() as u64)?;
    bar.finish_with_message(format!("measured in {:.0?}", started.elapsed()));
    build_report(kind, &raw)
}

fn write_meta_only(selection: &Selection, raw: &Path) -> Result<()> {
    let meta = out::BenchMeta {
        selection: selection.clone(),
        sizes: taskpool_benches::spec::Workload::ALL
            .iter()
            .map(|&w| (w.id().to_owned(), selection.sizes(w)))
            .collect(),
        calibration: taskpool_benches::harness::Calibration::measure(30),
    };
    let path = raw.join(out::META_FILE);
    out::write_json(&path, &meta).context(|| format!("writing {}", path.display()))
}

/// The order of W9's processes: run 1 of every probe, then run 2 of every
/// probe, and so on, so that a slow drift of the machine's state touches
/// every row alike rather than one row's runs. Pairs of (probe index, run
/// counted from 1).
pub fn memory_schedule(probes: &[Probe]) -> Vec<(usize, usize)> {
    let most = probes.iter().map(|p| p.runs).max().unwrap_or(0);
    (1..=most)
        .flat_map(|run| {
            probes
                .iter()
                .enumerate()
                .filter(move |(_, p)| run <= p.runs)
                .map(move |(i, _)| (i, run))
        })
        .collect()
}

/// Runs every W9 process of `probes` (see [`memory_schedule`]), writing one
/// `memory/` file per successful run and one `skipped/` file per failed one.
fn run_memory_probes(
    root: &Path,
    probes: &[Probe],
    raw: &Path,
    bar: &ProgressBar,
    offset: u64,
) -> Result<()> {
    for (done, (i, run)) in memory_schedule(probes).into_iter().enumerate() {
        let probe = &probes[i];
        let label = format!("{} run {run}/{}", probe.id(), probe.runs);
        bar.set_position(offset + done as u64);
        bar.set_message(label.clone());
        if bar.is_hidden() {
            eprintln!(
                "[{}/{}] {label} ({:.0?} elapsed)",
                offset + done as u64 + 1,
                bar.length().unwrap_or(0),
                bar.elapsed()
            );
        }
        match memory_probe(root, &probe.row, probe.capacity, probe.tasks) {
            Ok(result) => {
                let path = out::memory_file(raw, &result.row, result.capacity, run);
                out::write_json(&path, &result)
                    .context(|| format!("writing {}", path.display()))?;
            }
            Err(e) => {
                // Reported in REPORT.md's "Not measured" list; the row keeps
                // its other runs.
                let path =
                    out::row_file(raw, out::SKIPPED_DIR, &format!("{}_run{run}", probe.id()));
                let skipped = out::Skipped {
                    id: label,
                    reason: e.0,
                };
                out::write_json(&path, &skipped)
                    .context(|| format!("writing {}", path.display()))?;
            }
        }
    }
    Ok(())
}

/// Runs the W9 probe for one row (a pool or the floor) in its own process.
fn memory_probe(root: &Path, pool: &str, capacity: usize, tasks: usize) -> Result<MemoryResult> {
    let out = Command::new(paths::cargo())
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "taskpool-benches",
            "--bin",
            "queued-memory",
            "--",
        ])
        .args([pool, &capacity.to_string(), &tasks.to_string()])
        .current_dir(root)
        .output()
        .context(|| "running the W9 probe".into())?;
    if !out.status.success() {
        return Err(Error(format!(
            "the W9 probe for `{pool}` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    serde_json::from_slice(&out.stdout)
        .context(|| format!("reading the W9 probe output for `{pool}`"))
}

/// The file in a raw run directory recording where and when it ran.
pub const ENVIRONMENT_FILE: &str = "environment.json";

/// Collects the raw run in `raw` and writes the report of `kind`.
pub fn build_report(kind: ReportKind, raw: &Path) -> Result<PathBuf> {
    let root = paths::root();
    let env_path = raw.join(ENVIRONMENT_FILE);
    let environment = match fs::read_to_string(&env_path) {
        Ok(text) => {
            serde_json::from_str(&text).context(|| format!("parsing {}", env_path.display()))?
        }
        Err(_) => Environment::capture(&root),
    };
    let results = results::collect(raw, kind.label(), environment, features::rows())?;
    let dir = kind.report_dir(&root);
    fs::create_dir_all(&dir).context(|| format!("creating {}", dir.display()))?;
    report::write(&dir, &report::render(&results)?)?;
    Ok(dir)
}
