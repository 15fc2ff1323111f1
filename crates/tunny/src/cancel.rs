//! [`CancelToken`]: a cancellation flag callers wait on, which wakes them
//! through the hooks they subscribe (`taskpool_utils::subscribe`).

use std::fmt;

use taskpool_utils::subscribe::{Subscribers, Subscription};
use taskpool_utils::sync::{Arc, AtomicBool, Ordering};

/// A cancellation signal for [`Pool::process_cancellable`](crate::Pool::process_cancellable).
///
/// Clones share one signal. [`cancel`](CancelToken::cancel) may be called from
/// any thread, any number of times; every call blocked on the token returns
/// [`ProcessError::Cancelled`](crate::ProcessError::Cancelled) (interrupting
/// its job if a worker had already taken it), and later calls with the token
/// return it at once.
///
/// ```
/// use taskpool_tunny::{CancelToken, Pool, ProcessError};
///
/// let pool = Pool::with_fn(1, |x: u32| x * 2);
/// let token = CancelToken::new();
/// assert_eq!(pool.process_cancellable(21, &token), Ok(42));
/// token.cancel();
/// assert_eq!(pool.process_cancellable(21, &token), Err(ProcessError::Cancelled));
/// ```
#[derive(Clone)]
pub struct CancelToken {
    inner: Arc<TokenInner>,
}

struct TokenInner {
    /// Set once, never cleared; written before the subscribers are notified.
    cancelled: AtomicBool,
    /// The hooks of the callers waiting on this token.
    subscribers: Subscribers,
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        CancelToken {
            inner: Arc::new(TokenInner {
                cancelled: AtomicBool::new(false),
                subscribers: Subscribers::new(),
            }),
        }
    }

    /// Cancels: wakes every call waiting on this token.
    pub fn cancel(&self) {
        if !self.inner.cancelled.swap(true, Ordering::SeqCst) {
            self.inner.subscribers.notify();
        }
    }

    /// True once [`cancel`](CancelToken::cancel) has been called on this token
    /// or a clone.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Runs `hook` when the token is cancelled (if that happens before the
    /// returned subscription is dropped).
    pub(crate) fn subscribe(&self, hook: impl Fn() + Send + Sync + 'static) -> Subscription {
        self.inner.subscribers.subscribe(hook)
    }
}

impl Default for CancelToken {
    fn default() -> Self {
        CancelToken::new()
    }
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}
