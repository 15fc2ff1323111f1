//! The error types of this crate (the shared ones come from `taskpool`).

use std::error::Error;
use std::fmt;

use taskpool::SubmitErrorKind;
use taskpool_utils::exclusive::Exclusive;

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
/// use taskpool_ants::{Pool, TuneError};
/// let pool = Pool::new(2);
/// assert_eq!(pool.tune(0), Err(TuneError::Zero));
/// assert_eq!(
///     pool.tune(1_000_000),
///     Err(TuneError::TooLarge { requested: 1_000_000, limit: taskpool::MAX_CAPACITY })
/// );
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TuneError {
    /// The new capacity was zero.
    Zero,
    /// The pool was built unlimited; it has no capacity to change.
    Unlimited,
    /// The new capacity is above the pool's
    /// [`capacity_limit`](crate::PoolBuilder::capacity_limit).
    TooLarge {
        /// The capacity asked for.
        requested: usize,
        /// The pool's limit.
        limit: usize,
    },
}

impl fmt::Display for TuneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TuneError::Zero => f.write_str("capacity must be at least 1, got 0"),
            TuneError::Unlimited => f.write_str("an unlimited pool cannot be tuned"),
            TuneError::TooLarge { requested, limit } => write!(
                f,
                "capacity must be at most {limit}, got {requested} (the pool's capacity_limit)"
            ),
        }
    }
}

impl Error for TuneError {}

/// An argument [`PoolWithFunc::invoke`](crate::PoolWithFunc::invoke) refused,
/// handed back to the caller.
///
/// Its [`kind`](InvokeError::kind) says why, with the same
/// [`SubmitErrorKind`] as a refused task: [`Stopped`](SubmitErrorKind::Stopped)
/// once the pool is released, [`Overloaded`](SubmitErrorKind::Overloaded)
/// when it is at capacity and the call may not wait (nonblocking mode,
/// `try_invoke`, the bound on blocked callers, an expired `invoke_timeout`,
/// or a call from one of the pool's own workers).
///
/// `Send + Sync + 'static` whenever `T: Send + 'static`, whatever `T` is
/// otherwise: the argument is reachable only by value
/// ([`into_inner`](InvokeError::into_inner)), so `?` turns the error into an
/// `anyhow::Error` even for an argument that is not `Sync`.
///
/// ```
/// use taskpool_ants::InvokeError;
/// use taskpool::SubmitErrorKind;
/// let err = InvokeError::overloaded(7);
/// assert!(err.is_overloaded());
/// assert_eq!(err.kind(), SubmitErrorKind::Overloaded);
/// assert_eq!(err.into_inner(), 7);
/// ```
pub struct InvokeError<T> {
    kind: SubmitErrorKind,
    arg: Exclusive<T>,
}

impl<T> InvokeError<T> {
    /// A refusal of `arg` for the reason `kind`.
    pub fn new(kind: SubmitErrorKind, arg: T) -> Self {
        InvokeError {
            kind,
            arg: Exclusive::new(arg),
        }
    }

    /// `arg` refused because the pool is released.
    pub fn stopped(arg: T) -> Self {
        InvokeError::new(SubmitErrorKind::Stopped, arg)
    }

    /// `arg` refused because the pool is at capacity and the call may not
    /// wait.
    pub fn overloaded(arg: T) -> Self {
        InvokeError::new(SubmitErrorKind::Overloaded, arg)
    }

    /// Why the argument was refused.
    pub fn kind(&self) -> SubmitErrorKind {
        self.kind
    }

    /// Hands back the refused argument.
    pub fn into_inner(self) -> T {
        self.arg.into_inner()
    }

    /// True when the pool is released ([`SubmitErrorKind::Stopped`](taskpool::SubmitErrorKind::Stopped)).
    pub fn is_stopped(&self) -> bool {
        self.kind == SubmitErrorKind::Stopped
    }

    /// True when the pool is at capacity ([`SubmitErrorKind::Overloaded`](taskpool::SubmitErrorKind::Overloaded)).
    pub fn is_overloaded(&self) -> bool {
        self.kind == SubmitErrorKind::Overloaded
    }
}

impl<T> fmt::Debug for InvokeError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The argument may not be `Debug`: print the kind only.
        f.debug_struct("InvokeError")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Display for InvokeError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            SubmitErrorKind::Stopped => {
                f.write_str("the pool is released; the argument was not accepted")
            }
            SubmitErrorKind::Overloaded => {
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
/// let mp = taskpool_ants::MultiPool::new(2, 1, taskpool_ants::LoadBalancing::RoundRobin);
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
