//! Strategy-specific rows that use a pool's own richer API beside the common
//! `dyn TaskPool` rows (never instead of them):
//!
//! - `ants-func`: [`taskpool_ants::PoolWithFunc`], one function bound at build
//!   time; each task is an `invoke(arg)` with no per-task allocation
//!   (W1, W4, W5).
//! - `ants-multi` and `ants-multi-rr`: [`taskpool_ants::MultiPool`] of
//!   [`MULTI_POOLS`] pools sharing the row's capacity, balanced by fewest
//!   running tasks and round-robin; `dyn TaskPool` rows in W5, where several
//!   submitters contend on one pool's lock (the case `MultiPool` exists for).
//! - `tunny-stateful`: [`taskpool_tunny::Pool`] whose workers each build the
//!   W7 resource once; `capacity` caller threads call `process`, the way
//!   tunny is used (W7).
//! - `tunny-batch`: the same stateful pool, the 10,000 inputs handed over by
//!   one [`taskpool_tunny::Pool::process_batch`] call (a worker takes a
//!   chunk of inputs per rendezvous instead of one) (W7).
//! - `tunny-process`: a round trip through [`taskpool_tunny::Pool::process`]
//!   (W8).
//! - `workerpool-bounded`: [`taskpool_workerpool::WorkerPool`] with its waiting
//!   queue bounded at [`BOUNDED_QUEUE`] tasks, `submit` blocking when full; a
//!   `dyn TaskPool` row in every workload the plain pools run except W7, W9
//!   and the scaling curves.

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use taskpool::{BuildError, TaskPool};
use taskpool_ants::{InvokeError, LoadBalancing, MultiPool, PoolWithFunc};
use taskpool_tunny::{Interrupt, Pool as TunnyPool, Worker};
use taskpool_workerpool::{FullPolicy, WorkerPool};

use crate::harness::{Calibration, Latch, Resource};
use crate::plan::{self, Case, Prepared};
use crate::spec::Workload;

/// The bound of the `workerpool-bounded` row's waiting queue.
pub const BOUNDED_QUEUE: usize = 1024;

/// How many pools the `ants-multi` rows split their capacity over.
pub const MULTI_POOLS: usize = 2;

/// A strategy-specific row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Extra {
    /// `ants::PoolWithFunc<&Latch>`.
    AntsFunc,
    /// `ants::MultiPool`, least-tasks balancing.
    AntsMulti,
    /// `ants::MultiPool`, round-robin balancing.
    AntsMultiRoundRobin,
    /// tunny with stateful workers (W7).
    TunnyStateful,
    /// tunny with stateful workers fed by `process_batch` (W7).
    TunnyBatch,
    /// tunny's own `process` round trip (W8).
    TunnyProcess,
    /// workerpool with a bounded, blocking queue.
    WorkerpoolBounded,
}

impl Extra {
    /// Every extra row.
    pub const ALL: &'static [Extra] = &[
        Extra::AntsFunc,
        Extra::AntsMulti,
        Extra::AntsMultiRoundRobin,
        Extra::TunnyStateful,
        Extra::TunnyBatch,
        Extra::TunnyProcess,
        Extra::WorkerpoolBounded,
    ];

    /// The criterion function id.
    pub fn name(self) -> &'static str {
        match self {
            Extra::AntsFunc => "ants-func",
            Extra::AntsMulti => "ants-multi",
            Extra::AntsMultiRoundRobin => "ants-multi-rr",
            Extra::TunnyStateful => "tunny-stateful",
            Extra::TunnyBatch => "tunny-batch",
            Extra::TunnyProcess => "tunny-process",
            Extra::WorkerpoolBounded => "workerpool-bounded",
        }
    }

    /// The catalog pool the row belongs to (selected by `--pools <family>`).
    pub fn family(self) -> &'static str {
        match self {
            Extra::AntsFunc | Extra::AntsMulti | Extra::AntsMultiRoundRobin => "ants",
            Extra::TunnyStateful | Extra::TunnyBatch | Extra::TunnyProcess => "tunny",
            Extra::WorkerpoolBounded => "workerpool",
        }
    }

    /// True when the row takes part in `workload`.
    pub fn runs(self, workload: Workload) -> bool {
        match self {
            Extra::AntsFunc => matches!(workload, Workload::W1 | Workload::W4 | Workload::W5),
            Extra::AntsMulti | Extra::AntsMultiRoundRobin => workload == Workload::W5,
            Extra::TunnyStateful | Extra::TunnyBatch => workload == Workload::W7,
            Extra::TunnyProcess => workload == Workload::W8,
            Extra::WorkerpoolBounded => matches!(
                workload,
                Workload::W1
                    | Workload::W2
                    | Workload::W3
                    | Workload::W4
                    | Workload::W5
                    | Workload::W6
                    | Workload::W8
            ),
        }
    }

    /// The row as a `dyn TaskPool`, when it is one (`None`: it has its own
    /// [`Prepared`] from [`prepare`](Extra::prepare)).
    pub fn build_dyn(self, capacity: usize) -> Option<Result<Box<dyn TaskPool>, BuildError>> {
        match self {
            Extra::WorkerpoolBounded => Some(
                WorkerPool::builder()
                    .max_workers(capacity)
                    .max_queued(BOUNDED_QUEUE)
                    .when_full(FullPolicy::Block)
                    .build()
                    .map(|p| Box::new(p) as Box<dyn TaskPool>),
            ),
            Extra::AntsMulti => Some(multi(capacity, LoadBalancing::LeastTasks)),
            Extra::AntsMultiRoundRobin => Some(multi(capacity, LoadBalancing::RoundRobin)),
            Extra::AntsFunc | Extra::TunnyStateful | Extra::TunnyBatch | Extra::TunnyProcess => {
                None
            }
        }
    }

    /// The row's own measurement, for rows that are not a `dyn TaskPool`.
    pub fn prepare(
        self,
        case: &Case,
        calibration: &Calibration,
    ) -> Option<Result<Box<dyn Prepared>, String>> {
        match self {
            Extra::WorkerpoolBounded | Extra::AntsMulti | Extra::AntsMultiRoundRobin => None,
            Extra::AntsFunc => Some(AntsFunc::new(case).map(|p| Box::new(p) as Box<dyn Prepared>)),
            Extra::TunnyStateful => Some(Ok(Box::new(TunnyStateful {
                case: case.clone(),
                passes: calibration.resource_passes,
                batch: false,
            }))),
            Extra::TunnyBatch => Some(Ok(Box::new(TunnyStateful {
                case: case.clone(),
                passes: calibration.resource_passes,
                batch: true,
            }))),
            Extra::TunnyProcess => Some(Ok(Box::new(TunnyProcess {
                case: case.clone(),
                pool: TunnyPool::with_fn(case.capacity, nothing as fn(())),
            }))),
        }
    }
}

impl fmt::Display for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
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
    MultiPool::new(MULTI_POOLS, capacity / MULTI_POOLS, strategy)
        .map(|p| Box::new(p) as Box<dyn TaskPool>)
}

/// `ants-func`: the bound function counts the latch down.
struct AntsFunc {
    case: Case,
    pool: PoolWithFunc<&'static Latch>,
    latch: &'static Latch,
}

impl AntsFunc {
    fn new(case: &Case) -> Result<AntsFunc, String> {
        let pool = PoolWithFunc::new(case.capacity, |latch: &'static Latch| latch.count_down())
            .map_err(|e| {
                format!(
                    "building ants PoolWithFunc at capacity {}: {e}",
                    case.capacity
                )
            })?;
        Ok(AntsFunc {
            case: case.clone(),
            pool,
            latch: Latch::leak(),
        })
    }

    fn invoke(pool: &PoolWithFunc<&'static Latch>, latch: &'static Latch) {
        let mut arg = latch;
        loop {
            match pool.invoke(arg) {
                Ok(()) => return,
                Err(InvokeError::Overloaded(back)) => {
                    arg = back;
                    thread::yield_now();
                }
                Err(e) => panic!("ants PoolWithFunc refused an argument: {e}"),
            }
        }
    }

    fn one(&self) -> Duration {
        let (pool, latch, tasks) = (&self.pool, self.latch, self.case.tasks);
        latch.arm(tasks);
        match self.case.workload {
            Workload::W4 => {
                let start = Instant::now();
                for _ in 0..tasks {
                    Self::invoke(pool, latch);
                }
                let elapsed = start.elapsed();
                latch.wait();
                elapsed
            }
            Workload::W5 => {
                let submitters = self.case.submitters.max(1);
                let start_line = Barrier::new(submitters + 1);
                thread::scope(|scope| {
                    for i in 0..submitters {
                        let share = tasks / submitters + usize::from(i < tasks % submitters);
                        let start_line = &start_line;
                        scope.spawn(move || {
                            start_line.wait();
                            for _ in 0..share {
                                Self::invoke(pool, latch);
                            }
                        });
                    }
                    start_line.wait();
                    let start = Instant::now();
                    latch.wait();
                    start.elapsed()
                })
            }
            _ => {
                let start = Instant::now();
                for _ in 0..tasks {
                    Self::invoke(pool, latch);
                }
                latch.wait();
                start.elapsed()
            }
        }
    }
}

impl Prepared for AntsFunc {
    fn run(&mut self, iters: u64) -> Duration {
        (0..iters).map(|_| self.one()).sum()
    }

    fn finish(self: Box<Self>, _out_dir: &Path) -> Result<(), String> {
        self.pool.stop();
        Ok(())
    }
}

/// A tunny worker owning the W7 resource, built once by the pool's factory.
struct ResourceWorker {
    resource: Resource,
}

impl Worker for ResourceWorker {
    type Input = usize;
    type Output = u64;

    fn process(&mut self, seed: usize, _interrupt: &Interrupt) -> u64 {
        self.resource.use_it(seed)
    }
}

/// `tunny-stateful`: build the pool (each worker builds its resource), run
/// the tasks from `capacity` caller threads, close. `tunny-batch`: the same,
/// but one caller hands all the inputs to `process_batch`.
struct TunnyStateful {
    case: Case,
    passes: usize,
    /// One `process_batch` call instead of `process` per input.
    batch: bool,
}

impl TunnyStateful {
    fn one(&self) -> Duration {
        let (tasks, callers, passes) = (self.case.tasks, self.case.capacity.max(1), self.passes);
        let done = AtomicUsize::new(0);
        let start = Instant::now();
        let pool = TunnyPool::new(callers, move || ResourceWorker {
            resource: Resource::build(passes),
        });
        if self.batch {
            for outcome in pool.process_batch(0..tasks) {
                match outcome {
                    Ok(v) => {
                        std::hint::black_box(v);
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(e) => panic!("tunny process_batch failed: {e}"),
                }
            }
        } else {
            thread::scope(|scope| {
                for i in 0..callers {
                    let share = tasks / callers + usize::from(i < tasks % callers);
                    let (pool, done) = (&pool, &done);
                    scope.spawn(move || {
                        for seed in 0..share {
                            match pool.process(seed) {
                                Ok(v) => {
                                    std::hint::black_box(v);
                                    done.fetch_add(1, Ordering::Relaxed);
                                }
                                Err(e) => panic!("tunny process failed: {e}"),
                            }
                        }
                    });
                }
            });
        }
        pool.close();
        let elapsed = start.elapsed();
        assert_eq!(done.load(Ordering::Relaxed), tasks, "every tunny job ran");
        elapsed
    }
}

impl Prepared for TunnyStateful {
    fn run(&mut self, iters: u64) -> Duration {
        (0..iters).map(|_| self.one()).sum()
    }

    fn finish(self: Box<Self>, _out_dir: &Path) -> Result<(), String> {
        Ok(())
    }
}

/// The empty job of `tunny-process`.
fn nothing(_: ()) {}

/// The worker type of `tunny-process`.
type EmptyJob = taskpool_tunny::FnWorker<fn(()), (), ()>;

/// `tunny-process`: one `process(())` round trip on an idle pool.
struct TunnyProcess {
    case: Case,
    pool: TunnyPool<EmptyJob>,
}

impl TunnyProcess {
    fn round_trip(&self) -> Duration {
        let start = Instant::now();
        if let Err(e) = self.pool.process(()) {
            panic!("tunny process failed: {e}");
        }
        start.elapsed()
    }
}

impl Prepared for TunnyProcess {
    fn run(&mut self, iters: u64) -> Duration {
        (0..iters).map(|_| self.round_trip()).sum()
    }

    fn finish(self: Box<Self>, out_dir: &Path) -> Result<(), String> {
        for _ in 0..self.case.tasks.min(200) {
            self.round_trip();
        }
        let samples: Vec<f64> = (0..self.case.tasks)
            .map(|_| self.round_trip().as_nanos() as f64)
            .collect();
        plan::write_percentiles(&self.case, &samples, out_dir)?;
        self.pool.close();
        Ok(())
    }
}
