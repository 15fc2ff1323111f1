//! [`Builder`]: a pool's settings before it starts. `build` is with the pool
//! (`pool.rs`), so this file does not depend on the pool.

use std::fmt;

use taskpool_utils::clock::Clock;

use crate::{ManualClock, Worker};

/// Configures a [`Pool`](crate::Pool): its size, the clock its deadlines use, and the
/// name of its threads.
///
/// ```
/// use taskpool_tunny::{FnWorker, Pool};
/// let pool = Pool::builder(|| FnWorker::new(|x: i32| -x))
///     .size(3)
///     .thread_name("negator")
///     .build()
///     .unwrap();
/// assert_eq!(pool.size(), 3);
/// assert_eq!(pool.process(5), Ok(-5));
/// ```
pub struct Builder<W: Worker> {
    pub(crate) factory: Box<dyn Fn() -> W + Send + Sync>,
    pub(crate) size: usize,
    pub(crate) clock: Clock,
    pub(crate) thread_name: String,
}

impl<W: Worker> Builder<W> {
    /// The defaults: one worker, the system clock, threads named
    /// `tunny-worker`.
    pub(crate) fn new(factory: Box<dyn Fn() -> W + Send + Sync>) -> Self {
        Builder {
            factory,
            size: 1,
            clock: Clock::system(),
            thread_name: "tunny-worker".to_string(),
        }
    }

    /// How many workers to start (default 1; 0 is allowed, see [`Pool::new`](crate::Pool::new)).
    pub fn size(mut self, n: usize) -> Self {
        self.size = n;
        self
    }

    /// Measure [`Pool::process_timeout`](crate::Pool::process_timeout) deadlines on `clock` instead of the
    /// system clock (for tests).
    pub fn clock(mut self, clock: ManualClock) -> Self {
        self.clock = Clock::Manual(clock.time);
        self
    }

    /// The name of the worker threads (default `tunny-worker`).
    pub fn thread_name(mut self, name: impl Into<String>) -> Self {
        self.thread_name = name.into();
        self
    }
}

impl<W: Worker> fmt::Debug for Builder<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("size", &self.size)
            .field("clock", &self.clock)
            .field("thread_name", &self.thread_name)
            .finish_non_exhaustive()
    }
}
