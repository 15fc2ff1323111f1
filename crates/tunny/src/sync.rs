//! The only module that names synchronisation primitives and threads.
//!
//! Under `--cfg tp_loom` every primitive comes from loom, so the loom models
//! in `loom_tests` explore the real pool code. Everything else in the crate
//! imports from here.

#[cfg(not(tp_loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
#[cfg(not(tp_loom))]
pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard};
#[cfg(not(tp_loom))]
pub(crate) use std::thread;

#[cfg(tp_loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
#[cfg(tp_loom)]
pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
#[cfg(tp_loom)]
pub(crate) use loom::thread;

use std::sync::PoisonError;
use std::time::Duration;

/// Whether a thread about to sleep first polls for a short while (see
/// [`poll_until`]). Off under loom: the pool's correctness never depends on
/// the polling (a poll only decides whether to look again before sleeping),
/// and a polling loop would only multiply the interleavings to explore.
pub(crate) const POLL: bool = !cfg!(tp_loom);

/// Polls `ready` with crossbeam's backoff (a few doubling rounds of spin
/// hints, then a few `yield_now`s: a few microseconds in all) and returns
/// whether it became true. A worker that has just parked and a caller that
/// has just handed its job over call this before sleeping: in a steady
/// stream of calls the other side usually answers within that time, and the
/// rendezvous then costs no futex sleep and wake-up on either side.
pub(crate) fn poll_until(mut ready: impl FnMut() -> bool) -> bool {
    let backoff = crossbeam_utils::Backoff::new();
    while !backoff.is_completed() {
        if ready() {
            return true;
        }
        backoff.snooze();
    }
    ready()
}

/// Locks `m`, ignoring poison: no code in this crate panics while holding one
/// of its locks (user code always runs outside them), and a poisoned lock
/// must never become a second panic inside the pool.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Waits on `cv`, ignoring poison (see [`lock`]).
pub(crate) fn wait<'a, T>(cv: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    cv.wait(guard).unwrap_or_else(PoisonError::into_inner)
}

/// Waits on `cv` for at most `dur` (loom ignores the duration and waits for a
/// notification; the loom models only use the manual clock, which notifies).
pub(crate) fn wait_timeout<'a, T>(
    cv: &Condvar,
    guard: MutexGuard<'a, T>,
    dur: Duration,
) -> MutexGuard<'a, T> {
    match cv.wait_timeout(guard, dur) {
        Ok((guard, _)) => guard,
        Err(poison) => poison.into_inner().0,
    }
}
