//! [`Builder`]: a pool's settings before it starts. `build` is with the pool
//! (`pool.rs`), so this file does not depend on the pool.

use std::fmt;

use taskpool::MAX_CAPACITY;
use taskpool_utils::clock::Clock;

use crate::{ManualClock, Worker};

/// Configures a [`Pool`](crate::Pool): its capacity (the number of
/// workers), the clock its deadlines use, and the names of its threads.
///
/// ```
/// use taskpool_tunny::{FnWorker, Pool};
/// let pool = Pool::builder(|| FnWorker::new(|x: i32| -x))
///     .capacity(3)
///     .thread_name("negator")
///     .build()
///     .unwrap();
/// assert_eq!(pool.size(), 3);
/// assert_eq!(pool.process(5), Ok(-5));
/// assert!(Pool::builder(|| FnWorker::new(|x: i32| -x)).capacity(0).build().is_err());
/// ```
pub struct Builder<W: Worker> {
    pub(crate) factory: Box<dyn Fn() -> W + Send + Sync>,
    /// `None`: the number of cores.
    pub(crate) capacity: Option<usize>,
    pub(crate) capacity_limit: usize,
    pub(crate) allow_empty: bool,
    pub(crate) clock: Clock,
    pub(crate) thread_name: String,
}

impl<W: Worker> Builder<W> {
    /// The defaults: one worker per core (`std::thread::available_parallelism`,
    /// at most the capacity limit, [`MAX_CAPACITY`]), the system clock,
    /// threads named `tunny-worker-N`.
    pub(crate) fn new(factory: Box<dyn Fn() -> W + Send + Sync>) -> Self {
        Builder {
            factory,
            capacity: None,
            capacity_limit: MAX_CAPACITY,
            allow_empty: false,
            clock: Clock::system(),
            thread_name: "tunny-worker".to_string(),
        }
    }

    /// How many workers to start (tunny's `New(n, …)`): each is built by the
    /// factory, on the calling thread, and gets a thread of its own. At least
    /// 1 (unless [`allow_empty`](Builder::allow_empty)), at most the
    /// [`capacity_limit`](Builder::capacity_limit).
    pub fn capacity(mut self, n: usize) -> Self {
        self.capacity = Some(n);
        self
    }

    /// The largest capacity `build` and later
    /// [`set_size`](crate::Pool::set_size) calls accept (default
    /// [`MAX_CAPACITY`]). Raise it when a pool really needs more workers.
    ///
    /// ```
    /// use taskpool_tunny::{FnWorker, Pool};
    /// let pool = Pool::builder(|| FnWorker::new(|x: u8| x))
    ///     .capacity(2)
    ///     .capacity_limit(2)
    ///     .build()
    ///     .unwrap();
    /// assert!(pool.set_size(3).is_err());
    /// ```
    pub fn capacity_limit(mut self, limit: usize) -> Self {
        self.capacity_limit = limit;
        self
    }

    /// Accept a capacity of 0 (default `false`): a pool with no worker,
    /// whose callers wait in line until [`set_size`](crate::Pool::set_size)
    /// adds workers (tunny's `New(0, …)`). Without it a zero capacity is a
    /// `BuildError`, as for every pool of the workspace.
    pub fn allow_empty(mut self, yes: bool) -> Self {
        self.allow_empty = yes;
        self
    }

    /// Measure [`Pool::process_timeout`](crate::Pool::process_timeout) deadlines on `clock` instead of the
    /// system clock (for tests).
    pub fn clock(mut self, clock: ManualClock) -> Self {
        self.clock = Clock::Manual(clock.time);
        self
    }

    /// Prefix of the worker threads' names: they are `PREFIX-N` (default
    /// prefix `tunny-worker`). A prefix with a NUL byte is refused by
    /// `build`.
    pub fn thread_name(mut self, prefix: impl Into<String>) -> Self {
        self.thread_name = prefix.into();
        self
    }
}

impl<W: Worker> fmt::Debug for Builder<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("capacity", &self.capacity)
            .field("capacity_limit", &self.capacity_limit)
            .field("allow_empty", &self.allow_empty)
            .field("clock", &self.clock)
            .field("thread_name", &self.thread_name)
            .finish_non_exhaustive()
    }
}
