//! One clock for every pool: [`Clock`] is where a pool reads the time (real,
//! or a [`ManualClock`] that tests move by hand), as a `Duration` since the
//! clock's origin.
//!
//! A pool that waits for a point in time sleeps with a timeout on the
//! system clock, but on a manual clock it sleeps until the clock tells it
//! that time moved: it [`subscribe`](ManualClock::subscribe)s a hook, and
//! every [`advance`](ManualClock::advance) runs the hooks after moving the
//! time. The hook is the pool's own code (wake a condition variable, send
//! its dispatcher a message), so the clock knows nothing of the pool. See
//! [`crate::subscribe`] for why no wake-up is lost that way.
//!
//! ```
//! use std::time::Duration;
//! use taskpool_utils::clock::{Clock, ManualClock};
//!
//! let manual = ManualClock::new();
//! let clock = Clock::Manual(manual.clone());
//! assert_eq!(clock.now(), Duration::ZERO);
//! manual.advance(Duration::from_secs(2));
//! assert_eq!(clock.now(), Duration::from_secs(2));
//! assert_eq!(clock.sleep_for(Duration::from_secs(5)), None); // until notified
//! ```

use std::fmt;
use std::time::{Duration, Instant};

use crate::subscribe::{Subscribers, Subscription};
use crate::sync::{Arc, AtomicU64, Ordering};

/// Where a pool reads the time.
#[derive(Debug, Clone)]
pub enum Clock {
    /// Real time since the instant given (the pool's start): waiters sleep
    /// with a timeout and read the time again.
    System(Instant),
    /// Test time: waiters sleep until the clock's hooks wake them.
    Manual(ManualClock),
}

impl Clock {
    /// The real clock, starting now.
    pub fn system() -> Clock {
        Clock::System(Instant::now())
    }

    /// Time since the clock's origin.
    pub fn now(&self) -> Duration {
        match self {
            Clock::System(origin) => origin.elapsed(),
            Clock::Manual(clock) => clock.now(),
        }
    }

    /// True for a [`ManualClock`]: time moves only when a test says so, and
    /// the clock notifies its subscribers when it does.
    pub fn is_manual(&self) -> bool {
        matches!(self, Clock::Manual(_))
    }

    /// How long a waiter whose deadline is `deadline` may sleep before it
    /// must read the clock again; `None` means "until notified" (a manual
    /// clock notifies its subscribers on every advance).
    pub fn sleep_for(&self, deadline: Duration) -> Option<Duration> {
        match self {
            Clock::System(_) => Some(deadline.saturating_sub(self.now())),
            Clock::Manual(_) => None,
        }
    }

    /// Subscribes `hook` to a manual clock's advances; `None` for the system
    /// clock, which never notifies (its waiters sleep with a timeout).
    pub fn subscribe(&self, hook: impl Fn() + Send + Sync + 'static) -> Option<Subscription> {
        match self {
            Clock::System(_) => None,
            Clock::Manual(clock) => Some(clock.subscribe(hook)),
        }
    }
}

/// A clock that stands still until [`advance`](ManualClock::advance) moves
/// it. It starts at zero; clones share the same time and subscribers.
#[derive(Clone)]
pub struct ManualClock {
    inner: Arc<ManualInner>,
}

struct ManualInner {
    /// Nanoseconds since the clock was made; only `advance` moves it (it only
    /// grows, saturating). Written before the subscribers are notified.
    nanos: AtomicU64,
    /// Run after every advance.
    subscribers: Subscribers,
}

impl ManualClock {
    /// A clock standing at zero.
    pub fn new() -> Self {
        ManualClock {
            inner: Arc::new(ManualInner {
                nanos: AtomicU64::new(0),
                subscribers: Subscribers::new(),
            }),
        }
    }

    /// The time since the clock was made.
    pub fn now(&self) -> Duration {
        Duration::from_nanos(self.inner.nanos.load(Ordering::SeqCst))
    }

    /// Moves the time forward by `by` (saturating at `u64::MAX` nanoseconds),
    /// then runs every subscribed hook on this thread, in subscription order,
    /// and returns once they have all returned.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let nanos = &self.inner.nanos;
        let mut current = nanos.load(Ordering::SeqCst);
        loop {
            let next = current.saturating_add(by);
            match nanos.compare_exchange(current, next, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => break,
                Err(seen) => current = seen,
            }
        }
        self.inner.subscribers.notify();
    }

    /// Runs `hook` after every later advance, until the returned
    /// [`Subscription`] is dropped.
    pub fn subscribe(&self, hook: impl Fn() + Send + Sync + 'static) -> Subscription {
        self.inner.subscribers.subscribe(hook)
    }

    /// How many hooks are subscribed now (for tests that must know a waiter
    /// is asleep on the clock before they advance it).
    pub fn subscribers(&self) -> usize {
        self.inner.subscribers.len()
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
            .field("now", &self.now())
            .field("subscribers", &self.subscribers())
            .finish()
    }
}
