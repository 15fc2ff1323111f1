//! [`Pool`]: the pool of closures (and how a [`PoolBuilder`] builds one),
//! and the [`Handle`] every face of a pool owns.

use std::fmt;
use std::time::Duration;

use taskpool::{BuildError, PoolStats, SubmitError, Task};
use taskpool_utils::sync::Arc;

use crate::error::{TimedOut, TuneError};
use crate::lifecycle::{self, reboot};
use crate::line::{Refusal, Wait};
use crate::state::Inner;
use crate::submit::submit;
use crate::{Clock, PoolBuilder};

/// The user-facing owner of a pool's shared state. When the last one is dropped the
/// pool shuts down like `stop_wait` (rule 8). Worker threads hold only the
/// shared state (`Inner`), never a `Handle`, so they cannot keep a pool alive.
pub(crate) struct Handle<J> {
    pub(crate) inner: Arc<Inner<J>>,
}

impl<J> Drop for Handle<J> {
    fn drop(&mut self) {
        self.inner.shutdown();
    }
}

/// A pool of worker threads with no task queue: each task is handed straight
/// to an idle worker, or to a newly started one while fewer than the
/// capacity hold a task; otherwise `submit` blocks (or refuses, see
/// [`PoolBuilder::nonblocking`]). See the [crate docs](crate) for the whole
/// behaviour and `DESIGN.md` for the protocol.
///
/// Cloning is cheap and shares the pool; dropping the last clone releases it
/// and waits for its workers (like [`TaskPool::stop_wait`](taskpool::TaskPool::stop_wait)).
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use taskpool_ants::Pool;
///
/// let pool = Pool::new(4);
/// let hits = Arc::new(AtomicUsize::new(0));
/// for _ in 0..100 {
///     let hits = Arc::clone(&hits);
///     pool.submit(move || { hits.fetch_add(1, Ordering::Relaxed); }).unwrap();
/// }
/// pool.wait_idle();
/// assert_eq!(hits.load(Ordering::Relaxed), 100);
/// ```
#[derive(Clone)]
pub struct Pool {
    handle: Arc<Handle<Task>>,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.handle.inner, f)
    }
}

impl Pool {
    /// A pool of at most `capacity` workers with the default settings
    /// (blocking submit, idle workers expire after
    /// [`DEFAULT_EXPIRY`](crate::DEFAULT_EXPIRY)). Starts the purge thread;
    /// workers start on demand.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(8);
    /// assert_eq!(pool.cap(), Some(8));
    /// ```
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 or above [`MAX_CAPACITY`](taskpool::MAX_CAPACITY),
    /// or if the purge thread cannot be started. [`Pool::builder`] returns
    /// these as a [`BuildError`] instead (and takes a higher
    /// [`capacity_limit`](PoolBuilder::capacity_limit)).
    ///
    /// ```should_panic
    /// let pool = taskpool_ants::Pool::new(0); // panics: capacity must be at least 1
    /// ```
    pub fn new(capacity: usize) -> Pool {
        match Pool::builder().capacity(capacity).build() {
            Ok(pool) => pool,
            Err(err) => panic!("taskpool_ants::Pool::new: {err}"),
        }
    }

    /// A builder for every setting.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = taskpool_ants::Pool::builder()
    ///     .capacity(16)
    ///     .expiry(Duration::from_millis(500))
    ///     .nonblocking(true)
    ///     .thread_name("web")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(pool.cap(), Some(16));
    /// ```
    pub fn builder() -> PoolBuilder {
        PoolBuilder::new()
    }

    pub(crate) fn inner(&self) -> &Inner<Task> {
        &self.handle.inner
    }

    pub(crate) fn clock(&self) -> &dyn Clock {
        &*self.inner().cfg.clock
    }

    pub(crate) fn quiet_count(&self) -> Option<u64> {
        self.inner().quiet_count()
    }

    pub(crate) fn submit_task(&self, task: Task, wait_for: Wait) -> Result<(), SubmitError> {
        submit(&self.handle.inner, task, wait_for).map_err(|(why, task)| match why {
            Refusal::Stopped => SubmitError::stopped(task),
            Refusal::Overloaded => SubmitError::overloaded(task),
        })
    }

    /// Runs `f` on a worker.
    ///
    /// Takes the most recently used idle worker, or starts one while fewer
    /// than the capacity hold a task. Otherwise, by the pool's mode: blocks
    /// until a worker comes back (default); refuses with
    /// [`SubmitErrorKind::Overloaded`](taskpool::SubmitErrorKind::Overloaded) in nonblocking mode, or when
    /// [`max_blocking_tasks`](PoolBuilder::max_blocking_tasks) callers are
    /// already blocked, or when called from one of this pool's own tasks
    /// (blocking there could deadlock the pool). After
    /// [`release`](Pool::release) it refuses with [`SubmitErrorKind::Stopped`](taskpool::SubmitErrorKind::Stopped);
    /// a caller blocked when the pool is released gets that error too. A
    /// refused closure comes back boxed inside the error.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(1);
    /// pool.submit(|| println!("on a worker")).unwrap();
    /// pool.release();
    /// assert!(pool.submit(|| ()).unwrap_err().is_stopped());
    /// ```
    pub fn submit<F>(&self, f: F) -> Result<(), SubmitError>
    where
        F: FnOnce() + Send + 'static,
    {
        self.submit_task(taskpool::into_task(f), Wait::Forever)
    }

    /// Like [`submit`](Pool::submit) but never waits: a full pool refuses
    /// with [`SubmitErrorKind::Overloaded`](taskpool::SubmitErrorKind::Overloaded) at once. The refusal takes no lock,
    /// makes no system call and allocates nothing beyond the box the caller
    /// already made.
    ///
    /// ```
    /// use std::sync::mpsc;
    /// let pool = taskpool_ants::Pool::new(1);
    /// let (tx, rx) = mpsc::channel::<()>();
    /// pool.submit(move || { rx.recv().ok(); }).unwrap();
    /// assert!(pool.try_submit(|| ()).unwrap_err().is_overloaded());
    /// drop(tx);
    /// ```
    pub fn try_submit<F>(&self, f: F) -> Result<(), SubmitError>
    where
        F: FnOnce() + Send + 'static,
    {
        self.submit_task(taskpool::into_task(f), Wait::Never)
    }

    /// Like [`submit`](Pool::submit) but waits at most `timeout` (by the
    /// pool's [`Clock`]) for a worker; then refuses with
    /// [`SubmitErrorKind::Overloaded`](taskpool::SubmitErrorKind::Overloaded). Nonblocking mode and the bound on blocked
    /// callers apply as for `submit`; from inside one of this pool's own
    /// tasks it does wait (the wait is bounded).
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = taskpool_ants::Pool::new(1);
    /// pool.submit_timeout(|| (), Duration::from_secs(1)).unwrap();
    /// ```
    pub fn submit_timeout<F>(&self, f: F, timeout: Duration) -> Result<(), SubmitError>
    where
        F: FnOnce() + Send + 'static,
    {
        let wait_for = match self.inner().cfg.clock.now().checked_add(timeout) {
            Some(deadline) => Wait::Until(deadline),
            None => Wait::Forever,
        };
        self.submit_task(taskpool::into_task(f), wait_for)
    }

    /// Changes the capacity at run time.
    ///
    /// Growing wakes blocked submitters at once. Shrinking never interrupts a
    /// task: surplus idle workers are stopped now, busy ones retire when
    /// their task returns, and no new task starts until fewer than the new
    /// capacity are busy. Errors: zero ([`TuneError::Zero`]), or an
    /// unlimited pool ([`TuneError::Unlimited`]). Unlike upstream, a
    /// pre-allocated pool can be tuned (its ring grows when the capacity does).
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(2);
    /// pool.tune(8).unwrap();
    /// assert_eq!(pool.cap(), Some(8));
    /// ```
    pub fn tune(&self, capacity: usize) -> Result<(), TuneError> {
        self.inner().tune(capacity)
    }

    /// The capacity now; `None` for an unlimited pool (upstream: -1).
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::builder().unlimited().build().unwrap();
    /// assert_eq!(pool.cap(), None);
    /// ```
    pub fn cap(&self) -> Option<usize> {
        self.inner().cap()
    }

    /// Tasks executing now (workers holding a task). Upstream's `Running`
    /// counts live workers instead; that is [`workers`](Pool::workers) here.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(2);
    /// assert_eq!(pool.running(), 0);
    /// ```
    pub fn running(&self) -> usize {
        self.inner().running()
    }

    /// Live worker threads: busy ones, idle ones, and ones told to exit that
    /// have not finished yet.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(2);
    /// pool.submit(|| ()).unwrap();
    /// pool.wait_idle();
    /// assert_eq!(pool.workers(), 1); // kept idle until it expires
    /// ```
    pub fn workers(&self) -> usize {
        self.inner().workers()
    }

    /// Idle workers waiting for a task now.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(2);
    /// assert_eq!(pool.idle_workers(), 0);
    /// ```
    pub fn idle_workers(&self) -> usize {
        self.inner().idle_workers()
    }

    /// How many more tasks could start now: capacity minus
    /// [`running`](Pool::running); `None` when unlimited.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(3);
    /// assert_eq!(pool.free(), Some(3));
    /// ```
    pub fn free(&self) -> Option<usize> {
        self.inner().free()
    }

    /// Submitters blocked in `submit`/`submit_timeout` now.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(1);
    /// assert_eq!(pool.waiting(), 0);
    /// ```
    pub fn waiting(&self) -> usize {
        self.inner().waiting()
    }

    /// True between [`release`](Pool::release) (or `stop`) and
    /// [`reboot`](Pool::reboot).
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(1);
    /// pool.release();
    /// assert!(pool.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner().is_closed()
    }

    /// Closes the pool without waiting: new submissions are refused with
    /// `Stopped`, blocked submitters wake up with `Stopped` and their task,
    /// idle workers exit, busy workers exit when their task returns (every
    /// task already handed to a worker still runs). Idempotent.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(1);
    /// pool.release();
    /// pool.release();
    /// assert!(pool.is_closed());
    /// ```
    pub fn release(&self) {
        self.inner().release();
    }

    /// [`release`](Pool::release), then waits until every worker thread has
    /// exited, and joins them: the unbounded form of
    /// [`release_timeout`](Pool::release_timeout), and what
    /// [`TaskPool::stop_wait`](taskpool::TaskPool::stop_wait) does. There is
    /// no queue, so every task that was accepted runs before its worker
    /// exits. From inside one of this pool's tasks it does not wait for the
    /// calling worker (nor for workers whose tasks wait the same way).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    /// let pool = taskpool_ants::Pool::new(2);
    /// let ran = Arc::new(AtomicBool::new(false));
    /// let flag = Arc::clone(&ran);
    /// pool.submit(move || flag.store(true, Ordering::SeqCst)).unwrap();
    /// pool.release_wait();
    /// assert!(ran.load(Ordering::SeqCst));
    /// assert_eq!(pool.workers(), 0);
    /// ```
    pub fn release_wait(&self) {
        self.inner().shutdown();
    }

    /// [`release`](Pool::release), then waits at most `timeout` (by the
    /// pool's clock) until every worker thread has exited; joins them.
    /// Unlike upstream, calling it again on a released pool waits again
    /// instead of failing. From inside one of this pool's tasks it does not
    /// wait for the calling worker.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = taskpool_ants::Pool::new(2);
    /// pool.submit(|| std::thread::sleep(Duration::from_millis(10))).unwrap();
    /// pool.release_timeout(Duration::from_secs(60)).unwrap();
    /// assert_eq!(pool.workers(), 0);
    /// ```
    pub fn release_timeout(&self, timeout: Duration) -> Result<(), TimedOut> {
        self.inner().release_timeout(timeout)
    }

    /// Opens a released pool again (and restarts its purge thread). Does
    /// nothing on an open pool. Workers still finishing tasks from before
    /// the release rejoin the idle list.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(1);
    /// pool.release();
    /// pool.reboot();
    /// pool.submit(|| ()).unwrap();
    /// ```
    pub fn reboot(&self) {
        reboot(&self.handle.inner);
    }

    /// Blocks until no task is running and no submitter is blocked, without
    /// closing the pool. From inside one of this pool's tasks it does not
    /// count the calling task.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(2);
    /// pool.submit(|| ()).unwrap();
    /// pool.wait_idle();
    /// assert_eq!(pool.running(), 0);
    /// ```
    pub fn wait_idle(&self) {
        self.inner().wait_idle();
    }

    /// Counters: capacity (`usize::MAX` when unlimited), workers, running,
    /// waiting (blocked submitters), completed, panicked.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(2);
    /// pool.submit(|| ()).unwrap();
    /// pool.wait_idle();
    /// assert_eq!(pool.stats().completed, 1);
    /// ```
    pub fn stats(&self) -> PoolStats {
        self.inner().stats()
    }

    /// Runs one purge pass now: stops the idle workers whose last task
    /// finished at least the expiry duration ago by the pool's [`Clock`].
    /// Returns how many were told to exit. Works with purging disabled too
    /// (then it is the only way idle workers expire).
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskpool_ants::{ManualClock, Pool};
    /// let clock = ManualClock::new();
    /// let pool = Pool::builder().capacity(2).purge(false).clock(clock.clone()).build().unwrap();
    /// pool.submit(|| ()).unwrap();
    /// pool.wait_idle();
    /// clock.advance(Duration::from_secs(2));
    /// assert_eq!(pool.purge_expired(), 1);
    /// ```
    pub fn purge_expired(&self) -> usize {
        self.inner().purge_expired()
    }

    /// True when the calling thread is one of this pool's workers (or, for a
    /// pool of a [`MultiPool`](crate::MultiPool), of one of its siblings).
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(1);
    /// assert!(!pool.is_worker_thread());
    /// ```
    pub fn is_worker_thread(&self) -> bool {
        self.inner().on_own_worker()
    }
}

impl PoolBuilder {
    /// Builds a [`Pool`] of closures and starts its purge thread (workers
    /// start on demand).
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::builder().capacity(2).build().unwrap();
    /// pool.submit(|| ()).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// A [`BuildError`] naming the setting: a capacity of 0 or above the
    /// [`capacity_limit`](PoolBuilder::capacity_limit), a zero expiry,
    /// pre-allocation of an unlimited pool, `max_blocking_tasks(0)`, a thread
    /// name with a NUL byte; or when the purge thread cannot be started.
    pub fn build(self) -> Result<Pool, BuildError> {
        let cfg = self.config()?;
        let inner = lifecycle::start(cfg, Box::new(|task: Task| task()))
            .map_err(|e| BuildError::with_source("could not start the purge thread", e))?;
        Ok(Pool {
            handle: Arc::new(Handle { inner }),
        })
    }
}
