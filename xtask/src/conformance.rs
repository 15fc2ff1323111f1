//! `cargo xtask conformance`: the conformance suite in find-all mode over
//! every catalog pool and every third-party adapter, written to
//! `comparisons/CONFORMANCE.md`.
//!
//! The run is long (many cases per property, every pool); it is not part of
//! CI. Rendering is a pure function of the run ([`render`]), tested on its
//! own.

use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use taskpool::{Admission, BuildError, TaskPool};
use taskpool_adapters::Adapter;
use taskpool_catalog::PoolKind;
use taskpool_conformance::{replay_with, verify_all, Config, Findings, Property, Rule};

use crate::error::{Context, Result};
use crate::machine::Environment;
use crate::paths;

/// How much the verdict runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Cases per property (the long-case properties run their share).
    pub cases: u32,
    /// Seed of every pool's run (`None`: random, recorded in the report).
    pub seed: Option<u64>,
    /// Only the pools with these names (`None`: all).
    pub pools: Option<Vec<String>>,
}

/// One pool's verdict.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The pool's name.
    pub name: String,
    /// Where it comes from: this workspace's catalog, or the crate wrapped.
    pub origin: String,
    /// For an adapter: what it adds to the library.
    pub adds: Option<String>,
    /// The admission it was checked under.
    pub admission: Admission,
    /// What the suite found (every broken rule once).
    pub findings: Findings,
    /// Rule 9: `None` if building with capacity 0 was refused, otherwise
    /// what happened.
    pub zero_capacity: Option<String>,
    /// Per violation (in the order of `findings.violations`): on which of
    /// [`REPLAYS`] replays of its minimal script, with the first failure's
    /// full watchdog, it failed again (`None`: it did not).
    pub replayed: Vec<Option<u64>>,
}

/// Replays of each violation's minimal script, with the watchdog of a
/// property's first failure: a violation found under the shorter watchdog
/// of later passes and shrinking is only believed once it shows again
/// (or is marked as not seen again).
pub const REPLAYS: u32 = 3;

/// Facts about the run, for the report's header.
#[derive(Debug, Clone)]
pub struct RunFacts {
    /// The machine and toolchain.
    pub environment: Environment,
    /// The configuration every pool ran with (the catalog's case count).
    pub config: Config,
    /// Cases per property for the third-party adapters.
    pub adapter_cases: u32,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

/// What a third-party library's broken rule means, and the direct,
/// adapter-free test that reproduces it.
struct Note {
    pool: &'static str,
    rule: Rule,
    text: &'static str,
}

/// Reproduced in `crates/adapters/tests/upstream.rs` before being reported.
const NOTES: &[Note] = &[
    Note {
        pool: "rusty_pool",
        rule: Rule::ThreadsExited,
        text: "The library's choice, documented: `shutdown_join` waits until the workers are \
               idle, not until their threads have exited (reproduced without the adapter by \
               `rusty_pool_shutdown_join_returns_before_its_threads_exit`). Harmless for most \
               programs; it matters to one that must know no pool thread outlives a shutdown.",
    },
    Note {
        pool: "rusty_pool",
        rule: Rule::StopIdempotentAndReentrant,
        text: "A task that waits for another task (`evaluate(..).await_complete()`) while \
               every worker waits the same way deadlocks: the library cannot tell that the \
               wait comes from its own worker, so it can neither run the child inline nor \
               refuse it (reproduced by \
               `rusty_pool_task_waiting_for_a_task_on_a_full_pool_deadlocks`). The same holds \
               for any plain queue; the adapter uses the trait's provided `submit_wait`.",
    },
    Note {
        pool: "threadpool-direct",
        rule: Rule::ThreadsExited,
        text: "The library has no shutdown and never joins its threads: dropping the pool lets \
               them finish the queue and exit on their own (reproduced by \
               `threadpool_never_joins_its_threads`). A documented design, not a bug; the \
               workspace's `threadpool` baseline adds the thread-exit tracking that keeps rule 6.",
    },
    Note {
        pool: "threadpool-direct",
        rule: Rule::StopIdempotentAndReentrant,
        text: "A task that waits for another task while every worker waits the same way \
               deadlocks: a plain queue with no way to know the wait comes from one of its \
               workers (reproduced by \
               `threadpool_task_waiting_for_a_task_on_a_full_pool_deadlocks`). The same holds \
               for any plain queue; the adapter uses the trait's provided `submit_wait`.",
    },
    Note {
        pool: "futures-executor",
        rule: Rule::PanicsSurvived,
        text: "A panicking task unwinds its worker thread, which is not replaced: the pool runs \
               with one thread fewer for good (reproduced by \
               `futures_thread_pool_loses_a_thread_to_a_panicking_task`). The pool is built for \
               futures that do not panic; `futures::FutureExt::catch_unwind` is the documented \
               way to contain one, and a user running plain closures on it should wrap them.",
    },
    Note {
        pool: "futures-executor",
        rule: Rule::ThreadsExited,
        text: "Dropping the last handle sends each thread a close message and returns; threads \
               are never joined (reproduced by `futures_thread_pool_never_joins_its_threads`). \
               The library has no shutdown API; this is its design.",
    },
    Note {
        pool: "futures-executor",
        rule: Rule::StopIdempotentAndReentrant,
        text: "A task that blocks waiting for another task while every thread does the same \
               deadlocks (reproduced by \
               `futures_thread_pool_task_blocking_on_a_task_on_a_full_pool_deadlocks`); futures \
               are meant to `.await` instead of blocking a pool thread, so this is misuse the \
               library's docs warn against, reported because the trait's `submit_wait` is a \
               blocking wait.",
    },
    Note {
        pool: "tokio-blocking",
        rule: Rule::StopIdempotentAndReentrant,
        text: "A blocking task that waits for a blocking task it spawned, while every blocking \
               thread (up to `max_blocking_threads`) waits the same way, deadlocks: the pool \
               queues what it cannot start, behind the waiters (reproduced by \
               `tokio_blocking_task_waiting_for_a_blocking_task_on_a_full_pool_deadlocks`). \
               tokio documents `spawn_blocking` for work that finishes on its own; async code \
               would `.await` the `JoinHandle` instead. The adapter uses the trait's provided \
               `submit_wait`.",
    },
    Note {
        pool: "scheduled-thread-pool",
        rule: Rule::ThreadsExited,
        text: "The library has no shutdown call and never joins its threads: dropping the pool \
               tells them to run the pending jobs and exit on their own (reproduced by \
               `scheduled_thread_pool_never_joins_its_threads`). Its documented design.",
    },
    Note {
        pool: "scheduled-thread-pool",
        rule: Rule::StopIdempotentAndReentrant,
        text: "A job that waits for a job it queued, while every thread waits the same way, \
               deadlocks: a plain queue with no way to know the wait comes from one of its \
               threads (reproduced by \
               `scheduled_thread_pool_job_waiting_for_a_job_on_a_full_pool_deadlocks`). The \
               adapter uses the trait's provided `submit_wait`.",
    },
];

/// What the report says of a third-party violation that has no note: no
/// adapter-free test has reproduced it, so it is not the library's yet.
const UNCONFIRMED: &str = "Not reproduced without the adapter: this may be the adapter's fault, \
                           not the library's, and is not a verdict on the library.";

/// Cases per property for the third-party adapters (at most): a library
/// that deadlocks on a generated case (every nested `submit_wait`, every
/// panic on a pool that loses the thread) costs the watchdog on each such
/// case, so these runs are far slower than the catalog's. 128 keeps the
/// whole verdict within about 40 minutes on 2 cores.
pub const ADAPTER_CASES: u32 = 128;

/// Runs the verdict and writes `comparisons/CONFORMANCE.md`; returns its path.
pub fn run(options: &Options) -> Result<PathBuf> {
    let started = Instant::now();
    // Before the run: the revision and date of the code this binary was
    // built from, not of whatever HEAD is when a long run ends.
    let root = paths::root();
    let environment = Environment::capture(&root);
    let mut config = Config::default()
        .with_cases(options.cases)
        .with_find_all(true);
    // A pool that hangs is caught by the first hang (10 s); later hangs of
    // the same rule only cost time, so passes after it and shrinking wait
    // 4 s. The longest correct cases (thousands of tasks on thread-per-task,
    // debug build, loaded machine) take about half a second, and every
    // violation is replayed with the 10 s watchdog before it is reported.
    config.timeout = Duration::from_secs(10);
    config.shrink_timeout = Duration::from_secs(4);
    config.max_shrink_time = Duration::from_secs(20);
    if let Some(seed) = options.seed {
        config.seed = seed;
    }
    let wanted = |name: &str| {
        options
            .pools
            .as_ref()
            .is_none_or(|list| list.iter().any(|p| p == name))
    };
    let mut adapter_config = config.clone();
    adapter_config.cases = options.cases.min(ADAPTER_CASES);
    let mut verdicts = Vec::new();
    for &kind in PoolKind::ALL {
        if !wanted(kind.name()) {
            continue;
        }
        eprintln!("conformance: {kind} ...");
        let verdict = judge(
            kind.name(),
            "catalog".to_owned(),
            None,
            kind.features().admission,
            move |c| taskpool_catalog::build(kind, c),
            &config,
        );
        eprintln!("conformance: {kind}: {}", verdict.findings.summary);
        verdicts.push(verdict);
    }
    for &adapter in Adapter::ALL {
        if !wanted(adapter.name()) {
            continue;
        }
        eprintln!("conformance: {} ...", adapter.name());
        let verdict = judge(
            adapter.name(),
            adapter.library().to_owned(),
            Some(adapter.adds().to_owned()),
            adapter.admission(),
            move |c| adapter.build(c),
            &adapter_config,
        );
        eprintln!(
            "conformance: {}: {}",
            adapter.name(),
            verdict.findings.summary
        );
        verdicts.push(verdict);
    }
    let facts = RunFacts {
        environment,
        config,
        adapter_cases: adapter_config.cases,
        elapsed: started.elapsed(),
    };
    let path = root.join("comparisons").join("CONFORMANCE.md");
    fs::write(&path, render(&verdicts, &facts))
        .context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

fn judge<B>(
    name: &str,
    origin: String,
    adds: Option<String>,
    admission: Admission,
    builder: B,
    config: &Config,
) -> Verdict
where
    B: Fn(usize) -> std::result::Result<Box<dyn TaskPool>, BuildError> + Send + Sync + 'static,
{
    let zero_capacity = match builder(0) {
        Err(_) => None,
        Ok(pool) => {
            pool.stop();
            Some("building with capacity 0 succeeded".to_owned())
        }
    };
    let builder = Arc::new(builder);
    let factory = move |c| match builder(c) {
        Ok(pool) => pool,
        Err(e) => panic!("building with capacity {c} failed: {e}"),
    };
    let findings = verify_all(factory.clone(), admission, config);
    let replayed = findings
        .violations
        .iter()
        .map(|v| {
            let script = v.case.as_deref()?;
            match replay_with(factory.clone(), admission, script, REPLAYS, config) {
                Ok(_) => None,
                Err(again) => Some(again.cases_to_fail),
            }
        })
        .collect();
    Verdict {
        name: name.to_owned(),
        origin,
        adds,
        admission,
        findings,
        zero_capacity,
        replayed,
    }
}

/// The rules in the verdict table's order.
fn rules() -> Vec<Rule> {
    Rule::ALL.to_vec()
}

/// The report, from the verdicts and the facts of the run.
pub fn render(verdicts: &[Verdict], facts: &RunFacts) -> String {
    let mut out = String::new();
    let env = &facts.environment;
    let config = &facts.config;
    let _ = writeln!(out, "# Conformance verdict\n");
    let _ = writeln!(
        out,
        "Generated by `cargo xtask conformance`; do not edit. Regenerate with \
         `cargo xtask conformance --cases {} --seed {}`.\n",
        config.cases, config.seed
    );
    let _ = writeln!(
        out,
        "Every pool of the catalog and every third-party adapter of `taskpool-adapters`, \
         checked by `taskpool-conformance` in find-all mode: each property runs all its \
         cases, and each broken rule is reported once, with the minimal script that shows \
         it. A third-party verdict is the library's own behaviour through the thinnest \
         adapter that gives it the `TaskPool` trait (what each adds is listed below); a \
         broken rule is reported only after a direct test without the adapter reproduced \
         it (`crates/adapters/tests/upstream.rs`).\n"
    );
    let _ = writeln!(
        out,
        "Run at `{}` on {}, {} ({} cores), {}; {} in all.\n",
        env.git_revision,
        env.date,
        env.cpu_model,
        env.cores,
        env.rustc.lines().next().unwrap_or("rustc"),
        fmt_duration(facts.elapsed)
    );
    let per_property = |cases: u32| -> String {
        let config = config.clone().with_cases(cases);
        config
            .properties
            .iter()
            .map(|p| format!("`{}` {}", p.name(), p.cases(&config)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "Cases per property (a case builds a fresh pool and runs one generated script): catalog \
         pools {}; third-party adapters {} (a library that deadlocks on a generated case costs \
         the watchdog on every such case). Capacities up to {}; watchdog {:?} for the first \
         failure of a property, {:?} while shrinking and after it (a rule found by a hang tends \
         to hang again); exit grace {:?} (strict). Seed {} for every pool \
         (`TASKPOOL_CONFORMANCE_SEED` replays it).\n",
        per_property(config.cases),
        per_property(facts.adapter_cases),
        config.max_capacity,
        config.timeout,
        config.shrink_timeout,
        config.exit_grace,
        config.seed
    );

    // The table.
    let _ = write!(out, "| pool | from | admission | cases |");
    for rule in rules() {
        let _ = write!(out, " {} |", rule.short_name());
    }
    let _ = write!(out, "\n|---|---|---|---:|");
    for _ in rules() {
        let _ = write!(out, ":-:|");
    }
    out.push('\n');
    for v in verdicts {
        let _ = write!(
            out,
            "| {} | {} | {} | {} |",
            v.name,
            v.origin,
            v.admission,
            v.findings.summary.cases()
        );
        for rule in rules() {
            let broken = if rule == Rule::BadConfigRejected {
                v.zero_capacity.is_some()
            } else {
                v.findings.violation_of(rule).is_some()
            };
            let _ = write!(out, " {} |", if broken { "✗" } else { "✓" });
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "\n✓: no case broke the rule (the pool's whole run, `cases` cases over every property, \
         checks every rule it can observe); ✗: broken, see below. Rule 9 is checked once per \
         pool, by building it with capacity 0.\n"
    );

    // Cases per property, per pool.
    let _ = writeln!(out, "## Cases run, per pool and property\n");
    let _ = write!(out, "| pool |");
    for p in &config.properties {
        let _ = write!(out, " {} |", p.name());
    }
    let _ = write!(out, " time |\n|---|");
    for _ in &config.properties {
        out.push_str("---:|");
    }
    out.push_str("---:|\n");
    for v in verdicts {
        let _ = write!(out, "| {} |", v.name);
        for p in &config.properties {
            let _ = write!(out, " {} |", cases_of(&v.findings, *p));
        }
        let _ = writeln!(out, " {} |", fmt_duration(v.findings.summary.elapsed));
    }

    // Third-party adapters.
    let _ = writeln!(out, "\n## What each adapter adds\n");
    for v in verdicts.iter().filter(|v| v.adds.is_some()) {
        let _ = writeln!(
            out,
            "- **{}** ({}): {}.",
            v.name,
            v.origin,
            v.adds.as_deref().unwrap_or_default()
        );
    }

    // Violations.
    let _ = writeln!(out, "\n## Violations\n");
    let mut any = false;
    for v in verdicts {
        if let Some(message) = &v.zero_capacity {
            any = true;
            let _ = writeln!(out, "### {}: rule 9\n\n{message}.\n", v.name);
        }
        for (n, violation) in v.findings.violations.iter().enumerate() {
            any = true;
            let _ = writeln!(out, "### {}: {}\n", v.name, violation.rule);
            let note = NOTES
                .iter()
                .find(|n| n.pool == v.name && n.rule == violation.rule);
            match (note, v.adds.is_some()) {
                (Some(note), _) => {
                    let _ = writeln!(out, "{}\n", note.text);
                }
                (None, true) => {
                    let _ = writeln!(out, "{UNCONFIRMED}\n");
                }
                (None, false) => {}
            }
            let _ = writeln!(
                out,
                "Found by property `{}` (seed {}, case {}, {} shrink runs). What happened: {}\n",
                violation.property.map_or("-", Property::name),
                violation.seed,
                violation.cases_to_fail,
                violation.shrink_runs,
                violation.message
            );
            match v.replayed.get(n).copied().flatten() {
                Some(run) => {
                    let _ = writeln!(
                        out,
                        "The minimal script failed again on replay {run} of {REPLAYS}.\n"
                    );
                }
                None if violation.case.is_some() => {
                    let _ = writeln!(
                        out,
                        "The minimal script did not fail again in {REPLAYS} replays: a rare \
                         race, or a false alarm; treat with care.\n"
                    );
                }
                None => {}
            }
            if let Some(case) = &violation.case {
                let _ = writeln!(out, "Minimal script:\n\n```rust\n{}\n```\n", case.to_rust());
            } else {
                let _ = writeln!(out, "Script: `{}`\n", violation.script);
            }
        }
    }
    if !any {
        let _ = writeln!(out, "None.");
    }
    out
}

fn cases_of(findings: &Findings, property: Property) -> u64 {
    findings.summary.cases_of(property)
}

fn fmt_duration(d: Duration) -> String {
    let secs = d.as_secs();
    if secs >= 60 {
        format!("{} min {} s", secs / 60, secs % 60)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_says_it_is_generated_and_lists_every_rule_and_violation() {
        let config = Config::default()
            .with_cases(2)
            .with_seed(3)
            .with_find_all(true)
            .with_properties(&[Property::Capacity]);
        let findings = verify_all(|_| taskpool::InlinePool::new(), Admission::Queue, &config);
        assert!(
            !findings.violations.is_empty(),
            "InlinePool reports capacity 1"
        );
        let verdict = Verdict {
            name: "inline".to_owned(),
            origin: "taskpool".to_owned(),
            adds: Some("nothing".to_owned()),
            admission: Admission::Queue,
            findings,
            zero_capacity: Some("building with capacity 0 succeeded".to_owned()),
            replayed: vec![Some(1)],
        };
        let facts = RunFacts {
            environment: Environment::capture(&paths::root()),
            config,
            adapter_cases: 1,
            elapsed: Duration::from_secs(1),
        };
        let text = render(&[verdict], &facts);
        assert!(text.contains("Generated by `cargo xtask conformance`; do not edit."));
        for rule in Rule::ALL {
            assert!(text.contains(rule.short_name()), "{}", rule.short_name());
        }
        assert!(text.contains("### inline: rule 9"));
        assert!(text.contains("`capacity` 2"));
        assert!(text.contains("Step::Threads"), "{text}");
        // An adapter's violation without an adapter-free reproduction is
        // not stated as the library's.
        assert!(text.contains(UNCONFIRMED), "{text}");
        assert!(text.contains("failed again on replay 1 of 3"), "{text}");
    }
}
