//! A Rust rebuild of [panjf2000/ants] v2: a pool with **no task queue**, where
//! each task is handed straight to a parked worker thread.
//!
//! ```
//! use taskpool_ants::Pool;
//!
//! let pool = Pool::new(4); // at most 4 tasks at once
//! pool.submit(|| println!("hello from a worker")).unwrap();
//! pool.release_wait(); // every accepted task has run, every worker has exited
//! ```
//!
//! **Choose it** when a full pool should hold producers back (a submitter
//! blocks until a worker is free) or shed load (in nonblocking mode the task
//! comes straight back), with a capacity you can change at run time and idle
//! workers that expire. **Look elsewhere** when producers must never stall
//! (a queueing pool such as `taskpool-workerpool` absorbs bursts), when
//! tasks are tiny and numerous (each one is a hand-off to a worker thread),
//! or when each worker needs state of its own (`taskpool-tunny`).
//! `docs/choosing-a-pool.md` in the repository walks through the choice, and
//! `comparisons/REPORT.md` has the measurements.
//!
//! [`Pool::new`] panics on a capacity of 0 or above
//! [`MAX_CAPACITY`](taskpool::MAX_CAPACITY); [`Pool::builder`] returns a
//! [`BuildError`](taskpool::BuildError) instead, as every pool of the
//! workspace does.
//!
//! # Submission and back-pressure
//!
//! [`Pool::submit`] takes the most recently used idle worker from a stack
//! (or, with [`prealloc`](PoolBuilder::prealloc), the oldest from a ring
//! whose storage is reserved up front) and gives it the task. If no worker
//! is idle and fewer than the capacity hold a task, it starts a worker.
//! Otherwise the pool is full and `submit`:
//!
//! - **blocks** until a worker comes back (the default);
//! - refuses with [`SubmitErrorKind::Overloaded`] in
//!   [nonblocking](PoolBuilder::nonblocking) mode, or once
//!   [`max_blocking_tasks`](PoolBuilder::max_blocking_tasks) callers are
//!   already blocked;
//! - refuses with `Overloaded` when called from one of this pool's own tasks:
//!   upstream documents that such a call can deadlock the pool, so here it
//!   never blocks.
//!
//! [`Pool::try_submit`] never waits, [`Pool::submit_timeout`] waits at most a
//! given time. A refused task always comes back inside the error. The
//! capacity bounds the tasks running at once, always, even while submitters
//! race to start workers and while [`Pool::tune`] changes it (shrinking never
//! interrupts a running task; surplus workers retire as they finish).
//!
//! Idle workers park on their own condition variable (after polling briefly)
//! and a purge thread stops those idle for longer than the
//! [expiry](PoolBuilder::expiry) ([`DEFAULT_EXPIRY`], measured by a [`Clock`] that
//! tests can drive; [`purge(false)`](PoolBuilder::purge) keeps them).
//!
//! # Shutdown and drop
//!
//! [`Pool::release`] closes the pool without waiting: later submits and
//! every blocked submitter get [`SubmitErrorKind::Stopped`] with their task; idle
//! workers exit; busy ones exit when their task returns. Every task that was
//! accepted had a worker already, so it still runs.
//! [`Pool::release_wait`] also waits for the workers to exit (and
//! [`Pool::release_timeout`] waits at most a given time), and
//! [`Pool::reboot`] opens a released pool again. As a [`TaskPool`],
//! `stop` and `stop_wait` are the same (release, then wait for and join every
//! worker): with no queue, there is nothing accepted and unstarted to drop.
//! Called from one of the pool's own tasks they do not wait for the calling
//! worker, which exits when its task returns. Dropping the last clone of a
//! pool does what `stop_wait` does.
//!
//! # Panics
//!
//! A panic in a task is caught on the worker, counted in
//! [`PoolStats::panicked`](taskpool::PoolStats), and handed to the
//! [panic handler](PoolBuilder::panic_handler) if there is one (exactly once
//! per panic); without one the standard panic hook has already printed it.
//! The worker survives and the capacity is unchanged (upstream's goroutine
//! exits instead).
//!
//! # Beyond `Pool`
//!
//! - [`PoolWithFunc<T>`]: one function bound at build time;
//!   [`invoke(arg)`](PoolWithFunc::invoke) moves the argument to a worker with
//!   no per-task allocation and hands it back in [`InvokeError`] on refusal.
//! - [`MultiPool`]: N pools behind one submit, [`LoadBalancing::RoundRobin`]
//!   or [`LoadBalancing::LeastTasks`], to spread lock contention.
//!
//! The protocol, and why the capacity holds and no wake-up is lost, is in
//! `DESIGN.md` beside this crate's sources. `docs/semantics.md` compares each
//! method with upstream's.
//!
//! [panjf2000/ants]: https://github.com/panjf2000/ants
#![forbid(unsafe_code)]

mod builder;
mod clock;
mod config;
mod error;
mod func;
mod lifecycle;
mod line;
mod mailbox;
mod multi;
mod pool;
mod purge;
mod state;
mod submit;
mod task_pool;
mod worker_loop;

#[cfg(all(test, tp_loom))]
mod loom_tests;
#[cfg(all(test, not(tp_loom)))]
mod tests;

pub use builder::{PoolBuilder, DEFAULT_EXPIRY};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{IndexOutOfRange, InvokeError, TimedOut, TuneError};
pub use func::PoolWithFunc;
pub use multi::{LoadBalancing, MultiPool};
pub use pool::Pool;
pub use taskpool::{SubmitError, SubmitErrorKind, TaskPool};
