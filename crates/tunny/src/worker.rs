//! The [`Worker`] trait and the two ready-made workers: [`FnWorker`] and
//! [`CallbackWorker`].

use std::fmt;
use std::marker::PhantomData;

use taskpool::Task;

use crate::Interrupt;
use taskpool_utils::sync::Arc;

/// A stateful worker: one lives on each of the pool's threads, built once by
/// the pool's factory and kept across jobs.
///
/// Only [`process`](Worker::process) is required; the hooks default to doing
/// nothing. Every method runs on the worker's own thread with `&mut self`, so
/// the state needs no locking.
///
/// | tunny (Go) | here |
/// |---|---|
/// | `Process(interface{}) interface{}` | [`process`](Worker::process), typed input and output |
/// | `BlockUntilReady()` | [`block_until_ready`](Worker::block_until_ready) |
/// | `Interrupt()` (called from the caller's goroutine) | the [`Interrupt`] signal passed to `process`, then [`interrupted`](Worker::interrupted) on the worker's thread |
/// | `Terminate()` | [`terminate`](Worker::terminate) |
///
/// ```
/// use taskpool_tunny::{Interrupt, Pool, Worker};
///
/// /// Counts the jobs it has seen: the state survives between jobs.
/// struct Counter { seen: u64 }
///
/// impl Worker for Counter {
///     type Input = ();
///     type Output = u64;
///     fn process(&mut self, _: (), _: &Interrupt) -> u64 {
///         self.seen += 1;
///         self.seen
///     }
/// }
///
/// let pool = Pool::new(1, || Counter { seen: 0 });
/// assert_eq!(pool.process(()), Ok(1));
/// assert_eq!(pool.process(()), Ok(2));
/// ```
pub trait Worker: Send + 'static {
    /// What a job takes.
    type Input: Send + 'static;
    /// What a job gives back.
    type Output: Send + 'static;

    /// Runs one job. `interrupt` tells the job when its caller has given up
    /// (timeout or cancellation); a long job should look at it, or register
    /// an [`on_interrupt`](Interrupt::on_interrupt) callback to unblock
    /// itself. A panic here reaches the caller as
    /// [`ProcessError::Panicked`](crate::ProcessError::Panicked) and the
    /// pool replaces this worker with a fresh one from the factory.
    fn process(&mut self, input: Self::Input, interrupt: &Interrupt) -> Self::Output;

    /// Runs before each job; the worker is offered to callers only once it
    /// returns, so it may block to throttle (rate limits, a resource coming
    /// back). While it blocks, shutdown and `set_size` cannot remove this
    /// worker: they wait for it to return.
    fn block_until_ready(&mut self) {}

    /// Runs on the worker's thread after a job whose caller abandoned it
    /// (timeout or cancellation) has returned, or instead of a job that was
    /// abandoned before it started. Use it to reset state the abandoned job
    /// may have left half done.
    fn interrupted(&mut self) {}

    /// Runs once when the worker leaves the pool (`set_size` shrink, `close`,
    /// the last handle dropped), after its last job. Not called on a worker
    /// whose job panicked: that one is dropped as it is, since its state may
    /// be broken halfway through an update.
    fn terminate(&mut self) {}
}

/// A worker that runs the same function for every job (tunny's `NewFunc`).
///
/// Made by [`Pool::with_fn`](crate::Pool::with_fn); clones share one function.
pub struct FnWorker<F, I, O> {
    f: Arc<F>,
    _types: PhantomData<fn(I) -> O>,
}

impl<F, I, O> Clone for FnWorker<F, I, O> {
    fn clone(&self) -> Self {
        FnWorker {
            f: Arc::clone(&self.f),
            _types: PhantomData,
        }
    }
}

impl<F, I, O> FnWorker<F, I, O>
where
    F: Fn(I) -> O,
{
    /// A worker that calls `f` for each job.
    ///
    /// ```
    /// use taskpool_tunny::{FnWorker, Pool};
    /// let pool = Pool::new(2, || FnWorker::new(|s: String| s.len()));
    /// assert_eq!(pool.process("four".to_string()), Ok(4));
    /// ```
    pub fn new(f: F) -> Self {
        FnWorker {
            f: Arc::new(f),
            _types: PhantomData,
        }
    }
}

impl<F, I, O> Worker for FnWorker<F, I, O>
where
    F: Fn(I) -> O + Send + Sync + 'static,
    I: Send + 'static,
    O: Send + 'static,
{
    type Input = I;
    type Output = O;

    fn process(&mut self, input: I, _: &Interrupt) -> O {
        (self.f)(input)
    }
}

impl<F, I, O> fmt::Debug for FnWorker<F, I, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnWorker").finish_non_exhaustive()
    }
}

/// A worker whose job is a closure, run as it is (tunny's `NewCallback`).
///
/// `Pool<CallbackWorker>` is the pool behind the [`TaskPool`](taskpool::TaskPool)
/// face; build one with [`Pool::callback`](crate::Pool::callback).
#[derive(Debug, Default, Clone, Copy)]
pub struct CallbackWorker;

impl Worker for CallbackWorker {
    type Input = Task;
    type Output = ();

    fn process(&mut self, task: Task, _: &Interrupt) {
        task();
    }
}
