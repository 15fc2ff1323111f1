//! [`Config`]: the settings a pool runs with, as the builder validated them.

use std::any::Any;
use std::fmt;
use std::time::Duration;

use taskpool_utils::sync::StdArc;
use taskpool_utils::worker_mark::PoolId;

use crate::Clock;

/// What the pool calls with the payload of a task that panicked.
pub(crate) type PanicHandler = StdArc<dyn Fn(Box<dyn Any + Send>) + Send + Sync>;

/// The settings a pool was built with (validated by the builder).
#[derive(Clone)]
pub(crate) struct Config {
    /// `None`: unlimited.
    pub(crate) capacity: Option<usize>,
    /// The largest capacity `tune` may set.
    pub(crate) capacity_limit: usize,
    pub(crate) expiry: Duration,
    pub(crate) purge: bool,
    pub(crate) prealloc: bool,
    pub(crate) nonblocking: bool,
    pub(crate) max_blocking: Option<usize>,
    pub(crate) panic_handler: Option<PanicHandler>,
    pub(crate) thread_name: String,
    pub(crate) clock: StdArc<dyn Clock>,
    /// The id shared by the pools of one `MultiPool` (`None`: a fresh id).
    pub(crate) group: Option<PoolId>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
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
            .field("group", &self.group)
            .finish()
    }
}
