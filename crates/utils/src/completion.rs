//! [`Completion`]: one value handed from one thread to the one thread that
//! waits for it, without a system call when the value arrives while the
//! waiter is still polling.
//!
//! This is the primitive behind every "wait for this one task" in the
//! workspace (`TaskHandle::join`, each pool's `submit_wait`). A waiter first
//! polls with crossbeam's [`Backoff`](https://docs.rs/crossbeam-utils/0.8/crossbeam_utils/struct.Backoff.html) (a few
//! doubling rounds of spin hints, then a few yields: a few microseconds, the
//! same budget crossbeam-channel gives a receiver before it sleeps); only
//! then does it register its thread and park. The setter unparks only a
//! registered waiter, so a round trip in which the value arrives within the
//! poll costs neither side a system call.
//!
//! # The protocol
//!
//! `state` moves `EMPTY → PARKED → FULL` or `EMPTY → FULL`; `FULL` is final.
//!
//! - The setter stores the value (under `value`'s lock), then swaps `state`
//!   to `FULL`. If the swap returns `PARKED`, it takes the registered thread
//!   (under `waiter`'s lock) and unparks it.
//! - The waiter stores its thread handle under `waiter`'s lock, then moves
//!   `EMPTY → PARKED` with a compare-exchange (a waiter that timed out earlier
//!   finds `PARKED` already and only replaces the handle). It then parks until
//!   it reads `FULL`.
//!
//! Why no wake-up is lost: the swap and the compare-exchange are read-modify-
//! writes of one atomic, so they are totally ordered. If the waiter's
//! compare-exchange comes first, the setter's swap returns `PARKED` and the
//! setter reads `waiter` after the waiter wrote it (the handle was stored
//! before the compare-exchange, which the swap acquires), so it unparks the
//! right thread. If the swap comes first, the compare-exchange fails on
//! `FULL` and the waiter never parks. A waiter that re-registers after a
//! timeout writes its new handle before it re-reads `state`; if the setter
//! already took the old handle, the waiter finds `FULL` on that re-read. A
//! stale unpark only makes a later `park` return early, and every `park` is
//! followed by a re-read of `state`.

use std::fmt;
use std::time::{Duration, Instant};

use crate::poll::PollPolicy;
use crate::sync::{lock, thread, AtomicUsize, Mutex, Ordering};

const EMPTY: usize = 0;
const PARKED: usize = 1;
const FULL: usize = 2;

/// How a waiter polls before it parks: crossbeam's `Backoff` (the budget
/// crossbeam-channel gives a receiver before it sleeps). Under loom one look
/// only: polling never decides correctness, it only multiplies the
/// interleavings to explore.
const WAIT_POLL: PollPolicy = if cfg!(tp_loom) {
    PollPolicy::Spins(0)
} else {
    PollPolicy::Backoff
};

/// A one-shot slot: one [`set`](Completion::set), then one
/// [`take`](Completion::take) (or a wait that takes the value).
///
/// ```
/// use std::sync::Arc;
/// use taskpool_utils::completion::Completion;
///
/// let slot = Arc::new(Completion::new());
/// let setter = Arc::clone(&slot);
/// std::thread::spawn(move || setter.set(42));
/// assert_eq!(slot.wait(), 42);
/// ```
pub struct Completion<T> {
    /// `EMPTY`, `PARKED` (a waiter registered in `waiter` may be parked) or
    /// `FULL` (the value is in `value`, or was taken). Moved to `FULL` only by
    /// `set`; moved `EMPTY → PARKED` only by a waiter.
    state: AtomicUsize,
    /// The value, from `set` until a waiter takes it. Written by the setter
    /// before `state` becomes `FULL`; read only after `FULL` was seen, so the
    /// lock is never contended in a correct use.
    value: Mutex<Option<T>>,
    /// The thread to unpark: written by the waiter before it moves `state` to
    /// `PARKED` (or, re-registering, before it re-reads `state`); taken by the
    /// setter that saw `PARKED`.
    waiter: Mutex<Option<thread::Thread>>,
}

impl<T> Completion<T> {
    /// An empty slot.
    pub fn new() -> Self {
        Completion {
            state: AtomicUsize::new(EMPTY),
            value: Mutex::new(None),
            waiter: Mutex::new(None),
        }
    }

    /// Stores `value` and wakes the waiter if one is parked.
    ///
    /// Called at most once per slot; a second value replaces the first only if
    /// it was not taken yet (the workspace never does this).
    pub fn set(&self, value: T) {
        *lock(&self.value) = Some(value);
        if self.state.swap(FULL, Ordering::AcqRel) == PARKED {
            if let Some(waiter) = lock(&self.waiter).take() {
                waiter.unpark();
            }
        }
    }

    /// True once [`set`](Completion::set) has been called.
    pub fn is_set(&self) -> bool {
        self.state.load(Ordering::Acquire) == FULL
    }

    /// The value, if it was set and not taken yet. Never blocks.
    pub fn take(&self) -> Option<T> {
        if self.is_set() {
            lock(&self.value).take()
        } else {
            None
        }
    }

    /// Polls briefly, then parks until the value is set, and takes it.
    ///
    /// # Panics
    /// If the value was set and already taken (a second waiter): the
    /// workspace hands each slot to one waiter.
    pub fn wait(&self) -> T {
        if !self.poll() {
            self.register();
            while !self.is_set() {
                thread::park();
            }
        }
        self.take_set()
    }

    /// Like [`wait`](Completion::wait), but gives up at `deadline` and
    /// returns `None` (the value may still be set later; wait again then).
    /// Under loom the deadline is ignored and this waits like `wait`.
    pub fn wait_deadline(&self, deadline: Instant) -> Option<T> {
        if !self.poll() {
            self.register();
            while !self.is_set() {
                let now = Instant::now();
                if now >= deadline {
                    return None;
                }
                park_timeout(deadline - now);
            }
        }
        Some(self.take_set())
    }

    /// Polls `state` as [`WAIT_POLL`] says; true once it is `FULL`.
    fn poll(&self) -> bool {
        WAIT_POLL.poll_until(|| self.is_set())
    }

    /// Registers the calling thread as the one to unpark (see the module
    /// docs for why this cannot miss a `set`).
    fn register(&self) {
        *lock(&self.waiter) = Some(thread::current());
        // Fails with FULL (set meanwhile: the caller re-reads and takes it) or
        // with PARKED (registered before, by a wait that timed out).
        let _ = self
            .state
            .compare_exchange(EMPTY, PARKED, Ordering::AcqRel, Ordering::Acquire);
    }

    fn take_set(&self) -> T {
        lock(&self.value)
            .take()
            .expect("a Completion's value is taken by its one waiter")
    }
}

#[cfg(not(tp_loom))]
fn park_timeout(dur: Duration) {
    thread::park_timeout(dur);
}

#[cfg(tp_loom)]
fn park_timeout(_dur: Duration) {
    thread::park();
}

impl<T> Default for Completion<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for Completion<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Completion")
            .field("set", &self.is_set())
            .finish()
    }
}

#[cfg(all(test, not(tp_loom)))]
mod tests;

#[cfg(all(test, tp_loom))]
mod loom_tests;
