//! The bookkeeping every baseline shares: counters, shutdown, worker-thread tracking.
//!
//! The per-task path takes no lock and makes no system call: a task touches a
//! few atomics laid out so that the submitting thread and each worker write
//! mostly their own cache lines, and a finishing task wakes a waiter only when
//! one is registered (see [`Core::notify`]). Locks remain for what happens a
//! few times per pool life: threads starting and exiting, shutdown, and the
//! rare slow paths (a blocked thread-per-task submitter, a deferred rayon job).
//!
//! The wrapped executors (rayon, the `threadpool` crate, a channel, bare
//! threads) know nothing of the nine rules. Each baseline hands them a [`Job`]
//! instead of the user's task; the job checks in with the [`Core`] before it
//! runs the task and after it finishes. That check-in is where the rules are
//! kept:
//!
//! - a task is counted as accepted before the mode is read, and a shutdown
//!   sets the mode before it reads the count, so "stopped" and "accepted"
//!   never both hold for a task (rule 4; see [`Core::accept`]);
//! - a job reads the mode before it starts and skips its task after `stop`;
//!   `stop` returns only once every accepted job has ended, so after it
//!   returns nothing starts (rule 3);
//! - the cap holds by construction where each thread runs one job at a time;
//!   on rayon, whose threads can run a job nested in another, a job counts
//!   itself in `running` and is deferred when that would pass `capacity`
//!   (rule 1);
//! - the task runs under `catch_unwind` and the outcome is counted (rule 5);
//! - every worker thread carries a thread-local [`mark`](enter_worker) whose
//!   destructor reports that the thread is exiting, and threads spawned by us
//!   are also joined, so shutdown can wait for the threads themselves (rule 6);
//! - the same mark tells `stop`, `wait_idle` and `submit_wait` that they are
//!   running on one of the pool's own threads, so they never wait for
//!   themselves (rules 7 and 8).

use crossbeam_utils::CachePadded;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::mem;
use std::panic::{self, AssertUnwindSafe};
use taskpool::{PoolStats, SubmitError, Task, WaitError};
use taskpool_utils::notifier::Notifier;
use taskpool_utils::sync::{
    dekker_point, lock, Arc, AtomicU64, AtomicUsize, Mutex, MutexGuard, Ordering,
};
// The executors start real threads even under loom: joining them is not part
// of the protocols the loom models explore.
use std::thread::JoinHandle;

/// How a shutdown treats tasks accepted but not started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `stop`: drop them.
    Drop,
    /// `stop_wait`: run them.
    Drain,
}

/// [`Core::mode`] before any shutdown.
const RUNNING: usize = 0;
/// [`Core::mode`] after `stop`.
const DROP: usize = 1;
/// [`Core::mode`] after `stop_wait`.
const DRAIN: usize = 2;

impl Mode {
    fn word(self) -> usize {
        match self {
            Mode::Drop => DROP,
            Mode::Drain => DRAIN,
        }
    }
}

/// How the executor keeps the cap (rule 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cap {
    /// Each of the `capacity` threads runs one job at a time and never starts
    /// another inside it (channel, threadpool, thread-per-task): the cap holds
    /// without counting.
    PerThread,
    /// A thread may start a job while another is still on its stack (rayon:
    /// a task blocked inside `join`, `scope` or a parallel iterator steals
    /// work). Each job counts itself in [`Core::running`]; one that would pass
    /// `capacity` is parked in `State::deferred`, and the next task to finish
    /// hands it back to be dispatched again.
    Counted,
}

/// Source of pool identities for the thread-local worker mark. Never reused,
/// unlike addresses.
static NEXT_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

/// Counter shards per pool: the finishing worker writes its own shard, so two
/// workers do not fight over one cache line for every task.
const SHARDS: usize = 16;

/// Source of per-thread shard numbers.
static NEXT_SHARD: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

thread_local! {
    /// This thread's shard number (`usize::MAX` until first use).
    static SHARD: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// The calling thread's shard, assigned round-robin on first use.
fn shard_index() -> usize {
    SHARD.with(|s| {
        let mut i = s.get();
        if i == usize::MAX {
            i = NEXT_SHARD.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % SHARDS;
            s.set(i);
        }
        i
    })
}

/// One shard of the per-task counters. Each task is counted in the shard of
/// the thread that ran it: `running` up and down by that thread, then one of
/// `completed`/`panicked` up (`SeqCst`: that increment is the event waiters
/// watch for, see [`Core::ended`]).
#[derive(Default)]
struct Shard {
    running: AtomicU64,
    completed: AtomicU64,
    panicked: AtomicU64,
}

/// The shared half of a baseline pool: everything jobs and worker threads need.
pub(crate) struct Core {
    /// Identity written into the worker mark of this pool's threads.
    id: usize,
    name: &'static str,
    capacity: usize,
    /// `RUNNING`, then `DROP` or `DRAIN`, set once by the first shutdown
    /// (compare-exchange) and never changed again. Read by every submit and
    /// every job start; written once, so the line stays shared in every cache.
    mode: CachePadded<AtomicUsize>,
    /// Tasks accepted, ever. Raised by a submitter before it reads `mode`;
    /// lowered again by a submitter that then finds the pool stopped (so it
    /// can briefly count a task that is refused). `SeqCst`.
    accepted: CachePadded<AtomicU64>,
    /// Per-thread counters of the tasks that ran (see [`Shard`]).
    shards: Box<[CachePadded<Shard>]>,
    /// Accepted tasks whose job ended without running (skipped after `stop`,
    /// dropped by the executor, handed back): rare, so one shared counter.
    dropped: AtomicU64,
    /// Jobs executing now, counted only under [`Cap::Counted`].
    /// Invariant there: it exceeds `capacity` only for the instant between a
    /// job's increment and its own undo.
    running: CachePadded<AtomicUsize>,
    /// Jobs in `State::deferred`, readable without the lock (`SeqCst`, see
    /// [`Core::run_counted`]).
    deferred_len: AtomicUsize,
    /// The slow-path state.
    state: Mutex<State>,
    /// Notified after any change a waiter could be waiting for: a task
    /// ended, a count went back down, a thread exited, shutdown began. Costs
    /// one atomic read when nobody waits (see [`Notifier`]).
    changed: Notifier,
}

/// Guarded by `Core::state`.
struct State {
    /// Callers blocked in a blocking `submit` (thread-per-task).
    blocked: usize,
    /// Worker threads spawned whose thread-local mark has not yet been dropped.
    live: usize,
    /// Threads about to be spawned whose handle is not yet in `handles`.
    pending_handles: usize,
    /// Handles of spawned threads not yet joined.
    handles: Vec<JoinHandle<()>>,
    /// Threads some shutdown is joining right now (handles taken out of `handles`).
    joining: usize,
    /// Jobs that found the pool full (rayon only, see [`Cap::Counted`]).
    /// Its length is mirrored in `Core::deferred_len`.
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
        self.core.lock().live -= 1;
        self.core.notify();
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
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            name,
            capacity,
            mode: CachePadded::new(AtomicUsize::new(RUNNING)),
            accepted: CachePadded::new(AtomicU64::new(0)),
            shards: (0..SHARDS).map(|_| CachePadded::default()).collect(),
            dropped: AtomicU64::new(0),
            running: CachePadded::new(AtomicUsize::new(0)),
            deferred_len: AtomicUsize::new(0),
            state: Mutex::new(State {
                blocked: 0,
                live: 0,
                pending_handles: 0,
                handles: Vec::new(),
                joining: 0,
                deferred: VecDeque::new(),
            }),
            changed: Notifier::new(),
        })
    }

    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Task code never runs under this lock, so poisoning can only come
        // from a bug in this file; the counters are still coherent.
        lock(&self.state)
    }

    /// Waits on `changed` until `done` holds (atomics read `SeqCst`).
    fn wait_until<'a>(
        &'a self,
        st: MutexGuard<'a, State>,
        mut done: impl FnMut(&Core, &State) -> bool,
    ) -> MutexGuard<'a, State> {
        self.changed.wait_until(st, |st| done(self, st))
    }

    /// Wakes every waiter, if there is one. Called after any change a waiter
    /// may watch for; costs one atomic read when nobody waits.
    fn notify(&self) {
        self.changed.notify(&self.state);
    }

    /// True when the calling thread is one of this pool's worker threads.
    pub(crate) fn on_own_thread(&self) -> bool {
        WORKER
            .try_with(|w| w.borrow().as_ref().is_some_and(|m| m.core.id == self.id))
            .unwrap_or(false)
    }

    fn mode(&self) -> usize {
        self.mode.load(Ordering::SeqCst)
    }

    /// Counts a task as accepted unless shutdown has begun.
    ///
    /// The count goes up before the mode is read, and a shutdown sets the
    /// mode before it reads the count (both `SeqCst`): if this read sees no
    /// shutdown, the shutdown's wait sees the task and waits for it; if it
    /// sees one, the count goes back down and the task is refused. Either
    /// way "stopped" and "accepted" never both hold for it (rule 4).
    ///
    /// Takes `state` on failure (to notify): never call it holding `state`;
    /// [`Core::accept_slot`] uses [`Core::try_count_accepted_quiet`].
    fn try_count_accepted(&self) -> bool {
        if self.try_count_accepted_quiet() {
            return true;
        }
        // A shutdown may be waiting for the count we briefly raised.
        self.notify();
        false
    }

    /// [`Core::try_count_accepted`] without the notify after a refusal: the
    /// caller must call [`Core::notify`] once it no longer holds `state`.
    fn try_count_accepted_quiet(&self) -> bool {
        self.accepted.fetch_add(1, Ordering::SeqCst);
        dekker_point();
        if self.mode() == RUNNING {
            return true;
        }
        self.accepted.fetch_sub(1, Ordering::SeqCst);
        false
    }

    /// Accepts a task (or refuses it with `Stopped`).
    pub(crate) fn accept(&self, task: Task) -> Result<Job, SubmitError> {
        if !self.try_count_accepted() {
            return Err(SubmitError::stopped(task));
        }
        Ok(Job { task })
    }

    /// Accepted tasks whose job has not ended: queued or running.
    ///
    /// Reads the ended count before the accepted count. Every task ends after
    /// it was accepted, and the only decrease of `accepted` undoes a raise
    /// that never became a task, so the result is never below the true
    /// number at the moment of the first read: zero here means the pool was
    /// quiet then.
    fn in_flight(&self) -> u64 {
        let ended = self.ended();
        self.accepted.load(Ordering::SeqCst).saturating_sub(ended)
    }

    /// Jobs that ended: ran (normally or by panicking) or were dropped.
    fn ended(&self) -> u64 {
        let ran: u64 = self
            .shards
            .iter()
            .map(|s| s.completed.load(Ordering::SeqCst) + s.panicked.load(Ordering::SeqCst))
            .sum();
        ran + self.dropped.load(Ordering::SeqCst)
    }

    /// Accepts a task only when a slot is free, counting queued tasks against
    /// the capacity too (thread-per-task: every accepted task gets its own
    /// thread at once). With `block`, waits for a slot; otherwise refuses with
    /// `Overloaded`. Also counts the thread about to be spawned.
    ///
    /// Every caller holds `state` from its capacity check to its count, and
    /// only these callers raise `accepted` on such a pool, so two of them
    /// cannot both take the last slot. Nothing here notifies while holding
    /// `state`: [`Notifier::notify`] takes it when someone waits (a blocked
    /// submitter, a shutdown), so a notify under it would deadlock.
    pub(crate) fn accept_slot(&self, task: Task, block: bool) -> Result<Job, SubmitError> {
        let mut st = self.lock();
        let mut blocked = false;
        let mut st = loop {
            if self.mode() != RUNNING {
                return Err(self.refuse_stopped(st, task, blocked, false));
            }
            if self.in_flight() < self.capacity as u64 {
                if !self.try_count_accepted_quiet() {
                    // A shutdown began between the mode check and the count.
                    return Err(self.refuse_stopped(st, task, blocked, true));
                }
                break st;
            }
            if !block {
                return Err(SubmitError::overloaded(task));
            }
            if !blocked {
                st.blocked += 1;
                blocked = true;
            }
            st = self.wait_until(st, |core, _| {
                core.mode() != RUNNING || core.in_flight() < core.capacity as u64
            });
        };
        if blocked {
            st.blocked -= 1;
        }
        st.live += 1;
        st.pending_handles += 1;
        Ok(Job { task })
    }

    /// The refusal of a slot to a stopped pool: undoes this submitter's
    /// `blocked` count (if it waited) under the lock, then notifies after
    /// releasing it, because `notify` takes the state lock when someone waits
    /// and the caller would deadlock on itself. `counted`: the in-flight
    /// count was raised and dropped again by a failed
    /// `try_count_accepted_quiet`; a shutdown may be waiting on either count.
    fn refuse_stopped(
        &self,
        mut st: MutexGuard<'_, State>,
        task: Task,
        blocked: bool,
        counted: bool,
    ) -> SubmitError {
        if blocked {
            st.blocked -= 1;
        }
        drop(st);
        if blocked || counted {
            self.notify();
        }
        SubmitError::stopped(task)
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
        self.notify();
    }

    /// Threads counted as live whose mark is not installed yet (the
    /// `threadpool` crate's threads, counted at build).
    pub(crate) fn add_live(&self, n: usize) {
        self.lock().live += n;
    }

    /// Starts a shutdown: the first caller chooses the mode; later calls change
    /// nothing. Returns the tasks of parked jobs that will never run, already
    /// counted as ended, for the caller to drop outside every lock.
    pub(crate) fn begin_shutdown(&self, mode: Mode) -> Vec<Task> {
        let _ =
            self.mode
                .compare_exchange(RUNNING, mode.word(), Ordering::SeqCst, Ordering::SeqCst);
        let dropped = if self.mode() == DROP {
            let mut st = self.lock();
            let tasks: Vec<Task> = st.deferred.drain(..).map(|job| job.task).collect();
            self.deferred_len.store(0, Ordering::SeqCst);
            self.dropped.fetch_add(tasks.len() as u64, Ordering::SeqCst);
            tasks
        } else {
            Vec::new()
        };
        // Wake blocked submitters (they now refuse) and waiters.
        self.notify();
        dropped
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.mode() != RUNNING
    }

    /// Waits until no task is queued, running, or blocked in `submit`.
    /// Returns at once on one of the pool's own threads: the calling task is
    /// itself running, so the pool cannot become idle while it waits.
    pub(crate) fn wait_quiet(&self) {
        if self.on_own_thread() {
            return;
        }
        let st = self.lock();
        drop(self.wait_until(st, |core, st| st.blocked == 0 && core.in_flight() == 0));
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
                self.lock().joining -= n;
                // Another shutdown may be waiting for `joining` to reach 0.
                self.notify();
                st = self.lock();
                continue;
            }
            if st.live == 0 && st.pending_handles == 0 && st.joining == 0 {
                return;
            }
            st = self.wait_until(st, |_, st| {
                !st.handles.is_empty()
                    || (st.live == 0 && st.pending_handles == 0 && st.joining == 0)
            });
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
        if !self.try_count_accepted() {
            return Err(WaitError::Rejected(SubmitError::stopped(task)));
        }
        let outcome = panic::catch_unwind(AssertUnwindSafe(task));
        let shard = &self.shards[shard_index()];
        let result = match outcome {
            Ok(()) => {
                shard.completed.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
            Err(payload) => {
                shard.panicked.fetch_add(1, Ordering::SeqCst);
                Err(WaitError::Panicked(payload.into()))
            }
        };
        self.notify();
        result
    }

    /// Counts a job that ended without running.
    fn count_dropped(&self) {
        self.dropped.fetch_add(1, Ordering::SeqCst);
        self.notify();
    }

    pub(crate) fn stats(&self) -> PoolStats {
        let (blocked, live) = {
            let st = self.lock();
            (st.blocked, st.live)
        };
        let mut running = 0;
        let mut completed = 0;
        let mut panicked = 0;
        for s in &self.shards {
            running += s.running.load(Ordering::SeqCst);
            completed += s.completed.load(Ordering::SeqCst);
            panicked += s.panicked.load(Ordering::SeqCst);
        }
        let ended = completed + panicked + self.dropped.load(Ordering::SeqCst);
        let in_flight = self.accepted.load(Ordering::SeqCst).saturating_sub(ended);
        let mut stats = PoolStats::default();
        stats.capacity = self.capacity;
        stats.workers = live;
        stats.running = running as usize;
        stats.waiting = in_flight.saturating_sub(running) as usize + blocked;
        stats.completed = completed;
        stats.panicked = panicked;
        stats
    }
}

/// An accepted task on its way through an executor.
///
/// Invariant: every job a [`Core`] hands out ends in exactly one of
/// [`Core::run`] (which runs or skips it) or [`Core::unaccept`] (which hands
/// the task back), or is parked and later taken back by one of those or by
/// `stop`. Each executor here keeps it: rayon runs every spawned job before
/// its threads exit, the `threadpool` crate's workers and the channel
/// workers drain their queue before they exit, and a dispatch that fails
/// hands the job back. A job that vanished otherwise would leave its task
/// counted as in flight, and a shutdown would wait for it forever. The job
/// holds no reference to its pool: the thread that runs it finds the pool
/// through its worker mark ([`run_on_worker`]), so a task costs no
/// reference-count traffic on a line the submitter and the workers share.
#[must_use = "an accepted job must be run or handed back (see `Job`)"]
pub(crate) struct Job {
    task: Task,
}

impl Core {
    /// Runs the job's task unless a `stop` came first, keeping the counters.
    /// Returns a parked job that the caller must dispatch again (only with
    /// [`Cap::Counted`]).
    pub(crate) fn run(&self, job: Job, cap: Cap) -> Option<Job> {
        if self.mode() == DROP {
            // Rule 3: nothing starts after stop (`stop` waits for this job to
            // end, and it ends here without running).
            self.count_dropped();
            drop(job);
            return None;
        }
        match cap {
            Cap::PerThread => {
                self.execute(job.task);
                None
            }
            Cap::Counted => self.run_counted(job),
        }
    }

    /// [`Cap::Counted`]: takes a place in `running` or parks the job.
    ///
    /// Why a parked job is never stranded: it is pushed (raising
    /// `deferred_len`) before `running` is re-read, and a finishing job lowers
    /// `running` before it reads `deferred_len` (all `SeqCst`). So either the
    /// parker sees a free place and takes a parked job back itself, or the
    /// finisher sees the parked job and hands it back.
    fn run_counted(&self, mut job: Job) -> Option<Job> {
        loop {
            if self.running.fetch_add(1, Ordering::SeqCst) < self.capacity {
                self.execute(job.task);
                self.running.fetch_sub(1, Ordering::SeqCst);
                dekker_point();
                return self.take_deferred();
            }
            self.running.fetch_sub(1, Ordering::SeqCst);
            {
                let mut st = self.lock();
                st.deferred.push_back(job);
                self.deferred_len.fetch_add(1, Ordering::SeqCst);
            }
            dekker_point();
            if self.running.load(Ordering::SeqCst) >= self.capacity {
                return None;
            }
            job = self.take_deferred()?;
        }
    }

    /// Runs `task` under `catch_unwind` and counts it in this thread's shard.
    fn execute(&self, task: Task) {
        let shard = &self.shards[shard_index()];
        shard.running.fetch_add(1, Ordering::Relaxed);
        let outcome = panic::catch_unwind(AssertUnwindSafe(task));
        // Running goes down before the ended count goes up, so a waiter that
        // saw the task end also sees it no longer running.
        shard.running.fetch_sub(1, Ordering::Relaxed);
        match outcome {
            Ok(()) => shard.completed.fetch_add(1, Ordering::SeqCst),
            Err(_payload) => shard.panicked.fetch_add(1, Ordering::SeqCst),
        };
        self.notify();
    }

    /// Un-accepts a job that could not be dispatched and hands its task back.
    pub(crate) fn unaccept(&self, job: Job) -> Task {
        self.count_dropped();
        job.task
    }

    /// Takes the oldest parked job, if any (never after `stop`).
    fn take_deferred(&self) -> Option<Job> {
        if self.deferred_len.load(Ordering::SeqCst) == 0 || self.mode() == DROP {
            return None;
        }
        let mut st = self.lock();
        let job = st.deferred.pop_front();
        if job.is_some() {
            self.deferred_len.fetch_sub(1, Ordering::SeqCst);
        }
        job
    }
}

/// Runs `job` on the pool whose worker the calling thread is (see
/// [`enter_worker`]); returns a parked job to dispatch again, as
/// [`Core::run`] does.
///
/// # Panics
/// On a thread that is not a pool worker: the executors here run jobs only
/// on threads they marked.
pub(crate) fn run_on_worker(job: Job, cap: Cap) -> Option<Job> {
    WORKER.with(|w| {
        let mark = w.borrow();
        let core = &mark
            .as_ref()
            .expect("baseline jobs run only on marked worker threads")
            .core;
        core.run(job, cap)
    })
}
