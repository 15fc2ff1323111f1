//! [`ManualClock`]: the clock tests drive by hand, for the deadlines of
//! `process_timeout` and `process_batch_timeout`. A face over the
//! workspace's one manual clock (`taskpool_utils::clock`): callers waiting
//! on a deadline subscribe to it and are woken by every advance.

use std::fmt;
use std::time::Duration;

use taskpool_utils::clock::ManualClock as Time;

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
///     .capacity(0) // no worker: every caller waits
///     .allow_empty(true)
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
#[derive(Clone, Default)]
pub struct ManualClock {
    /// The time and the callers sleeping on it; clones share both.
    pub(crate) time: Time,
}

impl ManualClock {
    /// A clock standing at zero.
    pub fn new() -> Self {
        ManualClock { time: Time::new() }
    }

    /// Moves time forward by `by` and wakes every caller waiting on this clock,
    /// so that those whose deadline has passed give up.
    pub fn advance(&self, by: Duration) {
        self.time.advance(by);
    }

    /// Time elapsed on this clock since it was made.
    pub fn elapsed(&self) -> Duration {
        self.time.now()
    }

    /// How many callers are waiting on a deadline measured by this clock now.
    /// Tests use it to know a caller is blocked before they advance time.
    pub fn sleepers(&self) -> usize {
        self.time.subscribers()
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock")
            .field("elapsed", &self.elapsed())
            .finish()
    }
}
