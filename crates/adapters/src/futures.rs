//! `futures_executor::ThreadPool` behind the trait.

use std::fmt;
use std::sync::Arc;

use taskpool::{BuildError, PoolStats, SubmitError, Task, TaskPool};

use crate::gate::{next_id, on_pool, wrap, Counts, Gate};

/// `futures_executor::ThreadPool` with `pool_size(capacity)`; each task is
/// an `async` block that runs it, handed over with `spawn_ok`.
///
/// The library has `spawn_ok` (never blocks) and nothing else: no wait for
/// idle, no shutdown (dropping the last handle sends each thread a "close"
/// message behind the queued work; threads are never joined), no counts.
/// The adapter adds the stop gate, every count, and the wait for idle (its
/// own count of tasks handed over and not yet ended); `stop` and `stop_wait`
/// wait for idle, then drop the handle (a stop from one of the pool's own
/// tasks only closes the gate: the next stop from outside, or the drop, does
/// that; a drop on one of its threads drops the handle without waiting). It does not catch panics: the library does not either.
/// `pool_size(0)` panics in the library; the adapter refuses capacity 0 with
/// a `BuildError`.
pub struct FuturesPool {
    id: usize,
    capacity: usize,
    lib: Gate<futures_executor::ThreadPool>,
    counts: Arc<Counts>,
}

impl FuturesPool {
    /// A pool of `capacity` threads.
    pub fn build(capacity: usize) -> Result<FuturesPool, BuildError> {
        taskpool::check_capacity("capacity", capacity, taskpool::MAX_CAPACITY)?;
        let lib = futures_executor::ThreadPool::builder()
            .pool_size(capacity)
            .name_prefix("futures-")
            .create()
            .map_err(|e| BuildError::new(format!("could not start the pool: {e}")))?;
        Ok(FuturesPool {
            id: next_id(),
            capacity,
            lib: Gate::new(lib),
            counts: Arc::default(),
        })
    }

    fn shut_down(&self) {
        self.lib.shut(on_pool(self.id), |lib| {
            self.counts.wait_idle();
            drop(lib);
        });
    }
}

impl TaskPool for FuturesPool {
    fn name(&self) -> &str {
        "futures-executor"
    }

    fn submit(&self, task: Task) -> Result<(), SubmitError> {
        let (id, counts) = (self.id, &self.counts);
        self.lib.submit(task, |lib, task| {
            let task = wrap(id, counts, task);
            lib.spawn_ok(async move { task() });
        })
    }

    fn try_submit(&self, task: Task) -> Result<(), SubmitError> {
        self.submit(task)
    }

    fn stop(&self) {
        self.shut_down();
    }

    fn stop_wait(&self) {
        self.shut_down();
    }

    fn is_stopped(&self) -> bool {
        self.lib.is_closed()
    }

    fn stats(&self) -> PoolStats {
        let workers = if self.lib.is_closed() {
            0
        } else {
            self.capacity
        };
        self.counts.stats(self.capacity, workers)
    }

    fn wait_idle(&self) {
        self.counts.wait_idle();
    }
}

impl Drop for FuturesPool {
    fn drop(&mut self) {
        let counts = &self.counts;
        self.lib.drop_last(
            on_pool(self.id),
            |lib| {
                counts.wait_idle();
                drop(lib);
            },
            drop,
        );
    }
}

impl fmt::Debug for FuturesPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FuturesPool")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}
