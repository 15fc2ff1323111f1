//! gammazero/workerpool rebuilt in Rust: one dispatcher thread, an unbounded
//! FIFO waiting queue, worker threads started lazily and reaped when idle.
//!
//! ```
//! use taskpool_workerpool::WorkerPool;
//!
//! let pool = WorkerPool::new(2);
//! for name in ["alpha", "beta", "gamma", "delta", "epsilon"] {
//!     pool.submit(Box::new(move || println!("handling request {name}"))).unwrap();
//! }
//! pool.stop_wait(); // every accepted task has run, every thread has exited
//! ```
//!
//! # Submission
//!
//! [`WorkerPool::submit`] never blocks on the default, unbounded pool: it sends
//! the task down one channel to the dispatcher thread and returns. The
//! dispatcher gives the task to a worker that is waiting for work, or starts a
//! new worker while fewer than [`max_workers`](WorkerPool::max_workers) exist,
//! or appends it to the FIFO waiting queue; once anything waits, everything
//! behind it keeps its order. A new pool has no worker threads at all.
//!
//! The one wait in `submit` bounds memory, not work: a submitter that finds
//! the dispatcher 2,048 messages behind (it looks on every 64th submit of
//! its thread) sleeps until the dispatcher has read half of them. The
//! dispatcher drains its channel without waiting for anyone, so this is
//! short and cannot deadlock, also inside a task; it keeps a fast submitter
//! from leaving hundreds of thousands of tasks in channel slots rather than
//! in the compact queue. (Go's `Submit` waits for the dispatcher on every
//! call.)
//!
//! # Back-pressure
//!
//! Unbounded by default, like the Go original. With
//! [`Builder::max_queued`] the number of tasks accepted but not yet started is
//! bounded, and [`Builder::when_full`] chooses what `submit` does when the
//! bound is reached: block until a task starts ([`FullPolicy::Block`], the
//! default) or refuse with [`SubmitError::Overloaded`] ([`FullPolicy::Reject`]).
//! [`WorkerPool::try_submit`] never blocks: on a full queue it refuses.
//!
//! # Idle reaping
//!
//! After traffic stops, one waiting worker exits per idle period (default
//! 2 s, [`Builder::idle_timeout`]; `None` disables reaping), down to zero
//! threads: an idle pool holds no worker thread and uses no CPU. Tests drive
//! the period with a [`ManualClock`] instead of sleeping.
//!
//! # Shutdown and drop
//!
//! [`stop_wait`](WorkerPool::stop_wait) refuses new tasks, runs every accepted
//! one, and returns once all worker threads and the dispatcher have exited.
//! [`stop`](WorkerPool::stop) does the same but drops the tasks still waiting
//! (a [`TaskHandle`](taskpool::TaskHandle) for one of them reports
//! `Abandoned`). Both are idempotent and safe from many threads; the first
//! call decides between the two. A task submitted after shutdown began comes
//! back in [`SubmitError::Stopped`] and never runs.
//!
//! Cloning a `WorkerPool` shares it; dropping the last clone is `stop_wait`.
//!
//! Called from one of the pool's own tasks (or from a task's destructor run
//! while the pool drops its queue), `stop`, `stop_wait` and the drop of the
//! last handle begin the shutdown and return without waiting for it: the
//! calling task is still running, so the pool cannot finish until it returns.
//! The remaining workers exit after the calling task returns. The same holds
//! for [`wait_idle`](WorkerPool::wait_idle) on a stopped pool.
//!
//! # Panics
//!
//! A panic in a task is caught on its worker, counted in
//! [`PoolStats::panicked`], and handed to the [`Builder::panic_handler`] if
//! one is set (the panic hook has already printed it). The worker survives and
//! the capacity is unchanged. [`submit_wait`](WorkerPool::submit_wait) and
//! [`TaskHandle::join`](taskpool::TaskHandle::join) give the payload to the
//! waiting caller; the handler then sees [`taskpool::ForwardedPanic`].
//!
//! # How it works
//!
//! `DESIGN.md` beside the sources states the protocol, the worker states, and
//! why no wake-up is lost and the cap holds. `docs/semantics.md` compares every
//! method with the Go original.
#![forbid(unsafe_code)]

mod builder;
mod clock;
mod dispatch;
mod pause;
mod queue;
mod sync;

#[cfg(all(test, tp_loom))]
mod loom_tests;
#[cfg(all(test, not(tp_loom)))]
mod tests;

use std::fmt;

pub use builder::{Builder, FullPolicy, DEFAULT_IDLE_TIMEOUT};
pub use clock::ManualClock;
pub use pause::PauseGuard;
pub use taskpool::{Admission, PoolStats, SubmitError, Task, TaskPool, WaitError};

use dispatch::{Control, Msg, Shared, CLOSED, ONE};
use pause::PauseGate;
use sync::{channel, lock, thread, wait, Arc, Mutex, Ordering};

/// A panic handler as stored by the pool.
pub(crate) type PanicHandler = Box<dispatch::HandlerFn>;

/// A pool of at most `max_workers` threads fed by one dispatcher thread
/// through an unbounded FIFO queue. See the [crate docs](crate).
///
/// Cloning shares the pool; dropping the last clone behaves like
/// [`stop_wait`](WorkerPool::stop_wait).
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use taskpool_workerpool::WorkerPool;
///
/// let pool = WorkerPool::new(4);
/// let count = Arc::new(AtomicUsize::new(0));
/// for _ in 0..100 {
///     let count = Arc::clone(&count);
///     pool.submit(Box::new(move || {
///         count.fetch_add(1, Ordering::Relaxed);
///     }))
///     .unwrap();
/// }
/// pool.wait_idle();
/// assert_eq!(count.load(Ordering::Relaxed), 100);
/// assert!(pool.stats().workers <= 4);
/// ```
#[derive(Clone)]
pub struct WorkerPool {
    inner: Arc<Inner>,
}

/// Owned by the handles only (the dispatcher and the workers hold `Shared`),
/// so its drop is the drop of the last handle.
struct Inner {
    shared: Arc<Shared>,
    /// The dispatcher's channel. Sends happen inside the submission gate.
    tx: channel::Sender<Msg>,
    /// The dispatcher's join handle. A stopper that is not one of the pool's
    /// threads takes it and joins while holding this lock, so every
    /// concurrent stopper returns only after the dispatcher has exited.
    dispatcher: Mutex<Option<thread::JoinHandle<()>>>,
}

/// How a submission treats a full bounded queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Admit {
    /// As the pool's [`FullPolicy`] says.
    Policy,
    /// Never block: refuse when full.
    Try,
    /// Ignore the bound (the parking tasks of `pause`).
    Force,
}

impl WorkerPool {
    /// A pool of at most `max_workers` threads, with the defaults of
    /// [`Builder`]: unbounded queue, 2 s idle timeout.
    ///
    /// # Panics
    ///
    /// If `max_workers` is 0 (the Go original silently uses 1; use
    /// [`WorkerPool::builder`] to get an error instead), or if the dispatcher
    /// thread cannot be started.
    ///
    /// ```
    /// let pool = taskpool_workerpool::WorkerPool::new(8);
    /// assert_eq!(pool.max_workers(), 8);
    /// assert_eq!(pool.stats().workers, 0); // workers start lazily
    /// ```
    pub fn new(max_workers: usize) -> Self {
        assert!(
            max_workers > 0,
            "WorkerPool::new: max_workers must be at least 1, got 0"
        );
        match Builder::new().max_workers(max_workers).build() {
            Ok(pool) => pool,
            Err(err) => panic!("WorkerPool::new: {err}"),
        }
    }

    /// A [`Builder`] for a pool with non-default settings.
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskpool_workerpool::{FullPolicy, WorkerPool};
    /// let pool = WorkerPool::builder()
    ///     .max_workers(4)
    ///     .idle_timeout(Some(Duration::from_secs(10)))
    ///     .max_queued(1000)
    ///     .when_full(FullPolicy::Reject)
    ///     .thread_name("ingest")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(pool.max_workers(), 4);
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    pub(crate) fn from_parts(
        shared: Arc<Shared>,
        tx: channel::Sender<Msg>,
        dispatcher: thread::JoinHandle<()>,
    ) -> Self {
        WorkerPool {
            inner: Arc::new(Inner {
                shared,
                tx,
                dispatcher: Mutex::new(Some(dispatcher)),
            }),
        }
    }

    /// Hands a task to the pool.
    ///
    /// Never blocks on an unbounded pool. With [`Builder::max_queued`] and
    /// [`FullPolicy::Block`] it waits while the queue is full, except when
    /// called from one of the pool's own tasks, where waiting could deadlock:
    /// there it refuses with [`SubmitError::Overloaded`]. With
    /// [`FullPolicy::Reject`] a full queue refuses with `Overloaded`. After
    /// shutdown began it refuses with [`SubmitError::Stopped`]. A refused task
    /// is inside the error and never runs.
    ///
    /// ```
    /// use taskpool_workerpool::{SubmitError, WorkerPool};
    /// let pool = WorkerPool::new(1);
    /// pool.submit(Box::new(|| println!("hi"))).unwrap();
    /// pool.stop_wait();
    /// let err = pool.submit(Box::new(|| println!("never"))).unwrap_err();
    /// assert!(matches!(err, SubmitError::Stopped(_)));
    /// ```
    pub fn submit(&self, task: Task) -> Result<(), SubmitError> {
        self.inner.submit(task, Admit::Policy)
    }

    /// Like [`submit`](WorkerPool::submit), but never blocks: a full bounded
    /// queue refuses with [`SubmitError::Overloaded`].
    ///
    /// ```
    /// use taskpool_workerpool::WorkerPool;
    /// let pool = WorkerPool::new(1);
    /// let guard = pool.pause();
    /// assert!(pool.try_submit(Box::new(|| {})).is_ok()); // unbounded: queued
    /// drop(guard);
    /// ```
    pub fn try_submit(&self, task: Task) -> Result<(), SubmitError> {
        self.inner.submit(task, Admit::Try)
    }

    /// Submits `task` and blocks until it has finished.
    ///
    /// A panic in the task comes back as [`WaitError::Panicked`]; a refusal as
    /// [`WaitError::Rejected`]; a task dropped unstarted by
    /// [`stop`](WorkerPool::stop) as [`WaitError::Abandoned`].
    ///
    /// Called from one of the pool's own tasks it waits only if at least one
    /// worker would remain that is not itself blocked in such a nested
    /// `submit_wait`; otherwise it refuses at once with
    /// `Rejected(Overloaded(task))` instead of deadlocking (so on a pool with
    /// one worker a nested `submit_wait` always refuses).
    ///
    /// ```
    /// use taskpool_workerpool::{WaitError, WorkerPool};
    /// let pool = WorkerPool::new(2);
    /// pool.submit_wait(Box::new(|| println!("done before submit_wait returns"))).unwrap();
    /// let err = pool.submit_wait(Box::new(|| panic!("boom"))).unwrap_err();
    /// assert_eq!(err.panic_message(), Some("boom"));
    /// ```
    pub fn submit_wait(&self, task: Task) -> Result<(), WaitError> {
        let shared = &self.inner.shared;
        let nested = Shared::on_own_thread(shared);
        if nested {
            let before = shared.nested_waits.fetch_add(1, Ordering::SeqCst);
            if before + 1 >= shared.max_workers {
                shared.nested_waits.fetch_sub(1, Ordering::SeqCst);
                return Err(WaitError::Rejected(SubmitError::Overloaded(task)));
            }
        }
        let (wrapped, handle) = taskpool::task_with_handle(task);
        let result = match self.submit(wrapped) {
            Ok(()) => handle.join().map_err(WaitError::from),
            Err(refused) => {
                drop(handle);
                Err(WaitError::Rejected(refused))
            }
        };
        if nested {
            shared.nested_waits.fetch_sub(1, Ordering::SeqCst);
        }
        result
    }

    /// Shuts down: refuses new tasks, drops the tasks still waiting, and
    /// returns once the running tasks have finished and every thread of the
    /// pool has exited. Idempotent; from one of the pool's own tasks it does
    /// not wait (see the [crate docs](crate#shutdown-and-drop)).
    ///
    /// ```
    /// let pool = taskpool_workerpool::WorkerPool::new(1);
    /// pool.stop();
    /// pool.stop(); // fine
    /// assert!(pool.is_stopped());
    /// ```
    pub fn stop(&self) {
        self.inner.shut_down(false);
    }

    /// Shuts down gracefully: refuses new tasks, runs every accepted task, and
    /// returns once all have finished and every thread of the pool has exited.
    /// A paused pool is resumed first. From one of the pool's own tasks it
    /// does not wait (see the [crate docs](crate#shutdown-and-drop)).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// let pool = taskpool_workerpool::WorkerPool::new(2);
    /// let ran = Arc::new(AtomicUsize::new(0));
    /// for _ in 0..10 {
    ///     let ran = Arc::clone(&ran);
    ///     pool.submit(Box::new(move || { ran.fetch_add(1, Ordering::SeqCst); })).unwrap();
    /// }
    /// pool.stop_wait();
    /// assert_eq!(ran.load(Ordering::SeqCst), 10);
    /// assert_eq!(pool.stats().workers, 0);
    /// ```
    pub fn stop_wait(&self) {
        self.inner.shut_down(true);
    }

    /// True from the moment [`stop`](WorkerPool::stop) or
    /// [`stop_wait`](WorkerPool::stop_wait) begins.
    ///
    /// ```
    /// let pool = taskpool_workerpool::WorkerPool::new(1);
    /// assert!(!pool.is_stopped());
    /// pool.stop_wait();
    /// assert!(pool.is_stopped());
    /// ```
    pub fn is_stopped(&self) -> bool {
        self.inner.shared.is_closed()
    }

    /// Blocks until every task submitted before the call has finished and
    /// nothing is waiting or running, without stopping the pool. Tasks that
    /// other threads submit meanwhile may extend the wait.
    ///
    /// On a stopped pool it returns once the shutdown has finished. Called
    /// from one of the pool's own tasks it does not count the calling task
    /// (nor other tasks blocked in `wait_idle`) as running.
    ///
    /// ```
    /// let pool = taskpool_workerpool::WorkerPool::new(2);
    /// pool.submit(Box::new(|| std::thread::yield_now())).unwrap();
    /// pool.wait_idle();
    /// assert_eq!(pool.stats().running, 0);
    /// assert_eq!(pool.stats().completed, 1);
    /// ```
    pub fn wait_idle(&self) {
        self.inner.wait_idle();
    }

    /// The most worker threads this pool runs at once.
    ///
    /// ```
    /// assert_eq!(taskpool_workerpool::WorkerPool::new(3).max_workers(), 3);
    /// ```
    pub fn max_workers(&self) -> usize {
        self.inner.shared.max_workers
    }

    /// Tasks accepted and not yet started: in the dispatcher's channel or in
    /// the waiting queue. A snapshot for metrics (Go: `WaitingQueueSize`).
    ///
    /// ```
    /// let pool = taskpool_workerpool::WorkerPool::new(1);
    /// assert_eq!(pool.waiting_queue_size(), 0);
    /// ```
    pub fn waiting_queue_size(&self) -> usize {
        let queued = lock(&self.inner.shared.handoff).queue.len();
        queued + self.inner.tx.len()
    }

    /// A snapshot of the pool's counters (read under the hand-off lock, so
    /// `workers`, `running` and the totals agree with each other).
    ///
    /// `running` and `completed` include the parking tasks of
    /// [`pause`](WorkerPool::pause).
    ///
    /// The counters move when the worker has finished with a task, which is
    /// just after `submit_wait` (or a handle) has seen the task's result:
    /// `wait_idle` first for figures that include it.
    ///
    /// ```
    /// let pool = taskpool_workerpool::WorkerPool::new(2);
    /// pool.submit_wait(Box::new(|| {})).unwrap();
    /// pool.wait_idle();
    /// let stats = pool.stats();
    /// assert_eq!((stats.capacity, stats.completed, stats.running), (2, 1, 0));
    /// ```
    pub fn stats(&self) -> PoolStats {
        let shared = &self.inner.shared;
        let mut stats = PoolStats::default();
        {
            let h = lock(&shared.handoff);
            stats.capacity = shared.max_workers;
            stats.workers = h.live;
            stats.running = h.running;
            stats.waiting = h.queue.len();
            stats.completed = h.completed;
            stats.panicked = h.panicked;
        }
        stats.waiting += self.inner.tx.len();
        stats
    }

    /// What `submit` does when every worker is busy: `Queue` (unbounded), or
    /// `Block` / `Reject` for a bounded queue, per its [`FullPolicy`].
    ///
    /// ```
    /// use taskpool_workerpool::{Admission, WorkerPool};
    /// assert_eq!(WorkerPool::new(1).admission(), Admission::Queue);
    /// ```
    pub fn admission(&self) -> Admission {
        match self.inner.shared.limit {
            None => Admission::Queue,
            Some((_, FullPolicy::Block)) => Admission::Block,
            Some((_, FullPolicy::Reject)) => Admission::Reject,
        }
    }

    /// Pauses the pool: returns once every one of the `max_workers` workers is
    /// parked, so every task submitted before the call has started. Tasks
    /// submitted meanwhile wait in the queue; dropping the guard resumes.
    ///
    /// A second `pause` waits until the first is over. `stop` and `stop_wait`
    /// end every pause (and `stop_wait` then runs the queued tasks). On a
    /// stopped pool it returns at once. The parking tasks start workers up to
    /// `max_workers`, and count as running and completed tasks in
    /// [`stats`](WorkerPool::stats), so [`wait_idle`](WorkerPool::wait_idle)
    /// waits until the pause ends. A task blocked in a nested
    /// [`submit_wait`](WorkerPool::submit_wait) holds its worker, so the
    /// pause waits for it.
    ///
    /// # Panics
    ///
    /// When called from one of the pool's own tasks, which could never be
    /// parked while it waits.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    /// let pool = taskpool_workerpool::WorkerPool::new(2);
    /// let guard = pool.pause();
    /// let ran = Arc::new(AtomicBool::new(false));
    /// let flag = Arc::clone(&ran);
    /// pool.submit(Box::new(move || flag.store(true, Ordering::SeqCst))).unwrap();
    /// assert!(!ran.load(Ordering::SeqCst));
    /// drop(guard);
    /// pool.wait_idle();
    /// assert!(ran.load(Ordering::SeqCst));
    /// ```
    pub fn pause(&self) -> PauseGuard {
        let shared = &self.inner.shared;
        assert!(
            !Shared::on_own_thread(shared),
            "WorkerPool::pause called from one of the pool's own tasks: \
             it would wait forever for its own worker to park"
        );
        let _serial = lock(&shared.pause_serial);
        let gate = Arc::new(PauseGate::new());
        {
            let mut gates = lock(&shared.pause_gates);
            // Checked under the same lock the first stopper takes after
            // closing the gate: either it sees this pause, or we see it closed.
            if shared.is_closed() {
                return PauseGuard::inert();
            }
            gates.push(Arc::clone(&gate));
        }
        for _ in 0..shared.max_workers {
            let parked = Arc::clone(&gate);
            let park: Task = Box::new(move || parked.park());
            if self.inner.submit(park, Admit::Force).is_err() {
                // Stopping: the stopper releases the gate.
                break;
            }
        }
        gate.wait_parked(shared.max_workers);
        PauseGuard::new(gate, Arc::clone(shared))
    }
}

impl Inner {
    fn submit(&self, task: Task, admit: Admit) -> Result<(), SubmitError> {
        let shared = &*self.shared;
        // Enter the gate and look at its closed bit in one step: a stopper
        // either sees us inside (and waits for us) or we see it closed.
        if shared.gate.fetch_add(ONE, Ordering::SeqCst) & CLOSED != 0 {
            shared.leave_gate();
            return Err(SubmitError::Stopped(task));
        }
        if let Some((limit, policy)) = shared.limit {
            if let Err(stopped) = self.reserve(limit, policy, admit) {
                shared.leave_gate();
                return Err(if stopped {
                    SubmitError::Stopped(task)
                } else {
                    SubmitError::Overloaded(task)
                });
            }
        }
        let sent = self.tx.send(Msg::Task(task));
        shared.after_send(|| self.tx.len());
        shared.leave_gate();
        match sent {
            Ok(()) => {
                shared.keep_up(|| self.tx.len());
                Ok(())
            }
            // Only if the dispatcher died, which it does not do before `Stop`.
            Err(channel::SendError(msg)) => {
                shared.release_slots(1);
                match msg {
                    Msg::Task(task) => Err(SubmitError::Stopped(task)),
                    _ => unreachable!("submit sends tasks only"),
                }
            }
        }
    }

    /// Bounded mode: takes a queue slot. `Err(true)` = the pool stopped while
    /// waiting, `Err(false)` = full and not allowed to wait.
    fn reserve(&self, limit: usize, policy: FullPolicy, admit: Admit) -> Result<(), bool> {
        let shared = &*self.shared;
        if admit == Admit::Force {
            shared.queued.fetch_add(1, Ordering::SeqCst);
            return Ok(());
        }
        if self.try_reserve(limit) {
            return Ok(());
        }
        if admit == Admit::Try
            || policy == FullPolicy::Reject
            || Shared::on_own_thread(&self.shared)
        {
            return Err(false);
        }
        let mut guard = lock(&shared.space);
        shared.space_waiters.fetch_add(1, Ordering::SeqCst);
        let result = loop {
            if self.try_reserve(limit) {
                break Ok(());
            }
            // The stopper sets the closed bit before notifying under `space`.
            if shared.is_closed() {
                break Err(true);
            }
            guard = wait(&shared.space_cv, guard);
        };
        shared.space_waiters.fetch_sub(1, Ordering::SeqCst);
        result
    }

    fn try_reserve(&self, limit: usize) -> bool {
        let queued = &self.shared.queued;
        let mut current = queued.load(Ordering::SeqCst);
        while current < limit {
            match queued.compare_exchange_weak(
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

    /// `stop` (`wait == false`) and `stop_wait` (`wait == true`). The first
    /// caller closes the gate and tells the dispatcher; every caller that is
    /// not one of the pool's own threads then waits for the dispatcher.
    fn shut_down(&self, wait_for_queue: bool) {
        let shared = &*self.shared;
        if shared.gate.fetch_or(CLOSED, Ordering::SeqCst) & CLOSED == 0 {
            // End every pause, so parked workers can finish.
            let gates = std::mem::take(&mut *lock(&shared.pause_gates));
            for gate in gates {
                gate.release();
            }
            // Wake submitters blocked on a full queue: they see the closed bit.
            {
                let _guard = lock(&shared.space);
                shared.space_cv.notify_all();
            }
            // Wait for submitters still inside the gate to finish their send.
            {
                let mut guard = lock(&shared.quiesce);
                while shared.gate.load(Ordering::SeqCst) != CLOSED {
                    guard = wait(&shared.quiesce_cv, guard);
                }
            }
            // Every accepted task is now in the channel, ahead of this.
            let _ = self.tx.send(Msg::control(Control::Stop {
                wait: wait_for_queue,
            }));
            // A resting dispatcher must come and read it now.
            shared.wake_dispatcher_urgently();
        }
        self.join_dispatcher();
    }

    /// Waits for the dispatcher thread to exit, unless this is one of the
    /// pool's own threads (which the dispatcher would be waiting for).
    fn join_dispatcher(&self) {
        if Shared::on_own_thread(&self.shared) {
            return;
        }
        let mut dispatcher = lock(&self.dispatcher);
        if let Some(handle) = dispatcher.take() {
            let _ = handle.join();
        }
    }

    fn wait_idle(&self) {
        let shared = &*self.shared;
        let own = Shared::on_own_thread(&self.shared);
        if own {
            // Counted before the marker is sent: the dispatcher's check for
            // this and every other waiter leaves this task out.
            lock(&shared.handoff).nested_idle += 1;
        }
        let (waiter, done) = channel::unbounded();
        let idle = if shared.gate.fetch_add(ONE, Ordering::SeqCst) & CLOSED != 0 {
            shared.leave_gate();
            false
        } else {
            let sent = self
                .tx
                .send(Msg::control(Control::WaitIdle(waiter)))
                .is_ok();
            shared.leave_gate();
            // `Ok` = released; an error = the dispatcher stopped first.
            sent && done.recv().is_ok()
        };
        if own {
            lock(&shared.handoff).nested_idle -= 1;
        }
        if !idle {
            self.join_dispatcher();
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The last handle is gone: behave like stop_wait (which does not wait
        // when this runs on one of the pool's own threads).
        self.shut_down(true);
    }
}

impl TaskPool for WorkerPool {
    fn name(&self) -> &str {
        "workerpool"
    }

    fn submit(&self, task: Task) -> Result<(), SubmitError> {
        WorkerPool::submit(self, task)
    }

    fn submit_wait(&self, task: Task) -> Result<(), WaitError> {
        WorkerPool::submit_wait(self, task)
    }

    fn stop(&self) {
        WorkerPool::stop(self);
    }

    fn stop_wait(&self) {
        WorkerPool::stop_wait(self);
    }

    fn is_stopped(&self) -> bool {
        WorkerPool::is_stopped(self)
    }

    fn stats(&self) -> PoolStats {
        WorkerPool::stats(self)
    }

    fn try_submit(&self, task: Task) -> Result<(), SubmitError> {
        WorkerPool::try_submit(self, task)
    }

    fn wait_idle(&self) {
        WorkerPool::wait_idle(self);
    }
}

impl fmt::Debug for WorkerPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerPool")
            .field("max_workers", &self.max_workers())
            .field("admission", &self.admission())
            .field("stopped", &self.is_stopped())
            .field("stats", &self.stats())
            .finish()
    }
}
