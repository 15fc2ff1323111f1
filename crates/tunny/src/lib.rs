//! A Rust rebuild of [Jeffail/tunny](https://github.com/Jeffail/tunny): a
//! fixed set of **stateful workers**; callers **block** until a worker is
//! ready and, for [`Pool::process`], until the result comes back.
//!
//! ```
//! use taskpool_tunny::Pool;
//!
//! let pool = Pool::with_fn(4, |n: u64| (1..=n).product::<u64>());
//! assert_eq!(pool.process(5), Ok(120));
//! pool.close(); // waits for every job, then for every worker thread
//! ```
//!
//! **Choose it** when each worker needs state built once and reused (a
//! connection, a compiled rule set, a table), when callers want a typed
//! result back with a timeout or a cancel token, or when callers should
//! block rather than queue. **Look elsewhere** for fire-and-forget tasks that
//! should queue while producers move on (workerpool, rayon), or for many tiny
//! independent jobs that do not fit in a
//! [`process_batch`](Pool::process_batch) (each call is a rendezvous with a
//! worker). `docs/choosing-a-pool.md` in the repository walks through the
//! choice, and `comparisons/REPORT.md` has the measurements.
//!
//! [`Pool::new`], [`Pool::with_fn`] and [`Pool::callback`] panic on a
//! capacity of 0 or above [`MAX_CAPACITY`](taskpool::MAX_CAPACITY);
//! [`Pool::builder`] returns a [`BuildError`](taskpool::BuildError) instead,
//! as every pool of the workspace does.
//!
//! # Stateful workers
//!
//! Each worker owns state that its factory builds **once**, on the thread
//! that creates the pool, and keeps across jobs: a connection, a compiled
//! rule set, a scratch buffer, a lookup table. Implement [`Worker`]:
//!
//! ```
//! use taskpool_tunny::{Interrupt, Pool, Worker};
//!
//! /// Expensive to build (think of a 64 KiB table computed at start-up),
//! /// cheap to use: each worker builds its own, once.
//! struct Squares {
//!     table: Vec<u64>,
//!     jobs_done: u64,
//! }
//!
//! impl Squares {
//!     fn build() -> Self {
//!         Squares { table: (0..8192u64).map(|i| i * i).collect(), jobs_done: 0 }
//!     }
//! }
//!
//! impl Worker for Squares {
//!     type Input = usize;
//!     type Output = (u64, u64);
//!     fn process(&mut self, i: usize, _: &Interrupt) -> (u64, u64) {
//!         self.jobs_done += 1;
//!         (self.table[i % self.table.len()], self.jobs_done)
//!     }
//! }
//!
//! let pool = Pool::new(1, Squares::build); // the table is built now, once
//! assert_eq!(pool.process(12), Ok((144, 1)));
//! assert_eq!(pool.process(3), Ok((9, 2))); // same worker, its state moved on
//! pool.set_size(3).unwrap(); // two more workers, two more tables
//! ```
//!
//! # What happens when every worker is busy
//!
//! There is no task buffer. [`process`](Pool::process) blocks the caller
//! until a worker is ready (callers wait in line, oldest first), hands the
//! input over, and blocks until the output comes back: back-pressure is
//! total, and at most [`size`](Pool::size) jobs run at once.
//! [`process_timeout`](Pool::process_timeout) puts one deadline over both
//! waits; [`process_cancellable`](Pool::process_cancellable) gives up when a
//! [`CancelToken`] is cancelled. A job whose caller gives up while it runs is
//! **interrupted**: its [`Interrupt`] signal fires (the job can return
//! early), its output is dropped, and [`Worker::interrupted`] runs. Deadlines
//! are measured on the pool's clock, which tests replace with a
//! [`ManualClock`].
//!
//! Before each job a worker runs [`Worker::block_until_ready`] and is offered
//! to callers only after it returns, so a worker may throttle itself.
//!
//! # Many small jobs: batches
//!
//! Each `process` call is one rendezvous with a worker: two hand-offs
//! between threads (and two wake-ups when the calls are sparse enough that
//! both sides went to sleep), which dominates when the job itself is a table
//! lookup.
//! [`process_batch`](Pool::process_batch) takes many inputs at once, hands
//! each ready worker a **chunk** of them in one rendezvous (a few chunks per
//! worker), lets the workers run their chunks in parallel with their own
//! state, and returns one `Result` per input, in input order:
//!
//! ```
//! use taskpool_tunny::Pool;
//!
//! let pool = Pool::with_fn(4, |x: u64| x * x);
//! let squares: Vec<u64> = pool
//!     .process_batch(0..1000)
//!     .into_iter()
//!     .map(Result::unwrap)
//!     .collect();
//! assert_eq!(squares[999], 998_001);
//! ```
//!
//! Back-pressure, the cap, the ready hook (before each item) and panics (per
//! item, the worker is rebuilt) work as for `process`; see the method.
//! [`process_batch_timeout`](Pool::process_batch_timeout) and
//! [`process_batch_cancellable`](Pool::process_batch_cancellable) give up
//! like their single-job forms, keeping the outputs already delivered.
//!
//! # Resize, shutdown and drop
//!
//! [`set_size`](Pool::set_size) grows the pool at once and shrinks it by
//! retiring parked workers first; a busy retired worker finishes its job,
//! then runs [`Worker::terminate`]. [`close`](Pool::close) refuses callers
//! still waiting ([`ProcessError::Closed`]), lets running jobs finish and
//! deliver, terminates every worker and returns when all threads have
//! exited. It is idempotent; using a closed pool is an error value, never a
//! panic. Dropping the last [`Pool`] handle closes it.
//!
//! Called from inside one of the pool's own jobs, `close`, `set_size` and
//! `wait_idle` do not wait for the calling worker (it exits right after its
//! job), nor for other workers whose jobs are themselves blocked in one of
//! these calls, so they never deadlock. `process` from inside a job waits in
//! line like any caller (as in Go); the `TaskPool` face refuses instead.
//!
//! # Panics in jobs
//!
//! A panicking job returns [`ProcessError::Panicked`] with the payload to its
//! caller (tunny crashes the process). The panic may have left that worker's
//! state half updated, so the pool drops that worker (without `terminate`)
//! and builds a replacement with the factory, on the worker's thread; the
//! other workers keep their state. If the factory itself panics then, the
//! pool is one worker smaller.
//!
//! # The `TaskPool` face
//!
//! [`Pool::callback`] (or [`Pool::callback_builder`]) builds a
//! `Pool<CallbackWorker>` that implements
//! [`taskpool::TaskPool`]: `submit` blocks until a worker has accepted the
//! task, `try_submit` refuses with `Overloaded` when no worker is parked.
//! See the impl's docs for the details.
//!
//! The design (the rendezvous, why no wake-up is lost, why the cap holds) is
//! in `DESIGN.md` at the root of this crate; the tunny section of `docs/semantics.md` in the
//! workspace compares every method with the Go original.
#![forbid(unsafe_code)]

mod batch;
mod builder;
mod call;
mod cancel;
mod clock;
mod error;
mod interrupt;
mod lifecycle;
mod pool;
mod rendezvous;
mod state;
mod task_pool;
mod worker;
mod worker_loop;

#[cfg(all(test, tp_loom))]
mod loom_tests;
#[cfg(all(test, not(tp_loom)))]
mod tests;

pub use builder::Builder;
pub use cancel::CancelToken;
pub use clock::ManualClock;
pub use error::{ProcessError, ResizeError};
pub use interrupt::Interrupt;
pub use pool::Pool;
pub use worker::{CallbackWorker, FnWorker, Worker};
