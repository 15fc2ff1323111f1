//! `pause`'s parts: the [`PauseGate`] its parking tasks wait on, the
//! registry of [`Pauses`] in force (which a stop ends), and the
//! [`PauseGuard`] that resumes the pool when dropped.

use std::fmt;

use taskpool_utils::sync::{lock, wait, Arc, Condvar, Mutex};

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

/// The pauses of one pool.
pub(crate) struct Pauses {
    /// Held for the whole of `pause`, so pauses queue their parking tasks one
    /// pause at a time (interleaved, two pauses could each hold half the
    /// workers forever).
    pub(crate) serial: Mutex<()>,
    /// Gates of the pauses in force. A pause registers its gate under this
    /// lock after checking the closed bit under it; the first stopper sets
    /// the bit, then releases every gate in the list, so no pause outlives a
    /// stop.
    gates: Mutex<Vec<Arc<PauseGate>>>,
}

impl Pauses {
    pub(crate) fn new() -> Self {
        Pauses {
            serial: Mutex::new(()),
            gates: Mutex::new(Vec::new()),
        }
    }

    /// Registers `gate`, unless `is_closed()` (read under the registry's
    /// lock): either the first stopper sees this pause, or the pause sees
    /// the pool closed. True if registered.
    pub(crate) fn register(&self, gate: &Arc<PauseGate>, is_closed: impl FnOnce() -> bool) -> bool {
        let mut gates = lock(&self.gates);
        if is_closed() {
            return false;
        }
        gates.push(Arc::clone(gate));
        true
    }

    /// The first stopper, after closing the gate: ends every pause.
    pub(crate) fn release_all(&self) {
        let gates = std::mem::take(&mut *lock(&self.gates));
        for gate in gates {
            gate.release();
        }
    }

    fn remove(&self, gate: &Arc<PauseGate>) {
        lock(&self.gates).retain(|g| !Arc::ptr_eq(g, gate));
    }
}

/// Keeps a [`WorkerPool`](crate::WorkerPool) paused; dropping it resumes the
/// pool. Returned by [`WorkerPool::pause`](crate::WorkerPool::pause).
///
/// ```
/// use taskpool_workerpool::WorkerPool;
/// let pool = WorkerPool::new(2);
/// let guard = pool.pause();
/// pool.submit(|| {}).unwrap();
/// assert_eq!(pool.waiting_queue_size(), 1); // held back while paused
/// drop(guard);
/// pool.wait_idle();
/// assert_eq!(pool.waiting_queue_size(), 0);
/// ```
#[must_use = "the pool resumes as soon as the guard is dropped"]
pub struct PauseGuard {
    /// `None` for the guard of a pool that was already stopped.
    gate: Option<(Arc<PauseGate>, Arc<Pauses>)>,
}

impl PauseGuard {
    pub(crate) fn new(gate: Arc<PauseGate>, pauses: Arc<Pauses>) -> Self {
        PauseGuard {
            gate: Some((gate, pauses)),
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
        if let Some((gate, pauses)) = self.gate.take() {
            gate.release();
            pauses.remove(&gate);
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
