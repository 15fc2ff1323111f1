//! Things a blocked caller waits on besides the pool itself: the clock that
//! decides timeouts ([`ManualClock`] or the system clock) and [`CancelToken`].
//!
//! Both wake blocked callers through a [`WakerList`]: a caller registers a
//! closure that locks its call slot and notifies the slot's condvar, then
//! re-checks the clock or the token *under the slot lock* before it sleeps.
//! The clock and the token change their value before running the wakers, so a
//! caller either sees the new value or is asleep when its waker runs: no
//! wake-up is lost.

use std::fmt;
use std::time::{Duration, Instant};

use crate::sync::{lock, Arc, AtomicBool, AtomicU64, Mutex, Ordering};

type WakeFn = Box<dyn Fn() + Send + Sync>;

/// Closures to run when a clock advances or a token is cancelled.
///
/// Lock order: this list's lock is taken before a call slot's lock (the
/// wakers lock call slots while the list is locked); a caller never holds its
/// slot lock while registering or unregistering.
pub(crate) struct WakerList {
    /// Guarded by its mutex: the registered wakers and the next key to hand out.
    inner: Mutex<(u64, Vec<(u64, WakeFn)>)>,
}

impl WakerList {
    fn new() -> Self {
        WakerList {
            inner: Mutex::new((0, Vec::new())),
        }
    }

    pub(crate) fn register(&self, waker: WakeFn) -> u64 {
        let mut inner = lock(&self.inner);
        let key = inner.0;
        inner.0 += 1;
        inner.1.push((key, waker));
        key
    }

    pub(crate) fn unregister(&self, key: u64) {
        let mut inner = lock(&self.inner);
        let removed = inner
            .1
            .iter()
            .position(|(k, _)| *k == key)
            .map(|pos| inner.1.swap_remove(pos));
        drop(inner);
        // Dropped outside the lock: the waker may hold the last reference to a call.
        drop(removed);
    }

    fn wake_all(&self) {
        let inner = lock(&self.inner);
        for (_, waker) in &inner.1 {
            waker();
        }
    }

    fn len(&self) -> usize {
        lock(&self.inner).1.len()
    }
}

/// A clock the test drives by hand: time stands still until
/// [`advance`](ManualClock::advance) moves it.
///
/// Give it to a pool with [`Builder::clock`](crate::Builder::clock); then
/// every deadline of [`Pool::process_timeout`](crate::Pool::process_timeout)
/// is measured on this clock, and a caller blocked past its deadline wakes up
/// when the clock is advanced, not when the machine happens to be fast or slow.
///
/// ```
/// use std::time::Duration;
/// use taskpool_tunny::{ManualClock, Pool, ProcessError};
///
/// let clock = ManualClock::new();
/// let pool = Pool::builder(|| taskpool_tunny::FnWorker::new(|x: u32| x + 1))
///     .size(0) // no worker: every caller waits
///     .clock(clock.clone())
///     .build()
///     .unwrap();
/// let caller = {
///     let pool = pool.clone();
///     std::thread::spawn(move || pool.process_timeout(1, Duration::from_secs(5)))
/// };
/// // Wait until the caller is blocked, then move time past its deadline.
/// while pool.queue_len() == 0 { std::thread::yield_now(); }
/// clock.advance(Duration::from_secs(5));
/// assert_eq!(caller.join().unwrap(), Err(ProcessError::TimedOut));
/// ```
#[derive(Clone)]
pub struct ManualClock {
    inner: Arc<ManualInner>,
}

struct ManualInner {
    /// Nanoseconds since the clock was made; only ever grows. Written before
    /// the wakers run (see the module docs).
    now_nanos: AtomicU64,
    wakers: WakerList,
}

impl ManualClock {
    /// A clock standing at zero.
    pub fn new() -> Self {
        ManualClock {
            inner: Arc::new(ManualInner {
                now_nanos: AtomicU64::new(0),
                wakers: WakerList::new(),
            }),
        }
    }

    /// Moves time forward by `by` and wakes every caller waiting on this clock,
    /// so that those whose deadline has passed give up.
    pub fn advance(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let mut cur = self.inner.now_nanos.load(Ordering::SeqCst);
        loop {
            let next = cur.saturating_add(nanos);
            match self.inner.now_nanos.compare_exchange(
                cur,
                next,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => break,
                Err(seen) => cur = seen,
            }
        }
        self.inner.wakers.wake_all();
    }

    /// Time elapsed on this clock since it was made.
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.inner.now_nanos.load(Ordering::SeqCst))
    }

    /// How many callers are waiting on a deadline measured by this clock now.
    /// Tests use it to know a caller is blocked before they advance time.
    pub fn sleepers(&self) -> usize {
        self.inner.wakers.len()
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock")
            .field("elapsed", &self.elapsed())
            .finish()
    }
}

/// The clock a pool measures deadlines with. Time is a `Duration` since the
/// clock's origin.
#[derive(Clone, Debug)]
pub(crate) enum Clock {
    /// Real time: waiters sleep with a timeout and re-read the time.
    System(Instant),
    /// Test time: waiters sleep until the clock wakes them.
    Manual(ManualClock),
}

impl Clock {
    pub(crate) fn system() -> Self {
        Clock::System(Instant::now())
    }

    pub(crate) fn now(&self) -> Duration {
        match self {
            Clock::System(origin) => origin.elapsed(),
            Clock::Manual(clock) => clock.elapsed(),
        }
    }

    /// How long a waiter whose deadline is `deadline` may sleep before it must
    /// look at the clock again; `None` means "until notified" (the manual
    /// clock notifies on every advance).
    pub(crate) fn sleep_for(&self, deadline: Duration) -> Option<Duration> {
        match self {
            Clock::System(_) => Some(deadline.saturating_sub(self.now())),
            Clock::Manual(_) => None,
        }
    }

    /// The waker list to register with, for clocks that notify.
    pub(crate) fn wakers(&self) -> Option<&WakerList> {
        match self {
            Clock::System(_) => None,
            Clock::Manual(clock) => Some(&clock.inner.wakers),
        }
    }
}

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
    /// Set once, never cleared; written before the wakers run.
    cancelled: AtomicBool,
    wakers: WakerList,
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> Self {
        CancelToken {
            inner: Arc::new(TokenInner {
                cancelled: AtomicBool::new(false),
                wakers: WakerList::new(),
            }),
        }
    }

    /// Cancels: wakes every call waiting on this token.
    pub fn cancel(&self) {
        if !self.inner.cancelled.swap(true, Ordering::SeqCst) {
            self.inner.wakers.wake_all();
        }
    }

    /// True once [`cancel`](CancelToken::cancel) has been called on this token
    /// or a clone.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    pub(crate) fn wakers(&self) -> &WakerList {
        &self.inner.wakers
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
