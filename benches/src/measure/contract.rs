//! Rows through `dyn TaskPool`: the catalog pools, `inline`, their W7
//! thread-local variants, and the strategy rows that are a `dyn TaskPool`
//! with a configuration of their own.

use std::time::Duration;

use taskpool::TaskPool;

use crate::calibration::Calibration;
use crate::harness::{self, Latch, ResourceMode};
use crate::measure::{build_named, Batches};
use crate::plan::Case;
use crate::rows::Row;
use crate::workload::Workload;

/// Prepares a contract row's batches.
pub fn prepare(case: &Case, calibration: &Calibration) -> Result<Box<dyn Batches>, String> {
    // W6 and W7 build a pool inside every iteration; the others build one now.
    let pool = match case.workload {
        Workload::W6 | Workload::W7 => {
            // Check once that the pool builds, so a failure is reported here
            // rather than as a panic in the middle of a measurement.
            build_named(case.row, case.capacity)?.stop_wait();
            None
        }
        _ => Some(build_named(case.row, case.capacity)?),
    };
    Ok(Box::new(ContractCase {
        case: case.clone(),
        pool,
        latch: Latch::leak(),
        passes: calibration.resource_passes,
    }))
}

/// A case run through `dyn TaskPool`.
struct ContractCase {
    case: Case,
    /// The pool measured across iterations (`None` for W6/W7, which build
    /// one per iteration).
    pool: Option<Box<dyn TaskPool>>,
    latch: &'static Latch,
    passes: usize,
}

impl ContractCase {
    fn pool(&self) -> &dyn TaskPool {
        match &self.pool {
            Some(pool) => &**pool,
            None => unreachable!("only W6/W7 run without a prepared pool"),
        }
    }

    fn build_now(&self) -> Box<dyn TaskPool> {
        match build_named(self.case.row, self.case.capacity) {
            Ok(pool) => pool,
            // `prepare` built this row once already.
            Err(e) => panic!("{e}"),
        }
    }

    fn one(&mut self) -> Duration {
        let tasks = self.case.tasks;
        let latch = self.latch;
        match self.case.workload {
            Workload::W1 | Workload::S1 => harness::trivial_batch(self.pool(), latch, tasks),
            Workload::W2 => harness::sleep_batch(self.pool(), latch, tasks),
            Workload::W3 => harness::cpu_batch(self.pool(), latch, tasks),
            Workload::W4 => harness::submit_only_batch(self.pool(), latch, tasks),
            Workload::W5 | Workload::S2 => {
                harness::contended_batch(self.pool(), latch, tasks, self.case.submitters)
            }
            Workload::W6 => harness::lifecycle(&|| self.build_now(), latch, tasks),
            Workload::W7 => {
                let mode = match self.case.row {
                    Row::PoolTls(_) | Row::InlineTls => ResourceMode::ThreadLocal,
                    _ => ResourceMode::PerTask,
                };
                if self.case.row == Row::InlineTls {
                    // The calling thread outlives the batch: make each batch
                    // pay for its one build, like a fresh pool's thread does.
                    harness::clear_tls_resource();
                }
                harness::stateful_run(&|| self.build_now(), latch, tasks, self.passes, mode)
            }
            Workload::W8 | Workload::W9 => {
                unreachable!("W8 records round trips and W9 runs in its own process")
            }
        }
    }
}

impl Batches for ContractCase {
    fn run(&mut self, iters: u64) -> Duration {
        (0..iters).map(|_| self.one()).sum()
    }

    fn finish(self: Box<Self>) {
        if let Some(pool) = self.pool {
            pool.stop_wait();
        }
    }
}
