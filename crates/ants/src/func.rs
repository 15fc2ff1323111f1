//! [`PoolWithFunc`]: one function bound at build time, invoked with an
//! argument per task; no boxing on the hot path.

use std::fmt;
use std::time::Duration;

use taskpool::{BuildError, PoolStats};
use taskpool_utils::sync::Arc;

use crate::error::{InvokeError, TimedOut, TuneError};
use crate::lifecycle::{self, reboot};
use crate::line::{Refusal, Wait};
use crate::pool::Handle;
use crate::state::Inner;
use crate::submit::submit;
use crate::PoolBuilder;

/// A pool whose workers all run the same function, bound when it is built;
/// [`invoke`](PoolWithFunc::invoke) hands one argument to a worker.
///
/// The argument travels to the worker by value: nothing is boxed or allocated
/// per task (a [`Pool`](crate::Pool) boxes every closure). Admission, back-pressure,
/// tuning, release and reboot behave exactly as on [`Pool`](crate::Pool); a refused
/// argument comes back in the [`InvokeError`]. Cloning shares the pool;
/// dropping the last clone releases it and waits for its workers.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::sync::Arc;
/// use taskpool_ants::PoolWithFunc;
///
/// let sum = Arc::new(AtomicU64::new(0));
/// let s = Arc::clone(&sum);
/// let pool = PoolWithFunc::new(4, move |n: u64| { s.fetch_add(n, Ordering::Relaxed); });
/// for n in 1..=100 {
///     pool.invoke(n).unwrap();
/// }
/// pool.wait_idle();
/// assert_eq!(sum.load(Ordering::Relaxed), 5050);
/// ```
pub struct PoolWithFunc<T: Send + 'static> {
    handle: Arc<Handle<T>>,
}

impl<T: Send + 'static> Clone for PoolWithFunc<T> {
    fn clone(&self) -> Self {
        PoolWithFunc {
            handle: Arc::clone(&self.handle),
        }
    }
}

impl<T: Send + 'static> fmt::Debug for PoolWithFunc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.handle.inner, f)
    }
}

impl<T: Send + 'static> PoolWithFunc<T> {
    /// A pool of at most `capacity` workers running `f`, default settings.
    /// Use [`Pool::builder`](crate::Pool::builder) and
    /// [`build_with_func`](crate::PoolBuilder::build_with_func) for the
    /// others.
    ///
    /// ```
    /// let pool = taskpool_ants::PoolWithFunc::new(2, |s: String| drop(s));
    /// pool.invoke("hello".to_owned()).unwrap();
    /// ```
    ///
    /// # Panics
    ///
    /// Like [`Pool::new`](crate::Pool::new): if `capacity` is 0 or above
    /// [`MAX_CAPACITY`](taskpool::MAX_CAPACITY), or if the purge thread cannot
    /// be started. The builder returns these as a [`BuildError`].
    pub fn new<F>(capacity: usize, f: F) -> PoolWithFunc<T>
    where
        F: Fn(T) + Send + Sync + 'static,
    {
        match PoolBuilder::new().capacity(capacity).build_with_func(f) {
            Ok(pool) => pool,
            Err(err) => panic!("taskpool_ants::PoolWithFunc::new: {err}"),
        }
    }

    pub(crate) fn from_inner(inner: Arc<Inner<T>>) -> Self {
        PoolWithFunc {
            handle: Arc::new(Handle { inner }),
        }
    }

    fn inner(&self) -> &Inner<T> {
        &self.handle.inner
    }

    fn invoke_with(&self, arg: T, wait_for: Wait) -> Result<(), InvokeError<T>> {
        submit(&self.handle.inner, arg, wait_for).map_err(|(why, arg)| match why {
            Refusal::Stopped => InvokeError::stopped(arg),
            Refusal::Overloaded => InvokeError::overloaded(arg),
        })
    }

    /// Hands `arg` to a worker; waits, refuses or fails exactly like
    /// [`Pool::submit`](crate::Pool::submit), giving the argument back in the error.
    ///
    /// ```
    /// let pool = taskpool_ants::PoolWithFunc::new(1, |_: u8| ());
    /// pool.release();
    /// assert_eq!(pool.invoke(7).unwrap_err().into_inner(), 7);
    /// ```
    pub fn invoke(&self, arg: T) -> Result<(), InvokeError<T>> {
        self.invoke_with(arg, Wait::Forever)
    }

    /// Never waits: a full pool refuses at once (see [`Pool::try_submit`](crate::Pool::try_submit)).
    ///
    /// ```
    /// let pool = taskpool_ants::PoolWithFunc::new(1, |_: u8| ());
    /// let _ = pool.try_invoke(1);
    /// ```
    pub fn try_invoke(&self, arg: T) -> Result<(), InvokeError<T>> {
        self.invoke_with(arg, Wait::Never)
    }

    /// Waits at most `timeout` for a worker (see [`Pool::submit_timeout`](crate::Pool::submit_timeout)).
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = taskpool_ants::PoolWithFunc::new(1, |_: u8| ());
    /// pool.invoke_timeout(1, Duration::from_secs(1)).unwrap();
    /// ```
    pub fn invoke_timeout(&self, arg: T, timeout: Duration) -> Result<(), InvokeError<T>> {
        let wait_for = match self.inner().cfg.clock.now().checked_add(timeout) {
            Some(deadline) => Wait::Until(deadline),
            None => Wait::Forever,
        };
        self.invoke_with(arg, wait_for)
    }

    /// See [`Pool::tune`](crate::Pool::tune).
    ///
    /// ```
    /// let pool = taskpool_ants::PoolWithFunc::new(1, |_: u8| ());
    /// pool.tune(4).unwrap();
    /// assert_eq!(pool.cap(), Some(4));
    /// ```
    pub fn tune(&self, capacity: usize) -> Result<(), TuneError> {
        self.inner().tune(capacity)
    }

    /// See [`Pool::cap`](crate::Pool::cap).
    pub fn cap(&self) -> Option<usize> {
        self.inner().cap()
    }

    /// See [`Pool::running`](crate::Pool::running).
    pub fn running(&self) -> usize {
        self.inner().running()
    }

    /// See [`Pool::workers`](crate::Pool::workers).
    pub fn workers(&self) -> usize {
        self.inner().workers()
    }

    /// See [`Pool::idle_workers`](crate::Pool::idle_workers).
    pub fn idle_workers(&self) -> usize {
        self.inner().idle_workers()
    }

    /// See [`Pool::free`](crate::Pool::free).
    pub fn free(&self) -> Option<usize> {
        self.inner().free()
    }

    /// See [`Pool::waiting`](crate::Pool::waiting).
    pub fn waiting(&self) -> usize {
        self.inner().waiting()
    }

    /// See [`Pool::is_closed`](crate::Pool::is_closed).
    pub fn is_closed(&self) -> bool {
        self.inner().is_closed()
    }

    /// See [`Pool::release`](crate::Pool::release).
    pub fn release(&self) {
        self.inner().release();
    }

    /// See [`Pool::release_timeout`](crate::Pool::release_timeout).
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = taskpool_ants::PoolWithFunc::new(1, |_: u8| ());
    /// pool.invoke(1).unwrap();
    /// pool.release_timeout(Duration::from_secs(60)).unwrap();
    /// ```
    pub fn release_timeout(&self, timeout: Duration) -> Result<(), TimedOut> {
        self.inner().release_timeout(timeout)
    }

    /// See [`Pool::reboot`](crate::Pool::reboot).
    pub fn reboot(&self) {
        reboot(&self.handle.inner);
    }

    /// See [`Pool::wait_idle`](crate::Pool::wait_idle).
    pub fn wait_idle(&self) {
        self.inner().wait_idle();
    }

    /// See [`Pool::stats`](crate::Pool::stats).
    pub fn stats(&self) -> PoolStats {
        self.inner().stats()
    }

    /// See [`Pool::purge_expired`](crate::Pool::purge_expired).
    pub fn purge_expired(&self) -> usize {
        self.inner().purge_expired()
    }

    /// See [`Pool::is_worker_thread`](crate::Pool::is_worker_thread).
    pub fn is_worker_thread(&self) -> bool {
        self.inner().on_own_worker()
    }

    /// See [`Pool::release_wait`](crate::Pool::release_wait): releases,
    /// then waits for every worker to exit; every accepted argument has been
    /// processed by then.
    ///
    /// ```
    /// let pool = taskpool_ants::PoolWithFunc::new(1, |_: u8| ());
    /// pool.invoke(1).unwrap();
    /// pool.release_wait();
    /// assert_eq!(pool.workers(), 0);
    /// ```
    pub fn release_wait(&self) {
        self.inner().shutdown();
    }
}

impl PoolBuilder {
    /// Builds a [`PoolWithFunc`] that runs `f` on every argument it is
    /// given.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::builder()
    ///     .capacity(2)
    ///     .build_with_func(|n: u64| { let _ = n * 2; })
    ///     .unwrap();
    /// pool.invoke(21).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`build`](PoolBuilder::build).
    pub fn build_with_func<T, F>(self, f: F) -> Result<PoolWithFunc<T>, BuildError>
    where
        T: Send + 'static,
        F: Fn(T) + Send + Sync + 'static,
    {
        let cfg = self.config()?;
        let inner = lifecycle::start(cfg, Box::new(f))
            .map_err(|e| BuildError::with_source("could not start the purge thread", e))?;
        Ok(PoolWithFunc::from_inner(inner))
    }
}
