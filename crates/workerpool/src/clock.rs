//! [`ManualClock`]: the clock tests move by hand to drive idle reaping. A
//! face over the workspace's one manual clock (`taskpool_utils::clock`); each
//! pool built with it subscribes a hook that sends its dispatcher a tick.

use std::fmt;
use std::time::Duration;

use taskpool_utils::clock::ManualClock as Time;

/// A clock that only moves when [`advance`](ManualClock::advance) is called.
///
/// Give it to [`Builder::clock`](crate::Builder::clock) and the pool's idle
/// reaping follows it instead of the wall clock, so a test can say "two idle
/// periods have passed" without sleeping. Every pool built with the clock
/// looks at the new time before `advance` returns: when it returns, each
/// pool's dispatcher has already decided whether to retire a worker (the
/// worker thread itself exits a moment later).
///
/// Clones share the same time.
///
/// ```
/// use std::time::Duration;
/// use taskpool_workerpool::{ManualClock, WorkerPool};
///
/// let clock = ManualClock::new();
/// let pool = WorkerPool::builder()
///     .capacity(2)
///     .idle_timeout(Duration::from_secs(2))
///     .clock(clock.clone())
///     .build()
///     .unwrap();
/// pool.submit_wait(|| {}).unwrap();
/// assert_eq!(clock.now(), Duration::ZERO);
/// clock.advance(Duration::from_secs(2)); // one idle period: one worker retires
/// assert_eq!(clock.now(), Duration::from_secs(2));
/// pool.stop_wait();
/// ```
#[derive(Clone, Default)]
pub struct ManualClock {
    /// The time and the pools subscribed to it; clones share both.
    pub(crate) time: Time,
}

impl ManualClock {
    /// A clock at time zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// The time since the clock was made.
    pub fn now(&self) -> Duration {
        self.time.now()
    }

    /// Moves the clock forward by `by`, then waits until every running pool
    /// built with this clock has looked at the new time.
    pub fn advance(&self, by: Duration) {
        self.time.advance(by);
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock")
            .field("now", &self.now())
            .finish()
    }
}
