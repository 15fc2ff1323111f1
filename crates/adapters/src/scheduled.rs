//! `scheduled_thread_pool::ScheduledThreadPool` behind the trait.

use std::fmt;
use std::sync::Arc;

use scheduled_thread_pool::ScheduledThreadPool;
use taskpool::{BuildError, PoolStats, SubmitError, Task, TaskPool};

use crate::gate::{next_id, on_pool, wrap, Counts, Gate};

/// `ScheduledThreadPool` with `capacity` threads (the pool r2d2 uses); each
/// task is handed over with `execute` (a job due now).
///
/// The library has `execute` (never blocks: an unbounded queue ordered by
/// due time) and the scheduling calls, catches a panicking job on its
/// worker, and has nothing else: no wait for idle, no shutdown call
/// (dropping the pool tells its threads to run the pending jobs and exit;
/// they are never joined), no counts. The adapter adds the stop gate, every
/// count, and the wait for idle (its own count of tasks handed over and not
/// yet ended); `stop` and `stop_wait` wait for idle, then drop the pool (a
/// stop from one of the pool's own tasks only closes the gate: the next stop
/// from outside, or the drop, does that; a drop on one of its threads drops
/// the pool without waiting). Building with 0 threads panics in the
/// library; the adapter refuses capacity 0 with a `BuildError`.
pub struct ScheduledPool {
    id: usize,
    capacity: usize,
    lib: Gate<ScheduledThreadPool>,
    counts: Arc<Counts>,
}

impl ScheduledPool {
    /// A pool of `capacity` threads.
    pub fn build(capacity: usize) -> Result<ScheduledPool, BuildError> {
        if capacity == 0 {
            return Err(BuildError::zero("capacity"));
        }
        let lib = ScheduledThreadPool::builder()
            .num_threads(capacity)
            .thread_name_pattern("scheduled-{}")
            .build();
        Ok(ScheduledPool {
            id: next_id(),
            capacity,
            lib: Gate::new(lib),
            counts: Arc::default(),
        })
    }

    fn finish(counts: &Counts, lib: ScheduledThreadPool) {
        counts.wait_idle();
        drop(lib);
    }
}

impl TaskPool for ScheduledPool {
    fn name(&self) -> &str {
        "scheduled-thread-pool"
    }

    fn submit(&self, task: Task) -> Result<(), SubmitError> {
        let (id, counts) = (self.id, &self.counts);
        self.lib.submit(task, |lib, task| {
            // The handle only cancels; dropping it leaves the job be.
            drop(lib.execute(wrap(id, counts, task)));
        })
    }

    fn try_submit(&self, task: Task) -> Result<(), SubmitError> {
        self.submit(task)
    }

    fn stop(&self) {
        let counts = &self.counts;
        self.lib
            .shut(on_pool(self.id), |lib| ScheduledPool::finish(counts, lib));
    }

    fn stop_wait(&self) {
        self.stop();
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

impl Drop for ScheduledPool {
    fn drop(&mut self) {
        let counts = &self.counts;
        self.lib.drop_last(
            on_pool(self.id),
            |lib| ScheduledPool::finish(counts, lib),
            drop,
        );
    }
}

impl fmt::Debug for ScheduledPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScheduledPool")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}
