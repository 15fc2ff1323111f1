//! Strategy-specific rows measured through the strategy's own API:
//! `ants-func` ([`taskpool_ants::PoolWithFunc`]: one function bound at build
//! time, each task an `invoke(arg)` with no per-task box) and
//! `tunny-stateful` / `tunny-batch` ([`taskpool_tunny::Pool`] whose workers
//! each build the W7 resource once). Their definitions are in
//! [`crate::extra`].

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use taskpool_ants::{Pool as AntsPool, PoolWithFunc};
use taskpool_tunny::{Interrupt, Pool as TunnyPool, Worker};

use crate::calibration::Calibration;
use crate::extra::Extra;
use crate::harness::{Latch, Resource};
use crate::measure::Batches;
use crate::plan::Case;
use crate::workload::Workload;

/// Prepares the batches of a strategy-specific row that is not a `dyn TaskPool`.
pub fn prepare(
    extra: Extra,
    case: &Case,
    calibration: &Calibration,
) -> Result<Box<dyn Batches>, String> {
    match extra {
        Extra::AntsFunc => Ok(Box::new(AntsFunc::new(case)?)),
        Extra::TunnyStateful | Extra::TunnyBatch => Ok(Box::new(TunnyStateful {
            case: case.clone(),
            passes: calibration.resource_passes,
            batch: extra == Extra::TunnyBatch,
        })),
        other => Err(format!("`{other}` has no batches of its own")),
    }
}

/// `ants-func`: the bound function counts the latch down.
struct AntsFunc {
    case: Case,
    pool: PoolWithFunc<&'static Latch>,
    latch: &'static Latch,
}

impl AntsFunc {
    fn new(case: &Case) -> Result<AntsFunc, String> {
        let pool = AntsPool::builder()
            .capacity(case.capacity)
            .build_with_func(|latch: &'static Latch| latch.count_down())
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
                Err(refused) if refused.is_overloaded() => {
                    arg = refused.into_inner();
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

impl Batches for AntsFunc {
    fn run(&mut self, iters: u64) -> Duration {
        (0..iters).map(|_| self.one()).sum()
    }

    fn finish(self: Box<Self>) {
        self.pool.release_wait();
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

impl Batches for TunnyStateful {
    fn run(&mut self, iters: u64) -> Duration {
        (0..iters).map(|_| self.one()).sum()
    }

    fn finish(self: Box<Self>) {}
}
