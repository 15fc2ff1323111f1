//! [`PoolBuilder`]: the settings of a [`Pool`](crate::Pool), a
//! [`PoolWithFunc`](crate::PoolWithFunc) or a [`MultiPool`](crate::MultiPool),
//! and their checks. `build` and `build_with_func` are with the pools they
//! build (`pool.rs`, `func.rs`), so this file depends on neither.

use std::fmt;
use std::time::Duration;

use taskpool::{check_capacity, BuildError, MAX_CAPACITY};
use taskpool_utils::sync::StdArc;
use taskpool_utils::worker_mark::PoolId;

use crate::config::{Config, PanicHandler};
use crate::{Clock, SystemClock};

/// The default expiry of idle workers: one second, upstream's
/// `DefaultCleanIntervalTime`.
pub const DEFAULT_EXPIRY: Duration = Duration::from_secs(1);

/// How many workers a builder allows.
#[derive(Debug, Clone, Copy)]
enum Capacity {
    /// Not set: the number of available cores.
    Default,
    Limited(usize),
    Unlimited,
}

/// Settings for a [`Pool`](crate::Pool), a [`PoolWithFunc`](crate::PoolWithFunc) or a
/// [`MultiPool`](crate::MultiPool). `build` checks them and returns a
/// [`BuildError`] naming the bad one.
///
/// ```
/// use std::time::Duration;
/// use taskpool_ants::Pool;
/// assert!(Pool::builder().capacity(0).build().is_err());
/// assert!(Pool::builder().capacity(taskpool::MAX_CAPACITY + 1).build().is_err());
/// assert!(Pool::builder().expiry(Duration::ZERO).build().is_err());
/// assert!(Pool::builder().unlimited().prealloc(true).build().is_err());
/// assert!(Pool::builder().max_blocking_tasks(0).build().is_err());
/// ```
#[derive(Clone)]
pub struct PoolBuilder {
    capacity: Capacity,
    capacity_limit: usize,
    expiry: Duration,
    purge: bool,
    prealloc: bool,
    nonblocking: bool,
    max_blocking: Option<usize>,
    panic_handler: Option<PanicHandler>,
    thread_name: String,
    clock: StdArc<dyn Clock>,
    /// Set by `MultiPool` so its pools share one identity for "inside".
    group: Option<PoolId>,
}

impl fmt::Debug for PoolBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolBuilder")
            .field("capacity", &self.capacity)
            .field("capacity_limit", &self.capacity_limit)
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
    /// The defaults: capacity = available cores (at most the capacity
    /// limit, [`MAX_CAPACITY`](taskpool::MAX_CAPACITY)), [`DEFAULT_EXPIRY`]
    /// with purging on, no pre-allocation, blocking submit with no bound on
    /// blocked callers, panics counted (and printed by the panic hook),
    /// threads named `ants-worker-N`, the system clock.
    ///
    /// ```
    /// let pool = taskpool_ants::PoolBuilder::new().build().unwrap();
    /// assert!(pool.cap().unwrap() >= 1);
    /// ```
    pub fn new() -> Self {
        PoolBuilder {
            capacity: Capacity::Default,
            capacity_limit: MAX_CAPACITY,
            expiry: DEFAULT_EXPIRY,
            purge: true,
            prealloc: false,
            nonblocking: false,
            max_blocking: None,
            panic_handler: None,
            thread_name: "ants-worker".to_owned(),
            clock: StdArc::new(SystemClock),
            group: None,
        }
    }

    /// At most `n` tasks at once. `build` refuses zero, and more than the
    /// [`capacity_limit`](PoolBuilder::capacity_limit).
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::builder().capacity(3).build().unwrap();
    /// assert_eq!(pool.cap(), Some(3));
    /// ```
    pub fn capacity(mut self, n: usize) -> Self {
        self.capacity = Capacity::Limited(n);
        self
    }

    /// The largest capacity `build` accepts, and that [`tune`](crate::Pool::tune)
    /// may set later (default [`MAX_CAPACITY`](taskpool::MAX_CAPACITY)). Raise
    /// it when a pool really needs more threads; for a
    /// [`MultiPool`](crate::MultiPool) it bounds the total over its pools.
    ///
    /// ```
    /// use taskpool_ants::Pool;
    /// assert!(Pool::builder().capacity(5000).build().is_err());
    /// let pool = Pool::builder().capacity(5000).capacity_limit(10_000).build().unwrap();
    /// assert_eq!(pool.cap(), Some(5000)); // workers still start only on demand
    /// ```
    pub fn capacity_limit(mut self, limit: usize) -> Self {
        self.capacity_limit = limit;
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
    /// also wakes up this often (default [`DEFAULT_EXPIRY`]). Zero is
    /// refused; a huge expiry (up to `Duration::MAX`) means idle workers
    /// practically never expire; [`purge(false)`](PoolBuilder::purge) says so
    /// without a purge thread.
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

    /// Whether a purge thread stops workers idle for longer than the
    /// [`expiry`](PoolBuilder::expiry) (default `true`). With `false`
    /// (upstream's `WithDisablePurge(true)`) idle workers live until release,
    /// or a manual [`Pool::purge_expired`](crate::Pool::purge_expired).
    ///
    /// ```
    /// let pool = taskpool_ants::Pool::builder().capacity(1).purge(false).build().unwrap();
    /// pool.submit(|| ()).unwrap();
    /// ```
    pub fn purge(mut self, yes: bool) -> Self {
        self.purge = yes;
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
    /// upstream used 0 for "no bound", which is the default here (and what
    /// `usize::MAX` amounts to).
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
        self.panic_handler = Some(StdArc::new(handler));
        self
    }

    /// Worker threads are named `{prefix}-{n}`, the purge thread
    /// `{prefix}-purge` (default prefix `ants-worker`). A prefix with a NUL
    /// byte is refused by `build`.
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
        self.clock = StdArc::new(clock);
        self
    }

    /// The same settings, for pools that share one "inside" identity.
    pub(crate) fn in_group(mut self, group: PoolId) -> Self {
        self.group = Some(group);
        self
    }

    /// The capacity asked for: `None` when unlimited, and `Some(0)` when
    /// zero was asked for (refused by [`config`](PoolBuilder::config)).
    pub(crate) fn capacity_setting(&self) -> Option<usize> {
        match self.capacity {
            Capacity::Limited(n) => Some(n),
            Capacity::Unlimited => None,
            Capacity::Default => Some(
                std::thread::available_parallelism()
                    .map_or(1, |n| n.get())
                    .min(self.capacity_limit.max(1)),
            ),
        }
    }

    pub(crate) fn limit(&self) -> usize {
        self.capacity_limit
    }

    pub(crate) fn config(&self) -> Result<Config, BuildError> {
        let capacity = match self.capacity_setting() {
            Some(n) => Some(check_capacity("capacity", n, self.capacity_limit)?),
            None => None,
        };
        if self.thread_name.contains('\0') {
            return Err(BuildError::new("thread_name must not contain a NUL byte"));
        }
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
            capacity_limit: self.capacity_limit,
            expiry: self.expiry,
            purge: self.purge,
            prealloc: self.prealloc,
            nonblocking: self.nonblocking,
            max_blocking: self.max_blocking,
            panic_handler: self.panic_handler.clone(),
            thread_name: self.thread_name.clone(),
            clock: StdArc::clone(&self.clock),
            group: self.group,
        })
    }
}
