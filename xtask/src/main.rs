//! `cargo xtask`: bench | report | loom | soak | conformance. Run `cargo xtask --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use taskpool_benches::selection::Selection;
use taskpool_benches::sizes::Profile;
use taskpool_catalog::PoolKind;
use taskpool_measure::profile::{ProfileRun, ProfileText};
use xtask::error::{Error, Result};
use xtask::paths::{self, ReportKind};
use xtask::soak::SoakOptions;
use xtask::{bench, custom, loom, readme, report, results, soak};

/// Project automation for the taskpool workspace.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Benchmark every row on every workload of docs/workloads.md in
    /// repeated rounds and write the report (quick profile:
    /// comparisons/quick/; --full: comparisons/ and the strategy READMEs'
    /// generated blocks; narrowed or resized runs: comparisons/narrowed/);
    /// or, with --custom, your own workload described by a task profile
    /// (comparisons/custom/).
    Bench(Box<BenchArgs>),
    /// Rebuild REPORT.md and the charts without running anything (the full
    /// report: the strategy READMEs' generated blocks too).
    Report(ReportArgs),
    /// Run the loom models of every strategy crate.
    Loom {
        /// Only this crate: utils, taskpool, baselines, workerpool, ants or tunny.
        #[arg(long = "crate")]
        only: Option<String>,
    },
    /// Conformance suite with many cases plus the stress run, over every catalog pool.
    Soak(SoakArgs),
    /// The conformance verdict (find-all mode) on every catalog pool and
    /// third-party adapter: writes comparisons/CONFORMANCE.md.
    Conformance {
        /// Generated cases per property (1 to 1,000,000).
        #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        cases: u32,
        /// Seed (default: random, recorded in the report).
        #[arg(long)]
        seed: Option<u64>,
        /// Only these pools, comma-separated (names as in the report).
        #[arg(long, value_name = "A,B")]
        pools: Option<String>,
    },
}

#[derive(Debug, Args)]
struct BenchArgs {
    /// The full profile (the sizes of docs/workloads.md, five rounds): the committed report.
    #[arg(long)]
    full: bool,
    /// Only these rows, comma-separated (e.g. `ants,rayon`; a pool's name selects its
    /// raw, strategy-specific and +tls rows too); the reference rows always run.
    #[arg(long, value_name = "A,B")]
    pools: Option<String>,
    /// Only these workloads, comma-separated (W1–W9, S1, S2).
    #[arg(long, value_name = "W1,W3")]
    workloads: Option<String>,
    /// Use this pool capacity in every workload (not on the S1 capacity
    /// curve); at most 4096, the pools' own limit.
    #[arg(long, value_name = "N")]
    capacity: Option<String>,
    /// Use this many tasks per batch in every workload (not W8's call
    /// count); at most 10,000,000.
    #[arg(long, value_name = "N")]
    tasks: Option<String>,
    /// Run this many rounds instead of the profile's (quick 3, full 5); one
    /// round names no winner. At most 100.
    #[arg(long, value_name = "N")]
    rounds: Option<String>,
    /// Only list the cases of the selection (round 1's order) and estimate its duration.
    #[arg(long)]
    list: bool,
    #[command(flatten)]
    custom: CustomArgs,
}

/// Your own workload, described by a task profile: every pool, the raw
/// crates and the floor, in rounds of fresh processes → comparisons/custom/.
#[derive(Debug, Args)]
struct CustomArgs {
    /// Measure a workload described by the profile below instead of the
    /// standard matrix (with --tasks, --rounds and --pools).
    #[arg(long, conflicts_with_all = ["full", "workloads", "capacity", "list"])]
    custom: bool,
    /// Task durations: `50us`, `uniform:10us..200us`, or
    /// `lognormal:median=50us,p99=1ms` (the default).
    #[arg(long, requires = "custom", value_name = "DIST")]
    duration: Option<String>,
    /// The share of each task spent sleeping (blocking) rather than
    /// spinning: `0.5` (the default) or `50%`.
    #[arg(long, requires = "custom", value_name = "SHARE")]
    blocking: Option<String>,
    /// Bytes each task carries from its creation until it has run: `4KiB`.
    #[arg(long, requires = "custom", value_name = "SIZE")]
    alloc: Option<String>,
    /// Threads submitting the tasks (1, the default, is the calling thread).
    #[arg(long, requires = "custom", value_name = "N")]
    submitters: Option<String>,
    /// Pool capacities to try (default: the cores and four times the cores).
    #[arg(long, requires = "custom", value_name = "A,B")]
    capacities: Option<String>,
    /// Timed batches per row and round (default 4).
    #[arg(long, requires = "custom", value_name = "N")]
    samples: Option<String>,
    /// Each submit waits until its task has run; latency per call recorded.
    #[arg(long, requires = "custom")]
    await_results: bool,
    /// Seed of the drawn durations.
    #[arg(long, requires = "custom")]
    seed: Option<u64>,
}

/// The profile run `args` describe (`--custom`).
fn profile_run(args: &BenchArgs) -> Result<ProfileRun> {
    let c = &args.custom;
    ProfileText {
        duration: c.duration.as_deref(),
        blocking: c.blocking.as_deref(),
        alloc: c.alloc.as_deref(),
        tasks: args.tasks.as_deref(),
        submitters: c.submitters.as_deref(),
        capacities: c.capacities.as_deref(),
        rounds: args.rounds.as_deref(),
        samples: c.samples.as_deref(),
        pools: args.pools.as_deref(),
        await_results: c.await_results,
        seed: c.seed,
    }
    .parse()
    .map_err(|e| Error(e.to_string()))
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// Which report: quick (default), full, narrowed or custom.
    #[arg(long, default_value = "quick")]
    profile: String,
    /// Re-read the raw criterion output of the last run of that profile
    /// (under the target directory) instead of its results.json.
    #[arg(long)]
    from_raw: bool,
    /// Read this results.json instead (writes the report beside it).
    #[arg(long, value_name = "FILE", conflicts_with = "from_raw")]
    results: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct SoakArgs {
    /// Only these pools, comma-separated.
    #[arg(long, value_name = "A,B")]
    pools: Option<String>,
    /// Generated cases per conformance property (1 to 1,000,000).
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    cases: u32,
    /// Tasks over each pool's stress run (1 to 1,000,000,000).
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    tasks: u64,
    /// Pool lifetimes in each stress run (1 to 10,000).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    rounds: u32,
    /// Seed (default: random, printed in the output).
    #[arg(long)]
    seed: Option<u64>,
}

fn selection(args: &BenchArgs) -> Result<Selection> {
    let mut sel = Selection::new(if args.full {
        Profile::Full
    } else {
        Profile::Quick
    });
    if let Some(p) = &args.pools {
        sel.pools = Some(Selection::parse_pools(p)?);
    }
    if let Some(w) = &args.workloads {
        sel.workloads = Some(Selection::parse_workloads(w)?);
    }
    if let Some(c) = &args.capacity {
        sel.capacity = Some(Selection::parse_count("capacity", c)?);
    }
    if let Some(t) = &args.tasks {
        sel.tasks = Some(Selection::parse_count("tasks", t)?);
    }
    if let Some(r) = &args.rounds {
        sel.rounds = Some(Selection::parse_count("rounds", r)?);
    }
    Ok(sel)
}

/// `--list`: every case of round 1 in its order, the W9 processes, and a
/// lower bound of the duration.
fn list(sel: &Selection) {
    let cases = taskpool_benches::plan::plan(sel, 1);
    let probes = taskpool_benches::plan::probes(sel, 1);
    for case in &cases {
        println!("{case}");
    }
    for probe in &probes {
        println!("{} (a process of its own)", probe.id());
    }
    let rounds = sel.rounds();
    println!(
        "{} cases and {} memory probe processes per round, {rounds} rounds; at least ~{:.0} min",
        cases.len(),
        probes.len(),
        bench::estimate(sel).as_secs_f64() / 60.0
    );
}

fn report_kind(profile: &str) -> Result<ReportKind> {
    match profile {
        "quick" => Ok(ReportKind::Quick),
        "full" => Ok(ReportKind::Full),
        "narrowed" => Ok(ReportKind::Narrowed),
        "custom" => Ok(ReportKind::Custom),
        other => Err(Error(format!(
            "unknown report `{other}` (expected quick, full, narrowed or custom)"
        ))),
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Cmd::Bench(args) if args.custom.custom => {
            let dir = custom::run(&profile_run(&args)?)?;
            println!("report written to {}", dir.join("REPORT.md").display());
        }
        Cmd::Bench(args) => {
            let sel = selection(&args)?;
            if args.list {
                list(&sel);
                return Ok(());
            }
            let dir = bench::run(&sel)?;
            println!("report written to {}", dir.join("REPORT.md").display());
        }
        Cmd::Report(args) => {
            let root = paths::root();
            let (dir, results) = if let Some(file) = args.results {
                let dir = file
                    .parent()
                    .map_or_else(|| PathBuf::from("."), PathBuf::from);
                (dir, results::load(&file)?)
            } else {
                let kind = report_kind(&args.profile)?;
                if kind == ReportKind::Custom {
                    if args.from_raw {
                        return Err(Error(
                            "--from-raw does not apply to the custom report: it re-renders \
                             from comparisons/custom/results.json"
                                .into(),
                        ));
                    }
                    let dir = custom::rerender()?;
                    println!("report rebuilt into {}", dir.join("REPORT.md").display());
                    return Ok(());
                }
                if args.from_raw {
                    let raw = kind.raw_dir(&paths::target_dir(&root));
                    let dir = bench::build_report(kind, &raw)?;
                    println!(
                        "report rebuilt from {} into {}",
                        raw.display(),
                        dir.join("REPORT.md").display()
                    );
                    return Ok(());
                }
                let dir = kind.report_dir(&root);
                let results = results::load(&dir.join("results.json"))?;
                (dir, results)
            };
            let rendered = report::render(&results)?;
            report::write(&dir, &rendered)?;
            println!("report rebuilt into {}", dir.join("REPORT.md").display());
            if dir == ReportKind::Full.report_dir(&root) {
                for note in readme::update(&root, &rendered.tables)? {
                    println!("{note}");
                }
            }
        }
        Cmd::Loom { only } => loom::run(only.as_deref())?,
        Cmd::Conformance { cases, seed, pools } => {
            if cases == 0 {
                return Err(Error("--cases must be at least 1".into()));
            }
            let pools = pools.map(|p| p.split(',').map(|s| s.trim().to_owned()).collect());
            let path =
                xtask::conformance::run(&xtask::conformance::Options { cases, seed, pools })?;
            println!("verdict written to {}", path.display());
        }
        Cmd::Soak(args) => {
            let pools = match &args.pools {
                None => None,
                Some(list) => Some(
                    list.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| s.parse::<PoolKind>().map_err(|e| Error(e.to_string())))
                        .collect::<Result<Vec<_>>>()?,
                ),
            };
            if args.cases == 0 || args.tasks == 0 || args.rounds == 0 {
                return Err(Error(
                    "--cases, --tasks and --rounds must be at least 1".into(),
                ));
            }
            soak::run(&SoakOptions {
                pools,
                cases: args.cases,
                tasks: args.tasks,
                rounds: args.rounds,
                seed: args.seed,
            })?;
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
