//! The Rust pools people use today, behind the [`TaskPool`](taskpool::TaskPool) contract.
//!
//! ```
//! use taskpool::{TaskPool, TaskPoolExt};
//! use taskpool_baselines::ChannelPool;
//!
//! let pool = ChannelPool::new(4);
//! let answer = pool.spawn(|| 6 * 7)?;
//! assert_eq!(answer.join()?, 42);
//! pool.stop_wait();
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! ```
//!
//! **Choose one** to compare a strategy with what a Rust program would use
//! anyway, or when you want a pool you already know behind the
//! [`TaskPool`](taskpool::TaskPool) contract (a stop that drops queued
//! tasks, refusals that hand the task back, caught panics, waiting for the
//! threads). **Look elsewhere** when you do not need the contract: the
//! wrapped crates called directly skip its bookkeeping (the report's
//! "contract tax" measures it). `docs/choosing-a-pool.md` in the repository
//! walks through the choice, and `comparisons/REPORT.md` has the
//! measurements.
//!
//! Each type's `new(capacity)` panics on a capacity of 0 or above
//! [`MAX_CAPACITY`](taskpool::MAX_CAPACITY); its `builder()` ([`Builder`]:
//! capacity, its limit, the thread-name prefix) returns a
//! [`BuildError`](taskpool::BuildError) instead.
//!
//! | type | name | wraps | when every worker is busy |
//! |---|---|---|---|
//! | [`RayonPool`] | `rayon` | `rayon::ThreadPool::spawn` | queues (rayon's deques) |
//! | [`ThreadpoolPool`] | `threadpool` | the `threadpool` crate | queues (its channel) |
//! | [`ChannelPool`] | `channel` | N threads on one unbounded crossbeam channel | queues |
//! | [`ThreadPerTask`] | `thread-per-task` | a new OS thread per task, counting semaphore | `submit` blocks, `try_submit` refuses |
//!
//! They are the yardstick the strategy crates are measured against, so each
//! keeps **all nine rules** of the contract even where the wrapped crate does
//! not: every task travels inside a job that checks in with shared bookkeeping
//! before it starts and after it finishes, and every worker thread carries a
//! thread-local mark so the pool knows when the thread is gone and whether a
//! call comes from one of its own threads. Each type's docs say, rule by rule,
//! how.
//!
//! Common to all four:
//!
//! - **Shutdown**: [`stop`](taskpool::TaskPool::stop) drops tasks not yet
//!   started, [`stop_wait`](taskpool::TaskPool::stop_wait) runs them; both
//!   return once the started tasks have finished and every worker thread has
//!   exited. The first call picks the mode; later and concurrent calls wait
//!   for the same shutdown.
//! - **From inside one of the pool's tasks**, `stop`/`stop_wait` begin the
//!   shutdown and return without waiting (the calling task is still running;
//!   the pool's threads finish the rest and exit on their own), `wait_idle`
//!   returns at once, and `submit_wait` runs the task inline on the caller's
//!   slot so a full pool cannot deadlock on itself.
//! - **Drop** of the last clone behaves like `stop_wait` (and like the above
//!   when it happens on one of the pool's threads).
//! - **Panics** are caught on the worker, counted in `stats().panicked`, and
//!   handed to `submit_wait`/`spawn` callers; the worker lives on.
//! - The bookkeeping costs one mutex round-trip when a task starts and one
//!   when it ends; benchmarks measure the wrapped crates with that cost.
#![forbid(unsafe_code)]

mod builder;
mod channel;
mod core;
mod front;
mod rayon_pool;
mod thread_per_task;
mod threadpool_pool;

#[cfg(all(test, tp_loom))]
mod loom_tests;
#[cfg(all(test, not(tp_loom)))]
mod tests;

pub use builder::Builder;
pub use channel::ChannelPool;
pub use rayon_pool::RayonPool;
pub use thread_per_task::ThreadPerTask;
pub use threadpool_pool::ThreadpoolPool;
