//! [`Pool`] (closures), its [`PoolBuilder`], and the [`TaskPool`] impl.

use std::fmt;
use std::time::Duration;

use taskpool::{BuildError, PoolStats, SubmitError, Task, TaskPool};

use crate::clock::{Clock, SystemClock};
use crate::engine::{self, Config, Inner, PanicHandler, Refusal, Wait};
use crate::error::{TimedOut, TuneError};
use crate::func::PoolWithFunc;
use crate::sync::{Arc, Shared};

/// The default expiry of idle workers (upstream's `DefaultCleanIntervalTime`).
pub const DEFAULT_EXPIRY: Duration = Duration::from_secs(1);

/// The user-facing owner of a pool's engine. When the last one is dropped the
/// pool shuts down like `stop_wait` (rule 8). Worker threads hold only the
/// engine (`Inner`), never a `Handle`, so they cannot keep a pool alive.
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
/// and waits for its workers (like [`TaskPool::stop_wait`]).
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use taskpool_ants::Pool;
///
/// let pool = Pool::new(4).unwrap();
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
    /// (blocking submit, idle workers expire after 1 s).
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(8).unwrap();
    /// assert_eq!(pool.cap(), Some(8));
    /// assert!(taskpool_ants::Pool::new(0).is_err());
    /// ```
    pub fn new(capacity: usize) -> Result<Pool, BuildError> {
        Pool::builder().capacity(capacity).build()
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

    fn inner(&self) -> &Inner<Task> {
        &self.handle.inner
    }

    pub(crate) fn clock(&self) -> &dyn Clock {
        &*self.inner().cfg.clock
    }

    pub(crate) fn quiet_count(&self) -> Option<u64> {
        self.inner().quiet_count()
    }

    pub(crate) fn submit_task(&self, task: Task, wait_for: Wait) -> Result<(), SubmitError> {
        engine::submit(&self.handle.inner, task, wait_for).map_err(|(why, task)| match why {
            Refusal::Stopped => SubmitError::Stopped(task),
            Refusal::Overloaded => SubmitError::Overloaded(task),
        })
    }

    /// Runs `f` on a worker.
    ///
    /// Takes the most recently used idle worker, or starts one while fewer
    /// than the capacity hold a task. Otherwise, by the pool's mode: blocks
    /// until a worker comes back (default); refuses with
    /// [`SubmitError::Overloaded`] in nonblocking mode, or when
    /// [`max_blocking_tasks`](PoolBuilder::max_blocking_tasks) callers are
    /// already blocked, or when called from one of this pool's own tasks
    /// (blocking there could deadlock the pool). After
    /// [`release`](Pool::release) it refuses with [`SubmitError::Stopped`];
    /// a caller blocked when the pool is released gets that error too. A
    /// refused closure comes back boxed inside the error.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(1).unwrap();
    /// pool.submit(|| println!("on a worker")).unwrap();
    /// pool.release();
    /// assert!(pool.submit(|| ()).unwrap_err().is_stopped());
    /// ```
    pub fn submit<F>(&self, f: F) -> Result<(), SubmitError>
    where
        F: FnOnce() + Send + 'static,
    {
        self.submit_task(Box::new(f), Wait::Forever)
    }

    /// Like [`submit`](Pool::submit) but never waits: a full pool refuses
    /// with [`SubmitError::Overloaded`] at once. The refusal takes no lock,
    /// makes no system call and allocates nothing beyond the box the caller
    /// already made.
    ///
    /// ```
    /// use std::sync::mpsc;
    /// let pool = taskpool_ants::Pool::new(1).unwrap();
    /// let (tx, rx) = mpsc::channel::<()>();
    /// pool.submit(move || { rx.recv().ok(); }).unwrap();
    /// assert!(pool.try_submit(|| ()).unwrap_err().is_overloaded());
    /// drop(tx);
    /// ```
    pub fn try_submit<F>(&self, f: F) -> Result<(), SubmitError>
    where
        F: FnOnce() + Send + 'static,
    {
        self.submit_task(Box::new(f), Wait::Never)
    }

    /// Like [`submit`](Pool::submit) but waits at most `timeout` (by the
    /// pool's [`Clock`]) for a worker; then refuses with
    /// [`SubmitError::Overloaded`]. Nonblocking mode and the bound on blocked
    /// callers apply as for `submit`; from inside one of this pool's own
    /// tasks it does wait (the wait is bounded).
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = taskpool_ants::Pool::new(1).unwrap();
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
        self.submit_task(Box::new(f), wait_for)
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
    /// let pool = taskpool_ants::Pool::new(2).unwrap();
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
    /// let pool = taskpool_ants::Pool::new(2).unwrap();
    /// assert_eq!(pool.running(), 0);
    /// ```
    pub fn running(&self) -> usize {
        self.inner().running()
    }

    /// Live worker threads: busy ones, idle ones, and ones told to exit that
    /// have not finished yet.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(2).unwrap();
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
    /// let pool = taskpool_ants::Pool::new(2).unwrap();
    /// assert_eq!(pool.idle_workers(), 0);
    /// ```
    pub fn idle_workers(&self) -> usize {
        self.inner().idle_workers()
    }

    /// How many more tasks could start now: capacity minus
    /// [`running`](Pool::running); `None` when unlimited.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(3).unwrap();
    /// assert_eq!(pool.free(), Some(3));
    /// ```
    pub fn free(&self) -> Option<usize> {
        self.inner().free()
    }

    /// Submitters blocked in `submit`/`submit_timeout` now.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(1).unwrap();
    /// assert_eq!(pool.waiting(), 0);
    /// ```
    pub fn waiting(&self) -> usize {
        self.inner().waiting()
    }

    /// True between [`release`](Pool::release) (or `stop`) and
    /// [`reboot`](Pool::reboot).
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(1).unwrap();
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
    /// let pool = taskpool_ants::Pool::new(1).unwrap();
    /// pool.release();
    /// pool.release();
    /// assert!(pool.is_closed());
    /// ```
    pub fn release(&self) {
        self.inner().release();
    }

    /// [`release`](Pool::release), then waits at most `timeout` (by the
    /// pool's clock) until every worker thread has exited; joins them.
    /// Unlike upstream, calling it again on a released pool waits again
    /// instead of failing. From inside one of this pool's tasks it does not
    /// wait for the calling worker.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = taskpool_ants::Pool::new(2).unwrap();
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
    /// let pool = taskpool_ants::Pool::new(1).unwrap();
    /// pool.release();
    /// pool.reboot();
    /// pool.submit(|| ()).unwrap();
    /// ```
    pub fn reboot(&self) {
        engine::reboot(&self.handle.inner);
    }

    /// Blocks until no task is running and no submitter is blocked, without
    /// closing the pool. From inside one of this pool's tasks it does not
    /// count the calling task.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::new(2).unwrap();
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
    /// let pool = taskpool_ants::Pool::new(2).unwrap();
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
    /// let pool = Pool::builder().capacity(2).disable_purge().clock(clock.clone()).build().unwrap();
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
    /// let pool = taskpool_ants::Pool::new(1).unwrap();
    /// assert!(!pool.is_worker_thread());
    /// ```
    pub fn is_worker_thread(&self) -> bool {
        self.inner().on_own_worker()
    }
}

impl TaskPool for Pool {
    fn name(&self) -> &str {
        "ants"
    }

    fn submit(&self, task: Task) -> Result<(), SubmitError> {
        self.submit_task(task, Wait::Forever)
    }

    /// Releases and waits for every worker to exit. There is no queue: every
    /// accepted task is already in a worker's hands and runs; blocked
    /// submitters get `Stopped`. From one of the pool's own tasks it does not
    /// wait for the calling worker.
    fn stop(&self) {
        self.inner().shutdown();
    }

    /// The same as [`stop`](TaskPool::stop): with no queue, every accepted
    /// task has a worker and finishes before the workers exit.
    fn stop_wait(&self) {
        self.inner().shutdown();
    }

    fn is_stopped(&self) -> bool {
        self.is_closed()
    }

    fn stats(&self) -> PoolStats {
        self.inner().stats()
    }

    fn try_submit(&self, task: Task) -> Result<(), SubmitError> {
        self.submit_task(task, Wait::Never)
    }

    fn wait_idle(&self) {
        self.inner().wait_idle();
    }
}

/// How many workers a builder allows.
#[derive(Debug, Clone, Copy)]
enum Capacity {
    /// Not set: the number of available cores.
    Default,
    Limited(usize),
    Unlimited,
}

/// Settings for a [`Pool`], a [`PoolWithFunc`] or a
/// [`MultiPool`](crate::MultiPool). `build` checks them and returns a
/// [`BuildError`] naming the bad one.
///
/// ```
/// use std::time::Duration;
/// use taskpool_ants::Pool;
/// assert!(Pool::builder().capacity(0).build().is_err());
/// assert!(Pool::builder().expiry(Duration::ZERO).build().is_err());
/// assert!(Pool::builder().unlimited().prealloc(true).build().is_err());
/// assert!(Pool::builder().max_blocking_tasks(0).build().is_err());
/// ```
#[derive(Clone)]
pub struct PoolBuilder {
    capacity: Capacity,
    expiry: Duration,
    purge: bool,
    prealloc: bool,
    nonblocking: bool,
    max_blocking: Option<usize>,
    panic_handler: Option<PanicHandler>,
    thread_name: String,
    clock: Shared<dyn Clock>,
    /// Set by `MultiPool` so its pools share one identity for "inside".
    group: Option<usize>,
}

impl fmt::Debug for PoolBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolBuilder")
            .field("capacity", &self.capacity)
            .field("expiry", &self.expiry)
            .field("purge", &self.purge)
            .field("prealloc", &self.prealloc)
            .field("nonblocking", &self.nonblocking)
            .field("max_blocking", &self.max_blocking)
            .field("panic_handler", &self.panic_handler.as_ref().map(|_| ".."))
            .field("thread_name", &self.thread_name)
            .field("clock", &self.clock)
            .finish()
    }
}

impl Default for PoolBuilder {
    fn default() -> Self {
        PoolBuilder::new()
    }
}

impl PoolBuilder {
    /// The defaults: capacity = available cores, expiry 1 s with purging on,
    /// no pre-allocation, blocking submit with no bound on blocked callers,
    /// panics counted (and printed by the panic hook), threads named
    /// `ants-worker-N`, the system clock.
    ///
    /// ```
    /// let pool = taskpool_ants::PoolBuilder::new().build().unwrap();
    /// assert!(pool.cap().unwrap() >= 1);
    /// ```
    pub fn new() -> Self {
        PoolBuilder {
            capacity: Capacity::Default,
            expiry: DEFAULT_EXPIRY,
            purge: true,
            prealloc: false,
            nonblocking: false,
            max_blocking: None,
            panic_handler: None,
            thread_name: "ants-worker".to_owned(),
            clock: Shared::new(SystemClock),
            group: None,
        }
    }

    /// At most `n` tasks at once (zero is refused by `build`).
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::builder().capacity(3).build().unwrap();
    /// assert_eq!(pool.cap(), Some(3));
    /// ```
    pub fn capacity(mut self, n: usize) -> Self {
        self.capacity = Capacity::Limited(n);
        self
    }

    /// No limit: every submit that finds no idle worker starts one (upstream:
    /// a size of -1). Cannot be tuned or pre-allocated.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::builder().unlimited().build().unwrap();
    /// assert_eq!(pool.free(), None);
    /// ```
    pub fn unlimited(mut self) -> Self {
        self.capacity = Capacity::Unlimited;
        self
    }

    /// Idle workers older than this are stopped by the purge thread, which
    /// also wakes up this often (default 1 s; zero is refused).
    ///
    /// ```
    /// use std::time::Duration;
    /// let b = taskpool_ants::Pool::builder().expiry(Duration::from_millis(100));
    /// assert!(b.build().is_ok());
    /// ```
    pub fn expiry(mut self, expiry: Duration) -> Self {
        self.expiry = expiry;
        self
    }

    /// No purge thread: idle workers live until release (or a manual
    /// [`Pool::purge_expired`]).
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::builder().capacity(1).disable_purge().build().unwrap();
    /// pool.submit(|| ()).unwrap();
    /// ```
    pub fn disable_purge(mut self) -> Self {
        self.purge = false;
        self
    }

    /// Keep idle workers in a ring whose storage is reserved for the whole
    /// capacity up front, reused first-in first-out (upstream's loop queue).
    /// Refused for an unlimited pool.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::builder().capacity(4).prealloc(true).build().unwrap();
    /// pool.submit(|| ()).unwrap();
    /// ```
    pub fn prealloc(mut self, yes: bool) -> Self {
        self.prealloc = yes;
        self
    }

    /// In nonblocking mode `submit` on a full pool refuses with
    /// `Overloaded` instead of waiting (and `max_blocking_tasks` is moot).
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::builder().capacity(1).nonblocking(true).build().unwrap();
    /// assert!(pool.submit(|| ()).is_ok());
    /// ```
    pub fn nonblocking(mut self, yes: bool) -> Self {
        self.nonblocking = yes;
        self
    }

    /// At most `n` submitters may be blocked at once; the next is refused
    /// with `Overloaded`. Zero is refused by `build` (use `nonblocking`);
    /// upstream used 0 for "no bound", which is the default here.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::builder().capacity(1).max_blocking_tasks(4).build().unwrap();
    /// assert_eq!(pool.waiting(), 0);
    /// ```
    pub fn max_blocking_tasks(mut self, n: usize) -> Self {
        self.max_blocking = Some(n);
        self
    }

    /// Called on the worker with the payload of every task that panics,
    /// exactly once per panic. The worker survives and the panic is counted
    /// either way; a panic inside the handler is caught and dropped.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// let seen = Arc::new(AtomicUsize::new(0));
    /// let s = Arc::clone(&seen);
    /// let pool = taskpool_ants::Pool::builder()
    ///     .capacity(1)
    ///     .panic_handler(move |_payload| { s.fetch_add(1, Ordering::SeqCst); })
    ///     .build()
    ///     .unwrap();
    /// pool.submit(|| panic!("boom")).unwrap();
    /// pool.wait_idle();
    /// assert_eq!(seen.load(Ordering::SeqCst), 1);
    /// ```
    pub fn panic_handler<H>(mut self, handler: H) -> Self
    where
        H: Fn(Box<dyn std::any::Any + Send>) + Send + Sync + 'static,
    {
        self.panic_handler = Some(Shared::new(handler));
        self
    }

    /// Worker threads are named `{prefix}-{n}`, the purge thread
    /// `{prefix}-purge`.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::builder().capacity(1).thread_name("io").build().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// pool.submit(move || tx.send(std::thread::current().name().map(str::to_owned)).unwrap()).unwrap();
    /// assert_eq!(rx.recv().unwrap().as_deref(), Some("io-0"));
    /// ```
    pub fn thread_name(mut self, prefix: impl Into<String>) -> Self {
        self.thread_name = prefix.into();
        self
    }

    /// The clock for expiry and timeouts (default [`SystemClock`]).
    ///
    /// ```
    /// let clock = taskpool_ants::ManualClock::new();
    /// let pool = taskpool_ants::Pool::builder().capacity(1).clock(clock).build().unwrap();
    /// assert_eq!(pool.cap(), Some(1));
    /// ```
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Shared::new(clock);
        self
    }

    /// The same settings, for pools that share one "inside" identity.
    pub(crate) fn in_group(&self, group: usize) -> Self {
        let mut b = self.clone();
        b.group = Some(group);
        b
    }

    pub(crate) fn config(&self) -> Result<Config, BuildError> {
        let capacity = match self.capacity {
            Capacity::Limited(0) => return Err(BuildError::zero("capacity")),
            Capacity::Limited(n) => Some(n),
            Capacity::Unlimited => None,
            Capacity::Default => Some(std::thread::available_parallelism().map_or(1, |n| n.get())),
        };
        if self.expiry.is_zero() {
            return Err(BuildError::new("expiry must be longer than zero, got 0s"));
        }
        if self.prealloc && capacity.is_none() {
            return Err(BuildError::new(
                "pre-allocation needs a bounded capacity, but the pool is unlimited",
            ));
        }
        if self.max_blocking == Some(0) {
            return Err(BuildError::new(
                "max_blocking_tasks must be at least 1, got 0 (use nonblocking(true) to never block)",
            ));
        }
        Ok(Config {
            capacity,
            expiry: self.expiry,
            purge: self.purge,
            prealloc: self.prealloc,
            nonblocking: self.nonblocking,
            max_blocking: self.max_blocking,
            panic_handler: self.panic_handler.clone(),
            thread_name: self.thread_name.clone(),
            clock: Shared::clone(&self.clock),
            group: self.group,
        })
    }

    /// Builds a [`Pool`] of closures.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::builder().capacity(2).build().unwrap();
    /// pool.submit(|| ()).unwrap();
    /// ```
    pub fn build(&self) -> Result<Pool, BuildError> {
        let cfg = self.config()?;
        let inner = Inner::start(cfg, Box::new(|task: Task| task()))
            .map_err(|e| BuildError::with_source("could not start the purge thread", e))?;
        Ok(Pool {
            handle: Arc::new(Handle { inner }),
        })
    }

    /// Builds a [`PoolWithFunc`] that runs `f` on every argument it is
    /// given.
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::builder()
    ///     .capacity(2)
    ///     .build_with_func(|n: u64| { let _ = n * 2; })
    ///     .unwrap();
    /// pool.invoke(21).unwrap();
    /// ```
    pub fn build_with_func<T, F>(&self, f: F) -> Result<PoolWithFunc<T>, BuildError>
    where
        T: Send + 'static,
        F: Fn(T) + Send + Sync + 'static,
    {
        let cfg = self.config()?;
        let inner = Inner::start(cfg, Box::new(f))
            .map_err(|e| BuildError::with_source("could not start the purge thread", e))?;
        Ok(PoolWithFunc::from_inner(inner))
    }
}
