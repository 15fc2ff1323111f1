//! What `verify` hands back: the [`Rule`]s, a [`Violation`], a [`Summary`].

use std::error::Error;
use std::fmt;
use std::time::Duration;

use crate::Property;

/// A rule a pool must keep: the nine rules of the workspace's DESIGN.md, plus
/// the three promises of the trait docs that the suite also checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// Rule 1: at most `capacity` tasks execute at the same instant, ever.
    Capacity,
    /// Rule 2: after `stop_wait` returns, every task whose submit returned `Ok`
    /// has run exactly once.
    ExactlyOnceOnStopWait,
    /// Rule 3: after `stop` returns, no task starts (and every started task has
    /// finished); each accepted task ran at most once.
    NothingStartsAfterStop,
    /// Rule 4: submitting after shutdown began returns `Stopped(task)` and the
    /// task never runs; a submitter blocked when shutdown begins is released.
    RefusedAfterShutdown,
    /// Rule 5: a panicking task does not kill the pool, does not lower its
    /// capacity, and is counted in `stats().panicked`.
    PanicsSurvived,
    /// Rule 6: after `stop`/`stop_wait` returns, the threads that ran tasks
    /// have exited.
    ThreadsExited,
    /// Rule 7: `stop` and `stop_wait` are idempotent, safe from several threads
    /// at once, and do not deadlock when called from one of the pool's tasks.
    StopIdempotentAndReentrant,
    /// Rule 8: dropping the last handle behaves like `stop_wait` and does not
    /// deadlock on one of the pool's own threads.
    DropIsStopWait,
    /// Rule 9: bad configuration (zero capacity) is an error from the builder.
    BadConfigRejected,
    /// `wait_idle` returns only when nothing accepted before the call is
    /// still waiting or running.
    WaitIdle,
    /// A refusal is legitimate for the pool's admission (`Overloaded` only
    /// from `try_submit` or a rejecting pool) and hands back the very task
    /// that was submitted, which never ran.
    RefusalHandsBackTask,
    /// Every call returns and reports what happened: accepted tasks run,
    /// `submit_wait`/`join` report a normal end, the task's own panic, or an
    /// abandonment caused by `stop`; no pool method panics.
    Liveness,
}

impl Rule {
    /// Every rule, in order.
    pub const ALL: &'static [Rule] = &[
        Rule::Capacity,
        Rule::ExactlyOnceOnStopWait,
        Rule::NothingStartsAfterStop,
        Rule::RefusedAfterShutdown,
        Rule::PanicsSurvived,
        Rule::ThreadsExited,
        Rule::StopIdempotentAndReentrant,
        Rule::DropIsStopWait,
        Rule::BadConfigRejected,
        Rule::WaitIdle,
        Rule::RefusalHandsBackTask,
        Rule::Liveness,
    ];

    /// The rule's number in DESIGN.md (1 to 9), or `None` for the promises of
    /// the trait docs that are not numbered there.
    pub fn number(self) -> Option<u8> {
        match self {
            Rule::Capacity => Some(1),
            Rule::ExactlyOnceOnStopWait => Some(2),
            Rule::NothingStartsAfterStop => Some(3),
            Rule::RefusedAfterShutdown => Some(4),
            Rule::PanicsSurvived => Some(5),
            Rule::ThreadsExited => Some(6),
            Rule::StopIdempotentAndReentrant => Some(7),
            Rule::DropIsStopWait => Some(8),
            Rule::BadConfigRejected => Some(9),
            Rule::WaitIdle | Rule::RefusalHandsBackTask | Rule::Liveness => None,
        }
    }

    /// One line saying what the rule demands.
    pub fn description(self) -> &'static str {
        match self {
            Rule::Capacity => "at most `capacity` tasks execute at the same instant",
            Rule::ExactlyOnceOnStopWait => {
                "after stop_wait returns, every accepted task has run exactly once"
            }
            Rule::NothingStartsAfterStop => {
                "after stop returns no task starts, every started task has finished, \
                 and each accepted task ran at most once"
            }
            Rule::RefusedAfterShutdown => {
                "submit after shutdown began returns Stopped(task) and the task never runs"
            }
            Rule::PanicsSurvived => {
                "a panicking task does not kill the pool, lower its capacity, or go uncounted"
            }
            Rule::ThreadsExited => "after stop/stop_wait returns, the pool's threads have exited",
            Rule::StopIdempotentAndReentrant => {
                "stop/stop_wait are idempotent, safe from several threads, \
                 and do not deadlock from inside a task"
            }
            Rule::DropIsStopWait => {
                "dropping the last handle behaves like stop_wait and does not deadlock \
                 on a worker thread"
            }
            Rule::BadConfigRejected => "bad configuration is a BuildError, never normalised",
            Rule::WaitIdle => "wait_idle returns only when nothing is waiting or running",
            Rule::RefusalHandsBackTask => {
                "a refusal fits the admission and hands back the submitted task, unrun"
            }
            Rule::Liveness => "every call returns and reports what happened; accepted tasks run",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.number() {
            Some(n) => write!(f, "rule {n} ({})", self.description()),
            None => write!(f, "{}", self.description()),
        }
    }
}

/// A broken rule, with what is needed to see it again.
///
/// `script` is the smallest failing script the shrinker found (a Debug print
/// of the operations); `seed` replays the run: set `TASKPOOL_CONFORMANCE_SEED`
/// (or [`Config::seed`](crate::Config::seed)) to it. Interleavings are not
/// replayed exactly, so a replay may need a few runs to fail again.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule that was broken.
    pub rule: Rule,
    /// The property that caught it (see [`Property`]); `None` for the checks
    /// outside the properties (rule 9, the first build, [`stress`](crate::stress)).
    pub property: Option<Property>,
    /// The pool's name, as reported by [`TaskPool::name`](taskpool::TaskPool::name).
    pub pool: String,
    /// What was observed.
    pub message: String,
    /// The minimal failing script, Debug-printed.
    pub script: String,
    /// The seed that replays this run.
    pub seed: u64,
    /// Cases run by this property up to and including the first failing one.
    pub cases_to_fail: u64,
    /// Extra runs the shrinker made to minimise the script.
    pub shrink_runs: u64,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "pool `{}` broke {} (property `{}`, seed {}, failing case {}, {} shrink runs)",
            self.pool,
            self.rule,
            self.property.map_or("-", Property::name),
            self.seed,
            self.cases_to_fail,
            self.shrink_runs
        )?;
        writeln!(f, "  what happened: {}", self.message)?;
        write!(f, "  minimal script: {}", self.script)
    }
}

impl Error for Violation {}

/// What one property ran.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertySummary {
    /// The property.
    pub property: Property,
    /// Generated cases run (each a fresh pool).
    pub cases: u64,
    /// Instrumented tasks that started, over all cases.
    pub tasks_run: u64,
    /// Threads that had not yet exited the instant a stop returned but did
    /// within [`Config::exit_grace`](crate::Config::exit_grace) (zero for
    /// pools that join their threads).
    pub late_thread_exits: u64,
    /// Wall time of the property's cases.
    pub elapsed: Duration,
}

/// What a passing [`verify`](crate::verify) run did.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The pool's name.
    pub pool: String,
    /// The seed the run used (replay it with `TASKPOOL_CONFORMANCE_SEED`).
    pub seed: u64,
    /// One entry per property, in the order run.
    pub properties: Vec<PropertySummary>,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

impl Summary {
    /// Cases run over all properties.
    pub fn cases(&self) -> u64 {
        self.properties.iter().map(|p| p.cases).sum()
    }

    /// Instrumented tasks that started over all properties.
    pub fn tasks_run(&self) -> u64 {
        self.properties.iter().map(|p| p.tasks_run).sum()
    }

    /// Cases run by one property (0 if it did not run).
    pub fn cases_of(&self, property: Property) -> u64 {
        self.properties
            .iter()
            .filter(|p| p.property == property)
            .map(|p| p.cases)
            .sum()
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "pool `{}`: {} cases, {} tasks, seed {}, {:.1?}",
            self.pool,
            self.cases(),
            self.tasks_run(),
            self.seed,
            self.elapsed
        )?;
        for p in &self.properties {
            writeln!(
                f,
                "  {:<16} {:>5} cases {:>7} tasks {:>8.1?}{}",
                p.property.name(),
                p.cases,
                p.tasks_run,
                p.elapsed,
                if p.late_thread_exits > 0 {
                    format!(" ({} late thread exits)", p.late_thread_exits)
                } else {
                    String::new()
                }
            )?;
        }
        Ok(())
    }
}
