//! Time as the pool sees it: a [`Clock`] that tests can drive. The
//! [`ManualClock`] is a face over the workspace's one manual clock
//! (`taskpool_utils::clock`), read as instants from its creation.

use std::fmt;
use std::time::{Duration, Instant};

use taskpool_utils::clock::ManualClock as Time;

/// The source of "now" for expiry of idle workers and for the deadlines of
/// [`Pool::submit_timeout`](crate::Pool::submit_timeout) and
/// [`Pool::release_timeout`](crate::Pool::release_timeout).
///
/// The pool never reads the wall clock itself: it asks its clock. The default
/// is [`SystemClock`]; tests use [`ManualClock`] and call
/// [`Pool::purge_expired`](crate::Pool::purge_expired) to make expiry happen
/// exactly when they say. Real sleeping (the purge thread's tick, a bounded
/// wait) still uses real time, and re-reads the clock on every wake-up.
///
/// ```
/// use std::time::Instant;
/// use taskpool_ants::Clock;
///
/// #[derive(Debug)]
/// struct Frozen(Instant);
/// impl Clock for Frozen {
///     fn now(&self) -> Instant { self.0 }
/// }
/// let clock = Frozen(Instant::now());
/// assert_eq!(clock.now(), clock.now());
/// ```
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current instant. Must never go backwards.
    fn now(&self) -> Instant;
}

/// The real monotonic clock ([`Instant::now`]).
///
/// ```
/// use taskpool_ants::{Clock, SystemClock};
/// let a = SystemClock.now();
/// assert!(SystemClock.now() >= a);
/// ```
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that moves only when told to; clones share the same time.
///
/// ```
/// use std::time::Duration;
/// use taskpool_ants::{Clock, ManualClock};
/// let clock = ManualClock::new();
/// let t0 = clock.now();
/// clock.advance(Duration::from_secs(5));
/// assert_eq!(clock.now() - t0, Duration::from_secs(5));
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    /// The real instant the clock was made at: what it reads before any
    /// advance.
    origin: Instant,
    /// How far it has been advanced; clones share it.
    time: Time,
}

impl ManualClock {
    /// A clock standing at the real instant of its creation.
    pub fn new() -> Self {
        ManualClock {
            origin: Instant::now(),
            time: Time::new(),
        }
    }

    /// Moves the clock forwards by `by`.
    pub fn advance(&self, by: Duration) {
        self.time.advance(by);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.origin + self.time.now()
    }
}
