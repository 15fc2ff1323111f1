//! [`Builder`] and [`FullPolicy`]: a pool's settings before it starts.
//! `build` is with the pool (`pool.rs`), so this file does not depend on it.

use std::any::Any;
use std::fmt;
use std::time::Duration;

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
/// let err = WorkerPool::builder().max_workers(0).build().unwrap_err();
/// assert_eq!(err.to_string(), "max_workers must be at least 1, got 0");
///
/// let pool = WorkerPool::builder()
///     .max_workers(2)
///     .idle_timeout(None) // never reap idle workers
///     .panic_handler(|payload| eprintln!("task panicked: {:?}", taskpool::panic_message(&*payload)))
///     .build()
///     .unwrap();
/// pool.stop_wait();
/// ```
pub struct Builder {
    pub(crate) max_workers: Option<usize>,
    pub(crate) idle_timeout: Option<Duration>,
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
    /// (`std::thread::available_parallelism`), [`DEFAULT_IDLE_TIMEOUT`], unbounded
    /// queue, threads named `workerpool-N`, no panic handler, system clock.
    pub fn new() -> Self {
        Builder {
            max_workers: None,
            idle_timeout: Some(DEFAULT_IDLE_TIMEOUT),
            thread_name: "workerpool".to_owned(),
            panic_handler: None,
            max_queued: None,
            when_full: None,
            clock: None,
        }
    }

    /// The most worker threads that run at once (at least 1).
    pub fn max_workers(mut self, max_workers: usize) -> Self {
        self.max_workers = Some(max_workers);
        self
    }

    /// After traffic stops, one idle worker exits per `timeout` until none is
    /// left. `None` keeps idle workers until shutdown. A zero timeout is an
    /// error (use `None` to disable reaping).
    pub fn idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Prefix of the thread names: workers are `PREFIX-N`, the dispatcher is
    /// `PREFIX-dispatcher`.
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
    /// The default is unbounded, like the Go original.
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
            .field("max_workers", &self.max_workers)
            .field("idle_timeout", &self.idle_timeout)
            .field("thread_name", &self.thread_name)
            .field("panic_handler", &self.panic_handler.is_some())
            .field("max_queued", &self.max_queued)
            .field("when_full", &self.when_full)
            .field("clock", &self.clock)
            .finish()
    }
}
