//! How each case is prepared and measured: criterion's batches
//! ([`Batches`]) for every workload but W8, whose round trips
//! ([`RoundTrip`]) are recorded call by call in both regimes.
//!
//! - [`contract`]: rows through `dyn TaskPool` (catalog pools, `inline`, the
//!   `dyn` strategy rows);
//! - [`spawned`]: the raw rows and the floor, through [`Spawn`](crate::harness::Spawn);
//! - [`native`]: strategy-specific APIs (`ants-func`, `tunny-stateful`, `tunny-batch`);
//! - [`latency`]: W8's round trips of every kind of row, and the recording.

pub mod contract;
pub mod latency;
pub mod native;
pub mod spawned;

use std::time::Duration;

use taskpool::{BuildError, TaskPool};
use taskpool_ants::{LoadBalancing, MultiPool, Pool as AntsPool};
use taskpool_workerpool::{FullPolicy, WorkerPool};

use crate::calibration::Calibration;
use crate::extra::{Extra, BOUNDED_QUEUE, MULTI_POOLS};
use crate::plan::Case;
use crate::rows::Row;
use crate::workload::Workload;

/// A case ready for criterion: its pool built (where the pool outlives the
/// batches).
pub trait Batches {
    /// Runs `iters` measured iterations and returns their total time (what
    /// criterion's `iter_custom` wants).
    fn run(&mut self, iters: u64) -> Duration;

    /// Stops the pool.
    fn finish(self: Box<Self>);
}

/// A W8 case: one call that runs an empty task and returns when it has run.
pub trait RoundTrip {
    /// One call, timed alone.
    fn call(&mut self) -> Duration;

    /// Stops the pool.
    fn finish(self: Box<Self>);
}

/// A prepared case.
pub enum Prepared {
    /// Timed by criterion in batches.
    Batches(Box<dyn Batches>),
    /// W8: recorded call by call.
    RoundTrips(Box<dyn RoundTrip>),
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Prepared::Batches(_) => "Prepared::Batches",
            Prepared::RoundTrips(_) => "Prepared::RoundTrips",
        })
    }
}

/// Prepares `case`, building its pool; a row that cannot be built is an
/// error naming it (the report lists it as not measured).
pub fn prepare(case: &Case, calibration: &Calibration) -> Result<Prepared, String> {
    if case.workload == Workload::W8 {
        return latency::prepare(case).map(Prepared::RoundTrips);
    }
    match case.row {
        Row::Raw(_) | Row::Floor => spawned::prepare(case).map(Prepared::Batches),
        Row::Extra(extra) if !extra.is_dyn() => {
            native::prepare(extra, case, calibration).map(Prepared::Batches)
        }
        _ => contract::prepare(case, calibration).map(Prepared::Batches),
    }
}

/// Builds the `dyn TaskPool` of a contract row (`None`: not a contract row).
pub fn build_dyn(row: Row, capacity: usize) -> Option<Result<Box<dyn TaskPool>, BuildError>> {
    match row {
        Row::Pool(kind) | Row::PoolTls(kind) => Some(taskpool_catalog::build(kind, capacity)),
        Row::Inline | Row::InlineTls => Some(Ok(Box::new(taskpool::InlinePool::new()))),
        Row::Extra(Extra::WorkerpoolBounded) => Some(
            WorkerPool::builder()
                .capacity(capacity)
                .max_queued(BOUNDED_QUEUE)
                .when_full(FullPolicy::Block)
                .build()
                .map(|p| Box::new(p) as Box<dyn TaskPool>),
        ),
        Row::Extra(Extra::AntsMulti) => Some(multi(capacity, LoadBalancing::LeastTasks)),
        Row::Extra(Extra::AntsMultiRoundRobin) => Some(multi(capacity, LoadBalancing::RoundRobin)),
        Row::Extra(Extra::AntsNonblocking) => Some(
            AntsPool::builder()
                .capacity(capacity)
                .nonblocking(true)
                .build()
                .map(|p| Box::new(p) as Box<dyn TaskPool>),
        ),
        Row::Extra(_) | Row::Raw(_) | Row::Floor | Row::VecFloor => None,
    }
}

/// Builds `row`'s `dyn TaskPool`, with an error naming the row.
pub fn build_named(row: Row, capacity: usize) -> Result<Box<dyn TaskPool>, String> {
    match build_dyn(row, capacity) {
        Some(Ok(pool)) => Ok(pool),
        Some(Err(e)) => Err(format!(
            "building `{}` at capacity {capacity} failed: {e}",
            row.name()
        )),
        None => Err(format!("row `{}` has no dyn TaskPool form", row.name())),
    }
}

/// A `MultiPool` of [`MULTI_POOLS`] pools with `capacity` workers in all
/// (so it compares with one pool of the same capacity). A capacity that does
/// not split evenly is refused, and the case is reported as not measured.
fn multi(capacity: usize, strategy: LoadBalancing) -> Result<Box<dyn TaskPool>, BuildError> {
    if capacity < MULTI_POOLS || !capacity.is_multiple_of(MULTI_POOLS) {
        return Err(BuildError::new(format!(
            "ants-multi splits its capacity over {MULTI_POOLS} pools: {capacity} does not split evenly"
        )));
    }
    let per_pool = AntsPool::builder().capacity(capacity / MULTI_POOLS);
    MultiPool::with_builder(MULTI_POOLS, per_pool, strategy)
        .map(|p| Box::new(p) as Box<dyn TaskPool>)
}
