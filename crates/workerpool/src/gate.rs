//! [`SubmissionGate`]: what orders every accepted task before the stop
//! message, both halves in one place. Submitters enter it around their
//! channel send; the first stopper closes it and waits until it has drained.
//!
//! Entering and looking at the closed bit is one `fetch_add`; closing is one
//! `fetch_or` on the same atomic, so the two are totally ordered: either the
//! submitter sees the bit (and refuses its task), or the stopper sees the
//! submitter inside and waits for it to leave. So every task whose `submit`
//! returned `Ok` is in the channel before `Control::Stop` (rule 2), and no
//! task can follow it (rule 4).

use taskpool_utils::sync::{lock, wait, AtomicUsize, CachePadded, Condvar, Mutex, Ordering};

/// `SubmissionGate::state`: set once shutdown has begun.
const CLOSED: usize = 1;
/// `SubmissionGate::state`: one submitter between entering and leaving.
const ONE: usize = 2;

/// The submission gate of one pool.
pub(crate) struct SubmissionGate {
    /// Bit 0 ([`CLOSED`]) is set once, by the first stopper; the other bits
    /// count submitters inside (each adds [`ONE`] before looking at bit 0 and
    /// takes it away after its channel send). On a cache line of its own:
    /// submitters write it on every call, and it must not share a line with
    /// the hand-off lock the workers hammer.
    state: CachePadded<AtomicUsize>,
    /// Paired with `drained`: the last submitter to leave a closed gate
    /// notifies under this lock; the stopper re-reads the gate under it.
    quiesce: Mutex<()>,
    drained: Condvar,
}

impl SubmissionGate {
    pub(crate) fn new() -> Self {
        SubmissionGate {
            state: CachePadded::new(AtomicUsize::new(0)),
            quiesce: Mutex::new(()),
            drained: Condvar::new(),
        }
    }

    /// Enters the gate and looks at the closed bit in one step. `true`:
    /// inside an open gate (call [`leave`](Self::leave) after the send);
    /// `false`: the gate is closed, and this call has already left it.
    #[inline]
    pub(crate) fn enter(&self) -> bool {
        if self.state.fetch_add(ONE, Ordering::SeqCst) & CLOSED != 0 {
            self.leave();
            false
        } else {
            true
        }
    }

    /// Leaves the gate; the last one out of a closed gate wakes the stopper.
    #[inline]
    pub(crate) fn leave(&self) {
        if self.state.fetch_sub(ONE, Ordering::SeqCst) == CLOSED | ONE {
            let _guard = lock(&self.quiesce);
            self.drained.notify_all();
        }
    }

    /// Closes the gate; true for the one call that closed it.
    pub(crate) fn close(&self) -> bool {
        self.state.fetch_or(CLOSED, Ordering::SeqCst) & CLOSED == 0
    }

    /// The closer's wait: returns once no submitter is inside any more.
    pub(crate) fn wait_drained(&self) {
        let mut guard = lock(&self.quiesce);
        while self.state.load(Ordering::SeqCst) != CLOSED {
            guard = wait(&self.drained, guard);
        }
    }

    /// True once shutdown has begun.
    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Ordering::SeqCst) & CLOSED != 0
    }
}
