//! Time for idle reaping: the system clock, or a [`ManualClock`] that tests
//! move forward by hand.

use std::fmt;
use std::time::{Duration, Instant};

use crate::dispatch::{Control, Msg, Shared};
use crate::sync::{channel, lock, Arc, Mutex};

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
///     .max_workers(2)
///     .idle_timeout(Some(Duration::from_secs(2)))
///     .clock(clock.clone())
///     .build()
///     .unwrap();
/// pool.submit_wait(Box::new(|| {})).unwrap();
/// assert_eq!(clock.now(), Duration::ZERO);
/// clock.advance(Duration::from_secs(2)); // one idle period: one worker retires
/// assert_eq!(clock.now(), Duration::from_secs(2));
/// pool.stop_wait();
/// ```
#[derive(Clone, Default)]
pub struct ManualClock {
    inner: Arc<Mutex<ManualState>>,
}

#[derive(Default)]
struct ManualState {
    /// Time since the clock was made; only `advance` moves it.
    now: Duration,
    /// The dispatchers of the pools that use this clock, with the pool state
    /// (to wake a resting dispatcher). A dispatcher that has exited refuses
    /// the send, and is then forgotten.
    pools: Vec<(channel::Sender<Msg>, Arc<Shared>)>,
}

impl ManualClock {
    /// A clock at time zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// The time since the clock was made.
    pub fn now(&self) -> Duration {
        lock(&self.inner).now
    }

    /// Moves the clock forward by `by`, then waits until every running pool
    /// built with this clock has looked at the new time.
    pub fn advance(&self, by: Duration) {
        let pools = {
            let mut state = lock(&self.inner);
            state.now += by;
            state.pools.clone()
        };
        let mut gone = Vec::new();
        for (i, (pool, shared)) in pools.iter().enumerate() {
            let (ack, seen) = channel::unbounded();
            if pool.send(Msg::control(Control::Tick(ack))).is_err() {
                gone.push(i);
                continue;
            }
            shared.wake_dispatcher_urgently();
            // An error means the dispatcher exited before it got to the tick:
            // nothing left to wait for.
            let _ = seen.recv();
        }
        if !gone.is_empty() {
            let mut state = lock(&self.inner);
            let mut i = 0;
            state.pools.retain(|_| {
                let keep = !gone.contains(&i);
                i += 1;
                keep
            });
        }
    }

    pub(crate) fn subscribe(&self, dispatcher: channel::Sender<Msg>, shared: Arc<Shared>) {
        lock(&self.inner).pools.push((dispatcher, shared));
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManualClock")
            .field("now", &self.now())
            .finish()
    }
}

/// Where the dispatcher reads the time.
#[derive(Debug, Clone)]
pub(crate) enum Clock {
    /// Real time, measured from the pool's start. The dispatcher sleeps until
    /// the next idle deadline.
    System(Instant),
    /// Test time: the dispatcher never sleeps on a deadline; `advance` sends it
    /// a tick instead.
    Manual(ManualClock),
}

impl Clock {
    /// Time since the clock's origin.
    pub(crate) fn now(&self) -> Duration {
        match self {
            Clock::System(origin) => origin.elapsed(),
            Clock::Manual(clock) => clock.now(),
        }
    }
}
