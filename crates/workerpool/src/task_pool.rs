//! The [`TaskPool`] face of [`WorkerPool`]: the catalog's `workerpool`.

use taskpool::{PoolStats, SubmitError, Task, TaskPool, WaitError};

use crate::bound::Admit;
use crate::WorkerPool;

impl TaskPool for WorkerPool {
    fn name(&self) -> &str {
        "workerpool"
    }

    fn submit(&self, task: Task) -> Result<(), SubmitError> {
        self.handle.submit(task, Admit::Policy)
    }

    fn submit_wait(&self, task: Task) -> Result<(), WaitError> {
        self.submit_wait_task(task)
    }

    fn stop(&self) {
        WorkerPool::stop(self);
    }

    fn stop_wait(&self) {
        WorkerPool::stop_wait(self);
    }

    fn is_stopped(&self) -> bool {
        WorkerPool::is_stopped(self)
    }

    fn stats(&self) -> PoolStats {
        WorkerPool::stats(self)
    }

    fn try_submit(&self, task: Task) -> Result<(), SubmitError> {
        self.handle.submit(task, Admit::Try)
    }

    fn wait_idle(&self) {
        WorkerPool::wait_idle(self);
    }
}
