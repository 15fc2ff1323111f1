//! The [`TaskPool`] face: a pool of [`CallbackWorker`]s runs boxed closures.

use taskpool::{PoolStats, SubmitError, Task, TaskPool, WaitError};

use crate::call::Refusal;
use crate::rendezvous::{Admit, Until};
use crate::{CallbackWorker, Pool};

impl Pool<CallbackWorker> {
    /// A pool of `capacity` workers that run [`Task`]s (tunny's `NewCallback`):
    /// the pool behind the [`TaskPool`] face and the catalog's `tunny` entry.
    ///
    /// ```
    /// use taskpool::{TaskPool, TaskPoolExt};
    /// let pool = taskpool_tunny::Pool::callback(2);
    /// let answer = pool.spawn(|| 6 * 7).unwrap();
    /// assert_eq!(answer.join().unwrap(), 42);
    /// pool.stop_wait();
    /// ```
    ///
    /// # Panics
    ///
    /// Like [`Pool::new`]: if `capacity` is 0 or above
    /// [`MAX_CAPACITY`](taskpool::MAX_CAPACITY), or if a thread could not be
    /// started. [`Pool::callback_builder`] returns these as a
    /// [`BuildError`](taskpool::BuildError).
    pub fn callback(capacity: usize) -> Self {
        match Pool::callback_builder().capacity(capacity).build() {
            Ok(pool) => pool,
            Err(e) => panic!("taskpool_tunny::Pool::callback: {e}"),
        }
    }

    /// A [`Builder`](crate::Builder) for a pool of [`CallbackWorker`]s, the
    /// [`TaskPool`] face with non-default settings.
    ///
    /// ```
    /// let err = taskpool_tunny::Pool::callback_builder().capacity(0).build().unwrap_err();
    /// assert_eq!(err.to_string(), "capacity must be at least 1, got 0");
    /// let pool = taskpool_tunny::Pool::callback_builder().capacity(2).thread_name("cb").build()?;
    /// # Ok::<(), taskpool::BuildError>(())
    /// ```
    pub fn callback_builder() -> crate::Builder<CallbackWorker> {
        Pool::builder(|| CallbackWorker)
    }
}

fn submit_error(refusal: Refusal<Task>) -> SubmitError {
    match refusal {
        Refusal::Closed(task) => SubmitError::stopped(task),
        Refusal::Overloaded(task) => SubmitError::overloaded(task),
        Refusal::TimedOut(_) | Refusal::Cancelled(_) | Refusal::Panicked(_) => {
            unreachable!("submissions have no deadline and do not wait for the task")
        }
    }
}

/// The `TaskPool` face of tunny.
///
/// - `submit` blocks until a worker has **accepted** the task (tunny has no
///   buffer), then returns; it does not wait for the task to finish.
///   `try_submit` refuses with `Overloaded` when no worker is parked.
/// - Called from inside one of the pool's own tasks, `submit` and
///   `submit_wait` never wait in line: with no worker parked they refuse with
///   `Overloaded` (a worker waiting for a worker could wait for itself).
/// - `stop` and `stop_wait` are the same [`Pool::close`]: every accepted task
///   is already on a worker, so there is nothing to drop; callers still
///   blocked in `submit` get their task back in a `SubmitError` of kind `Stopped`.
///   Called from inside a task, they do not wait for the calling worker.
impl TaskPool for Pool<CallbackWorker> {
    fn name(&self) -> &str {
        "tunny"
    }

    fn submit(&self, task: Task) -> Result<(), SubmitError> {
        self.call(task, Admit::BlockUnlessInside, Until::Accepted)
            .map(drop)
            .map_err(submit_error)
    }

    fn submit_wait(&self, task: Task) -> Result<(), WaitError> {
        match self.call(task, Admit::BlockUnlessInside, Until::Done) {
            Ok(_) => Ok(()),
            Err(Refusal::Panicked(payload)) => Err(WaitError::Panicked(payload.into())),
            Err(refusal) => Err(WaitError::Rejected(submit_error(refusal))),
        }
    }

    fn stop(&self) {
        self.close();
    }

    fn stop_wait(&self) {
        self.close();
    }

    fn is_stopped(&self) -> bool {
        self.is_closed()
    }

    fn stats(&self) -> PoolStats {
        Pool::stats(self)
    }

    fn try_submit(&self, task: Task) -> Result<(), SubmitError> {
        self.call(task, Admit::Try, Until::Accepted)
            .map(drop)
            .map_err(submit_error)
    }

    fn wait_idle(&self) {
        Pool::wait_idle(self);
    }
}
