//! The rows a user's workload runs through, and how each takes a task:
//! every catalog pool through `dyn TaskPool`, `ants-nonblocking` (the same
//! contract, refusing when full), the three baseline crates called raw, and
//! the floor (one thread running every task in a plain loop), each through
//! the report's own harness ([`taskpool_benches::harness`]).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

use taskpool::{Admission, Task, TaskPool, WaitError};
use taskpool_benches::extra::Extra;
use taskpool_benches::harness::{self, Floor, Spawn};
use taskpool_benches::measure::build_named;
use taskpool_benches::raw::RawPool;
use taskpool_benches::rows::{Raw, Row};
use taskpool_catalog::PoolKind;

/// Every row a user's workload runs through, in report order: the catalog
/// pools, `ants-nonblocking`, the raw rows, and the floor.
pub fn all() -> Vec<Row> {
    PoolKind::ALL
        .iter()
        .map(|&k| Row::Pool(k))
        .chain([Row::Extra(Extra::AntsNonblocking)])
        .chain(Raw::ALL.iter().map(|&r| Row::Raw(r)))
        .chain([Row::Floor])
        .collect()
}

/// The names [`crate::Workload::pools`] accepts: every row but the floor,
/// which always runs, and `tunny-worker` (the row of a user's own typed
/// worker, when one is given).
pub fn names() -> Vec<String> {
    all()
        .iter()
        .filter(|r| !r.is_reference())
        .chain([&Row::Extra(Extra::TunnyWorker)])
        .map(Row::name)
        .collect()
}

/// The rows `pools` selects: a row whose own name or family (the catalog
/// pool it belongs to: `ants` selects `ants-nonblocking`, `channel` selects
/// `crossbeam-raw`) is named, or every row when `pools` is `None`; the
/// floor always.
pub fn selected(pools: Option<&BTreeSet<String>>) -> Vec<Row> {
    all()
        .into_iter()
        .filter(|r| {
            r.is_reference()
                || pools.is_none_or(|set| set.contains(&r.name()) || set.contains(&r.family()))
        })
        .collect()
}

/// What `row`'s `submit` does when every worker is busy (`None` for the
/// floor, which has no workers).
pub fn admission(row: &Row) -> Option<Admission> {
    match row {
        Row::Pool(kind) => Some(kind.features().admission),
        Row::Extra(Extra::AntsNonblocking) => Some(Admission::Reject),
        Row::Extra(Extra::TunnyWorker) => Some(Admission::Block),
        Row::Raw(_) => Some(Admission::Queue),
        _ => None,
    }
}

/// A row's executor at one capacity.
pub enum Executor {
    /// A `dyn TaskPool` (catalog pools, `ants-nonblocking`).
    Contract(Box<dyn TaskPool>),
    /// A baseline crate called directly.
    Raw(RawPool),
    /// No pool: the calling thread runs each task at once.
    Floor,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Executor::Contract(pool) => write!(f, "Executor::Contract({})", pool.name()),
            Executor::Raw(pool) => write!(f, "Executor::Raw({pool:?})"),
            Executor::Floor => f.write_str("Executor::Floor"),
        }
    }
}

impl Executor {
    /// Builds `row` at `capacity` (the floor ignores it).
    pub fn build(row: Row, capacity: usize) -> Result<Executor, String> {
        match row {
            Row::Floor => Ok(Executor::Floor),
            Row::Raw(raw) => RawPool::build(raw, capacity).map(Executor::Raw),
            other => build_named(other, capacity).map(Executor::Contract),
        }
    }

    /// Shuts the pool down once every task has run.
    pub fn finish(self) {
        if let Executor::Contract(pool) = self {
            pool.stop_wait();
        }
        // A raw pool joins or detaches its threads on drop, as its crate does.
    }
}

/// A `dyn TaskPool` whose submits count the times the pool refused before
/// taking the task ([`harness::submit_counting`]).
pub struct Counting<'a> {
    /// The pool.
    pub pool: &'a dyn TaskPool,
    /// Refusals so far; written by every submitter, read between batches.
    pub refusals: &'a AtomicU64,
}

impl std::fmt::Debug for Counting<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counting")
            .field("pool", &self.pool.name())
            .field("refusals", &self.refusals)
            .finish()
    }
}

impl Spawn for Counting<'_> {
    fn spawn<F: FnOnce() + Send + 'static>(&self, f: F) {
        let refused = harness::submit_counting(self.pool, Box::new(f));
        if refused > 0 {
            self.refusals.fetch_add(refused, Ordering::Relaxed);
        }
    }
}

/// How a row runs one task and returns once it has run: a submit that
/// waits for its result.
pub trait Call: Sync {
    /// Hands `f` over and returns once it has run.
    fn call<F: FnOnce() + Send + 'static>(&self, f: F);
}

impl Call for Counting<'_> {
    fn call<F: FnOnce() + Send + 'static>(&self, f: F) {
        self.wait(Box::new(f));
    }
}

/// The raw crates have no waiting call: a one-shot channel, as in W8.
impl Call for RawPool {
    fn call<F: FnOnce() + Send + 'static>(&self, f: F) {
        harness::channel_call(self, f);
    }
}

/// The floor runs the task on the calling thread, then reads the one-shot
/// channel, as in W8.
impl Call for Floor {
    fn call<F: FnOnce() + Send + 'static>(&self, f: F) {
        harness::channel_call(self, f);
    }
}

impl Counting<'_> {
    /// `submit_wait` of `task`, retried after a yield (and counted) while
    /// the pool refuses it as overloaded: a call that returns once the task
    /// has run.
    ///
    /// # Panics
    /// If the pool is stopped or loses the task: the run never stops a pool
    /// it still uses, and the tasks it hands over never panic (a user's
    /// panic is caught inside the task).
    pub fn wait(&self, task: Task) {
        let mut task = task;
        loop {
            match self.pool.submit_wait(task) {
                Ok(()) => return,
                Err(WaitError::Rejected(refused)) if refused.is_overloaded() => {
                    self.refusals.fetch_add(1, Ordering::Relaxed);
                    task = refused.into_task();
                    thread::yield_now();
                }
                Err(e) => panic!("pool `{}` failed a submit_wait: {e}", self.pool.name()),
            }
        }
    }
}
