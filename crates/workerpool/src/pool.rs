//! [`WorkerPool`]: the public face of the pool (and how a [`Builder`]
//! starts one). The protocol behind it: the handle's side in `handle.rs`,
//! the dispatcher in `dispatch.rs`, the workers in `worker_loop.rs`.

use std::fmt;
use std::time::Instant;

use taskpool::{check_capacity, Admission, BuildError, PoolStats, SubmitError, Task, WaitError};
use taskpool_utils::clock::Clock;
use taskpool_utils::sync::{lock, thread, Arc, Ordering};

use crate::bound::Admit;
use crate::channel;
use crate::dispatch::{tick_hook, Dispatcher};
use crate::handle::Handle;
use crate::pause::{PauseGate, PauseGuard};
use crate::state::Inner;
use crate::{Builder, FullPolicy};

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
///     pool.submit(move || {
///         count.fetch_add(1, Ordering::Relaxed);
///     })
///     .unwrap();
/// }
/// pool.wait_idle();
/// assert_eq!(count.load(Ordering::Relaxed), 100);
/// assert!(pool.stats().workers <= 4);
/// ```
#[derive(Clone)]
pub struct WorkerPool {
    pub(crate) handle: Arc<Handle>,
}

impl WorkerPool {
    /// A pool of at most `max_workers` threads, with the defaults of
    /// [`Builder`]: unbounded queue, [`DEFAULT_IDLE_TIMEOUT`](crate::DEFAULT_IDLE_TIMEOUT).
    ///
    /// ```
    /// let pool = taskpool_workerpool::WorkerPool::new(8);
    /// assert_eq!(pool.max_workers(), 8);
    /// assert_eq!(pool.stats().workers, 0); // workers start lazily
    /// ```
    ///
    /// # Panics
    ///
    /// If `max_workers` is 0 (the Go original silently uses 1) or above
    /// [`MAX_CAPACITY`](taskpool::MAX_CAPACITY), or if the dispatcher thread
    /// cannot be started. [`WorkerPool::builder`] returns these as a
    /// [`BuildError`] instead (and takes a higher
    /// [`capacity_limit`](Builder::capacity_limit)).
    ///
    /// ```should_panic
    /// let pool = taskpool_workerpool::WorkerPool::new(0); // panics: capacity must be at least 1
    /// ```
    pub fn new(max_workers: usize) -> Self {
        match Builder::new().capacity(max_workers).build() {
            Ok(pool) => pool,
            Err(err) => panic!("taskpool_workerpool::WorkerPool::new: {err}"),
        }
    }

    /// A [`Builder`] for a pool with non-default settings.
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskpool_workerpool::{FullPolicy, WorkerPool};
    /// let pool = WorkerPool::builder()
    ///     .capacity(4)
    ///     .idle_timeout(Duration::from_secs(10))
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

    /// Runs `f` on the pool: hands it to a waiting worker, starts a worker
    /// for it, or queues it.
    ///
    /// Takes any closure (boxed once: the queue holds boxes); a [`Task`],
    /// such as one handed back by an earlier refusal, goes in as it is
    /// ([`taskpool::into_task`]).
    ///
    /// Never blocks on an unbounded pool. With [`Builder::max_queued`] and
    /// [`FullPolicy::Block`] it waits while the queue is full, except when
    /// called from one of the pool's own tasks, where waiting could deadlock:
    /// there it refuses with [`SubmitErrorKind::Overloaded`](taskpool::SubmitErrorKind::Overloaded). With
    /// [`FullPolicy::Reject`] a full queue refuses with `Overloaded`. After
    /// shutdown began it refuses with [`SubmitErrorKind::Stopped`](taskpool::SubmitErrorKind::Stopped). A refused task
    /// is inside the error and never runs.
    ///
    /// ```
    /// use taskpool_workerpool::WorkerPool;
    /// let pool = WorkerPool::new(1);
    /// pool.submit(|| println!("hi")).unwrap();
    /// pool.stop_wait();
    /// let err = pool.submit(|| println!("never")).unwrap_err();
    /// assert!(err.is_stopped());
    /// ```
    pub fn submit<F>(&self, f: F) -> Result<(), SubmitError>
    where
        F: FnOnce() + Send + 'static,
    {
        self.handle.submit(taskpool::into_task(f), Admit::Policy)
    }

    /// Like [`submit`](WorkerPool::submit), but never blocks: a full bounded
    /// queue refuses with [`SubmitErrorKind::Overloaded`](taskpool::SubmitErrorKind::Overloaded).
    ///
    /// ```
    /// use taskpool_workerpool::WorkerPool;
    /// let pool = WorkerPool::new(1);
    /// let guard = pool.pause();
    /// assert!(pool.try_submit(|| {}).is_ok()); // unbounded: queued
    /// drop(guard);
    /// ```
    pub fn try_submit<F>(&self, f: F) -> Result<(), SubmitError>
    where
        F: FnOnce() + Send + 'static,
    {
        self.handle.submit(taskpool::into_task(f), Admit::Try)
    }

    /// Runs `f` on the pool and blocks until it has finished.
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
    /// use taskpool_workerpool::WorkerPool;
    /// let pool = WorkerPool::new(2);
    /// pool.submit_wait(|| println!("done before submit_wait returns")).unwrap();
    /// let err = pool.submit_wait(|| panic!("boom")).unwrap_err();
    /// assert!(err.is_panic());
    /// assert_eq!(err.panic_message(), Some("boom"));
    /// ```
    pub fn submit_wait<F>(&self, f: F) -> Result<(), WaitError>
    where
        F: FnOnce() + Send + 'static,
    {
        self.submit_wait_task(taskpool::into_task(f))
    }

    /// `submit_wait` of a boxed task (the `TaskPool` face's, without a
    /// second box).
    pub(crate) fn submit_wait_task(&self, task: Task) -> Result<(), WaitError> {
        let inner = &self.handle.inner;
        let nested = inner.on_own_thread();
        if nested {
            let before = inner.nested_waits.fetch_add(1, Ordering::SeqCst);
            if before + 1 >= inner.max_workers {
                inner.nested_waits.fetch_sub(1, Ordering::SeqCst);
                return Err(WaitError::Rejected(SubmitError::overloaded(task)));
            }
        }
        let (wrapped, handle) = taskpool::task_with_handle(task);
        let result = match self.handle.submit(wrapped, Admit::Policy) {
            Ok(()) => handle.join().map_err(WaitError::from),
            Err(refused) => {
                drop(handle);
                Err(WaitError::Rejected(refused))
            }
        };
        if nested {
            inner.nested_waits.fetch_sub(1, Ordering::SeqCst);
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
        self.handle.shut_down(false);
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
    ///     pool.submit(move || { ran.fetch_add(1, Ordering::SeqCst); }).unwrap();
    /// }
    /// pool.stop_wait();
    /// assert_eq!(ran.load(Ordering::SeqCst), 10);
    /// assert_eq!(pool.stats().workers, 0);
    /// ```
    pub fn stop_wait(&self) {
        self.handle.shut_down(true);
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
        self.handle.inner.is_closed()
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
    /// pool.submit(|| std::thread::yield_now()).unwrap();
    /// pool.wait_idle();
    /// assert_eq!(pool.stats().running, 0);
    /// assert_eq!(pool.stats().completed, 1);
    /// ```
    pub fn wait_idle(&self) {
        self.handle.wait_idle();
    }

    /// The most worker threads this pool runs at once.
    ///
    /// ```
    /// assert_eq!(taskpool_workerpool::WorkerPool::new(3).max_workers(), 3);
    /// ```
    pub fn max_workers(&self) -> usize {
        self.handle.inner.max_workers
    }

    /// Tasks accepted and not yet started: in the dispatcher's channel or in
    /// the waiting queue. A snapshot for metrics (Go: `WaitingQueueSize`).
    ///
    /// ```
    /// let pool = taskpool_workerpool::WorkerPool::new(1);
    /// assert_eq!(pool.waiting_queue_size(), 0);
    /// ```
    pub fn waiting_queue_size(&self) -> usize {
        let queued = lock(&self.handle.inner.handoff).queue.len();
        queued + self.handle.tx.len()
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
    /// pool.submit_wait(|| {}).unwrap();
    /// pool.wait_idle();
    /// let stats = pool.stats();
    /// assert_eq!((stats.capacity, stats.completed, stats.running), (2, 1, 0));
    /// ```
    pub fn stats(&self) -> PoolStats {
        let inner = &self.handle.inner;
        let mut stats = PoolStats::default();
        {
            let h = lock(&inner.handoff);
            stats.capacity = inner.max_workers;
            stats.workers = h.live;
            stats.running = h.running;
            stats.waiting = h.queue.len();
            stats.completed = h.completed;
            stats.panicked = h.panicked;
        }
        stats.waiting += self.handle.tx.len();
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
        match self.handle.inner.bound.limit {
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
    /// pool.submit(move || flag.store(true, Ordering::SeqCst)).unwrap();
    /// assert!(!ran.load(Ordering::SeqCst));
    /// drop(guard);
    /// pool.wait_idle();
    /// assert!(ran.load(Ordering::SeqCst));
    /// ```
    pub fn pause(&self) -> PauseGuard {
        let inner = &self.handle.inner;
        assert!(
            !inner.on_own_thread(),
            "WorkerPool::pause called from one of the pool's own tasks: \
             it would wait forever for its own worker to park"
        );
        let _serial = lock(&inner.pauses.serial);
        let gate = Arc::new(PauseGate::new());
        if !inner.pauses.register(&gate, || inner.is_closed()) {
            return PauseGuard::inert();
        }
        for _ in 0..inner.max_workers {
            let parked = Arc::clone(&gate);
            let park: Task = Box::new(move || parked.park());
            if self.handle.submit(park, Admit::Force).is_err() {
                // Stopping: the stopper releases the gate.
                break;
            }
        }
        gate.wait_parked(inner.max_workers);
        PauseGuard::new(gate, Arc::clone(&inner.pauses))
    }
}

impl Builder {
    /// Checks the settings and starts the dispatcher thread (no worker threads
    /// start until tasks arrive).
    ///
    /// # Errors
    ///
    /// A [`BuildError`] naming the setting for a capacity of 0 or above the
    /// [`capacity_limit`](Builder::capacity_limit), `max_queued(0)`, a zero
    /// idle timeout, `when_full` without `max_queued`, a thread name
    /// containing a NUL byte, or when the dispatcher thread cannot be
    /// started.
    pub fn build(self) -> Result<WorkerPool, BuildError> {
        let max_workers = match self.capacity {
            Some(n) => check_capacity("capacity", n, self.capacity_limit)?,
            None => std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .clamp(1, self.capacity_limit.max(1)),
        };
        if self.idle_timeout.is_zero() {
            return Err(BuildError::new(
                "idle_timeout must be longer than zero; use reap_idle(false) to keep idle workers",
            ));
        }
        let idle_timeout = self.reap_idle.then_some(self.idle_timeout);
        let limit = match (self.max_queued, self.when_full) {
            (Some(0), _) => return Err(BuildError::zero("max_queued")),
            (Some(n), policy) => Some((n, policy.unwrap_or(FullPolicy::Block))),
            (None, Some(_)) => {
                return Err(BuildError::new(
                    "when_full needs max_queued: an unbounded queue is never full",
                ))
            }
            (None, None) => None,
        };
        if self.thread_name.contains('\0') {
            return Err(BuildError::new("thread_name must not contain a NUL byte"));
        }
        let (tx, rx) = channel::unbounded();
        let inner = Arc::new(Inner::new(
            max_workers,
            limit,
            self.panic_handler,
            tx.clone(),
        ));
        let (clock, ticks) = match self.clock {
            Some(manual) => {
                let ticks = manual
                    .time
                    .subscribe(tick_hook(tx.clone(), Arc::clone(&inner)));
                (Clock::Manual(manual.time), Some(ticks))
            }
            None => (Clock::System(Instant::now()), None),
        };
        let dispatcher = Dispatcher::new(
            Arc::clone(&inner),
            rx,
            clock,
            ticks,
            idle_timeout,
            self.thread_name.clone(),
        );
        let handle = thread::Builder::new()
            .name(format!("{}-dispatcher", self.thread_name))
            .spawn(move || dispatcher.run())
            .map_err(|e| BuildError::with_source("could not start the dispatcher thread", e))?;
        Ok(WorkerPool {
            handle: Arc::new(Handle::new(inner, tx, handle)),
        })
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
