//! gammazero/workerpool rebuilt in Rust: one dispatcher thread, an unbounded
//! FIFO waiting queue, worker threads started lazily and reaped when idle.
//!
//! ```
//! use taskpool_workerpool::WorkerPool;
//!
//! let pool = WorkerPool::new(2);
//! for name in ["alpha", "beta", "gamma", "delta", "epsilon"] {
//!     pool.submit(move || println!("handling request {name}")).unwrap();
//! }
//! pool.stop_wait(); // every accepted task has run, every thread has exited
//! ```
//!
//! **Choose it** when producers must never stall: `submit` queues, bursts
//! are absorbed, and an idle pool shrinks to no worker thread and no CPU.
//! **Look elsewhere** when the backlog must not grow (bound it with
//! [`Builder::max_queued`], or take a pool that blocks the producer: ants,
//! tunny), when each worker needs state of its own (tunny), or when one
//! extra thread, the dispatcher, is too many. `docs/choosing-a-pool.md` in
//! the repository walks through the choice, and `comparisons/REPORT.md` has
//! the measurements.
//!
//! [`WorkerPool::new`] panics on a capacity of 0 or above
//! [`MAX_CAPACITY`](taskpool::MAX_CAPACITY); [`WorkerPool::builder`] returns
//! a [`BuildError`](taskpool::BuildError) instead, as every pool of the
//! workspace does.
//!
//! # Submission
//!
//! [`WorkerPool::submit`] never blocks on the default, unbounded pool: it sends
//! the task down one channel to the dispatcher thread and returns. The
//! dispatcher gives the task to a worker that is waiting for work, or starts a
//! new worker while fewer than [`max_workers`](WorkerPool::max_workers) exist,
//! or appends it to the FIFO waiting queue; once anything waits, everything
//! behind it keeps its order. A new pool has no worker threads at all.
//!
//! The one wait in `submit` bounds memory, not work: a submitter that finds
//! the dispatcher far behind (it looks every few submits; the thresholds
//! are `LAG_LIMIT` and `LAG_SAMPLE` in `src/rest.rs`) sleeps until the
//! dispatcher has read half of its backlog. The dispatcher drains its
//! channel without waiting for anyone, so this is short and cannot
//! deadlock, also inside a task; it keeps a fast submitter from leaving
//! hundreds of thousands of tasks in channel slots rather than in the
//! compact queue. (Go's `Submit` waits for the dispatcher on every call.)
//!
//! # Back-pressure
//!
//! Unbounded by default, like the Go original. With
//! [`Builder::max_queued`] the number of tasks accepted but not yet started is
//! bounded, and [`Builder::when_full`] chooses what `submit` does when the
//! bound is reached: block until a task starts ([`FullPolicy::Block`], the
//! default) or refuse with [`SubmitErrorKind::Overloaded`] ([`FullPolicy::Reject`]).
//! [`WorkerPool::try_submit`] never blocks: on a full queue it refuses.
//!
//! # Idle reaping
//!
//! After traffic stops, one waiting worker exits per idle period
//! ([`DEFAULT_IDLE_TIMEOUT`], or [`Builder::idle_timeout`]; `None` disables
//! reaping), down to zero
//! threads: an idle pool holds no worker thread and uses no CPU. Tests drive
//! the period with a [`ManualClock`] instead of sleeping.
//!
//! # Shutdown and drop
//!
//! [`stop_wait`](WorkerPool::stop_wait) refuses new tasks, runs every accepted
//! one, and returns once all worker threads and the dispatcher have exited.
//! [`stop`](WorkerPool::stop) does the same but drops the tasks still waiting
//! (a [`TaskHandle`](taskpool::TaskHandle) for one of them reports
//! `Abandoned`). Both are idempotent and safe from many threads; the first
//! call decides between the two. A task submitted after shutdown began comes
//! back in [`SubmitErrorKind::Stopped`] and never runs.
//!
//! Cloning a `WorkerPool` shares it; dropping the last clone is `stop_wait`.
//!
//! Called from one of the pool's own tasks (or from a task's destructor run
//! while the pool drops its queue), `stop`, `stop_wait` and the drop of the
//! last handle begin the shutdown and return without waiting for it: the
//! calling task is still running, so the pool cannot finish until it returns.
//! The remaining workers exit after the calling task returns. The same holds
//! for [`wait_idle`](WorkerPool::wait_idle) on a stopped pool.
//!
//! # Panics
//!
//! A panic in a task is caught on its worker, counted in
//! [`PoolStats::panicked`], and handed to the [`Builder::panic_handler`] if
//! one is set (the panic hook has already printed it). The worker survives and
//! the capacity is unchanged. [`submit_wait`](WorkerPool::submit_wait) and
//! [`TaskHandle::join`](taskpool::TaskHandle::join) give the payload to the
//! waiting caller; the handler then sees [`taskpool::ForwardedPanic`].
//!
//! # How it works
//!
//! `DESIGN.md` beside the sources states the protocol, the worker states, and
//! why no wake-up is lost and the cap holds. `docs/semantics.md` compares every
//! method with the Go original.
#![forbid(unsafe_code)]

mod bound;
mod builder;
mod channel;
mod clock;
mod dispatch;
mod gate;
mod handle;
mod msg;
mod pause;
mod pool;
mod queue;
mod rest;
mod state;
mod task_pool;
mod worker_loop;

#[cfg(all(test, tp_loom))]
mod loom_tests;
#[cfg(all(test, not(tp_loom)))]
mod tests;

pub use builder::{Builder, FullPolicy, DEFAULT_IDLE_TIMEOUT};
pub use clock::ManualClock;
pub use pause::PauseGuard;
pub use pool::WorkerPool;
pub use taskpool::{Admission, PoolStats, SubmitError, SubmitErrorKind, Task, TaskPool, WaitError};
