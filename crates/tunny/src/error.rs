//! The errors of the typed pool: [`ProcessError`] and [`ResizeError`].

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::io;

use taskpool::PanicPayload;

/// Why [`Pool::process`](crate::Pool::process) (or its timed and cancellable
/// forms) returned no output.
///
/// Whatever the case, the input was consumed: a job refused before a worker
/// took it is dropped, one abandoned while running has its output dropped.
/// (The [`TaskPool`](taskpool::TaskPool) face hands refused tasks back.)
///
/// Two errors are equal when they are the same case; two `Panicked` are equal
/// when their panic messages are. `Send + Sync + 'static`, like every error
/// of the workspace: `?` turns it into an `anyhow::Error`.
pub enum ProcessError {
    /// The pool is closed (tunny's `ErrPoolNotRunning`; Go's `Process` panics
    /// instead).
    Closed,
    /// The deadline of [`process_timeout`](crate::Pool::process_timeout)
    /// passed, while waiting for a worker or while the job ran (tunny's
    /// `ErrJobTimedOut`). A running job was interrupted.
    TimedOut,
    /// The [`CancelToken`](crate::CancelToken) was cancelled (tunny's
    /// `ctx.Err()`). A running job was interrupted.
    Cancelled,
    /// The job panicked; this is the payload. The worker that ran it was
    /// replaced by a fresh one from the factory.
    Panicked(PanicPayload),
}

impl ProcessError {
    /// The panic message, for `Panicked` with a `&str` or `String` payload.
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            ProcessError::Panicked(payload) => payload.message(),
            _ => None,
        }
    }

    /// True for [`ProcessError::Closed`].
    pub fn is_closed(&self) -> bool {
        matches!(self, ProcessError::Closed)
    }

    /// True for [`ProcessError::Panicked`].
    pub fn is_panic(&self) -> bool {
        matches!(self, ProcessError::Panicked(_))
    }

    /// The panic payload of a job that panicked, or the error itself.
    ///
    /// ```
    /// use taskpool_tunny::Pool;
    /// let pool = Pool::with_fn(1, |n: u32| if n > 9 { std::panic::panic_any(n) } else { n });
    /// let payload = pool.process(10).unwrap_err().try_into_panic().unwrap();
    /// assert_eq!(payload.downcast_ref::<u32>(), Some(&10));
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, ProcessError> {
        match self {
            ProcessError::Panicked(payload) => Ok(payload.into_inner()),
            other => Err(other),
        }
    }
}

impl PartialEq for ProcessError {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (ProcessError::Closed, ProcessError::Closed)
            | (ProcessError::TimedOut, ProcessError::TimedOut)
            | (ProcessError::Cancelled, ProcessError::Cancelled) => true,
            (ProcessError::Panicked(_), ProcessError::Panicked(_)) => {
                self.panic_message() == other.panic_message()
            }
            _ => false,
        }
    }
}

impl fmt::Debug for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcessError::Closed => f.write_str("Closed"),
            ProcessError::TimedOut => f.write_str("TimedOut"),
            ProcessError::Cancelled => f.write_str("Cancelled"),
            ProcessError::Panicked(_) => f
                .debug_tuple("Panicked")
                .field(&self.panic_message().unwrap_or("<non-string payload>"))
                .finish(),
        }
    }
}

impl fmt::Display for ProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcessError::Closed => f.write_str("the pool is closed"),
            ProcessError::TimedOut => f.write_str("the job timed out"),
            ProcessError::Cancelled => f.write_str("the job was cancelled"),
            ProcessError::Panicked(_) => match self.panic_message() {
                Some(msg) => write!(f, "the job panicked: {msg}"),
                None => f.write_str("the job panicked"),
            },
        }
    }
}

impl Error for ProcessError {}

/// Why [`Pool::set_size`](crate::Pool::set_size) could not resize the pool.
#[non_exhaustive]
pub enum ResizeError {
    /// The pool is closed (Go's `SetSize` panics on a closed pool).
    Closed,
    /// The size asked for is above the pool's
    /// [`capacity_limit`](crate::Builder::capacity_limit); the pool is
    /// unchanged.
    TooLarge {
        /// The size asked for.
        requested: usize,
        /// The pool's limit.
        limit: usize,
    },
    /// The operating system refused a new worker thread. The workers started
    /// before the failure stay; [`Pool::size`](crate::Pool::size) says how many.
    Spawn(io::Error),
}

impl fmt::Debug for ResizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResizeError::Closed => f.write_str("Closed"),
            ResizeError::TooLarge { requested, limit } => f
                .debug_struct("TooLarge")
                .field("requested", requested)
                .field("limit", limit)
                .finish(),
            ResizeError::Spawn(e) => f.debug_tuple("Spawn").field(e).finish(),
        }
    }
}

impl fmt::Display for ResizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResizeError::Closed => f.write_str("the pool is closed"),
            ResizeError::TooLarge { requested, limit } => write!(
                f,
                "size must be at most {limit}, got {requested} (the pool's capacity_limit)"
            ),
            ResizeError::Spawn(e) => write!(f, "could not start a worker thread: {e}"),
        }
    }
}

impl Error for ResizeError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ResizeError::Spawn(e) => Some(e),
            ResizeError::Closed | ResizeError::TooLarge { .. } => None,
        }
    }
}
