//! The benchmark matrix: which (workload, row, size) cases run, and how each
//! one is prepared and measured.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use taskpool::TaskPool;
use taskpool_catalog::PoolKind;

use crate::extras::Extra;
use crate::harness::{self, Calibration, Latch, ResourceMode};
use crate::out::{self, Percentiles};
use crate::rows::Row;
use crate::spec::{Selection, Workload};

/// One benchmark: a row of one workload at one size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The workload (criterion group).
    pub workload: Workload,
    /// Who runs the tasks (criterion function id).
    pub row: Row,
    /// Pool capacity.
    pub capacity: usize,
    /// Submitter threads (W5, S2; 1 elsewhere).
    pub submitters: usize,
    /// Tasks per batch (W8: per-call samples for the percentiles).
    pub tasks: usize,
}

impl Case {
    /// The criterion function id.
    pub fn function_id(&self) -> String {
        self.row.name()
    }

    /// The criterion parameter: `cap=N`, or `submitters=N` on the S2 curve.
    pub fn parameter(&self) -> String {
        match self.workload {
            Workload::S2 => format!("submitters={}", self.submitters),
            _ => format!("cap={}", self.capacity),
        }
    }

    /// `group/function/parameter`, as criterion names it.
    pub fn id(&self) -> String {
        format!(
            "{}/{}/{}",
            self.workload.group(),
            self.function_id(),
            self.parameter()
        )
    }

    /// Elements per iteration for criterion's throughput (tasks per batch),
    /// or `None` where one iteration is one pool life (W6, W7) or one call (W8).
    pub fn elements(&self) -> Option<u64> {
        match self.workload {
            Workload::W6 | Workload::W7 | Workload::W8 => None,
            _ => Some(self.tasks as u64),
        }
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id())
    }
}

/// The rows that run `workload`, before narrowing.
fn rows_for(workload: Workload) -> Vec<Row> {
    let pools = PoolKind::ALL.iter().map(|&k| Row::Pool(k));
    let extras = Extra::ALL
        .iter()
        .filter(|e| e.runs(workload))
        .map(|&e| Row::Extra(e));
    match workload {
        // Inline would take tasks × 1 ms; W2's reference is the computed ideal.
        Workload::W2 => pools.chain(extras).collect(),
        // Per-task builds inline would take tasks × 1 ms; inline+tls is the floor.
        Workload::W7 => PoolKind::ALL
            .iter()
            .flat_map(|&k| [Row::Pool(k), Row::PoolTls(k)])
            .chain([Row::InlineTls])
            .chain(extras)
            .collect(),
        // Measured in a separate process, only for pools that queue.
        Workload::W9 => crate::memory::queueing_rows(),
        _ => pools.chain([Row::Inline]).chain(extras).collect(),
    }
}

/// Every criterion case of `selection` (W9 is not a criterion case: see
/// [`memory_plan`]), in run order.
pub fn plan(selection: &Selection) -> Vec<Case> {
    let mut cases = Vec::new();
    for &workload in Workload::ALL {
        if workload == Workload::W9 || !selection.wants_workload(workload) {
            continue;
        }
        let sizes = selection.sizes(workload);
        for &capacity in &sizes.capacities {
            for &submitters in &sizes.submitters {
                for row in rows_for(workload) {
                    if selection.wants_row(&row) {
                        cases.push(Case {
                            workload,
                            row,
                            capacity,
                            submitters,
                            tasks: sizes.tasks,
                        });
                    }
                }
            }
        }
    }
    cases
}

/// The W9 pool cases of `selection`; [`crate::memory::probes`] adds the
/// floor row and the number of runs, each run a separate process.
pub fn memory_plan(selection: &Selection) -> Vec<Case> {
    if !selection.wants_workload(Workload::W9) {
        return Vec::new();
    }
    let sizes = selection.sizes(Workload::W9);
    rows_for(Workload::W9)
        .into_iter()
        .filter(|row| selection.wants_row(row))
        .flat_map(|row| {
            sizes.capacities.iter().map(move |&capacity| Case {
                workload: Workload::W9,
                row,
                capacity,
                submitters: 1,
                tasks: sizes.tasks,
            })
        })
        .collect()
}

/// A case ready to measure: its pool built (where the pool outlives the
/// batches) and its latch armed per batch.
pub trait Prepared {
    /// Runs `iters` measured iterations and returns their total time (what
    /// criterion's `iter_custom` wants).
    fn run(&mut self, iters: u64) -> Duration;

    /// Stops the pool and writes any figure criterion cannot hold (W8's
    /// percentiles) under `out_dir`.
    fn finish(self: Box<Self>, out_dir: &Path) -> Result<(), String>;
}

/// Prepares `case`, building its pool.
pub fn prepare(case: &Case, calibration: &Calibration) -> Result<Box<dyn Prepared>, String> {
    if let Row::Extra(extra) = case.row {
        if let Some(prepared) = extra.prepare(case, calibration) {
            return prepared;
        }
    }
    let row = case.row;
    let capacity = case.capacity;
    let builder = move || -> Result<Box<dyn TaskPool>, String> {
        match row.build_dyn(capacity) {
            Some(Ok(pool)) => Ok(pool),
            Some(Err(e)) => Err(format!(
                "building `{}` at capacity {capacity} failed: {e}",
                row.name()
            )),
            None => Err(format!("row `{}` has no dyn TaskPool form", row.name())),
        }
    };
    // W6 and W7 build a pool inside every iteration; the others build one now.
    let pool = match case.workload {
        Workload::W6 | Workload::W7 => {
            // Check once that the pool builds, so a failure is reported here
            // rather than as a panic in the middle of a measurement.
            builder()?.stop_wait();
            None
        }
        _ => Some(builder()?),
    };
    Ok(Box::new(DynCase {
        case: case.clone(),
        pool,
        latch: Latch::leak(),
        passes: calibration.resource_passes,
    }))
}

/// A case run through `dyn TaskPool`.
struct DynCase {
    case: Case,
    /// The pool measured across iterations (`None` for W6/W7, which build
    /// one per iteration).
    pool: Option<Box<dyn TaskPool>>,
    latch: &'static Latch,
    passes: usize,
}

impl DynCase {
    fn pool(&self) -> &dyn TaskPool {
        match &self.pool {
            Some(pool) => &**pool,
            None => unreachable!("only W6/W7 run without a prepared pool"),
        }
    }

    fn build_now(&self) -> Box<dyn TaskPool> {
        match self.case.row.build_dyn(self.case.capacity) {
            Some(Ok(pool)) => pool,
            // `prepare` built this row once already.
            _ => panic!("`{}` stopped building", self.case.row.name()),
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
            Workload::W8 => harness::round_trip(self.pool()),
            Workload::W9 => unreachable!("W9 runs in its own process"),
        }
    }
}

impl Prepared for DynCase {
    fn run(&mut self, iters: u64) -> Duration {
        (0..iters).map(|_| self.one()).sum()
    }

    fn finish(self: Box<Self>, out_dir: &Path) -> Result<(), String> {
        if let (Workload::W8, Some(pool)) = (self.case.workload, &self.pool) {
            let samples = latency_samples(&**pool, self.case.tasks);
            write_percentiles(&self.case, &samples, out_dir)?;
        }
        if let Some(pool) = self.pool {
            pool.stop_wait();
        }
        Ok(())
    }
}

/// Records `samples` per-call round trips (after a short warm-up), in ns.
pub fn latency_samples(pool: &dyn TaskPool, samples: usize) -> Vec<f64> {
    for _ in 0..samples.min(200) {
        harness::round_trip(pool);
    }
    (0..samples)
        .map(|_| harness::round_trip(pool).as_nanos() as f64)
        .collect()
}

/// Writes the percentiles of `samples_ns` for `case` under `out_dir`.
pub fn write_percentiles(case: &Case, samples_ns: &[f64], out_dir: &Path) -> Result<(), String> {
    let name = case.function_id();
    let Some(p) = Percentiles::from_samples(&name, case.capacity, samples_ns) else {
        return Err(format!("no latency samples for `{name}`"));
    };
    let path = out::row_file(out_dir, out::LATENCY_DIR, &name);
    out::write_json(&path, &p).map_err(|e| format!("writing {}: {e}", path.display()))
}
