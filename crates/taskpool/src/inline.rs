//! [`InlinePool`]: runs every task on the thread that submits it.

use std::cell::RefCell;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use taskpool_utils::notifier::Notifier;
use taskpool_utils::sync::{lock, Arc, AtomicU64, Mutex, Ordering};

use crate::{PoolStats, SubmitError, Task, TaskPool};

/// A pool with no threads: `submit` runs the task on the calling thread before
/// it returns.
///
/// It is the reference point for per-task overhead in the benchmarks (the
/// "inline" row) and a convenient pool for examples and tests. It has no
/// worker threads and no capacity limit (`stats().capacity` is `usize::MAX`),
/// so it is not in the catalog of pools to choose from.
///
/// - `submit` never blocks on other tasks and never refuses, except after
///   shutdown began ([`SubmitErrorKind::Stopped`](crate::SubmitErrorKind::Stopped)).
/// - A panic is caught and counted; [`submit_wait`](TaskPool::submit_wait)
///   returns it as [`WaitError::Panicked`](crate::WaitError::Panicked).
/// - `stop` and `stop_wait` wait for tasks running on other threads; called
///   from inside one of this pool's tasks they do not wait for the calling task.
///
/// ```
/// use taskpool::{InlinePool, TaskPool};
/// let pool = InlinePool::new();
/// pool.submit(Box::new(|| println!("runs right here"))).unwrap();
/// assert_eq!(pool.stats().completed, 1);
/// ```
#[derive(Clone)]
pub struct InlinePool {
    inner: Arc<Inner>,
}

/// Bit 0 of [`Inner::state`]: shutdown has begun.
const STOPPED: u64 = 1;
/// One task running, in [`Inner::state`] (bits 1..=20).
const RUNNING_ONE: u64 = 1 << 1;
/// Mask of the running count in [`Inner::state`].
const RUNNING_MASK: u64 = ((1 << 20) - 1) << 1;
/// One task started, in [`Inner::state`] (bits 21..=63).
const STARTED_ONE: u64 = 1 << 21;

struct Inner {
    /// `STOPPED`, the tasks running now and the tasks ever started, in one
    /// word, so that a task is counted as started in the same atomic step
    /// that checks for shutdown ("stopped" and "accepted" never both hold).
    /// Every submitting thread adds `RUNNING_ONE + STARTED_ONE` before a task
    /// and subtracts `RUNNING_ONE` after it; the first `stop` sets
    /// `STOPPED`. All accesses are `SeqCst`: the waiter protocol below
    /// relies on one total order with `waiters`.
    state: AtomicU64,
    /// Tasks that panicked; bumped before the task stops counting as
    /// running, so a waiter that saw it finish reads it. `completed` is
    /// derived: started − running − panicked.
    panicked: AtomicU64,
    /// Held by a waiter while it checks `state` and by `idle` before it
    /// notifies (see [`Notifier`]); guards nothing else.
    lock: Mutex<()>,
    /// Notified after every change of `state`; a finishing task costs no
    /// system call when nobody waits.
    idle: Notifier,
}

thread_local! {
    /// Identities (addresses of `Inner`) of the inline pools whose task is
    /// running on this thread, innermost last. Lets `stop` called from inside a
    /// task skip waiting for the tasks on its own stack.
    static ACTIVE: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

impl InlinePool {
    /// A new, running pool.
    pub fn new() -> Self {
        InlinePool {
            inner: Arc::new(Inner {
                state: AtomicU64::new(0),
                panicked: AtomicU64::new(0),
                lock: Mutex::new(()),
                idle: Notifier::new(),
            }),
        }
    }

    fn id(&self) -> usize {
        Arc::as_ptr(&self.inner) as usize
    }

    /// Waits until the only running tasks are those on this thread's stack.
    fn wait_quiet(&self) {
        let id = self.id();
        let own = ACTIVE.with(|a| a.borrow().iter().filter(|&&x| x == id).count()) as u64;
        let inner = &*self.inner;
        let quiet = || (inner.state.load(Ordering::SeqCst) & RUNNING_MASK) / RUNNING_ONE <= own;
        if !quiet() {
            drop(inner.idle.wait_until(lock(&inner.lock), |_| quiet()));
        }
    }

    /// Wakes the waiters, if there are any.
    fn notify(&self) {
        self.inner.idle.notify(&self.inner.lock);
    }

    fn shut_down(&self) {
        self.inner.state.fetch_or(STOPPED, Ordering::SeqCst);
        self.wait_quiet();
    }
}

impl TaskPool for InlinePool {
    fn name(&self) -> &str {
        "inline"
    }

    fn submit(&self, task: Task) -> Result<(), SubmitError> {
        let inner = &*self.inner;
        // Count the task as started and running, and check for shutdown, in
        // one step (rule 4).
        let before = inner
            .state
            .fetch_add(RUNNING_ONE + STARTED_ONE, Ordering::SeqCst);
        if before & STOPPED != 0 {
            inner
                .state
                .fetch_sub(RUNNING_ONE + STARTED_ONE, Ordering::SeqCst);
            // A stop may be waiting for the count we briefly raised.
            self.notify();
            return Err(SubmitError::stopped(task));
        }
        let id = self.id();
        ACTIVE.with(|a| a.borrow_mut().push(id));
        let outcome = panic::catch_unwind(AssertUnwindSafe(task));
        ACTIVE.with(|a| a.borrow_mut().pop());
        if outcome.is_err() {
            inner.panicked.fetch_add(1, Ordering::Relaxed);
        }
        inner.state.fetch_sub(RUNNING_ONE, Ordering::SeqCst);
        self.notify();
        Ok(())
    }

    fn try_submit(&self, task: Task) -> Result<(), SubmitError> {
        self.submit(task)
    }

    fn stop(&self) {
        self.shut_down();
    }

    fn stop_wait(&self) {
        self.shut_down();
    }

    fn is_stopped(&self) -> bool {
        self.inner.state.load(Ordering::SeqCst) & STOPPED != 0
    }

    fn stats(&self) -> PoolStats {
        let state = self.inner.state.load(Ordering::SeqCst);
        let running = (state & RUNNING_MASK) / RUNNING_ONE;
        let started = state / STARTED_ONE;
        let panicked = self.inner.panicked.load(Ordering::Relaxed);
        PoolStats {
            capacity: usize::MAX,
            workers: 0,
            running: running as usize,
            waiting: 0,
            completed: started.saturating_sub(running + panicked),
            panicked,
        }
    }

    fn wait_idle(&self) {
        self.wait_quiet();
    }
}

impl Default for InlinePool {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for InlinePool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InlinePool")
            .field("stats", &self.stats())
            .finish()
    }
}
