//! tokio's blocking pool (`spawn_blocking`) behind the trait.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use taskpool::{BuildError, PoolStats, SubmitError, Task, TaskPool};

use crate::gate::{next_id, on_pool, wrap, Counts, Gate};

/// A current-thread tokio runtime owned by the adapter, built with
/// `max_blocking_threads(capacity)`; each task goes to `spawn_blocking`.
///
/// The blocking pool queues without bound, starts threads on demand up to
/// the cap, retires idle ones after `thread_keep_alive` (10 s by default),
/// and catches a panic into the task's `JoinHandle` (the adapter drops the
/// handle). It has no wait for idle and no public counts of its own on
/// stable tokio, and its shutdown drops blocking tasks that have not started.
/// The adapter adds the stop gate, every count and the wait for idle; `stop`
/// is the runtime's `shutdown_timeout` (unstarted tasks are dropped; the
/// threads are joined), `stop_wait` first waits for idle, then does the same.
/// A stop from one of the pool's own tasks only closes the gate (the next
/// stop from outside, or the drop, shuts the runtime down). Dropping the
/// last handle on one of the pool's threads can only use
/// `shutdown_background` (a runtime cannot wait for its own thread), which
/// cancels the blocking tasks that have not started. `max_blocking_threads(0)` panics in tokio; the adapter refuses
/// capacity 0 with a `BuildError`.
pub struct TokioBlocking {
    id: usize,
    capacity: usize,
    lib: Gate<tokio::runtime::Runtime>,
    counts: Arc<Counts>,
}

impl TokioBlocking {
    /// A runtime whose blocking pool has at most `capacity` threads.
    pub fn build(capacity: usize) -> Result<TokioBlocking, BuildError> {
        taskpool::check_capacity("capacity", capacity, taskpool::MAX_CAPACITY)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .max_blocking_threads(capacity)
            .thread_name("tokio-blocking")
            .build()
            .map_err(|e| BuildError::new(format!("could not start the pool: {e}")))?;
        Ok(TokioBlocking {
            id: next_id(),
            capacity,
            lib: Gate::new(runtime),
            counts: Arc::default(),
        })
    }

    fn shut_down(&self, drain: bool) {
        self.lib
            .shut(on_pool(self.id), |runtime| self.finish(runtime, drain));
    }

    fn finish(&self, runtime: tokio::runtime::Runtime, drain: bool) {
        if drain {
            self.counts.wait_idle();
        }
        // Waits for the blocking threads: bounded only so that a stuck task
        // cannot hang the caller for ever (a day is "for ever" here).
        runtime.shutdown_timeout(Duration::from_secs(86_400));
    }
}

impl TaskPool for TokioBlocking {
    fn name(&self) -> &str {
        "tokio-blocking"
    }

    fn submit(&self, task: Task) -> Result<(), SubmitError> {
        let (id, counts) = (self.id, &self.counts);
        self.lib.submit(task, |runtime, task| {
            drop(runtime.spawn_blocking(wrap(id, counts, task)));
        })
    }

    fn try_submit(&self, task: Task) -> Result<(), SubmitError> {
        self.submit(task)
    }

    fn stop(&self) {
        self.shut_down(false);
    }

    fn stop_wait(&self) {
        self.shut_down(true);
    }

    fn is_stopped(&self) -> bool {
        self.lib.is_closed()
    }

    fn stats(&self) -> PoolStats {
        self.counts.stats(self.capacity, self.counts.running())
    }

    fn wait_idle(&self) {
        self.counts.wait_idle();
    }
}

impl Drop for TokioBlocking {
    fn drop(&mut self) {
        self.lib.drop_last(
            on_pool(self.id),
            |runtime| self.finish(runtime, true),
            tokio::runtime::Runtime::shutdown_background,
        );
    }
}

impl fmt::Debug for TokioBlocking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokioBlocking")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}
