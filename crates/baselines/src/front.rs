//! The `TaskPool` front shared by the three queueing baselines (rayon, threadpool, channel).

use std::fmt;
use std::sync::{PoisonError, RwLock};

use taskpool_utils::sync::Arc;

use taskpool::{task_with_handle, PoolStats, SubmitError, Task, TaskPool, WaitError};

use crate::core::{Core, Job, Mode};

/// An executor that takes jobs into its own queue without blocking.
pub(crate) trait Executor: Send + Sync + 'static {
    /// Queues the job; hands it back if the executor can no longer take it.
    fn dispatch(&self, job: Job) -> Result<(), Job>;
}

/// The owning handle of a queueing baseline. The public types hold it in an
/// `Arc`; when the last clone drops, [`Drop`] runs `stop_wait` (rule 8).
pub(crate) struct Front<E: Executor> {
    pub(crate) core: Arc<Core>,
    /// The executor while the pool accepts tasks; `None` once shutdown closed
    /// it. Submitters hold the read lock across accept + dispatch, so the
    /// shutdown, which sets the mode before it takes the write lock, never
    /// closes the executor between a task's acceptance and its dispatch.
    exec: RwLock<Option<E>>,
}

impl<E: Executor> Front<E> {
    pub(crate) fn new(core: Arc<Core>, exec: E) -> Self {
        Front {
            core,
            exec: RwLock::new(Some(exec)),
        }
    }

    /// Closes the executor (dropping it releases its threads) and, unless on
    /// one of the pool's own threads, waits for the tasks and the threads.
    fn shutdown(&self, mode: Mode) {
        drop(self.core.begin_shutdown(mode));
        let exec = self
            .exec
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(exec);
        self.core.finish_shutdown();
    }
}

impl<E: Executor> TaskPool for Front<E> {
    fn name(&self) -> &str {
        self.core.name()
    }

    fn submit(&self, task: Task) -> Result<(), SubmitError> {
        let exec = self.exec.read().unwrap_or_else(PoisonError::into_inner);
        let Some(exec) = exec.as_ref() else {
            return Err(SubmitError::stopped(task));
        };
        let job = self.core.accept(task)?;
        // An executor refuses only once its threads are gone, which cannot
        // happen while we hold it; if it ever does, the task comes back.
        exec.dispatch(job)
            .map_err(|job| SubmitError::stopped(self.core.unaccept(job)))
    }

    fn submit_wait(&self, task: Task) -> Result<(), WaitError> {
        submit_wait_with(&self.core, task, |t| self.submit(t))
    }

    fn stop(&self) {
        self.shutdown(Mode::Drop);
    }

    fn stop_wait(&self) {
        self.shutdown(Mode::Drain);
    }

    fn is_stopped(&self) -> bool {
        self.core.is_stopped()
    }

    fn stats(&self) -> PoolStats {
        self.core.stats()
    }

    fn try_submit(&self, task: Task) -> Result<(), SubmitError> {
        // Queueing pools never block in submit.
        self.submit(task)
    }

    fn wait_idle(&self) {
        self.core.wait_quiet();
    }
}

impl<E: Executor> Drop for Front<E> {
    fn drop(&mut self) {
        self.shutdown(Mode::Drain);
    }
}

impl<E: Executor> fmt::Debug for Front<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("name", &self.core.name())
            .field("stats", &self.core.stats())
            .finish()
    }
}

/// `submit_wait` for every baseline: inline on one of the pool's own threads
/// (see [`Core::run_inline`]), otherwise submit and wait on a handle.
pub(crate) fn submit_wait_with(
    core: &Core,
    task: Task,
    submit: impl FnOnce(Task) -> Result<(), SubmitError>,
) -> Result<(), WaitError> {
    if core.on_own_thread() {
        return core.run_inline(task);
    }
    let (wrapped, handle) = task_with_handle(task);
    match submit(wrapped) {
        Ok(()) => handle.join().map_err(WaitError::from),
        Err(refused) => {
            drop(handle);
            Err(WaitError::Rejected(refused))
        }
    }
}

/// Implements `TaskPool` for a public `struct X { front: Arc<Front<E>> }` by
/// delegation, plus `Debug`.
macro_rules! delegate_task_pool {
    ($ty:ident) => {
        impl taskpool::TaskPool for $ty {
            fn name(&self) -> &str {
                self.front.name()
            }
            fn submit(&self, task: taskpool::Task) -> Result<(), taskpool::SubmitError> {
                self.front.submit(task)
            }
            fn submit_wait(&self, task: taskpool::Task) -> Result<(), taskpool::WaitError> {
                self.front.submit_wait(task)
            }
            fn stop(&self) {
                self.front.stop()
            }
            fn stop_wait(&self) {
                self.front.stop_wait()
            }
            fn is_stopped(&self) -> bool {
                self.front.is_stopped()
            }
            fn stats(&self) -> taskpool::PoolStats {
                self.front.stats()
            }
            fn try_submit(&self, task: taskpool::Task) -> Result<(), taskpool::SubmitError> {
                self.front.try_submit(task)
            }
            fn wait_idle(&self) {
                self.front.wait_idle()
            }
        }

        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("stats", &taskpool::TaskPool::stats(&*self.front))
                    .finish()
            }
        }
    };
}
pub(crate) use delegate_task_pool;
