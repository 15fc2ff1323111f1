//! `rusty_pool::ThreadPool` behind the trait.

use std::fmt;
use std::sync::Arc;

use taskpool::{BuildError, PoolStats, SubmitError, Task, TaskPool};

use crate::gate::{next_id, on_pool, wrap, Counts, Gate};

/// `rusty_pool::ThreadPool` with `core_size == max_size == capacity`.
///
/// The library has `execute` (never blocks: an unbounded channel), `join`
/// (wait until idle) and `shutdown_join` (close the channel, wait until the
/// workers are idle). The adapter adds the stop gate and the
/// completed/panicked counts (the library counts neither). `stop` and
/// `stop_wait` are both `shutdown_join`: the library drains its channel on
/// shutdown, so nothing accepted is dropped. A stop from one of the pool's
/// own tasks only closes the gate (the next stop from outside, or the drop,
/// shuts down); dropping the last handle on one of its threads calls
/// `shutdown`, which does not wait. The library panics on
/// `max_size == 0`; the adapter refuses capacity 0 with a `BuildError`.
pub struct RustyPool {
    id: usize,
    capacity: usize,
    lib: Gate<rusty_pool::ThreadPool>,
    counts: Arc<Counts>,
}

impl RustyPool {
    /// A pool of `capacity` workers.
    pub fn build(capacity: usize) -> Result<RustyPool, BuildError> {
        taskpool::check_capacity("capacity", capacity, taskpool::MAX_CAPACITY)?;
        let lib = rusty_pool::Builder::new()
            .name("rusty_pool".to_owned())
            .core_size(capacity)
            .max_size(capacity)
            .build();
        Ok(RustyPool {
            id: next_id(),
            capacity,
            lib: Gate::new(lib),
            counts: Arc::default(),
        })
    }

    fn shut_down(&self) {
        self.lib
            .shut(on_pool(self.id), rusty_pool::ThreadPool::shutdown_join);
    }
}

impl TaskPool for RustyPool {
    fn name(&self) -> &str {
        "rusty_pool"
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
        let workers = self
            .lib
            .open()
            .as_ref()
            .map_or(0, |lib| lib.get_current_worker_count());
        self.counts.stats(self.capacity, workers)
    }

    fn wait_idle(&self) {
        let lib = self.lib.open().clone();
        match lib {
            Some(lib) => lib.join(),
            None => self.counts.wait_idle(),
        }
    }
}

impl Drop for RustyPool {
    fn drop(&mut self) {
        self.lib.drop_last(
            on_pool(self.id),
            rusty_pool::ThreadPool::shutdown_join,
            rusty_pool::ThreadPool::shutdown,
        );
    }
}

impl fmt::Debug for RustyPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RustyPool")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}
