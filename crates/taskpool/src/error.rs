//! The error types shared by every pool.

use std::any::Any;
use std::borrow::Cow;
use std::error::Error;
use std::fmt;

use crate::Task;

/// A task the pool refused, handed back to the caller.
///
/// Returned by [`TaskPool::submit`](crate::TaskPool::submit) and
/// [`TaskPool::try_submit`](crate::TaskPool::try_submit), and inside
/// [`WaitError::Rejected`]. The refused task never runs; take it back with
/// [`SubmitError::into_task`] to retry it elsewhere or run it inline.
pub enum SubmitError {
    /// The pool has begun shutting down ([`TaskPool::stop`](crate::TaskPool::stop)
    /// or [`TaskPool::stop_wait`](crate::TaskPool::stop_wait)).
    Stopped(Task),
    /// The pool is at capacity and would have to block (or its bounded queue is
    /// full), and the call was not allowed to wait.
    Overloaded(Task),
}

impl SubmitError {
    /// Hands back the task that was refused.
    ///
    /// ```
    /// use taskpool::{SubmitError, Task};
    /// let err = SubmitError::Overloaded(Box::new(|| println!("ran anyway")));
    /// let task: Task = err.into_task();
    /// task();
    /// ```
    pub fn into_task(self) -> Task {
        match self {
            SubmitError::Stopped(task) | SubmitError::Overloaded(task) => task,
        }
    }

    /// True for [`SubmitError::Stopped`].
    pub fn is_stopped(&self) -> bool {
        matches!(self, SubmitError::Stopped(_))
    }

    /// True for [`SubmitError::Overloaded`].
    pub fn is_overloaded(&self) -> bool {
        matches!(self, SubmitError::Overloaded(_))
    }
}

impl fmt::Debug for SubmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The task is a closure: print the case only.
        match self {
            SubmitError::Stopped(_) => f.write_str("Stopped(..)"),
            SubmitError::Overloaded(_) => f.write_str("Overloaded(..)"),
        }
    }
}

impl fmt::Display for SubmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubmitError::Stopped(_) => {
                f.write_str("the pool is stopped; the task was not accepted")
            }
            SubmitError::Overloaded(_) => {
                f.write_str("the pool is at capacity; the task was not accepted")
            }
        }
    }
}

impl Error for SubmitError {}

/// Why [`TaskPool::submit_wait`](crate::TaskPool::submit_wait) did not see its
/// task finish normally.
#[non_exhaustive]
pub enum WaitError {
    /// The pool refused the task; it is handed back inside.
    Rejected(SubmitError),
    /// The task panicked; this is the panic payload. The panic was caught on the
    /// worker and never reaches the caller's thread as a panic.
    Panicked(Box<dyn Any + Send + 'static>),
    /// The pool accepted the task but dropped it unstarted, because
    /// [`TaskPool::stop`](crate::TaskPool::stop) ran before a worker took it.
    Abandoned,
}

impl WaitError {
    /// The panic message, when the payload is a `&str` or a `String`.
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            WaitError::Panicked(payload) => panic_message(payload.as_ref()),
            _ => None,
        }
    }
}

impl fmt::Debug for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Rejected(e) => f.debug_tuple("Rejected").field(e).finish(),
            WaitError::Panicked(p) => f
                .debug_tuple("Panicked")
                .field(&panic_message(p.as_ref()).unwrap_or("<non-string payload>"))
                .finish(),
            WaitError::Abandoned => f.write_str("Abandoned"),
        }
    }
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Rejected(e) => write!(f, "task rejected: {e}"),
            WaitError::Panicked(p) => match panic_message(p.as_ref()) {
                Some(msg) => write!(f, "task panicked: {msg}"),
                None => f.write_str("task panicked"),
            },
            WaitError::Abandoned => {
                f.write_str("the pool was stopped before the task started; it did not run")
            }
        }
    }
}

impl Error for WaitError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            WaitError::Rejected(e) => Some(e),
            _ => None,
        }
    }
}

/// Why a [`TaskHandle`](crate::TaskHandle) has no value to give.
///
/// Returned by [`TaskHandle::join`](crate::TaskHandle::join) and
/// [`TaskHandle::join_timeout`](crate::TaskHandle::join_timeout).
#[non_exhaustive]
pub enum JoinError {
    /// The task panicked; this is the panic payload.
    Panicked(Box<dyn Any + Send + 'static>),
    /// The pool dropped the task unstarted ([`TaskPool::stop`](crate::TaskPool::stop)).
    Abandoned,
}

impl JoinError {
    /// The panic message, when the payload is a `&str` or a `String`.
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            JoinError::Panicked(payload) => panic_message(payload.as_ref()),
            JoinError::Abandoned => None,
        }
    }

    /// Turns the panic back into a panic on this thread; an abandoned task
    /// becomes a panic with a message that says so.
    pub fn resume_unwind(self) -> ! {
        match self {
            JoinError::Panicked(payload) => std::panic::resume_unwind(payload),
            JoinError::Abandoned => panic!("task abandoned: the pool stopped before it started"),
        }
    }
}

impl From<JoinError> for WaitError {
    fn from(e: JoinError) -> Self {
        match e {
            JoinError::Panicked(p) => WaitError::Panicked(p),
            JoinError::Abandoned => WaitError::Abandoned,
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(p) => f
                .debug_tuple("Panicked")
                .field(&panic_message(p.as_ref()).unwrap_or("<non-string payload>"))
                .finish(),
            JoinError::Abandoned => f.write_str("Abandoned"),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(p) => match panic_message(p.as_ref()) {
                Some(msg) => write!(f, "task panicked: {msg}"),
                None => f.write_str("task panicked"),
            },
            JoinError::Abandoned => {
                f.write_str("the pool was stopped before the task started; it did not run")
            }
        }
    }
}

impl Error for JoinError {}

/// A pool could not be built from the configuration it was given.
///
/// Returned by every builder's `build()` and by the catalog's `build`. The
/// message names the setting and the value that was refused.
///
/// ```
/// use taskpool::BuildError;
/// let err = BuildError::zero("capacity");
/// assert_eq!(err.to_string(), "capacity must be at least 1, got 0");
/// ```
pub struct BuildError {
    message: Cow<'static, str>,
    source: Option<Box<dyn Error + Send + Sync + 'static>>,
}

impl BuildError {
    /// A configuration error with the given message.
    pub fn new(message: impl Into<Cow<'static, str>>) -> Self {
        BuildError {
            message: message.into(),
            source: None,
        }
    }

    /// A configuration error caused by another error (e.g. spawning a thread failed).
    pub fn with_source(
        message: impl Into<Cow<'static, str>>,
        source: impl Into<Box<dyn Error + Send + Sync + 'static>>,
    ) -> Self {
        BuildError {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// The setting `what` was zero where at least 1 is required.
    pub fn zero(what: &str) -> Self {
        BuildError::new(format!("{what} must be at least 1, got 0"))
    }

    /// The message, without the source.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("BuildError");
        d.field("message", &self.message);
        if let Some(source) = &self.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for BuildError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn Error + 'static))
    }
}

/// The message of a panic payload, when it is a `&str` or a `String`.
pub fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        Some(s)
    } else if let Some(s) = payload.downcast_ref::<String>() {
        Some(s.as_str())
    } else if payload.is::<crate::ForwardedPanic>() {
        Some(crate::ForwardedPanic::MESSAGE)
    } else {
        None
    }
}
