//! Results of tasks: [`TaskHandle`], the completion slot behind it, and
//! [`TaskPoolExt::spawn`].

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

use taskpool_utils::completion::Completion;

use crate::{JoinError, SubmitError, Task, TaskPool};

/// The payload a task wrapped by [`TaskPoolExt::spawn`] (or the provided
/// [`TaskPool::submit_wait`]) re-raises on the worker after it has handed the
/// real panic payload to the waiting caller.
///
/// It exists so that the pool still sees the panic and counts it (rule 5:
/// panics are counted) while the caller receives the original payload. A pool's
/// panic handler can recognise it with `payload.is::<ForwardedPanic>()`. It is
/// raised with [`std::panic::resume_unwind`], so the panic hook does not print
/// a second message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForwardedPanic;

impl ForwardedPanic {
    /// What [`panic_message`](crate::panic_message) reports for this payload.
    pub const MESSAGE: &'static str = "task panicked; the payload went to the caller waiting on it";
}

/// The shared slot between a running task and its [`TaskHandle`]: a
/// [`Completion`] that polls before it parks, so a short task's result costs
/// the waiting caller no system call.
type Slot<R> = Completion<Result<R, JoinError>>;

/// The writing half: owned by the wrapped task.
///
/// Invariant: the slot is written exactly once, normally or from `Drop`
/// when the task is dropped unrun, unless the completer was disarmed (the
/// handle is gone and nobody reads the slot).
struct Completer<R> {
    slot: Arc<Slot<R>>,
    written: bool,
}

impl<R> Completer<R> {
    /// Marks the slot as settled without writing (nobody will read it).
    fn disarm(&mut self) {
        self.written = true;
    }

    fn complete(&mut self, result: Result<R, JoinError>) {
        self.written = true;
        self.slot.set(result);
    }
}

impl<R> Drop for Completer<R> {
    fn drop(&mut self) {
        if !self.written {
            // The pool dropped the task without running it (stop).
            self.complete(Err(JoinError::Abandoned));
        }
    }
}

/// Wraps `f` into a [`Task`] and returns it with the handle that receives its
/// result.
///
/// The task catches a panic in `f`, hands the payload to the handle, then
/// re-raises [`ForwardedPanic`] so the pool counts the panic. If the pool drops
/// the task without running it, the handle reports [`JoinError::Abandoned`].
/// Pools use this to implement `spawn`-like calls of their own.
///
/// ```
/// let (task, handle) = taskpool::task_with_handle(|| 6 * 7);
/// task();
/// assert_eq!(handle.join().unwrap(), 42);
/// ```
pub fn task_with_handle<F, R>(f: F) -> (Task, TaskHandle<R>)
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let slot = Arc::new(Slot::new());
    let mut completer = Completer {
        slot: Arc::clone(&slot),
        written: false,
    };
    let task: Task = Box::new(move || match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => completer.complete(Ok(value)),
        Err(payload) => {
            // Nobody can read the payload once the handle is gone (detached, or
            // the task was refused and handed back): re-raise the original
            // then, so whoever runs the task sees the real panic.
            let handle_alive = Arc::strong_count(&completer.slot) > 1;
            if !handle_alive {
                completer.disarm();
                panic::resume_unwind(payload);
            }
            completer.complete(Err(JoinError::Panicked(payload.into())));
            drop(completer);
            panic::resume_unwind(Box::new(ForwardedPanic));
        }
    });
    (task, TaskHandle { slot })
}

/// The result of a task started with [`TaskPoolExt::spawn`].
///
/// Dropping the handle detaches the task: it still runs, its result is dropped.
pub struct TaskHandle<R> {
    slot: Arc<Slot<R>>,
}

impl<R> TaskHandle<R> {
    /// Blocks until the task has finished and returns its value, or why there is
    /// none. A panic comes back as [`JoinError::Panicked`], never as a hang; a task
    /// the pool dropped unstarted comes back as [`JoinError::Abandoned`].
    pub fn join(self) -> Result<R, JoinError> {
        self.slot.wait()
    }

    /// Like [`join`](TaskHandle::join), but gives up after `timeout` and hands the
    /// handle back in [`JoinTimeoutError::TimedOut`] so the caller can wait again.
    pub fn join_timeout(self, timeout: Duration) -> Result<R, JoinTimeoutError<R>> {
        // A timeout too large for `Instant` waits as long as it takes.
        let result = match Instant::now().checked_add(timeout) {
            Some(deadline) => self.slot.wait_deadline(deadline),
            None => Some(self.slot.wait()),
        };
        match result {
            Some(result) => result.map_err(JoinTimeoutError::Failed),
            None => Err(JoinTimeoutError::TimedOut(self)),
        }
    }

    /// True once the task has finished (normally, by panicking, or by being
    /// abandoned), so that [`join`](TaskHandle::join) will not block.
    pub fn is_finished(&self) -> bool {
        self.slot.is_set()
    }
}

impl<R> fmt::Debug for TaskHandle<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// Why [`TaskHandle::join_timeout`] returned without a value.
pub enum JoinTimeoutError<R> {
    /// The task had not finished in time; the handle is handed back.
    TimedOut(TaskHandle<R>),
    /// The task finished without a value.
    Failed(JoinError),
}

impl<R> fmt::Debug for JoinTimeoutError<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinTimeoutError::TimedOut(_) => f.write_str("TimedOut(..)"),
            JoinTimeoutError::Failed(e) => f.debug_tuple("Failed").field(e).finish(),
        }
    }
}

impl<R> fmt::Display for JoinTimeoutError<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinTimeoutError::TimedOut(_) => f.write_str("the task did not finish in time"),
            JoinTimeoutError::Failed(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl<R> std::error::Error for JoinTimeoutError<R> {}

/// Generic helpers available on every pool, including `dyn TaskPool`: they
/// take closures (`impl FnOnce`) where the object-safe [`TaskPool`] takes a
/// boxed [`Task`].
pub trait TaskPoolExt: TaskPool {
    /// Runs `f` on the pool, like [`TaskPool::submit`] with the box made for
    /// you (one allocation, the one `submit` needs anyway; none when `f` is
    /// a [`Task`] already, see [`into_task`](crate::into_task)).
    ///
    /// A refused closure comes back boxed inside the [`SubmitError`].
    ///
    /// ```
    /// use taskpool::{InlinePool, TaskPool, TaskPoolExt};
    /// let pool: Box<dyn TaskPool> = Box::new(InlinePool::new());
    /// pool.execute(|| println!("no Box::new needed"))?;
    /// pool.stop_wait();
    /// # Ok::<(), taskpool::SubmitError>(())
    /// ```
    fn execute<F>(&self, f: F) -> Result<(), SubmitError>
    where
        F: FnOnce() + Send + 'static,
    {
        self.submit(crate::into_task(f))
    }

    /// Like [`execute`](TaskPoolExt::execute), but never blocks: uses
    /// [`TaskPool::try_submit`].
    fn try_execute<F>(&self, f: F) -> Result<(), SubmitError>
    where
        F: FnOnce() + Send + 'static,
    {
        self.try_submit(crate::into_task(f))
    }

    /// Runs `f` on the pool and hands back a handle to its result.
    ///
    /// Submission follows the pool's own admission ([`TaskPool::submit`]): it may
    /// queue, block, or refuse. A refused closure is handed back boxed inside
    /// the [`SubmitError`]; running that task is harmless (its result has no
    /// reader).
    ///
    /// ```
    /// use taskpool::{InlinePool, TaskPoolExt};
    /// let pool = InlinePool::new();
    /// let handle = pool.spawn(|| "hello".len()).unwrap();
    /// assert_eq!(handle.join().unwrap(), 5);
    /// ```
    fn spawn<F, R>(&self, f: F) -> Result<TaskHandle<R>, SubmitError>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (task, handle) = task_with_handle(f);
        self.submit(task)?;
        Ok(handle)
    }

    /// Like [`spawn`](TaskPoolExt::spawn), but never blocks: uses
    /// [`TaskPool::try_submit`].
    fn try_spawn<F, R>(&self, f: F) -> Result<TaskHandle<R>, SubmitError>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (task, handle) = task_with_handle(f);
        self.try_submit(task)?;
        Ok(handle)
    }
}

impl<P: TaskPool + ?Sized> TaskPoolExt for P {}
