//! The `threadpool` crate behind the trait, without the workspace
//! baseline's bookkeeping.

use std::fmt;
use std::sync::Arc;

use taskpool::{BuildError, PoolStats, SubmitError, Task, TaskPool};

use crate::gate::{next_id, on_pool, wrap, Counts, Gate};

/// `threadpool::ThreadPool::new(capacity)`, used directly.
///
/// The library has `execute` (never blocks), `join` (wait until idle) and
/// counts of active, queued and panicked jobs, but no shutdown: dropping the
/// last handle lets its threads finish the queue and exit on their own; it
/// never joins them. The adapter adds the stop gate and a completed count;
/// `stop` and `stop_wait` both `join`, then drop the handle (a stop from one
/// of the pool's own tasks only closes the gate: the next stop from outside,
/// or the drop, does that; a drop on one of its threads drops the handle
/// without the `join`). It does not hide that the threads are not joined. `ThreadPool::new(0)` panics in the library; the
/// adapter refuses capacity 0 with a `BuildError`.
pub struct ThreadpoolDirect {
    id: usize,
    capacity: usize,
    lib: Gate<threadpool::ThreadPool>,
    counts: Arc<Counts>,
}

impl ThreadpoolDirect {
    /// A pool of `capacity` threads.
    pub fn build(capacity: usize) -> Result<ThreadpoolDirect, BuildError> {
        taskpool::check_capacity("capacity", capacity, taskpool::MAX_CAPACITY)?;
        Ok(ThreadpoolDirect {
            id: next_id(),
            capacity,
            lib: Gate::new(threadpool::ThreadPool::with_name(
                "threadpool".to_owned(),
                capacity,
            )),
            counts: Arc::default(),
        })
    }

    fn shut_down(&self) {
        self.lib.shut(on_pool(self.id), |lib| lib.join());
    }
}

impl TaskPool for ThreadpoolDirect {
    fn name(&self) -> &str {
        "threadpool-direct"
    }

    fn submit(&self, task: Task) -> Result<(), SubmitError> {
        let (id, counts) = (self.id, &self.counts);
        self.lib
            .submit(task, |lib, task| lib.execute(wrap(id, counts, task)))
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
        let mut stats = PoolStats::default();
        stats.capacity = self.capacity;
        stats.completed = self.counts.completed();
        match self.lib.open().as_ref() {
            // The library's own counts while it is open.
            Some(lib) => {
                stats.workers = lib.max_count();
                stats.running = lib.active_count();
                stats.waiting = lib.queued_count();
                stats.panicked = lib.panic_count() as u64;
            }
            None => {
                stats.running = self.counts.running();
                stats.waiting = self.counts.waiting();
                stats.panicked = self.counts.panicked();
            }
        }
        stats
    }

    fn wait_idle(&self) {
        let lib = self.lib.open().clone();
        match lib {
            Some(lib) => lib.join(),
            None => self.counts.wait_idle(),
        }
    }
}

impl Drop for ThreadpoolDirect {
    fn drop(&mut self) {
        self.lib.drop_last(on_pool(self.id), |lib| lib.join(), drop);
    }
}

impl fmt::Debug for ThreadpoolDirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadpoolDirect")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}
