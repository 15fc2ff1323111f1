//! [`ThreadPerTask`]: a new OS thread for every task, at most `capacity` at once.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use std::thread;
use taskpool_utils::sync::Arc;

use taskpool::{BuildError, PoolStats, SubmitError, Task, TaskPool, WaitError};

use crate::builder::{build_or_panic, Builder};
use crate::core::{enter_worker, Cap, Core, Mode};
use crate::front::submit_wait_with;

/// Spawns a new OS thread for every task, behind a counting semaphore of
/// `capacity` permits. There is no queue: `submit` **blocks** while
/// `capacity` tasks are running; [`try_submit`](TaskPool::try_submit) refuses
/// with [`SubmitErrorKind::Overloaded`](taskpool::SubmitErrorKind::Overloaded) instead.
///
/// ```
/// use taskpool::{TaskPool, TaskPoolExt};
/// use taskpool_baselines::ThreadPerTask;
///
/// let pool = ThreadPerTask::new(2);
/// assert_eq!(pool.spawn(|| 6 * 7).unwrap().join().unwrap(), 42);
/// pool.stop_wait();
/// ```
///
/// How the nine rules are kept:
///
/// 1. **Capacity**: a task takes a permit before its thread is spawned and
///    gives it back when it has finished; at most `capacity` permits exist.
/// 2. **stop_wait runs everything**: each accepted task already has its own
///    thread; shutdown waits for them all.
/// 3. **Nothing starts after stop**: a thread checks the shutdown mode in the
///    same critical section that counts its task as running; one that starts
///    after `stop` drops its task unrun.
/// 4. **Refusal after stop**: checked where the permit is taken; callers
///    blocked in `submit` wake up and get their task back in
///    [`SubmitErrorKind::Stopped`](taskpool::SubmitErrorKind::Stopped).
/// 5. **Panics**: caught on the task's thread and counted; the permit is
///    returned as for any other task.
/// 6. **Threads exited**: each thread carries a thread-local mark whose
///    destructor reports its exit, and shutdown joins every handle it still
///    holds (handles of threads that already finished are dropped as the pool
///    goes, so long-lived pools do not accumulate them).
/// 7. **stop from inside a task**: idempotent (the first call picks the mode);
///    on one of this pool's threads it begins the shutdown and returns without
///    waiting; the other threads finish on their own, and a later `stop_wait`
///    from outside waits for all of it. `wait_idle` there returns at once;
///    `submit_wait` there runs the task inline on the caller's permit. A
///    blocking `submit` from inside a task does not wait for a permit (every
///    permit holder could be doing the same, and none would ever return one):
///    on a full pool it refuses with
///    [`SubmitErrorKind::Overloaded`](taskpool::SubmitErrorKind::Overloaded), as
///    `try_submit` does.
/// 8. **Drop**: dropping the last clone runs `stop_wait`.
/// 9. **Configuration**: a capacity of 0 or above the builder's
///    [`capacity_limit`](Builder::capacity_limit) is a [`BuildError`]. A thread that
///    the OS refuses to start hands its task back in
///    [`SubmitErrorKind::Overloaded`](taskpool::SubmitErrorKind::Overloaded).
#[derive(Clone)]
pub struct ThreadPerTask {
    inner: Arc<Inner>,
}

/// The owning handle; dropping the last one runs `stop_wait` (rule 8).
struct Inner {
    core: Arc<Core>,
    /// The threads' name prefix; each is `prefix-N`.
    prefix: String,
    /// The `N` of the next thread's name.
    spawned: AtomicUsize,
}

impl ThreadPerTask {
    /// A pool that runs at most `capacity` tasks (threads) at once; its
    /// threads are named `tp-thread-per-task-<n>`.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 or above [`MAX_CAPACITY`](taskpool::MAX_CAPACITY);
    /// [`ThreadPerTask::builder`] returns these as a [`BuildError`].
    pub fn new(capacity: usize) -> Self {
        build_or_panic("ThreadPerTask", capacity, |n| {
            ThreadPerTask::builder().capacity(n).build()
        })
    }

    /// A [`Builder`] for a pool with non-default settings (default thread
    /// name prefix `tp-thread-per-task`).
    pub fn builder() -> Builder<ThreadPerTask> {
        Builder::new("tp-thread-per-task")
    }

    fn submit_inner(&self, task: Task, block: bool) -> Result<(), SubmitError> {
        let core = &self.inner.core;
        let capacity = self.stats().capacity;
        // A task of this pool must not wait for a permit (rule 7): the
        // permits it waits for may all be held by tasks waiting the same way.
        let block = block && !core.on_own_thread();
        let job = core.accept_slot(task, block)?;
        // The job goes through a slot so that a failed spawn can hand the
        // task back instead of dropping it with the closure.
        let slot = Arc::new(Mutex::new(Some(job)));
        let thread_slot = Arc::clone(&slot);
        let thread_core = Arc::clone(core);
        let n = self.inner.spawned.fetch_add(1, Ordering::Relaxed);
        let spawned = thread::Builder::new()
            .name(format!("{}-{n}", self.inner.prefix))
            .spawn(move || {
                enter_worker(&thread_core);
                let job = thread_slot
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                if let Some(job) = job {
                    // The slot was taken in `accept_slot`.
                    let _ = thread_core.run(job, Cap::PerThread);
                }
            });
        match spawned {
            Ok(handle) => {
                core.thread_spawned(Some(handle), capacity.saturating_mul(2).saturating_add(16));
                Ok(())
            }
            Err(_) => {
                core.thread_spawned(None, usize::MAX);
                let job = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
                match job {
                    Some(job) => Err(SubmitError::overloaded(core.unaccept(job))),
                    // Unreachable: the closure that would take it never ran.
                    None => Ok(()),
                }
            }
        }
    }
}

impl Builder<ThreadPerTask> {
    /// Makes the pool; it starts no thread until a task comes.
    ///
    /// # Errors
    ///
    /// A [`BuildError`] for a capacity of 0 or above the limit, or a thread
    /// name with a NUL byte.
    pub fn build(self) -> Result<ThreadPerTask, BuildError> {
        let (capacity, prefix) = self.settings()?;
        Ok(ThreadPerTask {
            inner: Arc::new(Inner {
                core: Core::new("thread-per-task", capacity),
                prefix,
                spawned: AtomicUsize::new(0),
            }),
        })
    }
}

impl Inner {
    fn shutdown(&self, mode: Mode) {
        drop(self.core.begin_shutdown(mode));
        self.core.finish_shutdown();
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.shutdown(Mode::Drain);
    }
}

impl TaskPool for ThreadPerTask {
    fn name(&self) -> &str {
        self.inner.core.name()
    }

    fn submit(&self, task: Task) -> Result<(), SubmitError> {
        self.submit_inner(task, true)
    }

    fn submit_wait(&self, task: Task) -> Result<(), WaitError> {
        submit_wait_with(&self.inner.core, task, |t| self.submit(t))
    }

    fn stop(&self) {
        self.inner.shutdown(Mode::Drop);
    }

    fn stop_wait(&self) {
        self.inner.shutdown(Mode::Drain);
    }

    fn is_stopped(&self) -> bool {
        self.inner.core.is_stopped()
    }

    fn stats(&self) -> PoolStats {
        self.inner.core.stats()
    }

    fn try_submit(&self, task: Task) -> Result<(), SubmitError> {
        self.submit_inner(task, false)
    }

    fn wait_idle(&self) {
        self.inner.core.wait_quiet();
    }
}

impl fmt::Debug for ThreadPerTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPerTask")
            .field("stats", &self.stats())
            .finish()
    }
}
