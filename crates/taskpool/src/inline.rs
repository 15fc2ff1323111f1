//! [`InlinePool`]: runs every task on the thread that submits it.

use std::cell::RefCell;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

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
///   shutdown began ([`SubmitError::Stopped`]).
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
#[derive(Clone, Default)]
pub struct InlinePool {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Guards every counter; `idle` is notified whenever `running` drops.
    state: Mutex<State>,
    idle: Condvar,
}

#[derive(Default)]
struct State {
    stopped: bool,
    running: usize,
    completed: u64,
    panicked: u64,
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
        Self::default()
    }

    fn id(&self) -> usize {
        Arc::as_ptr(&self.inner) as usize
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until the only running tasks are those on this thread's stack.
    fn wait_quiet(&self, mut state: MutexGuard<'_, State>) {
        let id = self.id();
        let own = ACTIVE.with(|a| a.borrow().iter().filter(|&&x| x == id).count());
        while state.running > own {
            state = self
                .inner
                .idle
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn shut_down(&self) {
        let mut state = self.lock();
        state.stopped = true;
        self.wait_quiet(state);
    }
}

impl TaskPool for InlinePool {
    fn name(&self) -> &str {
        "inline"
    }

    fn submit(&self, task: Task) -> Result<(), SubmitError> {
        {
            // Refuse in the same critical section that would count the task as
            // running, so "stopped" and "accepted" never both hold for it.
            let mut state = self.lock();
            if state.stopped {
                return Err(SubmitError::Stopped(task));
            }
            state.running += 1;
        }
        let id = self.id();
        ACTIVE.with(|a| a.borrow_mut().push(id));
        let outcome = panic::catch_unwind(AssertUnwindSafe(task));
        ACTIVE.with(|a| a.borrow_mut().pop());
        let mut state = self.lock();
        state.running -= 1;
        match outcome {
            Ok(()) => state.completed += 1,
            Err(_) => state.panicked += 1,
        }
        self.inner.idle.notify_all();
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
        self.lock().stopped
    }

    fn stats(&self) -> PoolStats {
        let state = self.lock();
        PoolStats {
            capacity: usize::MAX,
            workers: 0,
            running: state.running,
            waiting: 0,
            completed: state.completed,
            panicked: state.panicked,
        }
    }

    fn wait_idle(&self) {
        let state = self.lock();
        self.wait_quiet(state);
    }
}

impl fmt::Debug for InlinePool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InlinePool")
            .field("stats", &self.stats())
            .finish()
    }
}
