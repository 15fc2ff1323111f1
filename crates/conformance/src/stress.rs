//! [`stress`]: the soak run — millions of tiny tasks from 8 submitters over
//! many pool lifetimes, each ending in a shutdown race.

use std::fmt;
use std::panic;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use taskpool::{Admission, Task, TaskPool};

use crate::config::{mix, random_seed};
use crate::watchdog::{watch, Watched};
use crate::{Probe, Rule, Violation};

/// How much [`stress`] runs.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StressConfig {
    /// Tasks submitted over the whole run (split evenly over the rounds).
    pub tasks: u64,
    /// Submitter threads per round.
    pub submitters: usize,
    /// Capacity of every pool built.
    pub capacity: usize,
    /// Pool lifetimes; each ends in a shutdown race.
    pub rounds: u32,
    /// Seed of the rounds' choices (shutdown kind, when it strikes).
    pub seed: u64,
    /// Watchdog per round.
    pub timeout: Duration,
    /// Patience for threads finishing their exit after a stop returned.
    pub exit_grace: Duration,
}

impl Default for StressConfig {
    fn default() -> Self {
        StressConfig {
            tasks: 1_000_000,
            submitters: 8,
            capacity: 4,
            rounds: 20,
            seed: random_seed(),
            timeout: Duration::from_secs(300),
            exit_grace: Duration::from_secs(2),
        }
    }
}

/// What a [`stress`] run saw.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StressReport {
    /// The pool's name.
    pub pool: String,
    /// The run's seed.
    pub seed: u64,
    /// The seed of each round, in order.
    pub round_seeds: Vec<u64>,
    /// Submit calls made (a task retried after `Overloaded` counts again).
    pub submitted: u64,
    /// Tasks accepted.
    pub accepted: u64,
    /// Refusals with `Stopped`.
    pub refused_stopped: u64,
    /// Refusals with `Overloaded` (each retried).
    pub refused_overloaded: u64,
    /// Tasks that ran.
    pub run: u64,
    /// Accepted tasks dropped unrun by a `stop`.
    pub dropped_by_stop: u64,
    /// The most tasks seen running at once.
    pub max_concurrency: usize,
    /// Threads that finished exiting only after their stop returned (within
    /// the grace period).
    pub late_thread_exits: u64,
    /// Violations found (0: a violation ends the run with `Err`).
    pub violations: u64,
    /// Wall time.
    pub elapsed: Duration,
}

impl fmt::Display for StressReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pool `{}`: {} rounds (seed {}), {} submits, {} accepted, {} run, {} dropped by stop, \
             {} refused (stopped), {} refused (overloaded), max {} at once, {} late thread exits, \
             {} violations, {:.1?}",
            self.pool,
            self.round_seeds.len(),
            self.seed,
            self.submitted,
            self.accepted,
            self.run,
            self.dropped_by_stop,
            self.refused_stopped,
            self.refused_overloaded,
            self.max_concurrency,
            self.late_thread_exits,
            self.violations,
            self.elapsed
        )
    }
}

/// How a stress round ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    StopWait,
    Stop,
    Drop,
}

/// Counters of one round, shared with its tasks and submitters.
struct Round {
    probe: Probe,
    /// `runs[i]`: how many times task `i` started (must end up 0 or 1).
    runs: Vec<AtomicU8>,
    /// `accepted[i]`: 1 once task `i`'s submit returned `Ok`; 2 if refused
    /// with `Stopped`.
    state: Vec<AtomicU8>,
    /// Set once a `stop`/`stop_wait` call has returned; a task starting after
    /// that is a violation.
    stop_returned: AtomicBool,
    started_after_stop: AtomicU64,
    submitted: AtomicU64,
    overloaded: AtomicU64,
    /// `Overloaded` from `submit` on a pool whose admission does not allow it.
    bad_overloaded: AtomicU64,
    /// Submits so far, to time the shutdown.
    progress: AtomicU64,
}

/// Soaks a pool: `config.rounds` pool lifetimes, each with
/// `config.submitters` threads submitting tiny tasks (one in 1,000 panics)
/// while a stopper fires `stop`, `stop_wait` or a drop at a random moment.
/// Checks exactly-once (at-most-once after `stop`), nothing starting after a
/// stop returned, refused tasks never running, capacity, and thread exit.
pub fn stress<F, P>(
    factory: F,
    admission: Admission,
    config: &StressConfig,
) -> Result<StressReport, Violation>
where
    F: Fn(usize) -> P + Send + Sync + 'static,
    P: TaskPool + 'static,
{
    let started = Instant::now();
    let factory: Arc<dyn Fn(usize) -> Box<dyn TaskPool> + Send + Sync> =
        Arc::new(move |capacity| Box::new(factory(capacity)));
    let mut report = StressReport {
        pool: String::new(),
        seed: config.seed,
        round_seeds: Vec::new(),
        submitted: 0,
        accepted: 0,
        refused_stopped: 0,
        refused_overloaded: 0,
        run: 0,
        dropped_by_stop: 0,
        max_concurrency: 0,
        late_thread_exits: 0,
        violations: 0,
        elapsed: Duration::ZERO,
    };
    let rounds = config.rounds.max(1);
    let per_round = usize::try_from(config.tasks / u64::from(rounds))
        .unwrap_or(usize::MAX)
        .max(1);
    for r in 0..rounds {
        let seed = mix(config.seed, u64::from(r));
        report.round_seeds.push(seed);
        let ending = match seed % 3 {
            0 => Ending::StopWait,
            1 => Ending::Stop,
            _ => Ending::Drop,
        };
        // Strike somewhere in the second half, or after everything (1 in 4).
        let strike = if (seed >> 8).is_multiple_of(4) {
            u64::MAX
        } else {
            per_round as u64 / 2 + (seed >> 16) % (per_round as u64 / 2 + 1)
        };
        let script = format!(
            "stress round {r}: {ending:?} after {} submits, {per_round} tasks, {} submitters, \
             capacity {}",
            if strike == u64::MAX {
                "all".to_owned()
            } else {
                strike.to_string()
            },
            config.submitters,
            config.capacity
        );
        let violation = |rule: Rule, message: String, pool: &str| Violation {
            rule,
            promise: rule,
            property: None,
            pool: pool.to_owned(),
            admission: Some(admission),
            message,
            script: script.clone(),
            case: None,
            seed: config.seed,
            cases_to_fail: u64::from(r) + 1,
            shrink_runs: 0,
            also: Vec::new(),
        };
        let f = Arc::clone(&factory);
        let cfg = config.clone();
        let outcome = watch("conformance-stress", config.timeout, move || {
            round(&*f, admission, &cfg, per_round, ending, strike)
        });
        let pool_name = report.pool.clone();
        match outcome {
            Watched::Done(Ok(stats)) => {
                if report.pool.is_empty() {
                    report.pool = stats.pool.clone();
                }
                report.submitted += stats.submitted;
                report.accepted += stats.accepted;
                report.refused_stopped += stats.refused_stopped;
                report.refused_overloaded += stats.overloaded;
                report.run += stats.run;
                report.dropped_by_stop += stats.accepted.saturating_sub(stats.run);
                report.max_concurrency = report.max_concurrency.max(stats.max_concurrency);
                report.late_thread_exits += stats.late_exits;
            }
            Watched::Done(Err((rule, message, pool))) => {
                return Err(violation(rule, message, &pool))
            }
            Watched::Panicked(msg) => {
                return Err(violation(
                    Rule::Liveness,
                    format!("a pool method panicked into the caller: {msg}"),
                    &pool_name,
                ))
            }
            Watched::Hung => {
                return Err(violation(
                    Rule::Liveness,
                    format!("the round did not finish within {:?}", config.timeout),
                    &pool_name,
                ))
            }
        }
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

struct RoundStats {
    pool: String,
    submitted: u64,
    accepted: u64,
    refused_stopped: u64,
    overloaded: u64,
    run: u64,
    max_concurrency: usize,
    late_exits: u64,
}

type RoundError = (Rule, String, String);

fn round(
    factory: &(dyn Fn(usize) -> Box<dyn TaskPool> + Send + Sync),
    admission: Admission,
    config: &StressConfig,
    tasks: usize,
    ending: Ending,
    strike: u64,
) -> Result<RoundStats, RoundError> {
    let pool: Arc<Box<dyn TaskPool>> = Arc::new(factory(config.capacity));
    let name = pool.name().to_owned();
    let err = |rule: Rule, message: String| (rule, message, name.clone());
    let shared = Arc::new(Round {
        probe: Probe::new(),
        runs: (0..tasks).map(|_| AtomicU8::new(0)).collect(),
        state: (0..tasks).map(|_| AtomicU8::new(0)).collect(),
        stop_returned: AtomicBool::new(false),
        started_after_stop: AtomicU64::new(0),
        submitted: AtomicU64::new(0),
        overloaded: AtomicU64::new(0),
        bad_overloaded: AtomicU64::new(0),
        progress: AtomicU64::new(0),
    });
    shared.probe.exclude_current_thread();
    let submitters = config.submitters.max(1);
    let start = Arc::new(Barrier::new(submitters + 1));
    let mut threads = Vec::new();
    for s in 0..submitters {
        let (pool, shared, start) = (Arc::clone(&pool), Arc::clone(&shared), Arc::clone(&start));
        threads.push(thread::spawn(move || {
            shared.probe.exclude_current_thread();
            start.wait();
            let mut i = s;
            while i < tasks {
                let mut task = make(&shared, i);
                loop {
                    shared.submitted.fetch_add(1, Ordering::Relaxed);
                    let result = if i % 7 == 0 {
                        pool.try_submit(task)
                    } else {
                        pool.submit(task)
                    };
                    match result {
                        Ok(()) => {
                            shared.state[i].store(1, Ordering::SeqCst);
                            break;
                        }
                        Err(refused) if refused.is_overloaded() => {
                            if i % 7 != 0 && admission != Admission::Reject {
                                shared.bad_overloaded.fetch_add(1, Ordering::Relaxed);
                            }
                            shared.overloaded.fetch_add(1, Ordering::Relaxed);
                            task = refused.into_task();
                            thread::yield_now();
                        }
                        Err(_stopped) => {
                            shared.state[i].store(2, Ordering::SeqCst);
                            return;
                        }
                    }
                }
                shared.progress.fetch_add(1, Ordering::Relaxed);
                i += submitters;
            }
        }));
    }
    // The stopper: waits for the strike point, then shuts down while the
    // submitters are still going.
    let stopper = {
        let (pool, shared, start) = (Arc::clone(&pool), Arc::clone(&shared), Arc::clone(&start));
        thread::spawn(move || {
            shared.probe.exclude_current_thread();
            start.wait();
            if strike == u64::MAX {
                return;
            }
            while shared.progress.load(Ordering::Relaxed) < strike
                && shared.progress.load(Ordering::Relaxed) < tasks as u64
            {
                thread::yield_now();
            }
            match ending {
                Ending::Stop => pool.stop(),
                _ => pool.stop_wait(),
            }
            shared.stop_returned.store(true, Ordering::SeqCst);
        })
    };
    for t in threads {
        if let Err(p) = t.join() {
            return Err(err(
                Rule::Liveness,
                format!(
                    "a pool method panicked into a submitter: {}",
                    crate::watchdog::payload_text(p.as_ref())
                ),
            ));
        }
    }
    if stopper.join().is_err() {
        return Err(err(
            Rule::Liveness,
            "a pool method panicked into the stopper".to_owned(),
        ));
    }
    // The final shutdown (idempotent if the stopper already struck).
    // Whether a `stop` (which may drop queued tasks) ended the round.
    let stopped_by_stop = ending == Ending::Stop;
    match ending {
        Ending::Drop => match Arc::into_inner(pool) {
            Some(last) => drop(last),
            None => {
                return Err(err(
                    Rule::Liveness,
                    "the round kept a second handle".to_owned(),
                ))
            }
        },
        Ending::Stop => {
            pool.stop();
            drop(pool);
        }
        Ending::StopWait => {
            pool.stop_wait();
            drop(pool);
        }
    }
    shared.stop_returned.store(true, Ordering::SeqCst);
    let end = shared.probe.tick();
    // Threads that ran tasks must have exited.
    let mut late = 0;
    let live: Vec<_> = shared
        .probe
        .live_threads()
        .into_iter()
        .filter(|t| t.first_task_at < end)
        .collect();
    if !live.is_empty() {
        if shared.probe.wait_until(config.exit_grace, |p| {
            p.live_threads().iter().all(|t| t.first_task_at >= end)
        }) {
            late = live.len() as u64;
        } else {
            return Err(err(
                Rule::ThreadsExited,
                format!(
                    "{} thread(s) that ran tasks were alive after the final shutdown",
                    live.len()
                ),
            ));
        }
    }
    if shared.started_after_stop.load(Ordering::SeqCst) > 0 {
        return Err(err(
            Rule::NothingStartsAfterStop,
            format!(
                "{} task(s) started after a stop returned",
                shared.started_after_stop.load(Ordering::SeqCst)
            ),
        ));
    }
    let max = shared.probe.max_concurrency();
    if max > config.capacity {
        return Err(err(
            Rule::Capacity,
            format!(
                "{max} tasks ran at once on a pool of capacity {}",
                config.capacity
            ),
        ));
    }
    let (mut accepted, mut refused, mut run) = (0, 0, 0);
    for i in 0..tasks {
        let runs = shared.runs[i].load(Ordering::SeqCst);
        let state = shared.state[i].load(Ordering::SeqCst);
        run += u64::from(runs);
        match state {
            1 => {
                accepted += 1;
                if runs > 1 || (runs == 0 && !stopped_by_stop) {
                    let rule = if stopped_by_stop {
                        Rule::NothingStartsAfterStop
                    } else if ending == Ending::Drop {
                        Rule::DropIsStopWait
                    } else {
                        Rule::ExactlyOnceOnStopWait
                    };
                    return Err(err(rule, format!("accepted task {i} ran {runs} time(s)")));
                }
            }
            2 => {
                refused += 1;
                if runs > 0 {
                    return Err(err(
                        Rule::RefusedAfterShutdown,
                        format!("task {i} was refused with Stopped but ran"),
                    ));
                }
            }
            _ => {}
        }
    }
    let bad = shared.bad_overloaded.load(Ordering::SeqCst);
    if bad > 0 {
        return Err(err(
            Rule::RefusalHandsBackTask,
            format!(
                "submit returned Overloaded {bad} time(s) on a pool with admission `{admission}`"
            ),
        ));
    }
    Ok(RoundStats {
        pool: name.clone(),
        submitted: shared.submitted.load(Ordering::SeqCst),
        accepted,
        refused_stopped: refused,
        overloaded: shared.overloaded.load(Ordering::SeqCst),
        run,
        max_concurrency: max,
        late_exits: late,
    })
}

/// Payload of the stress run's deliberate panics.
#[derive(Debug)]
struct StressPanic;

fn make(shared: &Arc<Round>, i: usize) -> Task {
    let shared = Arc::clone(shared);
    Box::new(move || {
        let _running = shared.probe.enter();
        if shared.stop_returned.load(Ordering::SeqCst) {
            shared.started_after_stop.fetch_add(1, Ordering::SeqCst);
        }
        shared.runs[i].fetch_add(1, Ordering::SeqCst);
        if i % 1000 == 999 {
            panic::resume_unwind(Box::new(StressPanic));
        }
    })
}
