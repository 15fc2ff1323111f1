//! [`build`]: a `Box<dyn TaskPool>` from a [`PoolKind`] and a capacity.

use taskpool::{check_capacity, BuildError, TaskPool, MAX_CAPACITY};
use taskpool_baselines::{ChannelPool, RayonPool, ThreadPerTask, ThreadpoolPool};

use crate::PoolKind;

/// Builds a pool of `kind` that runs at most `capacity` tasks at once, with
/// the kind's default configuration (see [`PoolKind::features`]).
///
/// Never panics on bad input: a capacity of 0 or above
/// [`MAX_CAPACITY`](taskpool::MAX_CAPACITY) is a [`BuildError`], and so is a
/// thread the operating system refuses to start. A program that really wants
/// more threads uses [`build_with_limit`].
///
/// ```
/// use taskpool_catalog::{build, PoolKind};
/// let pool = build(PoolKind::ThreadPerTask, 2)?;
/// assert_eq!(pool.name(), "thread-per-task");
/// assert_eq!(pool.stats().capacity, 2);
/// assert!(build(PoolKind::Rayon, 0).is_err());
/// assert!(build(PoolKind::Rayon, 99_999_999).is_err()); // refused before any thread starts
/// # Ok::<(), taskpool::BuildError>(())
/// ```
///
/// # Errors
///
/// A [`BuildError`] naming the setting, from [`check_capacity`] or from the
/// kind's builder.
pub fn build(kind: PoolKind, capacity: usize) -> Result<Box<dyn TaskPool>, BuildError> {
    build_with_limit(kind, capacity, MAX_CAPACITY)
}

/// Like [`build`], with `limit` instead of [`MAX_CAPACITY`] as the largest
/// capacity accepted (each builder's `capacity_limit`).
///
/// ```
/// use taskpool_catalog::{build_with_limit, PoolKind};
/// assert!(build_with_limit(PoolKind::Ants, 8, 4).is_err());
/// let pool = build_with_limit(PoolKind::Ants, 8, 8)?;
/// assert_eq!(pool.stats().capacity, 8);
/// # Ok::<(), taskpool::BuildError>(())
/// ```
///
/// # Errors
///
/// As [`build`], with `limit` in place of [`MAX_CAPACITY`].
pub fn build_with_limit(
    kind: PoolKind,
    capacity: usize,
    limit: usize,
) -> Result<Box<dyn TaskPool>, BuildError> {
    // Checked here too, so that every kind refuses with the same message
    // before anything starts.
    check_capacity("capacity", capacity, limit)?;
    Ok(match kind {
        PoolKind::WorkerPool => Box::new(
            taskpool_workerpool::WorkerPool::builder()
                .capacity(capacity)
                .capacity_limit(limit)
                .build()?,
        ),
        // Blocking mode, the default: `submit` waits for a worker.
        PoolKind::Ants => Box::new(
            taskpool_ants::Pool::builder()
                .capacity(capacity)
                .capacity_limit(limit)
                .build()?,
        ),
        PoolKind::Tunny => Box::new(
            taskpool_tunny::Pool::callback_builder()
                .capacity(capacity)
                .capacity_limit(limit)
                .build()?,
        ),
        PoolKind::Rayon => Box::new(
            RayonPool::builder()
                .capacity(capacity)
                .capacity_limit(limit)
                .build()?,
        ),
        PoolKind::ThreadPool => Box::new(
            ThreadpoolPool::builder()
                .capacity(capacity)
                .capacity_limit(limit)
                .build()?,
        ),
        PoolKind::Channel => Box::new(
            ChannelPool::builder()
                .capacity(capacity)
                .capacity_limit(limit)
                .build()?,
        ),
        PoolKind::ThreadPerTask => Box::new(
            ThreadPerTask::builder()
                .capacity(capacity)
                .capacity_limit(limit)
                .build()?,
        ),
    })
}
