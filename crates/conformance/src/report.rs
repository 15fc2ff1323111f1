//! What `verify` hands back: the [`Rule`]s, a [`Violation`], a [`Summary`].

use std::error::Error;
use std::fmt;
use std::time::Duration;

use crate::script::Script;
use crate::Property;

/// A rule a pool must keep: the nine rules of the `taskpool` crate docs, plus
/// the promises of the trait docs that the suite also checks.
#[non_exhaustive]
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
    /// `try_submit` (and a rejecting pool's `submit`) returns without
    /// waiting for a running task to finish.
    NonBlocking,
    /// At a quiescent point (after `wait_idle` with nothing else running,
    /// after `stop_wait`) `stats()` is exact: `completed` and `panicked` as
    /// recorded, `running` and `waiting` zero, `capacity` as built (before a
    /// stop); and `running <= capacity` whenever sampled.
    Stats,
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
        Rule::NonBlocking,
        Rule::Stats,
        Rule::Liveness,
    ];

    /// The rule's number in the `taskpool` crate docs (1 to 9), or `None`
    /// for the promises of the trait docs that are not numbered there.
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
            Rule::WaitIdle
            | Rule::RefusalHandsBackTask
            | Rule::NonBlocking
            | Rule::Stats
            | Rule::Liveness => None,
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
            Rule::NonBlocking => {
                "try_submit (and a rejecting pool's submit) never waits for a running task"
            }
            Rule::Stats => {
                "stats() is exact when the pool is quiescent, and running never exceeds capacity"
            }
            Rule::Liveness => "every call returns and reports what happened; accepted tasks run",
        }
    }

    /// A short stable name for tables, e.g. `"1 capacity"` or `"stats"`.
    pub fn short_name(self) -> &'static str {
        match self {
            Rule::Capacity => "1 capacity",
            Rule::ExactlyOnceOnStopWait => "2 exactly once",
            Rule::NothingStartsAfterStop => "3 stop",
            Rule::RefusedAfterShutdown => "4 refused after shutdown",
            Rule::PanicsSurvived => "5 panics",
            Rule::ThreadsExited => "6 threads exit",
            Rule::StopIdempotentAndReentrant => "7 re-entrant stop",
            Rule::DropIsStopWait => "8 drop",
            Rule::BadConfigRejected => "9 bad config",
            Rule::WaitIdle => "wait_idle",
            Rule::RefusalHandsBackTask => "refusals",
            Rule::NonBlocking => "nonblocking",
            Rule::Stats => "stats",
            Rule::Liveness => "liveness",
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
/// `script` is the smallest failing script the shrinker found, in one line;
/// `case` is the same script as a value, which [`replay`](crate::replay)
/// runs again, and [`Violation::replay_test`] prints as a test you can
/// paste. `seed` replays the whole run: set `TASKPOOL_CONFORMANCE_SEED` (or
/// [`Config::seed`](crate::Config::seed)) to it. Interleavings are not
/// replayed exactly, so a replay may need a few runs to fail again.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule that was broken.
    pub rule: Rule,
    /// The promise the observation broke, before it was filed under `rule`:
    /// the same as `rule`, except for a shutdown call's promise (rules 2, 3,
    /// 4, 6) broken while other shutdown calls were under way (filed under
    /// rule 7) or by the drop of the last handle (rule 8). Find-all mode
    /// reports such a violation only if the promise does not break on its
    /// own (then a drop, or several stops, only behave like one stop).
    pub promise: Rule,
    /// The property that caught it (see [`Property`]); `None` for the checks
    /// outside the properties (rule 9, the first build, [`stress`](crate::stress)).
    pub property: Option<Property>,
    /// The pool's name, as reported by [`TaskPool::name`](taskpool::TaskPool::name).
    pub pool: String,
    /// The admission the pool was checked under (`None` for the checks that
    /// do not depend on it).
    pub admission: Option<taskpool::Admission>,
    /// What was observed.
    pub message: String,
    /// The minimal failing script, in one line.
    pub script: String,
    /// The minimal failing script, for [`replay`](crate::replay) (`None`
    /// for the checks outside the properties).
    pub case: Option<Box<Script>>,
    /// The seed that replays this run.
    pub seed: u64,
    /// Cases run by this property up to and including the first failing one.
    pub cases_to_fail: u64,
    /// Extra runs the shrinker made to minimise the script.
    pub shrink_runs: u64,
    /// Other rules broken in the same run, each with its own script (only
    /// in find-all mode, [`Config::find_all`](crate::Config::find_all)).
    pub also: Vec<Violation>,
}

impl Violation {
    /// The minimal script as a Rust test that replays it on your pool:
    /// paste it into your tests and replace `your_pool(capacity)` with your
    /// factory. `None` for the checks outside the properties.
    pub fn replay_test(&self) -> Option<String> {
        let case = self.case.as_ref()?;
        let script = case.to_rust().replace('\n', "\n    ");
        Some(format!(
            "#[test]\n\
             fn replays_conformance_violation() {{\n    \
             // {rule}, found by property `{property}` with seed {seed}.\n    \
             use taskpool_conformance::script::*;\n    \
             let script = {script};\n    \
             taskpool_conformance::replay(|capacity| your_pool(capacity), \
             taskpool::Admission::{admission}, &script, 20)\n        \
             .unwrap_or_else(|violation| panic!(\"{{violation}}\"));\n}}",
            rule = self.rule,
            property = self.property.map_or("-", Property::name),
            seed = self.seed,
            admission = match self.admission {
                Some(taskpool::Admission::Block) => "Block",
                Some(taskpool::Admission::Reject) => "Reject",
                _ => "Queue",
            },
        ))
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.show(f)?;
        for other in &self.also {
            writeln!(f)?;
            other.show(f)?;
        }
        Ok(())
    }
}

impl Violation {
    fn show(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
        write!(f, "  minimal script: {}", self.script)?;
        if let Some(test) = self.replay_test() {
            write!(
                f,
                "\n  replay it (paste into your tests):\n    {}",
                test.replace('\n', "\n    ")
            )?;
        }
        Ok(())
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
    /// Wall time of the property's cases (shrinking included).
    pub elapsed: Duration,
    /// The rules this property found broken, in the order found (empty for
    /// a property that passed).
    pub broken: Vec<Rule>,
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

/// What a [`verify_all`](crate::verify_all) run found: what ran, and each
/// broken rule once, with its own minimal script.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Findings {
    /// What ran (every property, also those that found a violation).
    pub summary: Summary,
    /// One violation per broken rule, in the order found.
    pub violations: Vec<Violation>,
}

impl Findings {
    /// The violation of `rule`, if the run found one.
    pub fn violation_of(&self, rule: Rule) -> Option<&Violation> {
        self.violations.iter().find(|v| v.rule == rule)
    }

    /// The summary if nothing broke; otherwise the first violation, with the
    /// others in its [`also`](Violation::also).
    pub fn into_result(self) -> Result<Summary, Violation> {
        let mut violations = self.violations.into_iter();
        match violations.next() {
            None => Ok(self.summary),
            Some(mut first) => {
                first.also.extend(violations);
                Err(first)
            }
        }
    }
}
