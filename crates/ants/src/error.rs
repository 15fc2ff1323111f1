//! The error types of this crate (the shared ones come from `taskpool`).

use std::error::Error;
use std::fmt;

/// [`Pool::release_timeout`](crate::Pool::release_timeout) gave up before
/// every worker thread had exited.
///
/// The pool is released all the same: it refuses new work, and the workers
/// still running exit as soon as their current task returns.
///
/// ```
/// let err = taskpool_ants::TimedOut::new(3);
/// assert_eq!(err.workers_left(), 3);
/// assert!(err.to_string().contains("3 worker"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedOut {
    workers_left: usize,
}

impl TimedOut {
    /// A timeout with `workers_left` worker threads still alive.
    pub fn new(workers_left: usize) -> Self {
        TimedOut { workers_left }
    }

    /// How many worker threads were still alive when the wait gave up.
    pub fn workers_left(&self) -> usize {
        self.workers_left
    }
}

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "timed out waiting for the pool's workers to exit ({} worker thread(s) still alive)",
            self.workers_left
        )
    }
}

impl Error for TimedOut {}

/// Why [`Pool::tune`](crate::Pool::tune) refused to change the capacity.
///
/// ```
/// let pool = taskpool_ants::Pool::new(2).unwrap();
/// assert_eq!(pool.tune(0), Err(taskpool_ants::TuneError::Zero));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TuneError {
    /// The new capacity was zero.
    Zero,
    /// The pool was built unlimited; it has no capacity to change.
    Unlimited,
}

impl fmt::Display for TuneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TuneError::Zero => f.write_str("capacity must be at least 1, got 0"),
            TuneError::Unlimited => f.write_str("an unlimited pool cannot be tuned"),
        }
    }
}

impl Error for TuneError {}

/// An argument [`PoolWithFunc::invoke`](crate::PoolWithFunc::invoke) refused,
/// handed back to the caller.
///
/// ```
/// use taskpool_ants::InvokeError;
/// let err = InvokeError::Overloaded(7);
/// assert!(err.is_overloaded());
/// assert_eq!(err.into_inner(), 7);
/// ```
pub enum InvokeError<T> {
    /// The pool is released (or stopped).
    Stopped(T),
    /// The pool is at capacity and the call may not wait (nonblocking mode,
    /// `try_invoke`, the bound on blocked callers, an expired
    /// `invoke_timeout`, or a call from one of the pool's own workers).
    Overloaded(T),
}

impl<T> InvokeError<T> {
    /// Hands back the refused argument.
    pub fn into_inner(self) -> T {
        match self {
            InvokeError::Stopped(v) | InvokeError::Overloaded(v) => v,
        }
    }

    /// True for [`InvokeError::Stopped`].
    pub fn is_stopped(&self) -> bool {
        matches!(self, InvokeError::Stopped(_))
    }

    /// True for [`InvokeError::Overloaded`].
    pub fn is_overloaded(&self) -> bool {
        matches!(self, InvokeError::Overloaded(_))
    }
}

impl<T> fmt::Debug for InvokeError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvokeError::Stopped(_) => f.write_str("Stopped(..)"),
            InvokeError::Overloaded(_) => f.write_str("Overloaded(..)"),
        }
    }
}

impl<T> fmt::Display for InvokeError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvokeError::Stopped(_) => {
                f.write_str("the pool is released; the argument was not accepted")
            }
            InvokeError::Overloaded(_) => {
                f.write_str("the pool is at capacity; the argument was not accepted")
            }
        }
    }
}

impl<T> Error for InvokeError<T> {}

/// A per-pool accessor of [`MultiPool`](crate::MultiPool) was given an index
/// past the last pool.
///
/// ```
/// let mp = taskpool_ants::MultiPool::new(2, 1, taskpool_ants::LoadBalancing::RoundRobin).unwrap();
/// let err = mp.running_at(5).unwrap_err();
/// assert_eq!((err.index(), err.len()), (5, 2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexOutOfRange {
    index: usize,
    len: usize,
}

impl IndexOutOfRange {
    pub(crate) fn new(index: usize, len: usize) -> Self {
        IndexOutOfRange { index, len }
    }

    /// The index that was asked for.
    pub fn index(&self) -> usize {
        self.index
    }

    /// How many pools the multi-pool has.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a multi-pool has at least one pool. (Present because
    /// `len` is.)
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Display for IndexOutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pool index {} is out of range: the multi-pool has {} pools",
            self.index, self.len
        )
    }
}

impl Error for IndexOutOfRange {}
