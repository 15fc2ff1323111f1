//! The [`TaskPool`] faces of ants: [`Pool`] (the catalog's `ants`, in
//! blocking mode) and [`MultiPool`] (`ants-multi`).

use taskpool::{PoolStats, SubmitError, Task, TaskPool};

use crate::line::Wait;
use crate::{MultiPool, Pool};

impl TaskPool for Pool {
    fn name(&self) -> &str {
        "ants"
    }

    fn submit(&self, task: Task) -> Result<(), SubmitError> {
        self.submit_task(task, Wait::Forever)
    }

    /// Releases and waits for every worker to exit. There is no queue: every
    /// accepted task is already in a worker's hands and runs; blocked
    /// submitters get `Stopped`. From one of the pool's own tasks it does not
    /// wait for the calling worker.
    fn stop(&self) {
        self.inner().shutdown();
    }

    /// The same as [`stop`](TaskPool::stop): with no queue, every accepted
    /// task has a worker and finishes before the workers exit.
    fn stop_wait(&self) {
        self.inner().shutdown();
    }

    fn is_stopped(&self) -> bool {
        self.is_closed()
    }

    fn stats(&self) -> PoolStats {
        self.inner().stats()
    }

    fn try_submit(&self, task: Task) -> Result<(), SubmitError> {
        self.submit_task(task, Wait::Never)
    }

    fn wait_idle(&self) {
        self.inner().wait_idle();
    }
}

impl TaskPool for MultiPool {
    fn name(&self) -> &str {
        "ants-multi"
    }

    fn submit(&self, task: Task) -> Result<(), SubmitError> {
        self.submit_task(task, Wait::Forever)
    }

    fn stop(&self) {
        self.shutdown();
    }

    fn stop_wait(&self) {
        self.shutdown();
    }

    fn is_stopped(&self) -> bool {
        self.is_closed()
    }

    fn stats(&self) -> PoolStats {
        MultiPool::stats(self)
    }

    fn try_submit(&self, task: Task) -> Result<(), SubmitError> {
        self.submit_task(task, Wait::Never)
    }

    fn wait_idle(&self) {
        MultiPool::wait_idle(self);
    }
}
