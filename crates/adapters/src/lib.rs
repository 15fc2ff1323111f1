//! The thinnest honest [`TaskPool`] adapters for pools people already use,
//! so the conformance suite can give a verdict on them
//! (`comparisons/CONFORMANCE.md`, written by `cargo xtask conformance`).
//!
//! ```
//! use taskpool::TaskPool;
//! use taskpool_adapters::RustyPool;
//!
//! let pool = RustyPool::build(2).unwrap();
//! pool.submit(Box::new(|| println!("hello from rusty_pool"))).unwrap();
//! pool.stop_wait();
//! assert!(pool.is_stopped());
//! ```
//!
//! Each adapter adds only what the trait needs and the library lacks, and
//! says so in its docs; it never changes how the library schedules, queues,
//! runs or ends its threads, so what the suite finds is the library's
//! behaviour. What every adapter adds (the `gate` module):
//!
//! - a stopped state: the library sits behind a lock that a stop takes it out
//!   of, so a submit after a stop is refused with `Stopped` and hands the task
//!   back (none of the libraries has a stopped state that refuses work);
//! - counts of completed and panicked tasks, by a guard dropped as the task
//!   ends (never by catching the panic: the library sees it as it would
//!   alone), where the library does not count them;
//! - a shutdown that several threads can call: the first caller that may
//!   wait shuts the library down and the others wait until it has finished;
//! - a mark on the pool's threads while they run its tasks, so a stop called
//!   from inside a task does not wait for itself: it closes the gate and
//!   leaves the shutdown to the next stop from outside, or to the drop (a
//!   drop on one of the pool's threads shuts the library down without
//!   waiting).
//!
//! `submit_wait` is the trait's provided method everywhere (none of the
//! libraries offers a wait that knows it runs on one of its own workers).
//!
//! [`Adapter::ALL`] lists them for the verdict; each has a `build(capacity)`
//! that refuses capacity 0, and one above [`taskpool::MAX_CAPACITY`], with a [`BuildError`]
//! (where the library itself panics on 0, the adapter says so).
#![forbid(unsafe_code)]

mod futures;
mod gate;
mod rusty;
mod scheduled;
mod threadpool_direct;
mod tokio_blocking;

use taskpool::{Admission, BuildError, TaskPool};

pub use crate::futures::FuturesPool;
pub use crate::rusty::RustyPool;
pub use crate::scheduled::ScheduledPool;
pub use crate::threadpool_direct::ThreadpoolDirect;
pub use crate::tokio_blocking::TokioBlocking;

/// One third-party pool, by name, for the verdict table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Adapter {
    /// `rusty_pool::ThreadPool` ([`RustyPool`]).
    RustyPool,
    /// `threadpool::ThreadPool`, without the workspace baseline's bookkeeping
    /// ([`ThreadpoolDirect`]).
    Threadpool,
    /// `futures_executor::ThreadPool` ([`FuturesPool`]).
    Futures,
    /// tokio's blocking pool, `spawn_blocking` ([`TokioBlocking`]).
    TokioBlocking,
    /// `scheduled_thread_pool::ScheduledThreadPool` ([`ScheduledPool`]).
    Scheduled,
}

impl Adapter {
    /// Every adapter, in the verdict's order.
    pub const ALL: &'static [Adapter] = &[
        Adapter::RustyPool,
        Adapter::Threadpool,
        Adapter::Futures,
        Adapter::TokioBlocking,
        Adapter::Scheduled,
    ];

    /// The name the built pool reports ([`TaskPool::name`]).
    pub fn name(self) -> &'static str {
        match self {
            Adapter::RustyPool => "rusty_pool",
            Adapter::Threadpool => "threadpool-direct",
            Adapter::Futures => "futures-executor",
            Adapter::TokioBlocking => "tokio-blocking",
            Adapter::Scheduled => "scheduled-thread-pool",
        }
    }

    /// The crate and version the adapter wraps, for the report.
    pub fn library(self) -> &'static str {
        match self {
            Adapter::RustyPool => "rusty_pool 1.0",
            Adapter::Threadpool => "threadpool 1.8",
            Adapter::Futures => "futures-executor 0.3 (thread-pool)",
            Adapter::TokioBlocking => "tokio 1 (rt, spawn_blocking)",
            Adapter::Scheduled => "scheduled-thread-pool 0.2",
        }
    }

    /// What the adapter adds to the library, in one sentence.
    pub fn adds(self) -> &'static str {
        match self {
            Adapter::RustyPool => {
                "stop gate; completed/panicked counts; stop = `shutdown_join` (from inside a task: \
                 close the gate, shut down later)"
            }
            Adapter::Threadpool => {
                "stop gate; completed count; stop = `join` then drop (the library has no shutdown)"
            }
            Adapter::Futures => {
                "stop gate; all counts and the wait for idle (the library has none); \
                 stop = wait for idle, then drop"
            }
            Adapter::TokioBlocking => {
                "owns a current-thread runtime with `max_blocking_threads(capacity)`; stop gate; \
                 all counts and the wait for idle; stop = runtime shutdown"
            }
            Adapter::Scheduled => {
                "stop gate; all counts and the wait for idle (the library has none); \
                 stop = wait for idle, then drop"
            }
        }
    }

    /// What the pool's `submit` does when every worker is busy.
    pub fn admission(self) -> Admission {
        Admission::Queue
    }

    /// Builds the adapter with `capacity` workers.
    pub fn build(self, capacity: usize) -> Result<Box<dyn TaskPool>, BuildError> {
        Ok(match self {
            Adapter::RustyPool => Box::new(RustyPool::build(capacity)?),
            Adapter::Threadpool => Box::new(ThreadpoolDirect::build(capacity)?),
            Adapter::Futures => Box::new(FuturesPool::build(capacity)?),
            Adapter::TokioBlocking => Box::new(TokioBlocking::build(capacity)?),
            Adapter::Scheduled => Box::new(ScheduledPool::build(capacity)?),
        })
    }
}
