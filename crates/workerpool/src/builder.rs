//! [`Builder`] and [`FullPolicy`].

use std::any::Any;
use std::fmt;
use std::time::{Duration, Instant};

use taskpool::BuildError;

use crate::clock::{Clock, ManualClock};
use crate::dispatch::{Dispatcher, Shared};
use crate::sync::{channel, thread, Arc};
use crate::{PanicHandler, WorkerPool};

/// The idle period after which one idle worker exits, unless configured.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(2);

/// What `submit` does when a bounded queue ([`Builder::max_queued`]) is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FullPolicy {
    /// Wait until a queued task starts (from one of the pool's own tasks:
    /// refuse with `Overloaded` instead, which cannot deadlock).
    Block,
    /// Refuse with [`SubmitError::Overloaded`](taskpool::SubmitError::Overloaded)
    /// and hand the task back.
    Reject,
}

/// Configures and starts a [`WorkerPool`].
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
    max_workers: Option<usize>,
    idle_timeout: Option<Duration>,
    thread_name: String,
    panic_handler: Option<PanicHandler>,
    max_queued: Option<usize>,
    when_full: Option<FullPolicy>,
    clock: Option<ManualClock>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// The defaults: as many workers as the machine has cores
    /// (`std::thread::available_parallelism`), 2 s idle timeout, unbounded
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

    /// Checks the settings and starts the dispatcher thread (no worker threads
    /// start until tasks arrive).
    ///
    /// # Errors
    ///
    /// A [`BuildError`] naming the setting for `max_workers(0)`,
    /// `max_queued(0)`, a zero idle timeout, `when_full` without `max_queued`,
    /// a thread name containing a NUL byte, or when the dispatcher thread
    /// cannot be started.
    pub fn build(self) -> Result<WorkerPool, BuildError> {
        let max_workers = match self.max_workers {
            Some(0) => return Err(BuildError::zero("max_workers")),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        if self.idle_timeout == Some(Duration::ZERO) {
            return Err(BuildError::new(
                "idle_timeout must be longer than zero; use None to disable idle reaping",
            ));
        }
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
        let shared = Arc::new(Shared::new(
            max_workers,
            limit,
            self.panic_handler,
            tx.clone(),
        ));
        let clock = match self.clock {
            Some(manual) => {
                manual.subscribe(tx.clone(), Arc::clone(&shared));
                Clock::Manual(manual)
            }
            None => Clock::System(Instant::now()),
        };
        let dispatcher = Dispatcher::new(
            Arc::clone(&shared),
            rx,
            clock,
            self.idle_timeout,
            self.thread_name.clone(),
        );
        let handle = thread::Builder::new()
            .name(format!("{}-dispatcher", self.thread_name))
            .spawn(move || dispatcher.run())
            .map_err(|e| BuildError::with_source("could not start the dispatcher thread", e))?;
        Ok(WorkerPool::from_parts(shared, tx, handle))
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
