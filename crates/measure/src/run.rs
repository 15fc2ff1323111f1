//! One round of a user's workload: every selected row at every capacity
//! (and the floor once), in an order of the round's own, each through the
//! report's harness: one untimed warm-up batch (where the heap is sampled,
//! when the process counts its allocations), then the timed batches.
//!
//! A task that panics is caught inside the task, so the batch still
//! completes; the round then stops with [`MeasureError::TaskPanicked`].

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use taskpool_benches::harness::{self, BatchTime, Floor, Latch, Spawn, Submitters};
use taskpool_benches::memory::HeapCounter;
use taskpool_benches::order;
use taskpool_benches::out::Skipped;
use taskpool_benches::rows::Row;

use crate::error::MeasureError;
use crate::record::{CallPercentiles, RowRound, Shape};
use crate::rows::{self, Call, Counting, Executor};

/// The start of the line printed before each case when progress is asked
/// for (`taskpool-bench: case 3/57 custom/ants/cap=8 (round 1)`): the
/// benches' own prefix, which `cargo xtask bench` reads.
pub use taskpool_benches::selection::PROGRESS_PREFIX;

/// The panics caught inside the tasks of a measurement.
#[derive(Debug, Default)]
pub struct Panics {
    /// Tasks that panicked; written by the tasks, read between batches.
    count: AtomicU64,
    /// The first panic's message; written once, under the lock.
    first: Mutex<Option<String>>,
}

impl Panics {
    /// A record that lives for the rest of the process, so that every task
    /// can capture it as a plain reference (no reference counting per
    /// task). One per measurement: a few dozen bytes.
    pub fn leak() -> &'static Panics {
        Box::leak(Box::default())
    }

    /// Records a task's panic.
    pub fn record(&self, payload: &(dyn std::any::Any + Send)) {
        if self.count.fetch_add(1, Ordering::AcqRel) == 0 {
            let message = taskpool::panic_message(payload).map(str::to_owned);
            *self.first.lock().unwrap_or_else(PoisonError::into_inner) = message;
        }
    }

    /// Panics so far.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Acquire)
    }

    fn error(&self, row: &Row) -> MeasureError {
        MeasureError::TaskPanicked {
            row: row.name(),
            message: self
                .first
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        }
    }
}

/// What one round produced (the `custom-round` binary writes it as JSON).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct RoundOutput {
    /// Every measured row.
    pub rows: Vec<RowRound>,
    /// The rows that could not be built, with the reason.
    pub skipped: Vec<Skipped>,
}

/// One case of a round: a row at a capacity (the floor: at none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    /// The row.
    pub row: Row,
    /// Its capacity; `None` for the floor.
    pub capacity: Option<usize>,
}

impl Case {
    /// `custom/<row>/cap=<n>` (the floor: `custom/<row>`), as the report
    /// names a case it could not measure.
    pub fn id(&self) -> String {
        match self.capacity {
            Some(c) => format!("custom/{}/cap={c}", self.row.name()),
            None => format!("custom/{}", self.row.name()),
        }
    }
}

/// A row that runs its own jobs rather than the workload's closure tasks
/// (a user's typed tunny `Worker`, [`crate::stateful`]), measured by
/// itself at each capacity.
pub trait OwnRow: Send + Sync {
    /// The row.
    fn row(&self) -> Row;

    /// Measures `round` at `capacity`: a warm-up batch and the timed
    /// batches, by [`sample`]'s rule.
    fn measure(
        &self,
        capacity: usize,
        round: usize,
        shape: &Shape,
        heap: Option<&(dyn HeapCounter + Sync)>,
        panics: &'static Panics,
    ) -> RowRound;
}

/// The cases of `round`: every selected row at every capacity (`own`'s
/// too, when given and selected) and the floor once, shuffled by the
/// report's seeded order for that round.
pub fn cases(shape: &Shape, own: Option<&dyn OwnRow>, round: usize) -> Vec<Case> {
    let mut cases = Vec::new();
    let own = own.map(|o| o.row()).filter(|row| {
        shape
            .pools
            .as_ref()
            .is_none_or(|set| set.contains(&row.name()) || set.contains(&row.family()))
    });
    for row in rows::selected(shape.pools.as_ref()).into_iter().chain(own) {
        if row == Row::Floor {
            cases.push(Case {
                row,
                capacity: None,
            });
        } else {
            cases.extend(shape.capacities.iter().map(|&c| Case {
                row,
                capacity: Some(c),
            }));
        }
    }
    order::shuffle(&mut cases, round, 0);
    cases
}

/// What a round measures: the shape, the closure tasks, and the row of a
/// user's own jobs, if any.
pub struct Input<'a, F> {
    /// The workload's shape.
    pub shape: &'a Shape,
    /// Task `i`'s factory.
    pub make: &'a F,
    /// A row of the user's own jobs.
    pub own: Option<&'a dyn OwnRow>,
    /// The process's counting allocator, when installed.
    pub heap: Option<&'a (dyn HeapCounter + Sync)>,
}

// By hand: a derive would ask `F: Copy` of the factory, held by reference.
impl<F> Clone for Input<'_, F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F> Copy for Input<'_, F> {}

impl<F> std::fmt::Debug for Input<'_, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("shape", self.shape)
            .field("own", &self.own.map(|o| o.row().name()))
            .field("heap", &self.heap.is_some())
            .finish_non_exhaustive()
    }
}

/// Measures round `round` of `input`: every case of [`cases`], calling
/// `progress(done, total, case id)` before each.
pub fn round<F, T>(
    input: Input<'_, F>,
    round: usize,
    panics: &'static Panics,
    progress: &dyn Fn(usize, usize, &str),
) -> Result<RoundOutput, MeasureError>
where
    F: Fn(usize) -> T + Sync,
    T: FnOnce() + Send + 'static,
{
    let Input {
        shape,
        make,
        own,
        heap,
    } = input;
    let cases = cases(shape, own, round);
    let mut out = RoundOutput::default();
    for (i, case) in cases.iter().enumerate() {
        progress(i + 1, cases.len(), &case.id());
        if let (Some(own), Some(capacity)) = (own.filter(|o| o.row() == case.row), case.capacity) {
            out.rows
                .push(own.measure(capacity, round, shape, heap, panics));
            if panics.count() > 0 {
                return Err(panics.error(&case.row));
            }
            continue;
        }
        match Executor::build(case.row, case.capacity.unwrap_or(1)) {
            Ok(exec) => {
                let measured = measure(&exec, *case, round, shape, make, heap, panics);
                exec.finish();
                if panics.count() > 0 {
                    return Err(panics.error(&case.row));
                }
                out.rows.push(measured);
            }
            Err(reason) => out.skipped.push(Skipped {
                id: case.id(),
                reason,
                round,
            }),
        }
    }
    Ok(out)
}

/// The warm-up batch and the timed batches of one case.
fn measure<F, T>(
    exec: &Executor,
    case: Case,
    round: usize,
    shape: &Shape,
    make: &F,
    heap: Option<&(dyn HeapCounter + Sync)>,
    panics: &'static Panics,
) -> RowRound
where
    F: Fn(usize) -> T + Sync,
    T: FnOnce() + Send + 'static,
{
    let refusals = AtomicU64::new(0);
    let mut record = RowRound {
        row: case.row.name(),
        capacity: case.capacity,
        round,
        batch_ns: Vec::new(),
        submitted_ns: Vec::new(),
        refusals: 0,
        calls: None,
        peak_heap_bytes: None,
    };
    // The floor is one thread doing all the work, whatever the submitters.
    let submitters = match case.row {
        Row::Floor => Submitters::Caller,
        _ => Submitters::count(shape.submitters),
    };
    let batches = Batches {
        shape,
        submitters,
        make,
        panics,
        heap,
    };
    match exec {
        Executor::Contract(pool) => {
            let counting = Counting {
                pool: &**pool,
                refusals: &refusals,
            };
            batches.run(&counting, &refusals, &mut record);
        }
        Executor::Raw(pool) => batches.run(pool, &refusals, &mut record),
        Executor::Floor => batches.run(&Floor, &refusals, &mut record),
    }
    record
}

/// What a batch does after every submit call.
pub enum Observe<'a> {
    /// Nothing (the timed batches).
    Nothing,
    /// Raises the peak to what the heap holds now (the warm-up batch).
    Heap(&'a (dyn HeapCounter + Sync), &'a AtomicUsize),
}

impl std::fmt::Debug for Observe<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Observe::Nothing => f.write_str("Observe::Nothing"),
            Observe::Heap(_, peak) => write!(f, "Observe::Heap(peak: {peak:?})"),
        }
    }
}

/// The batches of one case: an untimed warm-up batch, which starts lazy
/// workers and, when the heap is counted, shows its peak; then `samples`
/// timed batches into `record`. `batch(observe)` runs one batch. Stops
/// early once a task has panicked.
pub fn sample<B>(
    record: &mut RowRound,
    samples: usize,
    heap: Option<&(dyn HeapCounter + Sync)>,
    panics: &Panics,
    refusals: Option<&AtomicU64>,
    batch: B,
) where
    B: Fn(Observe<'_>) -> (BatchTime, Vec<Duration>),
{
    if let Some(heap) = heap {
        let before = heap.held();
        let peak = AtomicUsize::new(before);
        batch(Observe::Heap(heap, &peak));
        let grown = peak.into_inner().saturating_sub(before);
        record.peak_heap_bytes = Some(grown as f64);
    } else {
        batch(Observe::Nothing);
    }
    if let Some(refusals) = refusals {
        refusals.store(0, Ordering::Relaxed);
    }
    let mut calls_ns = Vec::new();
    for _ in 0..samples {
        if panics.count() > 0 {
            return;
        }
        let (time, calls) = batch(Observe::Nothing);
        record.batch_ns.push(time.total.as_nanos() as f64);
        record.submitted_ns.push(time.submitted.as_nanos() as f64);
        calls_ns.extend(calls.iter().map(|c| c.as_nanos() as f64));
    }
    record.refusals = refusals.map_or(0, |r| r.load(Ordering::Relaxed));
    record.calls = CallPercentiles::of(&calls_ns);
}

/// The batches of one case, whoever runs them.
struct Batches<'a, F> {
    shape: &'a Shape,
    submitters: Submitters,
    make: &'a F,
    panics: &'static Panics,
    heap: Option<&'a (dyn HeapCounter + Sync)>,
}

impl<F, T> Batches<'_, F>
where
    F: Fn(usize) -> T + Sync,
    T: FnOnce() + Send + 'static,
{
    fn run<S: Spawn + Call>(&self, exec: &S, refusals: &AtomicU64, record: &mut RowRound) {
        let panics = self.panics;
        let make = |i: usize| {
            let task = (self.make)(i);
            move || {
                if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(task)) {
                    panics.record(payload.as_ref());
                }
            }
        };
        let latch = Latch::leak();
        sample(
            record,
            self.shape.samples,
            self.heap,
            panics,
            Some(refusals),
            |observe| match observe {
                Observe::Nothing => self.one(exec, latch, &make, &|| {}),
                Observe::Heap(heap, peak) => self.one(exec, latch, &make, &|| {
                    peak.fetch_max(heap.held(), Ordering::Relaxed);
                }),
            },
        );
    }

    /// One batch: submit every task (or call, when each submit waits),
    /// calling `observe` after each.
    fn one<S, M, G, O>(
        &self,
        exec: &S,
        latch: &'static Latch,
        make: &M,
        observe: &O,
    ) -> (BatchTime, Vec<Duration>)
    where
        S: Spawn + Call,
        M: Fn(usize) -> G + Sync,
        G: FnOnce() + Send + 'static,
        O: Fn() + Sync,
    {
        let (tasks, submitters) = (self.shape.tasks, self.submitters);
        if self.shape.await_results {
            let call = |task: G| exec.call(task);
            harness::awaited_batch(&call, tasks, submitters, make, observe)
        } else {
            let time = harness::observed_batch(exec, latch, tasks, submitters, make, observe);
            (time, Vec::new())
        }
    }
}
