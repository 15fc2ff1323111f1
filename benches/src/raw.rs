//! The raw rows: rayon, the `threadpool` crate and a minimal crossbeam-channel
//! pool called directly, without the `TaskPool` wrapper and its bookkeeping.
//! A user of these crates would call them this way; the report's contract
//! tax is the wrapped row's time over the raw row's.
//!
//! [`CrossbeamPool`] is the yardstick performance targets are stated
//! against ("the raw crossbeam-channel pool row"), so it is kept minimal and
//! obviously fair: one unbounded channel of boxed closures, `capacity`
//! threads each looping on `recv`, nothing else.

use std::thread::{self, JoinHandle};

use crossbeam_channel::Sender;

use crate::harness::Spawn;
use crate::rows::Raw;

/// A boxed job, as the channel carries it.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// The minimal crossbeam-channel pool: `threads` workers receiving boxed
/// closures from one unbounded channel. Dropping it closes the channel and
/// joins every worker once the jobs already sent have run.
#[derive(Debug)]
pub struct CrossbeamPool {
    /// The sending half; `None` only inside `drop`, which closes the
    /// channel by dropping it so the workers' `recv` loops end.
    sender: Option<Sender<Job>>,
    /// Joined on drop.
    workers: Vec<JoinHandle<()>>,
}

impl CrossbeamPool {
    /// Starts `threads` workers (at least one).
    pub fn new(threads: usize) -> CrossbeamPool {
        let (sender, receiver) = crossbeam_channel::unbounded::<Job>();
        let workers = (0..threads.max(1))
            .map(|_| {
                let receiver = receiver.clone();
                thread::spawn(move || {
                    // Ends when every sender is gone and the channel is empty.
                    for job in receiver {
                        job();
                    }
                })
            })
            .collect();
        CrossbeamPool {
            sender: Some(sender),
            workers,
        }
    }

    /// Sends `job` to the workers.
    pub fn execute(&self, job: Job) {
        if let Some(sender) = &self.sender {
            // The workers hold the receivers until the sender is dropped.
            let _ = sender.send(job);
        }
    }
}

impl Drop for CrossbeamPool {
    fn drop(&mut self) {
        drop(self.sender.take());
        for worker in self.workers.drain(..) {
            // A job never panics in the benchmarks; if one did, its worker's
            // panic was already printed.
            let _ = worker.join();
        }
    }
}

/// One raw row's executor.
#[derive(Debug)]
pub enum RawPool {
    /// `rayon::ThreadPool` with `num_threads(capacity)`.
    Rayon(rayon::ThreadPool),
    /// `threadpool::ThreadPool::new(capacity)`.
    Threadpool(threadpool::ThreadPool),
    /// [`CrossbeamPool::new(capacity)`](CrossbeamPool::new).
    Crossbeam(CrossbeamPool),
}

impl RawPool {
    /// Builds the executor of `raw` with `capacity` threads.
    pub fn build(raw: Raw, capacity: usize) -> Result<RawPool, String> {
        if capacity == 0 {
            return Err(format!("`{}` needs at least one thread", raw.name()));
        }
        Ok(match raw {
            Raw::Rayon => RawPool::Rayon(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(capacity)
                    .build()
                    .map_err(|e| format!("building rayon with {capacity} threads: {e}"))?,
            ),
            Raw::Threadpool => RawPool::Threadpool(threadpool::ThreadPool::new(capacity)),
            Raw::Crossbeam => RawPool::Crossbeam(CrossbeamPool::new(capacity)),
        })
    }
}

impl Spawn for RawPool {
    fn spawn<F: FnOnce() + Send + 'static>(&self, f: F) {
        match self {
            RawPool::Rayon(pool) => pool.spawn(f),
            RawPool::Threadpool(pool) => pool.execute(f),
            RawPool::Crossbeam(pool) => pool.execute(Box::new(f)),
        }
    }
}
