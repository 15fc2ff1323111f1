//! The bookkeeping every baseline shares: counters, shutdown, worker-thread tracking.
//!
//! The wrapped executors (rayon, the `threadpool` crate, a channel, bare
//! threads) know nothing of the nine rules. Each baseline hands them a [`Job`]
//! instead of the user's task; the job checks in with the [`Core`] before it
//! runs the task and after it finishes. That check-in is where the rules are
//! kept:
//!
//! - the stop check and the `running += 1` happen in one critical section, so
//!   after `stop` has set the mode no task can start (rule 3);
//! - a task is accepted (`queued += 1`) in the same critical section that checks
//!   the mode, so "stopped" and "accepted" never both hold for it (rule 4);
//! - `running` never exceeds `capacity`: a job that finds the pool full waits
//!   (or, on rayon, is deferred) instead of starting (rule 1);
//! - the task runs under `catch_unwind` and the outcome is counted (rule 5);
//! - every worker thread carries a thread-local [`mark`](enter_worker) whose
//!   destructor reports that the thread is exiting, and threads spawned by us
//!   are also joined, so shutdown can wait for the threads themselves (rule 6);
//! - the same mark tells `stop`, `wait_idle` and `submit_wait` that they are
//!   running on one of the pool's own threads, so they never wait for
//!   themselves (rules 7 and 8).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::mem;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;

use taskpool::{PoolStats, SubmitError, Task, WaitError};

/// How a shutdown treats tasks accepted but not started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `stop`: drop them.
    Drop,
    /// `stop_wait`: run them.
    Drain,
}

/// What a [`Job`] does when it finds `capacity` tasks already running.
///
/// Only rayon can get there: a task that blocks inside a rayon primitive
/// (`join`, `scope`, a parallel iterator) lets its thread steal and run
/// another of our jobs while the first is still on the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnFull {
    /// Park the job in `State::deferred`; the next task to finish hands it back
    /// to be dispatched again.
    Defer,
    /// Block the thread until a slot frees.
    Wait,
}

/// Source of pool identities for the thread-local worker mark. Never reused,
/// unlike addresses.
static NEXT_ID: AtomicUsize = AtomicUsize::new(1);

/// The shared half of a baseline pool: everything jobs and worker threads need.
pub(crate) struct Core {
    /// Identity written into the worker mark of this pool's threads.
    id: usize,
    name: &'static str,
    capacity: usize,
    /// Every counter below; `changed` is notified after any change a waiter
    /// could be waiting for (a task finished or was dropped, a thread exited,
    /// a slot freed, shutdown began).
    state: Mutex<State>,
    changed: Condvar,
}

/// Guarded by `Core::state`.
struct State {
    /// `None` while running; set once, by the first `stop`/`stop_wait`, never cleared.
    shutdown: Option<Mode>,
    /// Tasks accepted whose job has not yet started or been dropped (includes
    /// `deferred`). Incremented only while `shutdown` is `None`.
    queued: usize,
    /// Tasks executing now. Invariant: `running <= capacity`.
    running: usize,
    /// Callers blocked in a blocking `submit` (thread-per-task).
    blocked: usize,
    completed: u64,
    panicked: u64,
    /// Worker threads spawned whose thread-local mark has not yet been dropped.
    live: usize,
    /// Threads about to be spawned whose handle is not yet in `handles`.
    pending_handles: usize,
    /// Handles of spawned threads not yet joined.
    handles: Vec<JoinHandle<()>>,
    /// Threads some shutdown is joining right now (handles taken out of `handles`).
    joining: usize,
    /// Jobs that found the pool full (rayon only, see [`OnFull::Defer`]).
    deferred: VecDeque<Job>,
}

thread_local! {
    /// Set once on each worker thread, for its whole life: which pool it
    /// belongs to. Dropped when the thread exits, which is how the pool learns
    /// that the thread is gone.
    static WORKER: RefCell<Option<WorkerMark>> = const { RefCell::new(None) };
}

/// The thread-local mark of a worker thread; its destructor is the last of our
/// code to run on that thread.
struct WorkerMark {
    core: Arc<Core>,
}

impl Drop for WorkerMark {
    fn drop(&mut self) {
        let mut st = self.core.lock();
        st.live -= 1;
        drop(st);
        self.core.changed.notify_all();
    }
}

/// Marks the current thread as a worker of `core`'s pool. The pool must
/// already count it in `live` (see [`Core::thread_spawning`]).
pub(crate) fn enter_worker(core: &Arc<Core>) {
    let mark = WorkerMark {
        core: Arc::clone(core),
    };
    // A thread belongs to one pool for its whole life; the slot is empty here.
    WORKER.with(|w| *w.borrow_mut() = Some(mark));
}

impl Core {
    pub(crate) fn new(name: &'static str, capacity: usize) -> Arc<Core> {
        Arc::new(Core {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            name,
            capacity,
            state: Mutex::new(State {
                shutdown: None,
                queued: 0,
                running: 0,
                blocked: 0,
                completed: 0,
                panicked: 0,
                live: 0,
                pending_handles: 0,
                handles: Vec::new(),
                joining: 0,
                deferred: VecDeque::new(),
            }),
            changed: Condvar::new(),
        })
    }

    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Task code never runs under this lock, so poisoning can only come
        // from a bug in this file; the counters are still coherent.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        self.changed
            .wait(guard)
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// True when the calling thread is one of this pool's worker threads.
    pub(crate) fn on_own_thread(&self) -> bool {
        WORKER
            .try_with(|w| w.borrow().as_ref().is_some_and(|m| m.core.id == self.id))
            .unwrap_or(false)
    }

    /// Accepts a task (or refuses it with `Stopped`) in one critical section.
    pub(crate) fn accept(self: &Arc<Self>, task: Task) -> Result<Job, SubmitError> {
        let mut st = self.lock();
        if st.shutdown.is_some() {
            return Err(SubmitError::Stopped(task));
        }
        st.queued += 1;
        Ok(Job {
            core: Arc::clone(self),
            task: Some(task),
        })
    }

    /// Accepts a task only when a slot is free, counting `queued` against the
    /// capacity too (thread-per-task: every accepted task gets its own thread
    /// at once). With `block`, waits for a slot; otherwise refuses with
    /// `Overloaded`. Also counts the thread about to be spawned.
    pub(crate) fn accept_slot(
        self: &Arc<Self>,
        task: Task,
        block: bool,
    ) -> Result<Job, SubmitError> {
        let mut st = self.lock();
        let mut was_blocked = false;
        loop {
            if st.shutdown.is_some() {
                drop(st);
                if was_blocked {
                    // `blocked` went down: shutdown waits for it to reach 0.
                    self.changed.notify_all();
                }
                return Err(SubmitError::Stopped(task));
            }
            if st.running + st.queued < self.capacity {
                break;
            }
            if !block {
                return Err(SubmitError::Overloaded(task));
            }
            st.blocked += 1;
            was_blocked = true;
            st = self.wait(st);
            st.blocked -= 1;
        }
        st.queued += 1;
        st.live += 1;
        st.pending_handles += 1;
        Ok(Job {
            core: Arc::clone(self),
            task: Some(task),
        })
    }

    /// Counts a thread about to be spawned: it is live until its mark drops,
    /// and its handle will be registered with [`Core::thread_spawned`].
    pub(crate) fn thread_spawning(&self) {
        let mut st = self.lock();
        st.live += 1;
        st.pending_handles += 1;
    }

    /// Registers the handle of a thread counted by `thread_spawning` (or
    /// `accept_slot`); `None` when the spawn failed. `prune_over` drops handles
    /// of threads that already finished once more than that many are kept.
    pub(crate) fn thread_spawned(&self, handle: Option<JoinHandle<()>>, prune_over: usize) {
        let mut st = self.lock();
        st.pending_handles -= 1;
        match handle {
            Some(h) => {
                st.handles.push(h);
                if st.handles.len() > prune_over {
                    // A finished thread has returned from its main function;
                    // `live` still counts it until its mark is dropped.
                    st.handles.retain(|h| !h.is_finished());
                }
            }
            // The thread never ran, so its mark will never drop.
            None => st.live -= 1,
        }
        drop(st);
        self.changed.notify_all();
    }

    /// Threads counted as live whose mark is not installed yet and never will
    /// be (the `threadpool` crate's threads, counted at build).
    pub(crate) fn add_live(&self, n: usize) {
        self.lock().live += n;
    }

    /// Starts a shutdown: the first caller chooses the mode; later calls change
    /// nothing. Returns the jobs to drop (outside every lock).
    pub(crate) fn begin_shutdown(&self, mode: Mode) -> Vec<Job> {
        let mut st = self.lock();
        if st.shutdown.is_none() {
            st.shutdown = Some(mode);
        }
        let dropped = if st.shutdown == Some(Mode::Drop) {
            st.deferred.drain(..).collect()
        } else {
            Vec::new()
        };
        drop(st);
        // Wake blocked submitters (they now refuse) and waiters.
        self.changed.notify_all();
        dropped
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.lock().shutdown.is_some()
    }

    /// Waits until no task is queued, running, or blocked in `submit`.
    /// Returns at once on one of the pool's own threads: the calling task is
    /// itself running, so the pool cannot become idle while it waits.
    pub(crate) fn wait_quiet(&self) {
        if self.on_own_thread() {
            return;
        }
        let mut st = self.lock();
        while st.queued > 0 || st.running > 0 || st.blocked > 0 {
            st = self.wait(st);
        }
    }

    /// Waits until every worker thread has exited: joins every handle we hold
    /// and waits for every thread-local mark to drop. Never called on one of
    /// the pool's own threads.
    pub(crate) fn wait_exited(&self) {
        let mut st = self.lock();
        loop {
            if !st.handles.is_empty() {
                let handles = mem::take(&mut st.handles);
                st.joining += handles.len();
                drop(st);
                let n = handles.len();
                for h in handles {
                    // A worker never unwinds (tasks run under catch_unwind);
                    // an Err here would still mean the thread is gone.
                    let _ = h.join();
                }
                st = self.lock();
                st.joining -= n;
                self.changed.notify_all();
                continue;
            }
            if st.live == 0 && st.pending_handles == 0 && st.joining == 0 {
                return;
            }
            st = self.wait(st);
        }
    }

    /// The whole shutdown after the executor has been closed: waits for the
    /// tasks, then for the threads; on one of the pool's own threads it waits
    /// for neither (the pool's threads finish the work and exit by themselves).
    pub(crate) fn finish_shutdown(&self) {
        if self.on_own_thread() {
            return;
        }
        self.wait_quiet();
        self.wait_exited();
    }

    /// `submit_wait` called on one of the pool's own threads: runs the task
    /// inline, on the calling task's slot (the caller is suspended while it
    /// runs, so no more tasks execute than before). Waiting for another
    /// worker instead could deadlock a full pool.
    pub(crate) fn run_inline(&self, task: Task) -> Result<(), WaitError> {
        if self.is_stopped() {
            return Err(WaitError::Rejected(SubmitError::Stopped(task)));
        }
        let outcome = panic::catch_unwind(AssertUnwindSafe(task));
        let mut st = self.lock();
        match outcome {
            Ok(()) => {
                st.completed += 1;
                Ok(())
            }
            Err(payload) => {
                st.panicked += 1;
                Err(WaitError::Panicked(payload))
            }
        }
    }

    pub(crate) fn stats(&self) -> PoolStats {
        let st = self.lock();
        let mut stats = PoolStats::default();
        stats.capacity = self.capacity;
        stats.workers = st.live;
        stats.running = st.running;
        stats.waiting = st.queued + st.blocked;
        stats.completed = st.completed;
        stats.panicked = st.panicked;
        stats
    }
}

/// A user task on its way through an executor. Dropping a job that never ran
/// (an executor discarding it) un-counts it, so no waiter hangs on it.
pub(crate) struct Job {
    core: Arc<Core>,
    /// `Some` until the job runs, is skipped, or is handed back.
    task: Option<Task>,
}

impl Job {
    /// Runs the task unless a `stop` came first, keeping the counters.
    /// Returns a deferred job that the caller must dispatch again (only
    /// with [`OnFull::Defer`]).
    pub(crate) fn run(mut self, on_full: OnFull) -> Option<Job> {
        let core = Arc::clone(&self.core);
        let mut st = core.lock();
        let task = loop {
            if st.shutdown == Some(Mode::Drop) {
                // Rule 3: nothing starts after stop. Dropped below, unlocked.
                st.queued -= 1;
                drop(st);
                core.changed.notify_all();
                drop(self.task.take());
                return None;
            }
            if st.running < core.capacity {
                break self.task.take();
            }
            match on_full {
                OnFull::Defer => {
                    st.deferred.push_back(self);
                    return None;
                }
                OnFull::Wait => st = core.wait(st),
            }
        };
        st.queued -= 1;
        st.running += 1;
        drop(st);
        // `task` is always `Some`: only `run` and `into_task` take it, and
        // both consume the job.
        let outcome = task.map(|t| panic::catch_unwind(AssertUnwindSafe(t)));
        let mut st = core.lock();
        st.running -= 1;
        match outcome {
            Some(Ok(())) => st.completed += 1,
            Some(Err(_payload)) => st.panicked += 1,
            None => {}
        }
        let next = if st.shutdown != Some(Mode::Drop) {
            st.deferred.pop_front()
        } else {
            None
        };
        drop(st);
        core.changed.notify_all();
        next
    }

    /// Un-accepts the job and hands the task back (a spawn failed).
    pub(crate) fn into_task(mut self) -> Task {
        let task = self
            .task
            .take()
            .expect("a job holds its task until it runs or is handed back");
        self.core.unqueue();
        task
    }
}

impl Core {
    fn unqueue(&self) {
        let mut st = self.lock();
        st.queued -= 1;
        drop(st);
        self.changed.notify_all();
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            self.core.unqueue();
            drop(task);
        }
    }
}
