//! [`Notifier`]: a condition variable that wakes only when someone waits.
//!
//! std's `Condvar::notify_all` makes a futex system call every time, waiter
//! or not. A pool that notifies after every task pays that call per task,
//! although a waiter (`wait_idle`, a shutdown, a blocked submitter) is rare.
//! A `Notifier` counts its waiters, and [`notify`](Notifier::notify) costs one
//! atomic read when there are none.
//!
//! # The protocol, and why no change is missed
//!
//! A waiter holds the mutex `M` that guards its condition, raises `waiters`
//! (`SeqCst`), checks its condition (reading any atomics in it with
//! `SeqCst`), and waits on the condition variable, which releases `M`.
//! A changer either changes the condition under `M` and then calls
//! `notify`, or makes a `SeqCst` atomic write and then calls `notify`, which
//! reads `waiters` (`SeqCst`) and, if it is non-zero, takes and releases `M`
//! before `notify_all`.
//!
//! - A change under `M`: the waiter checks under `M`, so it either sees the
//!   change or is already waiting (and registered) when the changer, having
//!   released `M`, reads `waiters` — which happens after the waiter's raise
//!   by the mutex's ordering.
//! - An atomic change: in the single order of `SeqCst` operations, either the
//!   changer's read of `waiters` follows the waiter's raise — then the
//!   changer takes `M`, which the waiter holds from its check until the wait
//!   releases it, so the `notify_all` comes after the waiter is waiting — or
//!   it precedes the raise, and then the write precedes the waiter's check,
//!   which sees it.

use std::fmt;

use crossbeam_utils::CachePadded;

use crate::sync::{lock, AtomicUsize, Condvar, Mutex, MutexGuard, Ordering};

/// A condition variable with a count of its waiters (see the module docs).
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::{Arc, Mutex};
/// use taskpool_utils::notifier::Notifier;
///
/// let state = Arc::new((Mutex::new(()), Notifier::new(), AtomicUsize::new(1)));
/// let s = Arc::clone(&state);
/// std::thread::spawn(move || {
///     s.2.fetch_sub(1, Ordering::SeqCst);
///     s.1.notify(&s.0);
/// });
/// let (m, n, left) = &*state;
/// drop(n.wait_until(m.lock().unwrap(), |_| left.load(Ordering::SeqCst) == 0));
/// ```
pub struct Notifier {
    /// Threads between their raise and their return in `wait_until`.
    waiters: CachePadded<AtomicUsize>,
    cv: Condvar,
}

impl Notifier {
    /// A notifier nobody waits on.
    pub fn new() -> Self {
        Notifier {
            waiters: CachePadded::new(AtomicUsize::new(0)),
            cv: Condvar::new(),
        }
    }

    /// Waits until `done` holds. `guard` locks the mutex every changer of the
    /// condition takes in [`notify`](Notifier::notify); `done` reads atomics
    /// with `SeqCst`. Returns with the mutex held.
    pub fn wait_until<'a, T>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut done: impl FnMut(&mut T) -> bool,
    ) -> MutexGuard<'a, T> {
        if done(&mut guard) {
            return guard;
        }
        self.waiters.fetch_add(1, Ordering::SeqCst);
        crate::sync::dekker_point();
        while !done(&mut guard) {
            guard = crate::sync::wait(&self.cv, guard);
        }
        self.waiters.fetch_sub(1, Ordering::SeqCst);
        guard
    }

    /// Wakes every waiter, if there is one. Call it after any change a
    /// waiter may watch for: a `SeqCst` atomic write, or a change made under
    /// `mutex` (released before this call).
    pub fn notify<T>(&self, mutex: &Mutex<T>) {
        crate::sync::dekker_point();
        if self.waiters.load(Ordering::SeqCst) > 0 {
            drop(lock(mutex));
            self.cv.notify_all();
        }
    }

    /// True when some thread is waiting (or about to).
    pub fn has_waiters(&self) -> bool {
        self.waiters.load(Ordering::SeqCst) > 0
    }
}

impl Default for Notifier {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Notifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notifier")
            .field("waiters", &self.waiters.load(Ordering::Relaxed))
            .finish()
    }
}

#[cfg(all(test, tp_loom))]
mod loom_tests;
