//! Support for the strategy crates' own tests, from one place: a watchdog
//! with the workspace's default patience, a bounded wait for a condition
//! other threads make true, a one-shot [`Latch`] tasks block on, and a
//! concurrency [`Meter`].
//!
//! ```
//! use taskpool_conformance::testkit::{wait_until, watchdog, Latch};
//!
//! let latch = Latch::new();
//! let waiter = {
//!     let latch = latch.clone();
//!     std::thread::spawn(move || latch.wait())
//! };
//! latch.open();
//! watchdog("the waiter returns", move || waiter.join().unwrap());
//! wait_until("the latch is open", || latch.is_open());
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use crate::run_with_watchdog;

/// How long a test body, or a wait inside one, may take before it counts as
/// hung. Generous: a test fails on a hang, never on a slow machine.
pub const WATCHDOG: Duration = Duration::from_secs(60);

/// Runs `body` on its own thread and returns its value; fails the calling
/// test with a message naming `what` if the body panics or has not finished
/// within [`WATCHDOG`] (see [`run_with_watchdog`]).
pub fn watchdog<T, F>(what: &str, body: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    run_with_watchdog(what, WATCHDOG, body)
}

/// Waits until `cond` holds, for a state other threads are known to be
/// heading to (a caller blocked inside a pool, a worker thread gone) with no
/// event to wait on. Looks every millisecond; panics naming `what` after
/// [`WATCHDOG`]. The outcome never depends on the machine's speed, only the
/// time taken does.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + WATCHDOG;
    while !cond() {
        assert!(
            Instant::now() < deadline,
            "timed out after {WATCHDOG:?} waiting until {what}"
        );
        thread::sleep(Duration::from_millis(1));
    }
}

/// A one-shot latch: [`wait`](Latch::wait) blocks until
/// [`open`](Latch::open) has been called, on this latch or a clone.
#[derive(Clone, Default)]
pub struct Latch {
    /// Guards whether the latch is open (it never closes again); `opened`
    /// is notified when it opens.
    inner: Arc<(Mutex<bool>, Condvar)>,
}

impl Latch {
    /// A closed latch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens the latch: every waiter returns, and so will every later wait.
    pub fn open(&self) {
        let (open, opened) = &*self.inner;
        *open.lock().unwrap_or_else(PoisonError::into_inner) = true;
        opened.notify_all();
    }

    /// Blocks until the latch is open.
    pub fn wait(&self) {
        let (open, opened) = &*self.inner;
        let mut open = open.lock().unwrap_or_else(PoisonError::into_inner);
        while !*open {
            open = opened.wait(open).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// True once the latch is open.
    pub fn is_open(&self) -> bool {
        *self.inner.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for Latch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Latch")
            .field("open", &self.is_open())
            .finish()
    }
}

/// Counts tasks entering and leaving with atomics only (no lock, so it
/// barely disturbs the pool it measures), and remembers the most that were
/// inside at once. For stress tests of a pool's cap; [`Probe`](crate::Probe)
/// records much more (threads, exits) at the cost of a lock per task.
#[derive(Debug, Default)]
pub struct Meter {
    now: AtomicUsize,
    max: AtomicUsize,
    total: AtomicUsize,
}

impl Meter {
    /// A meter at zero, shared.
    pub fn new() -> Arc<Self> {
        Arc::new(Meter::default())
    }

    /// A task starts.
    pub fn enter(&self) {
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(n, Ordering::SeqCst);
        self.total.fetch_add(1, Ordering::SeqCst);
    }

    /// A task ends.
    pub fn exit(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }

    /// The most tasks inside at once since the meter was made (or since
    /// [`reset_max`](Meter::reset_max)).
    pub fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }

    /// Tasks inside now.
    pub fn now(&self) -> usize {
        self.now.load(Ordering::SeqCst)
    }

    /// Tasks that have entered so far.
    pub fn total(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }

    /// Starts measuring the maximum afresh, from the tasks inside now.
    pub fn reset_max(&self) {
        self.max.store(self.now(), Ordering::SeqCst);
    }
}
