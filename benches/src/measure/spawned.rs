//! The raw rows and the floor: the same batches as the contract rows, with
//! tasks handed over by a raw crate's own call or called in a plain loop.

use std::time::Duration;

use crate::harness::{self, Floor, Latch, Spawn};
use crate::measure::Batches;
use crate::plan::Case;
use crate::raw::RawPool;
use crate::rows::Row;
use crate::workload::Workload;

/// Prepares a raw row's or the floor's batches.
pub fn prepare(case: &Case) -> Result<Box<dyn Batches>, String> {
    match case.row {
        Row::Raw(raw) => Ok(Box::new(SpawnCase {
            case: case.clone(),
            pool: RawPool::build(raw, case.capacity)?,
            latch: Latch::leak(),
        })),
        Row::Floor => Ok(Box::new(SpawnCase {
            case: case.clone(),
            pool: Floor,
            latch: Latch::leak(),
        })),
        other => Err(format!("`{}` is not a raw row", other.name())),
    }
}

/// A case whose tasks go through `S`.
struct SpawnCase<S> {
    case: Case,
    pool: S,
    latch: &'static Latch,
}

impl<S: Spawn> SpawnCase<S> {
    fn one(&self) -> Duration {
        let (pool, latch, tasks) = (&self.pool, self.latch, self.case.tasks);
        match self.case.workload {
            Workload::W1 | Workload::S1 => harness::trivial_batch(pool, latch, tasks),
            Workload::W2 => harness::sleep_batch(pool, latch, tasks),
            Workload::W3 => harness::cpu_batch(pool, latch, tasks),
            Workload::W4 => harness::submit_only_batch(pool, latch, tasks),
            Workload::W5 | Workload::S2 => {
                harness::contended_batch(pool, latch, tasks, self.case.submitters)
            }
            other => unreachable!("{other}: no raw or floor row is planned here"),
        }
    }
}

impl<S: Spawn> Batches for SpawnCase<S> {
    fn run(&mut self, iters: u64) -> Duration {
        (0..iters).map(|_| self.one()).sum()
    }

    fn finish(self: Box<Self>) {
        // Every batch waited for its latch: no task is left. The raw pools
        // shut down as their crates do on drop.
    }
}
