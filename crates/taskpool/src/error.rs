//! The error types shared by every pool.

use std::any::Any;
use std::borrow::Cow;
use std::error::Error;
use std::fmt;

use taskpool_utils::exclusive::Exclusive;

use crate::Task;

/// A task the pool refused, handed back to the caller.
///
/// Returned by [`TaskPool::submit`](crate::TaskPool::submit) and
/// [`TaskPool::try_submit`](crate::TaskPool::try_submit), and inside
/// [`WaitError::Rejected`]. The refused task never runs; take it back with
/// [`SubmitError::into_task`] to retry it elsewhere or run it inline.
///
/// [`kind`](SubmitError::kind) says why. The error is `Send + Sync +
/// 'static`, so `?` turns it into an `anyhow::Error` or a
/// `Box<dyn Error + Send + Sync>`; the task inside is reachable only by value
/// ([`into_task`](SubmitError::into_task)), which is what lets a
/// non-`Sync` closure travel in a `Sync` error.
///
/// ```
/// use taskpool::{SubmitError, SubmitErrorKind, Task};
/// let err = SubmitError::overloaded(Box::new(|| println!("ran anyway")));
/// assert_eq!(err.kind(), SubmitErrorKind::Overloaded);
/// let task: Task = err.into_task();
/// task();
/// ```
pub struct SubmitError {
    kind: SubmitErrorKind,
    task: Exclusive<Task>,
}

/// Why a pool refused a task: the [`kind`](SubmitError::kind) of a
/// [`SubmitError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubmitErrorKind {
    /// The pool has begun shutting down ([`TaskPool::stop`](crate::TaskPool::stop)
    /// or [`TaskPool::stop_wait`](crate::TaskPool::stop_wait)).
    Stopped,
    /// The pool is at capacity and would have to block (or its bounded queue is
    /// full), and the call was not allowed to wait.
    Overloaded,
}

impl SubmitError {
    /// A refusal of `task` for the reason `kind`.
    pub fn new(kind: SubmitErrorKind, task: Task) -> Self {
        SubmitError {
            kind,
            task: Exclusive::new(task),
        }
    }

    /// `task` refused because the pool has begun shutting down.
    pub fn stopped(task: Task) -> Self {
        SubmitError::new(SubmitErrorKind::Stopped, task)
    }

    /// `task` refused because the pool is at capacity and the call may not
    /// wait.
    pub fn overloaded(task: Task) -> Self {
        SubmitError::new(SubmitErrorKind::Overloaded, task)
    }

    /// Why the task was refused.
    pub fn kind(&self) -> SubmitErrorKind {
        self.kind
    }

    /// Hands back the task that was refused.
    pub fn into_task(self) -> Task {
        self.task.into_inner()
    }

    /// True when the pool refused because it is shutting down
    /// ([`SubmitErrorKind::Stopped`]).
    pub fn is_stopped(&self) -> bool {
        self.kind == SubmitErrorKind::Stopped
    }

    /// True when the pool refused because it is at capacity
    /// ([`SubmitErrorKind::Overloaded`]).
    pub fn is_overloaded(&self) -> bool {
        self.kind == SubmitErrorKind::Overloaded
    }
}

impl fmt::Debug for SubmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The task is a closure: print the kind only.
        f.debug_struct("SubmitError")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for SubmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            SubmitErrorKind::Stopped => {
                f.write_str("the pool is stopped; the task was not accepted")
            }
            SubmitErrorKind::Overloaded => {
                f.write_str("the pool is at capacity; the task was not accepted")
            }
        }
    }
}

impl Error for SubmitError {}

/// The payload of a task's panic, caught on the worker and handed to the
/// caller that waits for the task.
///
/// Inside [`JoinError::Panicked`], [`WaitError::Panicked`] and the strategy
/// crates' errors. The payload itself (`Box<dyn Any + Send>`, what
/// [`std::panic::catch_unwind`] returns) is not `Sync`; it is reachable only
/// by value ([`into_inner`](PanicPayload::into_inner),
/// [`resume_unwind`](PanicPayload::resume_unwind)), and its message, when it
/// has one, is read once when the payload is caught, so the errors holding
/// it are `Send + Sync` and can still say what the panic said.
///
/// ```
/// use taskpool::PanicPayload;
/// let caught = std::panic::catch_unwind(|| panic!("boom")).unwrap_err();
/// let payload = PanicPayload::new(caught);
/// assert_eq!(payload.message(), Some("boom"));
/// let raw: Box<dyn std::any::Any + Send> = payload.into_inner();
/// assert_eq!(raw.downcast_ref::<&str>(), Some(&"boom"));
/// ```
pub struct PanicPayload {
    /// The payload's message, read when it was caught (`&str` or `String`
    /// payloads only).
    message: Option<Cow<'static, str>>,
    payload: Exclusive<Box<dyn Any + Send + 'static>>,
}

impl PanicPayload {
    /// Wraps a payload as [`std::panic::catch_unwind`] returns it.
    pub fn new(payload: Box<dyn Any + Send + 'static>) -> Self {
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            Some(Cow::Borrowed(*s))
        } else if payload.is::<crate::ForwardedPanic>() {
            Some(Cow::Borrowed(crate::ForwardedPanic::MESSAGE))
        } else {
            payload
                .downcast_ref::<String>()
                .map(|s| Cow::Owned(s.clone()))
        };
        PanicPayload {
            message,
            payload: Exclusive::new(payload),
        }
    }

    /// The panic message, when the payload is a `&str` or a `String` (what
    /// `panic!` with a message produces).
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The payload, as [`std::panic::catch_unwind`] returned it.
    pub fn into_inner(self) -> Box<dyn Any + Send + 'static> {
        self.payload.into_inner()
    }

    /// Raises the panic again on this thread, with the original payload
    /// ([`std::panic::resume_unwind`]).
    pub fn resume_unwind(self) -> ! {
        std::panic::resume_unwind(self.into_inner())
    }
}

impl From<Box<dyn Any + Send + 'static>> for PanicPayload {
    fn from(payload: Box<dyn Any + Send + 'static>) -> Self {
        PanicPayload::new(payload)
    }
}

impl fmt::Debug for PanicPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PanicPayload")
            .field(&self.message().unwrap_or("<non-string payload>"))
            .finish()
    }
}

/// Why [`TaskPool::submit_wait`](crate::TaskPool::submit_wait) did not see its
/// task finish normally.
///
/// `Send + Sync + 'static`, like every error of the workspace: `?` turns it
/// into an `anyhow::Error` or a `Box<dyn Error + Send + Sync>`.
#[non_exhaustive]
pub enum WaitError {
    /// The pool refused the task; it is handed back inside.
    Rejected(SubmitError),
    /// The task panicked; this is the panic payload. The panic was caught on the
    /// worker and never reaches the caller's thread as a panic.
    Panicked(PanicPayload),
    /// The pool accepted the task but dropped it unstarted, because
    /// [`TaskPool::stop`](crate::TaskPool::stop) ran before a worker took it.
    Abandoned,
}

impl WaitError {
    /// The panic message, when the task panicked with a `&str` or a `String`.
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            WaitError::Panicked(payload) => payload.message(),
            _ => None,
        }
    }

    /// True when the task panicked ([`WaitError::Panicked`]).
    pub fn is_panic(&self) -> bool {
        matches!(self, WaitError::Panicked(_))
    }

    /// True when the pool refused the task ([`WaitError::Rejected`]).
    pub fn is_rejected(&self) -> bool {
        matches!(self, WaitError::Rejected(_))
    }

    /// True when the pool dropped the task unstarted ([`WaitError::Abandoned`]).
    pub fn is_abandoned(&self) -> bool {
        matches!(self, WaitError::Abandoned)
    }

    /// The panic payload of a task that panicked, or the error itself.
    ///
    /// ```
    /// use taskpool::{InlinePool, TaskPool};
    /// let pool = InlinePool::new();
    /// let err = pool.submit_wait(Box::new(|| panic!("boom"))).unwrap_err();
    /// let payload = err.try_into_panic().unwrap();
    /// assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    /// ```
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, WaitError> {
        match self {
            WaitError::Panicked(payload) => Ok(payload.into_inner()),
            other => Err(other),
        }
    }

    /// The refused task, for [`WaitError::Rejected`]; `None` otherwise.
    pub fn into_task(self) -> Option<Task> {
        match self {
            WaitError::Rejected(e) => Some(e.into_task()),
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
                .field(&p.message().unwrap_or("<non-string payload>"))
                .finish(),
            WaitError::Abandoned => f.write_str("Abandoned"),
        }
    }
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Rejected(e) => write!(f, "task rejected: {e}"),
            WaitError::Panicked(p) => match p.message() {
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

impl From<SubmitError> for WaitError {
    fn from(e: SubmitError) -> Self {
        WaitError::Rejected(e)
    }
}

/// Why a [`TaskHandle`](crate::TaskHandle) has no value to give.
///
/// Returned by [`TaskHandle::join`](crate::TaskHandle::join) and
/// [`TaskHandle::join_timeout`](crate::TaskHandle::join_timeout). As with
/// tokio's `JoinError`, [`is_panic`](JoinError::is_panic) tells a panic
/// from an abandoned task and [`into_panic`](JoinError::into_panic) gives
/// the payload back (to [`std::panic::resume_unwind`] it, for instance).
/// `Send + Sync + 'static`: `?` turns it into an `anyhow::Error`.
///
/// ```
/// use taskpool::{InlinePool, TaskPoolExt};
/// let pool = InlinePool::new();
/// let err = pool.spawn(|| -> u32 { panic!("boom") }).unwrap().join().unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(err.panic_message(), Some("boom"));
/// let payload = err.into_panic();
/// assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
/// ```
#[non_exhaustive]
pub enum JoinError {
    /// The task panicked; this is the panic payload.
    Panicked(PanicPayload),
    /// The pool dropped the task unstarted ([`TaskPool::stop`](crate::TaskPool::stop)).
    Abandoned,
}

impl JoinError {
    /// The panic message, when the payload is a `&str` or a `String`.
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            JoinError::Panicked(payload) => payload.message(),
            JoinError::Abandoned => None,
        }
    }

    /// True when the task panicked ([`JoinError::Panicked`]).
    pub fn is_panic(&self) -> bool {
        matches!(self, JoinError::Panicked(_))
    }

    /// True when the pool dropped the task unstarted ([`JoinError::Abandoned`]).
    pub fn is_abandoned(&self) -> bool {
        matches!(self, JoinError::Abandoned)
    }

    /// The panic payload.
    ///
    /// # Panics
    ///
    /// If the task did not panic (it was abandoned); see
    /// [`try_into_panic`](JoinError::try_into_panic) for the fallible form.
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        match self.try_into_panic() {
            Ok(payload) => payload,
            Err(e) => panic!("JoinError::into_panic called on an error that is not a panic: {e}"),
        }
    }

    /// The panic payload, or the error itself when the task did not panic.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self {
            JoinError::Panicked(payload) => Ok(payload.into_inner()),
            JoinError::Abandoned => Err(JoinError::Abandoned),
        }
    }

    /// Turns the panic back into a panic on this thread; an abandoned task
    /// becomes a panic with a message that says so.
    pub fn resume_unwind(self) -> ! {
        match self {
            JoinError::Panicked(payload) => payload.resume_unwind(),
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
                .field(&p.message().unwrap_or("<non-string payload>"))
                .finish(),
            JoinError::Abandoned => f.write_str("Abandoned"),
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(p) => match p.message() {
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

    /// The setting `what` was `value`, above the builder's `limit`.
    ///
    /// ```
    /// use taskpool::BuildError;
    /// let err = BuildError::too_large("capacity", 99_999_999, 4096);
    /// assert_eq!(
    ///     err.to_string(),
    ///     "capacity must be at most 4096, got 99999999 (the limit is the builder's capacity_limit)"
    /// );
    /// ```
    pub fn too_large(what: &str, value: usize, limit: usize) -> Self {
        BuildError::new(format!(
            "{what} must be at most {limit}, got {value} (the limit is the builder's capacity_limit)"
        ))
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

/// The largest capacity a builder accepts unless its `capacity_limit` is
/// raised: 4096 threads.
///
/// A capacity is a number of threads (started at once by the eager pools,
/// on demand by the lazy ones), and a number far beyond what a machine can
/// run is almost always a typo or a unit mix-up: a hundred million threads
/// would exhaust the process's memory maps long before any task ran. 4096 is
/// well above what a CPU-bound pool wants (one thread per core) and what an
/// I/O-bound one usually does (hundreds); every builder refuses more with a
/// [`BuildError`], and takes a higher limit from `capacity_limit(n)` when a
/// program really wants more threads. Run-time resizes (`tune`, `set_size`)
/// keep the pool's limit.
pub const MAX_CAPACITY: usize = 4096;

/// Checks a capacity setting: at least 1 and at most `limit`.
///
/// Every builder of the workspace checks its capacity through this, so the
/// messages are the same everywhere; a pool outside the workspace can use it
/// too.
///
/// ```
/// use taskpool::{check_capacity, MAX_CAPACITY};
/// assert_eq!(check_capacity("capacity", 8, MAX_CAPACITY).unwrap(), 8);
/// assert!(check_capacity("capacity", 0, MAX_CAPACITY).is_err());
/// assert!(check_capacity("capacity", MAX_CAPACITY + 1, MAX_CAPACITY).is_err());
/// assert!(check_capacity("capacity", MAX_CAPACITY + 1, usize::MAX).is_ok());
/// ```
///
/// # Errors
///
/// [`BuildError::zero`] for 0, [`BuildError::too_large`] above `limit`.
pub fn check_capacity(what: &str, value: usize, limit: usize) -> Result<usize, BuildError> {
    if value == 0 {
        Err(BuildError::zero(what))
    } else if value > limit {
        Err(BuildError::too_large(what, value, limit))
    } else {
        Ok(value)
    }
}
