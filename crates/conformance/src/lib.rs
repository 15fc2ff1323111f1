//! A property-based conformance suite for any [`TaskPool`]: the nine rules of
//! the workspace's DESIGN.md as shrinking, executable checks.
//!
//! ```
//! use taskpool::{Admission, TaskPool};
//! use taskpool_conformance::{verify_with, Config};
//!
//! // Any pool works; this one is the tiny bounded pool defined below.
//! let mut config = Config::from_env();
//! config.cases = 4; // keep the doc test quick; the default is larger
//! let summary = verify_with(|capacity| Box::new(tiny::Pool::new(capacity)) as Box<dyn TaskPool>,
//!                           Admission::Queue, &config)
//!     .unwrap_or_else(|violation| panic!("{violation}"));
//! assert!(summary.cases() > 0);
//! # mod tiny {
//! #     //! A minimal correct pool: `capacity` workers draining one queue.
//! #     use std::collections::VecDeque;
//! #     use std::panic::{catch_unwind, AssertUnwindSafe};
//! #     use std::sync::{Arc, Condvar, Mutex};
//! #     use std::thread::{self, JoinHandle, ThreadId};
//! #     use taskpool::{PoolStats, SubmitError, Task, TaskPool};
//! #
//! #     pub struct Pool { inner: Arc<Inner>, threads: Mutex<Vec<JoinHandle<()>>>, ids: Vec<ThreadId> }
//! #     struct Inner { state: Mutex<State>, work: Condvar, idle: Condvar }
//! #     #[derive(Default)]
//! #     struct State { queue: VecDeque<Task>, stopped: bool, draining: bool, exited: bool,
//! #                    running: usize, completed: u64, panicked: u64 }
//! #
//! #     impl Pool {
//! #         pub fn new(capacity: usize) -> Self {
//! #             let inner = Arc::new(Inner { state: Mutex::new(State::default()),
//! #                                          work: Condvar::new(), idle: Condvar::new() });
//! #             let threads: Vec<_> = (0..capacity).map(|_| {
//! #                 let inner = Arc::clone(&inner);
//! #                 thread::spawn(move || worker(&inner))
//! #             }).collect();
//! #             let ids = threads.iter().map(|t| t.thread().id()).collect();
//! #             Pool { inner, threads: Mutex::new(threads), ids }
//! #         }
//! #         fn shut_down(&self, drain: bool) {
//! #             {
//! #                 let mut s = self.inner.state.lock().unwrap();
//! #                 if !s.stopped { s.stopped = true; s.draining = drain; }
//! #                 if !s.draining { s.queue.clear(); }
//! #                 self.inner.work.notify_all();
//! #             }
//! #             // From one of our own workers: do not wait for ourselves.
//! #             if self.ids.contains(&thread::current().id()) { return; }
//! #             // One caller joins the workers; any other waits until it has.
//! #             let threads: Vec<_> = self.threads.lock().unwrap().drain(..).collect();
//! #             let joiner = !threads.is_empty();
//! #             for t in threads { let _ = t.join(); }
//! #             let mut s = self.inner.state.lock().unwrap();
//! #             if joiner { s.exited = true; self.inner.idle.notify_all(); }
//! #             while !s.exited { s = self.inner.idle.wait(s).unwrap(); }
//! #         }
//! #     }
//! #
//! #     fn worker(inner: &Inner) {
//! #         let mut s = inner.state.lock().unwrap();
//! #         loop {
//! #             if let Some(task) = s.queue.pop_front() {
//! #                 s.running += 1;
//! #                 drop(s);
//! #                 let ok = catch_unwind(AssertUnwindSafe(task)).is_ok();
//! #                 s = inner.state.lock().unwrap();
//! #                 s.running -= 1;
//! #                 if ok { s.completed += 1 } else { s.panicked += 1 }
//! #                 inner.idle.notify_all();
//! #             } else if s.stopped {
//! #                 return;
//! #             } else {
//! #                 s = inner.work.wait(s).unwrap();
//! #             }
//! #         }
//! #     }
//! #
//! #     impl TaskPool for Pool {
//! #         fn name(&self) -> &str { "tiny" }
//! #         fn submit(&self, task: Task) -> Result<(), SubmitError> {
//! #             let mut s = self.inner.state.lock().unwrap();
//! #             if s.stopped { return Err(SubmitError::Stopped(task)); }
//! #             s.queue.push_back(task);
//! #             self.inner.work.notify_one();
//! #             Ok(())
//! #         }
//! #         fn try_submit(&self, task: Task) -> Result<(), SubmitError> { self.submit(task) }
//! #         fn stop(&self) { self.shut_down(false) }
//! #         fn stop_wait(&self) { self.shut_down(true) }
//! #         fn is_stopped(&self) -> bool { self.inner.state.lock().unwrap().stopped }
//! #         fn stats(&self) -> PoolStats {
//! #             let s = self.inner.state.lock().unwrap();
//! #             let mut stats = PoolStats::default();
//! #             stats.capacity = self.ids.len();
//! #             stats.running = s.running;
//! #             stats.waiting = s.queue.len();
//! #             stats.completed = s.completed;
//! #             stats.panicked = s.panicked;
//! #             stats
//! #         }
//! #         fn wait_idle(&self) {
//! #             let mut s = self.inner.state.lock().unwrap();
//! #             while s.running > 0 || !s.queue.is_empty() { s = self.inner.idle.wait(s).unwrap(); }
//! #         }
//! #     }
//! #
//! #     impl Drop for Pool {
//! #         fn drop(&mut self) { self.stop_wait() }
//! #     }
//! # }
//! ```
//!
//! (The example's pool is hidden above to keep the page short; it is about
//! seventy lines: `capacity` threads draining one queue, a stop that joins
//! them, and a guard so a stop from inside a task does not wait for itself.)
//!
//! # What `verify` does
//!
//! [`verify`] runs each [`Property`] as a proptest property: it generates
//! scripts — tasks that return at once, sleep (0–2 ms), spin, panic, submit
//! further tasks, or stop the pool from inside, handed over with `submit`,
//! `try_submit`, `submit_wait` or `spawn` and `join` from 1 to 4 submitter
//! threads, with `stop`, `stop_wait` and `wait_idle` at random points — runs
//! each on a fresh pool from your factory, and checks what the instrumented
//! tasks recorded (start and end on one event clock, the thread that ran
//! them, whether that thread has exited) against every [`Rule`]. It never
//! trusts the pool's own counters except to check them (`stats().panicked`).
//!
//! A failure is shrunk to a minimal script and returned as a [`Violation`]
//! naming the rule, the script and the seed; `verify` itself never panics
//! and never hangs: every case runs under a watchdog ([`Config::timeout`]),
//! and a pool that hangs is a failed property whose threads are leaked, not
//! joined.
//!
//! The declared [`Admission`] tells the suite what refusals are legitimate:
//! a `Queue` or `Block` pool's `submit` never returns `Overloaded`; a `Reject`
//! pool's may (and must hand the task back). Tasks of a `Block` pool submit
//! their children with `try_submit` only, since a blocking submit from a
//! worker may wait on itself.
//!
//! Rule 9 (bad configuration) needs the builder rather than a factory: use
//! [`verify_build`].
//!
//! # Reusable probes
//!
//! [`Probe`] is the instrument the suite uses, public so that strategy-specific
//! tests can reuse it: it counts the most tasks running at once and watches
//! the threads that ran them until they exit.
//!
//! # Soak
//!
//! [`stress`] runs millions of tiny tasks from 8 submitters through many pool
//! lifetimes that end in shutdown races, and reports what it saw.
#![forbid(unsafe_code)]

mod config;
mod probe;
mod report;
mod run;
mod script;
mod stress;
pub mod testkit;
#[cfg(test)]
mod tests;
mod watchdog;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use proptest::test_runner::{
    Config as RunnerConfig, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner,
};
use taskpool::{Admission, BuildError, TaskPool};

pub use config::{Config, Property, DEFAULT_CASES};
pub use probe::{Probe, RunGuard, ThreadRecord};
pub use report::{PropertySummary, Rule, Summary, Violation};
pub use stress::{stress, StressConfig, StressReport};
pub use watchdog::run_with_watchdog;

use run::{run_case, Factory, Limits};
use watchdog::{watch, Watched};

/// Checks a pool against every rule, with [`Config::from_env`].
///
/// `factory` builds a fresh pool of the given capacity (at least 1) for each
/// generated case; `admission` is what the pool's `submit` does when every
/// worker is busy. Returns what ran, or the first broken rule with its
/// minimal failing script. Never panics and never hangs (see the
/// [crate docs](crate)).
pub fn verify<F>(factory: F, admission: Admission) -> Result<Summary, Violation>
where
    F: Fn(usize) -> Box<dyn TaskPool> + Send + Sync + 'static,
{
    verify_with(factory, admission, &Config::from_env())
}

/// [`verify`] with an explicit [`Config`].
pub fn verify_with<F>(
    factory: F,
    admission: Admission,
    config: &Config,
) -> Result<Summary, Violation>
where
    F: Fn(usize) -> Box<dyn TaskPool> + Send + Sync + 'static,
{
    let factory: Factory = Arc::new(factory);
    verify_factory(&factory, admission, config)
}

/// Checks rule 9 on a builder (capacity 0 must be a [`BuildError`], not a
/// pool, a panic or a hang), then runs [`verify_with`] on the pools it builds.
pub fn verify_build<B>(
    builder: B,
    admission: Admission,
    config: &Config,
) -> Result<Summary, Violation>
where
    B: Fn(usize) -> Result<Box<dyn TaskPool>, BuildError> + Send + Sync + 'static,
{
    let builder = Arc::new(builder);
    let zero = Arc::clone(&builder);
    let outcome = watch(
        "conformance-build-zero",
        config.timeout,
        move || match zero(0) {
            Ok(pool) => {
                let name = pool.name().to_owned();
                pool.stop();
                Some(name)
            }
            Err(_) => None,
        },
    );
    let problem = match outcome {
        Watched::Done(None) => None,
        Watched::Done(Some(name)) => Some((name, "building with capacity 0 succeeded".to_owned())),
        Watched::Panicked(msg) => Some((
            "?".to_owned(),
            format!("building with capacity 0 panicked instead of returning an error: {msg}"),
        )),
        Watched::Hung => Some((
            "?".to_owned(),
            format!(
                "building with capacity 0 did not return within {:?}",
                config.timeout
            ),
        )),
    };
    if let Some((pool, message)) = problem {
        return Err(Violation {
            rule: Rule::BadConfigRejected,
            property: None,
            pool,
            message,
            script: "build(0)".to_owned(),
            seed: config.seed,
            cases_to_fail: 1,
            shrink_runs: 0,
        });
    }
    let factory: Factory = Arc::new(move |capacity| match builder(capacity) {
        Ok(pool) => pool,
        Err(e) => panic!("the builder refused capacity {capacity}: {e}"),
    });
    verify_factory(&factory, admission, config)
}

fn verify_factory(
    factory: &Factory,
    admission: Admission,
    config: &Config,
) -> Result<Summary, Violation> {
    let started = Instant::now();
    let limits = Limits {
        timeout: config.timeout,
        barrier_timeout: config.barrier_timeout,
        exit_grace: config.exit_grace,
    };
    let pool = pool_name(factory, config)?;
    let mut properties = Vec::new();
    for (n, &property) in config.properties.iter().enumerate() {
        let seed = config::mix(config.seed, n as u64 + 1);
        properties.push(run_property(
            factory, admission, config, property, seed, limits, &pool,
        )?);
    }
    Ok(Summary {
        pool,
        seed: config.seed,
        properties,
        elapsed: started.elapsed(),
    })
}

/// Builds one pool to learn its name (and that building and stopping work).
fn pool_name(factory: &Factory, config: &Config) -> Result<String, Violation> {
    let factory = Arc::clone(factory);
    let fail = |message: String| Violation {
        rule: Rule::Liveness,
        property: None,
        pool: "?".to_owned(),
        message,
        script: "factory(1); stop_wait()".to_owned(),
        seed: config.seed,
        cases_to_fail: 1,
        shrink_runs: 0,
    };
    match watch("conformance-name", config.timeout, move || {
        let pool = factory(1);
        let name = pool.name().to_owned();
        pool.stop_wait();
        name
    }) {
        Watched::Done(name) => Ok(name),
        Watched::Panicked(msg) => Err(fail(format!("building or stopping a pool panicked: {msg}"))),
        Watched::Hung => Err(fail(format!(
            "building a pool of capacity 1 and stopping it did not finish within {:?}",
            config.timeout
        ))),
    }
}

fn run_property(
    factory: &Factory,
    admission: Admission,
    config: &Config,
    property: Property,
    seed: u64,
    limits: Limits,
    pool: &str,
) -> Result<PropertySummary, Violation> {
    let runner_config = RunnerConfig {
        cases: config.cases,
        failure_persistence: None,
        max_shrink_iters: config.max_shrink_iters,
        max_shrink_time: u32::try_from(config.max_shrink_time.as_millis()).unwrap_or(u32::MAX),
        verbose: 0,
        ..RunnerConfig::default()
    };
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&config::mix(seed, i as u64).to_le_bytes());
    }
    let mut runner = TestRunner::new_with_rng(
        runner_config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let strategy = script::strategy(property, admission, config);

    let started = Instant::now();
    let runs = Cell::new(0u64);
    let first_failure_at = Cell::new(None::<u64>);
    let tasks = Cell::new(0u64);
    let late = Cell::new(0u64);
    let failures = RefCell::new(HashMap::new());
    let result = runner.run(&strategy, |script| {
        runs.set(runs.get() + 1);
        let limits = if first_failure_at.get().is_some() {
            Limits {
                timeout: limits.timeout.min(config.shrink_timeout),
                barrier_timeout: limits.barrier_timeout.min(config.shrink_timeout / 2),
                exit_grace: limits.exit_grace.min(config.shrink_timeout / 4),
            }
        } else {
            limits
        };
        match run_case(factory, admission, &script, limits) {
            Ok(stats) => {
                if first_failure_at.get().is_none() {
                    tasks.set(tasks.get() + stats.tasks_run);
                    late.set(late.get() + stats.late_exits);
                }
                Ok(())
            }
            Err(failure) => {
                if first_failure_at.get().is_none() {
                    first_failure_at.set(Some(runs.get()));
                }
                let reason = format!("{:?}: {}", failure.rule, failure.message);
                failures.borrow_mut().insert(format!("{script:?}"), failure);
                Err(TestCaseError::fail(reason))
            }
        }
    });
    match result {
        Ok(()) => Ok(PropertySummary {
            property,
            cases: runs.get(),
            tasks_run: tasks.get(),
            late_thread_exits: late.get(),
            elapsed: started.elapsed(),
        }),
        Err(error) => {
            let cases_to_fail = first_failure_at.get().unwrap_or(runs.get());
            let (script, rule, message) = match error {
                TestError::Fail(reason, script) => {
                    let printed = format!("{script:?}");
                    match failures.borrow().get(&printed) {
                        Some(f) => (printed, f.rule, f.message.clone()),
                        None => (printed, Rule::Liveness, reason.to_string()),
                    }
                }
                TestError::Abort(reason) => (
                    "<none>".to_owned(),
                    Rule::Liveness,
                    format!("the property run was aborted: {reason}"),
                ),
            };
            Err(Violation {
                rule,
                property: Some(property),
                pool: pool.to_owned(),
                message,
                script,
                seed: config.seed,
                cases_to_fail,
                shrink_runs: runs.get() - cases_to_fail,
            })
        }
    }
}
