//! [`Builder`] and [`FullPolicy`]: a pool's settings before it starts.
//! `build` is with the pool (`pool.rs`), so this file does not depend on it.

use std::any::Any;
use std::fmt;
use std::time::Duration;

use taskpool::MAX_CAPACITY;

use crate::ManualClock;

/// A panic handler as the pool stores it.
pub(crate) type PanicHandler = Box<dyn Fn(Box<dyn Any + Send>) + Send + Sync>;

/// The idle period after which one idle worker exits, unless configured:
/// two seconds, the default of gammazero/workerpool.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(2);

/// What `submit` does when a bounded queue ([`Builder::max_queued`]) is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FullPolicy {
    /// Wait until a queued task starts (from one of the pool's own tasks:
    /// refuse with `Overloaded` instead, which cannot deadlock).
    Block,
    /// Refuse with [`SubmitErrorKind::Overloaded`](taskpool::SubmitErrorKind::Overloaded)
    /// and hand the task back.
    Reject,
}

/// Configures and starts a [`WorkerPool`](crate::WorkerPool).
///
/// ```
/// use std::time::Duration;
/// use taskpool_workerpool::WorkerPool;
///
/// let err = WorkerPool::builder().capacity(0).build().unwrap_err();
/// assert_eq!(err.to_string(), "capacity must be at least 1, got 0");
///
/// let pool = WorkerPool::builder()
///     .capacity(2)
///     .reap_idle(false) // never reap idle workers
///     .panic_handler(|payload| eprintln!("task panicked: {:?}", taskpool::panic_message(&*payload)))
///     .build()
///     .unwrap();
/// pool.stop_wait();
/// ```
pub struct Builder {
    pub(crate) capacity: Option<usize>,
    pub(crate) capacity_limit: usize,
    pub(crate) idle_timeout: Duration,
    pub(crate) reap_idle: bool,
    pub(crate) thread_name: String,
    pub(crate) panic_handler: Option<PanicHandler>,
    pub(crate) max_queued: Option<usize>,
    pub(crate) when_full: Option<FullPolicy>,
    pub(crate) clock: Option<ManualClock>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// The defaults: as many workers as the machine has cores
    /// (`std::thread::available_parallelism`, at most the capacity limit,
    /// [`MAX_CAPACITY`]), idle workers reaped after
    /// [`DEFAULT_IDLE_TIMEOUT`], unbounded queue, threads named
    /// `workerpool-N`, no panic handler, system clock.
    pub fn new() -> Self {
        Builder {
            capacity: None,
            capacity_limit: MAX_CAPACITY,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            reap_idle: true,
            thread_name: "workerpool".to_owned(),
            panic_handler: None,
            max_queued: None,
            when_full: None,
            clock: None,
        }
    }

    /// The most worker threads that run at once (Go's `maxWorkers`): at
    /// least 1, at most the [`capacity_limit`](Builder::capacity_limit).
    /// Workers start only when tasks need them.
    pub fn capacity(mut self, n: usize) -> Self {
        self.capacity = Some(n);
        self
    }

    /// The largest capacity `build` accepts (default [`MAX_CAPACITY`]);
    /// raise it when a pool really needs more threads.
    ///
    /// ```
    /// use taskpool_workerpool::WorkerPool;
    /// assert!(WorkerPool::builder().capacity(10_000).build().is_err());
    /// let pool = WorkerPool::builder().capacity(10_000).capacity_limit(10_000).build().unwrap();
    /// assert_eq!(pool.max_workers(), 10_000);
    /// ```
    pub fn capacity_limit(mut self, limit: usize) -> Self {
        self.capacity_limit = limit;
        self
    }

    /// After traffic stops, one idle worker exits per `timeout` until none is
    /// left (default [`DEFAULT_IDLE_TIMEOUT`]; Go's `WithIdleTimeout`). A
    /// zero timeout is an error; a huge one (up to `Duration::MAX`) means
    /// practically never; [`reap_idle(false)`](Builder::reap_idle) says so.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Whether idle workers are reaped after the
    /// [`idle_timeout`](Builder::idle_timeout) (default `true`). With
    /// `false` they stay until shutdown.
    pub fn reap_idle(mut self, yes: bool) -> Self {
        self.reap_idle = yes;
        self
    }

    /// Prefix of the thread names: workers are `PREFIX-N`, the dispatcher is
    /// `PREFIX-dispatcher` (default prefix `workerpool`). A prefix with a NUL
    /// byte is refused by `build`.
    pub fn thread_name(mut self, prefix: impl Into<String>) -> Self {
        self.thread_name = prefix.into();
        self
    }

    /// Called on the worker thread with the payload of every task that panics
    /// (after the panic hook has run). A panic inside the handler is caught and
    /// ignored; the worker carries on.
    pub fn panic_handler<F>(mut self, handler: F) -> Self
    where
        F: Fn(Box<dyn Any + Send>) + Send + Sync + 'static,
    {
        self.panic_handler = Some(Box::new(handler));
        self
    }

    /// Bounds the tasks accepted but not yet started to `n` (at least 1);
    /// what `submit` does beyond that is [`when_full`](Builder::when_full).
    /// The default is unbounded, like the Go original. The bound reserves
    /// no memory, so any `n` is accepted (`usize::MAX` amounts to
    /// unbounded, with the bookkeeping of a bound).
    pub fn max_queued(mut self, n: usize) -> Self {
        self.max_queued = Some(n);
        self
    }

    /// What `submit` does when the bounded queue is full (default
    /// [`FullPolicy::Block`]). Only meaningful with
    /// [`max_queued`](Builder::max_queued); set alone it is an error.
    pub fn when_full(mut self, policy: FullPolicy) -> Self {
        self.when_full = Some(policy);
        self
    }

    /// Drives idle reaping from `clock` instead of the system clock (for
    /// tests; see [`ManualClock`]).
    pub fn clock(mut self, clock: ManualClock) -> Self {
        self.clock = Some(clock);
        self
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("capacity", &self.capacity)
            .field("capacity_limit", &self.capacity_limit)
            .field("idle_timeout", &self.idle_timeout)
            .field("reap_idle", &self.reap_idle)
            .field("thread_name", &self.thread_name)
            .field("panic_handler", &self.panic_handler.is_some())
            .field("max_queued", &self.max_queued)
            .field("when_full", &self.when_full)
            .field("clock", &self.clock)
            .finish()
    }
}
