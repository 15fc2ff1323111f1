//! `cargo xtask bench`: runs every round (one bench process, then W9's probe
//! processes, per round) with a progress bar, then collects and renders the
//! report.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use taskpool_benches::calibration::Calibration;
use taskpool_benches::out::{self, BenchMeta, MemoryResult, Skipped};
use taskpool_benches::plan::{plan, probes, Probe};
use taskpool_benches::selection::{Selection, ENV_OUT, ENV_PROGRESS, ENV_ROUND};
use taskpool_benches::sizes::{timing, IDLE_GAP, W8_WARM_UP_CALLS};
use taskpool_benches::workload::Workload;

use crate::error::{Context, Error, Result};
use crate::machine::Environment;
use crate::paths::{self, ReportKind};
use crate::{collect, features, readme, report};
use taskpool_benches::selection::PROGRESS_PREFIX;

/// Parses a progress line `taskpool-bench: case 3/57 W1_trivial/ants/cap=2`
/// into (3, 57, id).
pub fn parse_progress(line: &str) -> Option<(u64, u64, &str)> {
    let rest = line.strip_prefix(PROGRESS_PREFIX)?;
    let (counts, id) = rest.split_once(' ')?;
    let (done, total) = counts.split_once('/')?;
    Some((done.parse().ok()?, total.parse().ok()?, id))
}

/// Runs `cmd` with its stdout and stderr going to `log`, moving `bar` (from
/// `offset`) on every progress line the process prints on stderr; on
/// failure, the error quotes the log's last lines.
pub(crate) fn run_logged(
    mut cmd: Command,
    log: &Path,
    bar: &ProgressBar,
    offset: u64,
) -> Result<()> {
    let mut log_file = fs::File::create(log).context(|| format!("creating {}", log.display()))?;
    let stdout_log = log_file
        .try_clone()
        .context(|| "cloning the log handle".into())?;
    cmd.stdout(Stdio::from(stdout_log)).stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .context(|| format!("starting {:?}", cmd.get_program()))?;
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some((done, _, id)) = parse_progress(&line) {
                bar.set_position(offset + done - 1);
                bar.set_message(id.to_owned());
                if bar.is_hidden() {
                    // No terminal (CI, a pipe): one plain line per case.
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
        "the measurement failed ({status}); last lines of {}:\n{}",
        log.display(),
        tail.join("\n")
    )))
}

/// Runs `cargo <args>` in `root` behind a spinner; on failure, the error
/// quotes cargo's stderr.
pub(crate) fn compile(root: &Path, args: &[&str], what: &str) -> Result<()> {
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(format!("compiling {what} (release)…"));
    spinner.enable_steady_tick(Duration::from_millis(120));
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

/// A progress bar of `total` steps, with the time elapsed and left.
pub(crate) fn progress_bar(total: u64) -> Result<ProgressBar> {
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30.cyan/blue}] {pos}/{len} done, ~{eta} left  {msg}",
        )
        .map_err(|e| Error(format!("progress template: {e}")))?
        .progress_chars("=> "),
    );
    Ok(bar)
}

/// A lower bound of how long `selection` takes to measure, from criterion's
/// settings (warm-up and measurement per case, plus ~0.1 s of analysis),
/// W8's recorded calls and W9's processes. Cases whose batches outlast the
/// measurement time take longer: a floor, not a promise.
pub fn estimate(selection: &Selection) -> Duration {
    let cases = plan(selection, 1);
    let per_round: Duration = cases
        .iter()
        .map(|case| {
            if case.workload == Workload::W8 {
                let sizes = selection.sizes(Workload::W8);
                let idle = sizes.idle_calls.unwrap_or(0) as u32;
                // ~10 µs per awake call; the gap plus a wake-up per idle call.
                Duration::from_micros(10) * (case.tasks + W8_WARM_UP_CALLS) as u32
                    + (IDLE_GAP + Duration::from_micros(50)) * idle
            } else {
                let t = timing(selection.profile, case.workload);
                t.warm_up + t.measurement + Duration::from_millis(100)
            }
        })
        .sum::<Duration>()
        + Duration::from_millis(400) * probes(selection, 1).len() as u32;
    per_round * selection.rounds() as u32
}

/// Runs the selected benchmarks, every round, and writes the report;
/// returns the report directory.
pub fn run(selection: &Selection) -> Result<PathBuf> {
    let root = paths::root();
    let kind = ReportKind::of(selection);
    let target = paths::target_dir(&root);
    let raw = kind.raw_dir(&target);
    let rounds = selection.rounds();
    let cases = plan(selection, 1);
    let round_probes: Vec<Vec<Probe>> = (1..=rounds).map(|r| probes(selection, r)).collect();
    let probe_count: usize = round_probes.iter().map(Vec::len).sum();
    if cases.is_empty() && probe_count == 0 {
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
    if probe_count > 0 {
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

    let per_round = (cases.len() + round_probes.first().map_or(0, Vec::len)) as u64;
    let total = per_round * rounds as u64;
    let started = Instant::now();
    let bar = progress_bar(total)?;
    eprintln!(
        "running {rounds} rounds of {} cases ({} profile) and {} memory probe processes each; \
         criterion's console output goes to {}",
        cases.len(),
        selection.profile,
        round_probes.first().map_or(0, Vec::len),
        raw.join("round-<k>/bench.log").display()
    );
    let probe_bin = target.join("release").join("queued-memory");
    for (i, probes) in round_probes.iter().enumerate() {
        let round = i + 1;
        let dir = out::round_dir(&raw, round);
        fs::create_dir_all(&dir).context(|| format!("creating {}", dir.display()))?;
        let offset = per_round * i as u64;
        if cases.is_empty() {
            // W9 alone: record the sizes and calibration all the same.
            write_meta_only(selection, &dir, round)?;
        } else {
            let mut cmd = Command::new(paths::cargo());
            cmd.args(["bench", "-p", "taskpool-benches", "--bench", "workloads"])
                .current_dir(&root)
                .env("CRITERION_HOME", dir.join("criterion"))
                .env(ENV_OUT, &dir)
                .env(ENV_ROUND, round.to_string())
                .env(ENV_PROGRESS, "1");
            for (k, v) in selection.to_env() {
                cmd.env(k, v);
            }
            run_logged(cmd, &dir.join("bench.log"), &bar, offset)?;
        }
        run_memory_probes(
            &probe_bin,
            probes,
            &dir,
            round,
            &bar,
            offset + cases.len() as u64,
        )?;
    }
    bar.finish_with_message(format!("measured in {:.0?}", started.elapsed()));
    eprintln!("measured in {:.0?}", started.elapsed());
    build_report(kind, &raw)
}

fn write_meta_only(selection: &Selection, dir: &Path, round: usize) -> Result<()> {
    let meta = BenchMeta {
        selection: selection.clone(),
        sizes: Workload::ALL
            .iter()
            .map(|&w| (w.id().to_owned(), selection.sizes(w)))
            .collect(),
        calibration: Calibration::measure(30),
        round,
    };
    let path = dir.join(out::META_FILE);
    out::write_json(&path, &meta).context(|| format!("writing {}", path.display()))
}

/// Runs W9's processes of one round, writing one `memory/` file per
/// successful process and one `skipped/` file per failed one.
fn run_memory_probes(
    probe_bin: &Path,
    probes: &[Probe],
    dir: &Path,
    round: usize,
    bar: &ProgressBar,
    offset: u64,
) -> Result<()> {
    for (done, probe) in probes.iter().enumerate() {
        let label = format!("{} (round {round})", probe.id());
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
        match memory_probe(probe_bin, probe) {
            Ok(mut result) => {
                result.round = round;
                let path = out::memory_file(dir, &result.row, result.capacity);
                out::write_json(&path, &result)
                    .context(|| format!("writing {}", path.display()))?;
            }
            Err(e) => {
                // Reported in REPORT.md's "Not measured" list; the row keeps
                // its other rounds.
                let path = out::row_file(dir, out::SKIPPED_DIR, &probe.id());
                let skipped = Skipped {
                    id: probe.id(),
                    reason: e.0,
                    round,
                };
                out::write_json(&path, &skipped)
                    .context(|| format!("writing {}", path.display()))?;
            }
        }
    }
    Ok(())
}

/// Runs the W9 probe for one row in its own process.
fn memory_probe(probe_bin: &Path, probe: &Probe) -> Result<MemoryResult> {
    let out = Command::new(probe_bin)
        .args([
            probe.row.as_str(),
            &probe.capacity.to_string(),
            &probe.tasks.to_string(),
        ])
        .output()
        .context(|| format!("running {}", probe_bin.display()))?;
    if !out.status.success() {
        return Err(Error(format!(
            "the W9 probe for `{}` failed: {}",
            probe.row,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    serde_json::from_slice(&out.stdout)
        .context(|| format!("reading the W9 probe output for `{}`", probe.row))
}

/// The file in a raw run directory recording where and when it ran.
pub const ENVIRONMENT_FILE: &str = "environment.json";

/// Collects the raw run in `raw` and writes the report of `kind` (for the
/// full report, the strategy READMEs' generated blocks too).
pub fn build_report(kind: ReportKind, raw: &Path) -> Result<PathBuf> {
    let root = paths::root();
    let env_path = raw.join(ENVIRONMENT_FILE);
    let environment = match fs::read_to_string(&env_path) {
        Ok(text) => {
            serde_json::from_str(&text).context(|| format!("parsing {}", env_path.display()))?
        }
        Err(_) => Environment::capture(&root),
    };
    let results = collect::collect(raw, kind.label(), environment, features::rows())?;
    let dir = kind.report_dir(&root);
    fs::create_dir_all(&dir).context(|| format!("creating {}", dir.display()))?;
    let rendered = report::render(&results)?;
    report::write(&dir, &rendered)?;
    if kind == ReportKind::Full {
        for note in readme::update(&root, &rendered.tables)? {
            eprintln!("{note}");
        }
    }
    Ok(dir)
}
