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
        PoolKind::WorkerPool => build_workerpool(capacity),
        PoolKind::Ants => build_ants(capacity),
        PoolKind::Tunny => build_tunny(capacity),
        PoolKind::Rayon => Ok(Box::new(RayonPool::new(capacity)?)),
        PoolKind::ThreadPool => Ok(Box::new(ThreadpoolPool::new(capacity)?)),
        PoolKind::Channel => Ok(Box::new(ChannelPool::new(capacity)?)),
        PoolKind::ThreadPerTask => Ok(Box::new(ThreadPerTask::new(capacity)?)),
    }
}

// ---- workerpool: owned by the taskpool-workerpool author; replace the body
// ---- with the constructor (and add the dependency line in Cargo.toml).
fn build_workerpool(capacity: usize) -> Result<Box<dyn TaskPool>, BuildError> {
    Ok(Box::new(
        taskpool_workerpool::WorkerPool::builder()
            .max_workers(capacity)
            .build()?,
    ))
}

// ---- ants: owned by the taskpool-ants author; replace the body with the
// ---- blocking-mode constructor (and add the dependency line in Cargo.toml).
fn build_ants(capacity: usize) -> Result<Box<dyn TaskPool>, BuildError> {
    Ok(Box::new(
        taskpool_ants::Pool::builder().capacity(capacity).build()?,
    ))
}

// ---- tunny: owned by the taskpool-tunny author; replace the body with the
// ---- constructor (and add the dependency line in Cargo.toml).
fn build_tunny(capacity: usize) -> Result<Box<dyn TaskPool>, BuildError> {
    Ok(Box::new(taskpool_tunny::Pool::callback(capacity)?))
}
