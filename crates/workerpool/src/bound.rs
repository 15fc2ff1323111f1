//! [`QueueBound`]: the optional bound on tasks accepted and not yet started
//! (`Builder::max_queued`), and what a submission does at it. On the default
//! unbounded pool every method here is a branch on `limit` and nothing else.

use taskpool_utils::sync::{lock, wait, AtomicUsize, Condvar, Mutex, Ordering};

use crate::FullPolicy;

/// How a submission treats a full bounded queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    /// As the pool's [`FullPolicy`] says.
    Policy,
    /// Never block: refuse when full.
    Try,
    /// Ignore the bound (the parking tasks of `pause`).
    Force,
}

/// The bound and the tasks counted against it.
pub(crate) struct QueueBound {
    /// `Some((n, policy))` when the queue is bounded.
    pub(crate) limit: Option<(usize, FullPolicy)>,
    /// Bounded mode only: tasks accepted and not yet started (in the channel,
    /// in the queue, or handed to a new worker). Raised by `submit` before its
    /// send, lowered by the worker that starts the task or by the dispatcher
    /// that abandons it.
    queued: AtomicUsize,
    /// Bounded mode with [`FullPolicy::Block`]: blocked submitters wait on
    /// `space_cv` under `space`; `space_waiters` counts them so that workers
    /// take the lock only when someone waits.
    space: Mutex<()>,
    space_cv: Condvar,
    pub(crate) space_waiters: AtomicUsize,
}

impl QueueBound {
    pub(crate) fn new(limit: Option<(usize, FullPolicy)>) -> Self {
        QueueBound {
            limit,
            queued: AtomicUsize::new(0),
            space: Mutex::new(()),
            space_cv: Condvar::new(),
            space_waiters: AtomicUsize::new(0),
        }
    }

    /// Bounded mode: takes a queue slot for a task about to be sent.
    /// `Err(true)`: the pool stopped while this waited; `Err(false)`: full
    /// and not allowed to wait (`Try`, `Reject`, or `on_own_thread()`, where
    /// waiting could deadlock). `is_closed` is read under `space` after the
    /// stopper set it, before it notifies.
    pub(crate) fn reserve(
        &self,
        limit: usize,
        policy: FullPolicy,
        admit: Admit,
        on_own_thread: impl FnOnce() -> bool,
        is_closed: impl Fn() -> bool,
    ) -> Result<(), bool> {
        if admit == Admit::Force {
            self.queued.fetch_add(1, Ordering::SeqCst);
            return Ok(());
        }
        if self.try_reserve(limit) {
            return Ok(());
        }
        if admit == Admit::Try || policy == FullPolicy::Reject || on_own_thread() {
            return Err(false);
        }
        let mut guard = lock(&self.space);
        self.space_waiters.fetch_add(1, Ordering::SeqCst);
        let result = loop {
            if self.try_reserve(limit) {
                break Ok(());
            }
            // The stopper sets the closed bit before notifying under `space`.
            if is_closed() {
                break Err(true);
            }
            guard = wait(&self.space_cv, guard);
        };
        self.space_waiters.fetch_sub(1, Ordering::SeqCst);
        result
    }

    fn try_reserve(&self, limit: usize) -> bool {
        let mut current = self.queued.load(Ordering::SeqCst);
        while current < limit {
            match self.queued.compare_exchange_weak(
                current,
                current + 1,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => return true,
                Err(now) => current = now,
            }
        }
        false
    }

    /// Bounded mode: `n` tasks have left the queue (started or abandoned).
    #[inline]
    pub(crate) fn release(&self, n: usize) {
        if self.limit.is_none() || n == 0 {
            return;
        }
        self.queued.fetch_sub(n, Ordering::SeqCst);
        // SeqCst pairs with the waiter's increment of `space_waiters` followed
        // by its reservation attempt: either it sees the freed slot, or we see
        // it waiting and notify under its lock.
        if self.space_waiters.load(Ordering::SeqCst) > 0 {
            let _guard = lock(&self.space);
            self.space_cv.notify_all();
        }
    }

    /// Shutdown: wakes every blocked submitter (they see the closed bit,
    /// which the stopper set before calling this).
    pub(crate) fn wake_blocked(&self) {
        let _guard = lock(&self.space);
        self.space_cv.notify_all();
    }
}
