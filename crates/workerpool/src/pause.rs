//! [`PauseGuard`] and the gate its parking tasks wait on.

use std::fmt;

use crate::dispatch::Shared;
use crate::sync::{lock, wait, Arc, Condvar, Mutex};

/// Where the parking tasks of one `pause` wait.
pub(crate) struct PauseGate {
    /// Guarded: how many parking tasks have started, and whether the pause is
    /// over. `released` only goes from false to true.
    state: Mutex<GateState>,
    /// Notified whenever `started` grows and when `released` is set.
    changed: Condvar,
}

struct GateState {
    started: usize,
    released: bool,
}

impl PauseGate {
    pub(crate) fn new() -> Self {
        PauseGate {
            state: Mutex::new(GateState {
                started: 0,
                released: false,
            }),
            changed: Condvar::new(),
        }
    }

    /// The body of a parking task: report in, then hold the worker until the
    /// pause ends.
    pub(crate) fn park(&self) {
        let mut state = lock(&self.state);
        state.started += 1;
        self.changed.notify_all();
        while !state.released {
            state = wait(&self.changed, state);
        }
    }

    /// Waits until `n` parking tasks hold their workers, or the pause ended
    /// (the pool is stopping).
    pub(crate) fn wait_parked(&self, n: usize) {
        let mut state = lock(&self.state);
        while state.started < n && !state.released {
            state = wait(&self.changed, state);
        }
    }

    pub(crate) fn release(&self) {
        lock(&self.state).released = true;
        self.changed.notify_all();
    }
}

/// Keeps a [`WorkerPool`](crate::WorkerPool) paused; dropping it resumes the
/// pool. Returned by [`WorkerPool::pause`](crate::WorkerPool::pause).
///
/// ```
/// use taskpool_workerpool::WorkerPool;
/// let pool = WorkerPool::new(2);
/// let guard = pool.pause();
/// pool.submit(Box::new(|| {})).unwrap();
/// assert_eq!(pool.waiting_queue_size(), 1); // held back while paused
/// drop(guard);
/// pool.wait_idle();
/// assert_eq!(pool.waiting_queue_size(), 0);
/// ```
#[must_use = "the pool resumes as soon as the guard is dropped"]
pub struct PauseGuard {
    /// `None` for the guard of a pool that was already stopped.
    gate: Option<(Arc<PauseGate>, Arc<Shared>)>,
}

impl PauseGuard {
    pub(crate) fn new(gate: Arc<PauseGate>, shared: Arc<Shared>) -> Self {
        PauseGuard {
            gate: Some((gate, shared)),
        }
    }

    pub(crate) fn inert() -> Self {
        PauseGuard { gate: None }
    }

    /// Ends the pause now (the same as dropping the guard).
    pub fn resume(self) {}
}

impl Drop for PauseGuard {
    fn drop(&mut self) {
        if let Some((gate, shared)) = self.gate.take() {
            gate.release();
            lock(&shared.pause_gates).retain(|g| !Arc::ptr_eq(g, &gate));
        }
    }
}

impl fmt::Debug for PauseGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PauseGuard")
            .field("active", &self.gate.is_some())
            .finish()
    }
}
