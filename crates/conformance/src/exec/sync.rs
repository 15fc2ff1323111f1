//! The two meeting points the harness uses with the pool's tasks: a
//! [`Latch`] where `n` tasks must all be running at once, and a [`Gate`]
//! that holds tasks until the test opens it (and counts arrivals).
//!
//! Both give up after a deadline, so a broken pool can make a check fail but
//! never make a task of the harness wait for ever.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// `need` tasks meet here; each waits until all have arrived or its
/// deadline passes.
pub(super) struct Latch {
    need: usize,
    deadline: Duration,
    /// (tasks waiting here now, whether all `need` were ever here at once).
    /// A task that gives up decrements the count.
    state: Mutex<(usize, bool)>,
    changed: Condvar,
}

impl Latch {
    pub(super) fn new(need: usize, deadline: Duration) -> Self {
        Latch {
            need,
            deadline,
            state: Mutex::new((0, need == 0)),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, (usize, bool)> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn arrive_and_wait(&self) {
        let start = Instant::now();
        let mut state = self.lock();
        state.0 += 1;
        if state.0 >= self.need {
            state.1 = true;
        }
        self.changed.notify_all();
        while !state.1 {
            let left = self.deadline.saturating_sub(start.elapsed());
            if left.is_zero() {
                state.0 -= 1;
                return;
            }
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Waits up to `within` for all `need` to have met; returns whether they
    /// did and how many are waiting now.
    pub(super) fn full(&self, within: Duration) -> (bool, usize) {
        let start = Instant::now();
        let mut state = self.lock();
        while !state.1 {
            let left = within.saturating_sub(start.elapsed());
            if left.is_zero() {
                break;
            }
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        (state.1, state.0)
    }
}

/// Holds tasks until opened; also counts arrivals, so the test can wait for
/// `n` of them.
#[derive(Default)]
pub(super) struct Gate {
    /// (open, arrivals).
    state: Mutex<(bool, usize)>,
    changed: Condvar,
}

impl Gate {
    fn lock(&self) -> MutexGuard<'_, (bool, usize)> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn open(&self) {
        self.lock().0 = true;
        self.changed.notify_all();
    }

    pub(super) fn arrive(&self) {
        self.lock().1 += 1;
        self.changed.notify_all();
    }

    /// Waits until the gate is open, at most `patience`.
    pub(super) fn wait_open(&self, patience: Duration) {
        let start = Instant::now();
        let mut state = self.lock();
        while !state.0 {
            let left = patience.saturating_sub(start.elapsed());
            if left.is_zero() {
                return;
            }
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Waits until `n` arrivals or the gate opens, at most `patience`;
    /// returns the arrivals.
    pub(super) fn wait_arrivals(&self, n: usize, patience: Duration) -> usize {
        let start = Instant::now();
        let mut state = self.lock();
        while state.1 < n && !state.0 {
            let left = patience.saturating_sub(start.elapsed());
            if left.is_zero() {
                break;
            }
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        state.1
    }
}
