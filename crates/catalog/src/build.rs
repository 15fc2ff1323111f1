//! [`build`]: a `Box<dyn TaskPool>` from a [`PoolKind`] and a capacity.

use taskpool::{BuildError, TaskPool};
use taskpool_baselines::{ChannelPool, RayonPool, ThreadPerTask, ThreadpoolPool};

use crate::PoolKind;

/// Builds a pool of `kind` that runs at most `capacity` tasks at once, with
/// the kind's default configuration (see [`PoolKind::features`]).
///
/// Never panics on bad input: `capacity == 0` is a [`BuildError`].
///
/// ```
/// use taskpool_catalog::{build, PoolKind};
/// let pool = build(PoolKind::ThreadPerTask, 2)?;
/// assert_eq!(pool.name(), "thread-per-task");
/// assert_eq!(pool.stats().capacity, 2);
/// assert!(build(PoolKind::Rayon, 0).is_err());
/// # Ok::<(), taskpool::BuildError>(())
/// ```
pub fn build(kind: PoolKind, capacity: usize) -> Result<Box<dyn TaskPool>, BuildError> {
    if capacity == 0 {
        return Err(BuildError::zero("capacity"));
    }
    match kind {
        PoolKind::WorkerPool => Ok(Box::new(
            taskpool_workerpool::WorkerPool::builder()
                .max_workers(capacity)
                .build()?,
        )),
        // Blocking mode, the default: `submit` waits for a worker.
        PoolKind::Ants => Ok(Box::new(
            taskpool_ants::Pool::builder().capacity(capacity).build()?,
        )),
        PoolKind::Tunny => Ok(Box::new(taskpool_tunny::Pool::callback(capacity)?)),
        PoolKind::Rayon => Ok(Box::new(RayonPool::new(capacity)?)),
        PoolKind::ThreadPool => Ok(Box::new(ThreadpoolPool::new(capacity)?)),
        PoolKind::Channel => Ok(Box::new(ChannelPool::new(capacity)?)),
        PoolKind::ThreadPerTask => Ok(Box::new(ThreadPerTask::new(capacity)?)),
    }
}
