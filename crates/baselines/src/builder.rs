//! [`Builder`]: the settings of a baseline pool (capacity, its limit, the
//! thread names), one type for the four pools; each pool's `build` is with
//! the pool, so this file depends on none of them.

use std::fmt;
use std::marker::PhantomData;

use taskpool::{check_capacity, BuildError, MAX_CAPACITY};

/// Configures and starts one of the baseline pools: `P` is the pool it
/// builds ([`ChannelPool`](crate::ChannelPool), [`RayonPool`](crate::RayonPool),
/// [`ThreadpoolPool`](crate::ThreadpoolPool) or
/// [`ThreadPerTask`](crate::ThreadPerTask)); get one from the pool's
/// `builder()`.
///
/// ```
/// use taskpool::TaskPool;
/// use taskpool_baselines::RayonPool;
///
/// let pool = RayonPool::builder().capacity(2).thread_name("render").build()?;
/// assert_eq!(pool.stats().capacity, 2);
/// assert!(RayonPool::builder().capacity(0).build().is_err());
/// assert!(RayonPool::builder().capacity(99_999_999).build().is_err());
/// pool.stop_wait();
/// # Ok::<(), taskpool::BuildError>(())
/// ```
pub struct Builder<P> {
    /// `None`: the number of cores.
    capacity: Option<usize>,
    capacity_limit: usize,
    thread_name: String,
    pool: PhantomData<fn() -> P>,
}

impl<P> Builder<P> {
    /// The defaults: capacity = available cores (at most the limit),
    /// [`MAX_CAPACITY`] as the limit, threads named `default_prefix-N`.
    pub(crate) fn new(default_prefix: &str) -> Self {
        Builder {
            capacity: None,
            capacity_limit: MAX_CAPACITY,
            thread_name: default_prefix.to_owned(),
            pool: PhantomData,
        }
    }

    /// The most tasks that run at once: the number of threads of the
    /// queueing pools (all started by `build`), the number of permits of
    /// `ThreadPerTask`. At least 1, at most the
    /// [`capacity_limit`](Builder::capacity_limit); default: the number of
    /// cores.
    pub fn capacity(mut self, n: usize) -> Self {
        self.capacity = Some(n);
        self
    }

    /// The largest capacity `build` accepts (default [`MAX_CAPACITY`]);
    /// raise it when a pool really needs more threads.
    pub fn capacity_limit(mut self, limit: usize) -> Self {
        self.capacity_limit = limit;
        self
    }

    /// Prefix of the threads' names: they are `PREFIX-N`. (The `threadpool`
    /// crate gives all its threads one name, so `ThreadpoolPool`'s are all
    /// `PREFIX`.) A prefix with a NUL byte is refused by `build`.
    pub fn thread_name(mut self, prefix: impl Into<String>) -> Self {
        self.thread_name = prefix.into();
        self
    }

    /// The checked settings: the capacity and the thread-name prefix.
    pub(crate) fn settings(self) -> Result<(usize, String), BuildError> {
        let capacity = match self.capacity {
            Some(n) => check_capacity("capacity", n, self.capacity_limit)?,
            None => std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .clamp(1, self.capacity_limit.max(1)),
        };
        if self.thread_name.contains('\0') {
            return Err(BuildError::new("thread_name must not contain a NUL byte"));
        }
        Ok((capacity, self.thread_name))
    }
}

impl<P> fmt::Debug for Builder<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("pool", &std::any::type_name::<P>())
            .field("capacity", &self.capacity)
            .field("capacity_limit", &self.capacity_limit)
            .field("thread_name", &self.thread_name)
            .finish()
    }
}

/// The `new(capacity)` of every baseline: the builder with that capacity,
/// panicking on what the builder would refuse.
pub(crate) fn build_or_panic<P>(
    what: &str,
    capacity: usize,
    build: impl FnOnce(usize) -> Result<P, BuildError>,
) -> P {
    match build(capacity) {
        Ok(pool) => pool,
        Err(e) => panic!("taskpool_baselines::{what}::new: {e}"),
    }
}
