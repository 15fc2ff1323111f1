//! The contract every pool in the taskpool workspace implements.
//!
//! ```
//! use taskpool::{InlinePool, TaskPool, TaskPoolExt};
//!
//! let pool: Box<dyn TaskPool> = Box::new(InlinePool::new());
//! pool.submit(Box::new(|| println!("hello from a task"))).unwrap();
//! assert_eq!(pool.spawn(|| 2 + 2).unwrap().join().unwrap(), 4);
//! pool.stop_wait();
//! ```
//!
//! [`TaskPool`] is object safe, so a program can choose a pool at run time as a
//! `Box<dyn TaskPool>` (the `taskpool-catalog` crate builds one by name). The
//! generic helpers ([`TaskPoolExt::spawn`], [`TaskPoolExt::execute`]) take
//! closures and work on `dyn TaskPool` too.
//!
//! **Depend on it** to write code that runs on any pool, or to put your own
//! pool behind the contract (the `taskpool-conformance` suite checks it).
//! **Depend on a pool crate instead** (`taskpool-workerpool`,
//! `taskpool-ants`, `taskpool-tunny`, `taskpool-baselines`) to use one pool
//! with all of its own API. `docs/choosing-a-pool.md` in the repository says
//! which pool fits which workload, and `comparisons/REPORT.md` has the
//! measurements.
//!
//! # Conventions every pool crate follows
//!
//! - `Pool::new(n)` returns the pool and panics on bad input (documented
//!   under `# Panics`); `Pool::builder()…build()` returns
//!   `Result<_, BuildError>`. A capacity of 0 or above [`MAX_CAPACITY`] is
//!   refused; every builder's `capacity_limit(n)` raises the bound.
//! - Builders call the capacity `capacity(n)`, take flags as `x(bool)`, and
//!   name threads `PREFIX-N` from `thread_name(prefix)`.
//! - Every error is `Send + Sync + 'static` and implements
//!   [`std::error::Error`], so `?` turns it into an `anyhow::Error`; a
//!   refused task comes back through [`SubmitError::into_task`], a panic
//!   through [`JoinError::into_panic`].
//!
//! # What every pool promises
//!
//! The nine rules below, checked for every pool by the `taskpool-conformance`
//! suite; `docs/contract.md` at the root of the repository gives the reason
//! for each:
//!
//! 1. At most `capacity` tasks execute at the same instant, ever, including during resize.
//! 2. After [`stop_wait`](TaskPool::stop_wait) returns, every task whose submit
//!    returned `Ok` has run exactly once.
//! 3. After [`stop`](TaskPool::stop) returns, no task starts; each accepted task ran at most once.
//! 4. Submitting after shutdown began returns [`SubmitErrorKind::Stopped`] with the
//!    task, and the task never runs.
//! 5. A panicking task does not kill the pool, does not lower its capacity, and is counted.
//! 6. After `stop`/`stop_wait` returns, the pool's worker threads have all exited.
//! 7. `stop` and `stop_wait` are idempotent and safe to call from several threads
//!    at once; called from one of the pool's own tasks they do not deadlock (each
//!    pool documents whether it runs inline, refuses, or does not wait for the
//!    calling task).
//! 8. Dropping the last handle to a pool behaves like `stop_wait`, and does not
//!    deadlock on one of the pool's own threads.
//! 9. Bad configuration is a [`BuildError`] from the builder, never a silent
//!    normalisation or a hang.
//!
//! # Panics
//!
//! A panic inside a task never unwinds into the pool's caller. Pools catch it
//! on the worker and count it in [`PoolStats::panicked`]; [`TaskPool::submit_wait`]
//! and [`TaskHandle::join`] hand the payload to the waiting caller.
#![forbid(unsafe_code)]

mod error;
mod handle;
mod inline;
#[cfg(all(test, tp_loom))]
mod loom_tests;
#[cfg(all(test, not(tp_loom)))]
mod tests;

use std::fmt;
use std::sync::Arc;

pub use error::{
    check_capacity, panic_message, BuildError, JoinError, PanicPayload, SubmitError,
    SubmitErrorKind, WaitError, MAX_CAPACITY,
};
pub use handle::{task_with_handle, ForwardedPanic, JoinTimeoutError, TaskHandle, TaskPoolExt};
pub use inline::InlinePool;

/// A unit of work: run once, on some worker thread.
pub type Task = Box<dyn FnOnce() + Send + 'static>;

/// Boxes `f` into a [`Task`], or passes it through when it is a `Task`
/// already.
///
/// The closure-taking submit methods (the pools' own `submit(f)`,
/// [`TaskPoolExt::execute`]) go through this, so that handing them a task
/// that came back in a [`SubmitError`] does not wrap it in a second box on
/// every retry. The check is on the type, resolved at compile time.
///
/// ```
/// let task: taskpool::Task = taskpool::into_task(|| println!("boxed once"));
/// let again: taskpool::Task = taskpool::into_task(task); // the same box
/// again();
/// ```
pub fn into_task<F>(f: F) -> Task
where
    F: FnOnce() + Send + 'static,
{
    let mut slot = Some(f);
    if let Some(task) = (&mut slot as &mut dyn std::any::Any).downcast_mut::<Option<Task>>() {
        if let Some(task) = task.take() {
            return task;
        }
    }
    match slot {
        Some(f) => Box::new(f),
        None => unreachable!("the slot is emptied only when it held a Task"),
    }
}

/// A pool of threads that runs [`Task`]s.
///
/// Object safe: use it as `Box<dyn TaskPool>` or `Arc<dyn TaskPool>`. See the
/// [crate docs](crate) for the rules every implementation keeps.
pub trait TaskPool: Send + Sync {
    /// Short stable name used in reports, e.g. "workerpool", "ants", "rayon".
    fn name(&self) -> &str;

    /// Hands a task to the pool.
    ///
    /// What happens when every worker is busy depends on the strategy (its
    /// [`Admission`]): queue it (workerpool), block the caller (tunny, ants
    /// blocking), or refuse it (ants nonblocking). A refused task is handed back
    /// in the error: [`SubmitErrorKind::Stopped`] once shutdown has begun,
    /// [`SubmitErrorKind::Overloaded`] when the pool may not take more.
    fn submit(&self, task: Task) -> Result<(), SubmitError>;

    /// Submits and blocks until the task has finished.
    ///
    /// A panic inside the task is reported as [`WaitError::Panicked`], never
    /// propagated to the caller's thread; a refusal is [`WaitError::Rejected`]
    /// with the task inside; a task the pool dropped unstarted because of
    /// [`stop`](TaskPool::stop) is [`WaitError::Abandoned`].
    ///
    /// The provided implementation wraps the task with [`task_with_handle`]
    /// and waits on the handle. Called from inside one of the pool's own tasks
    /// it can deadlock a pool whose every worker is waiting the same way; pools
    /// that can detect this document what they do instead.
    fn submit_wait(&self, task: Task) -> Result<(), WaitError> {
        let (wrapped, handle) = task_with_handle(task);
        match self.submit(wrapped) {
            Ok(()) => handle.join().map_err(WaitError::from),
            Err(refused) => {
                // The wrapped task behaves exactly like the original once its
                // handle is gone (it re-raises the original panic payload).
                drop(handle);
                Err(WaitError::Rejected(refused))
            }
        }
    }

    /// Shuts down: refuses new tasks, drops tasks not yet started, and returns
    /// once every started task has finished and every worker thread has exited.
    fn stop(&self);

    /// Shuts down gracefully: refuses new tasks, runs every accepted task, and
    /// returns once all have finished and every worker thread has exited.
    fn stop_wait(&self);

    /// True from the moment [`stop`](TaskPool::stop) or
    /// [`stop_wait`](TaskPool::stop_wait) begins.
    fn is_stopped(&self) -> bool;

    /// A consistent-enough snapshot for metrics (not for synchronisation).
    fn stats(&self) -> PoolStats;

    /// Hands a task to the pool without ever blocking: a pool that would block
    /// (or whose bounded queue is full) refuses with [`SubmitErrorKind::Overloaded`].
    fn try_submit(&self, task: Task) -> Result<(), SubmitError>;

    /// Blocks until nothing is waiting or running, without stopping the pool.
    ///
    /// Tasks submitted by other threads while this waits extend the wait. On
    /// a stopped pool it returns once the shutdown has drained.
    fn wait_idle(&self);
}

/// What `submit` does when every worker is busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Admission {
    /// The task waits in a queue; `submit` returns at once.
    Queue,
    /// The caller blocks until a worker can take the task.
    Block,
    /// The task is refused with [`SubmitErrorKind::Overloaded`].
    Reject,
}

impl Admission {
    /// The lower-case word used in reports: "queue", "block" or "reject".
    pub fn as_str(self) -> &'static str {
        match self {
            Admission::Queue => "queue",
            Admission::Block => "block",
            Admission::Reject => "reject",
        }
    }
}

impl fmt::Display for Admission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A snapshot of a pool's counters, for metrics (not for synchronisation).
///
/// Fields may be read at slightly different instants. Build one with
/// `PoolStats::default()` and assign the fields.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PoolStats {
    /// Most tasks that may run at once, now.
    pub capacity: usize,
    /// Live worker threads.
    pub workers: usize,
    /// Tasks executing now.
    pub running: usize,
    /// Tasks accepted (or callers blocked in submit) but not started.
    pub waiting: usize,
    /// Tasks that returned normally.
    pub completed: u64,
    /// Tasks that panicked.
    pub panicked: u64,
}

macro_rules! forward_task_pool {
    ($($ty:ty),*) => {$(
        impl<P: TaskPool + ?Sized> TaskPool for $ty {
            fn name(&self) -> &str { (**self).name() }
            fn submit(&self, task: Task) -> Result<(), SubmitError> { (**self).submit(task) }
            fn submit_wait(&self, task: Task) -> Result<(), WaitError> { (**self).submit_wait(task) }
            fn stop(&self) { (**self).stop() }
            fn stop_wait(&self) { (**self).stop_wait() }
            fn is_stopped(&self) -> bool { (**self).is_stopped() }
            fn stats(&self) -> PoolStats { (**self).stats() }
            fn try_submit(&self, task: Task) -> Result<(), SubmitError> { (**self).try_submit(task) }
            fn wait_idle(&self) { (**self).wait_idle() }
        }
    )*};
}

forward_task_pool!(Arc<P>, Box<P>, &P);
