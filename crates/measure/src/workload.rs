//! [`Workload`]: a user's tasks and how they arrive, measured through every
//! pool in repeated rounds.

use std::sync::Arc;

use taskpool_benches::memory::HeapCounter;
use taskpool_benches::sizes::cores;
use taskpool_tunny::Worker;

use crate::error::MeasureError;
use crate::outcome::Outcome;
use crate::record::{Records, Shape};
use crate::rows;
use crate::run::{self, Input, OwnRow, Panics};
use crate::stateful::TunnyWorkers;

/// Tasks per batch unless told otherwise.
pub const DEFAULT_TASKS: usize = 1_500;
/// Rounds unless told otherwise: the report's quick profile's.
pub const DEFAULT_ROUNDS: usize = 3;
/// Timed batches per row and round unless told otherwise.
pub const DEFAULT_SAMPLES: usize = 4;

/// The capacities tried unless told otherwise: the cores, and four times
/// as many (where blocking tasks pay off).
pub fn default_capacities() -> Vec<usize> {
    let n = cores();
    vec![n, 4 * n]
}

/// A workload: a task factory and how the tasks arrive. [`Workload::run`]
/// measures it through every catalog pool, `ants-nonblocking`, the raw
/// crates and the floor, in repeated rounds, and judges it by the report's
/// rules.
///
/// `make(i)` builds task `i` (from 0); it runs on the submitting thread
/// (so building a task counts as submitting it, as it does for you), and
/// every row gets the same tasks by index.
pub struct Workload<F> {
    make: F,
    shape: Shape,
    /// The `tunny-worker` row, when a typed worker was given.
    own: Option<Arc<dyn OwnRow>>,
    heap: Option<&'static (dyn HeapCounter + Sync)>,
    progress: bool,
}

impl<F> std::fmt::Debug for Workload<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workload")
            .field("shape", &self.shape)
            .field("own", &self.own.as_ref().map(|o| o.row().name()))
            .field("heap", &self.heap.is_some())
            .finish_non_exhaustive()
    }
}

impl<F, T> Workload<F>
where
    F: Fn(usize) -> T + Sync,
    T: FnOnce() + Send + 'static,
{
    /// The tasks `make(0)`, `make(1)`, … with the defaults: 1,500 tasks per
    /// batch, one submitter (the calling thread), submits that do not wait,
    /// capacities of the cores and four times the cores, 3 rounds of 4 timed
    /// batches, every row.
    pub fn new(make: F) -> Workload<F> {
        Workload {
            make,
            shape: Shape {
                task: "your task factory".to_owned(),
                tasks: DEFAULT_TASKS,
                submitters: 1,
                capacities: default_capacities(),
                await_results: false,
                rounds: DEFAULT_ROUNDS,
                samples: DEFAULT_SAMPLES,
                pools: None,
            },
            own: None,
            heap: None,
            progress: false,
        }
    }

    /// What the tasks are, in a few words, for the report.
    pub fn describe(mut self, task: impl Into<String>) -> Self {
        self.shape.task = task.into();
        self
    }

    /// Tasks per batch.
    pub fn tasks(mut self, n: usize) -> Self {
        self.shape.tasks = n;
        self
    }

    /// Threads handing the tasks over (1: the calling thread itself).
    pub fn submitters(mut self, n: usize) -> Self {
        self.shape.submitters = n;
        self
    }

    /// The pool capacities to try.
    pub fn capacities(mut self, capacities: impl IntoIterator<Item = usize>) -> Self {
        self.shape.capacities = capacities.into_iter().collect();
        self
    }

    /// Each submit waits until its task has run (request/response), and
    /// every call's latency is recorded.
    pub fn await_results(mut self, yes: bool) -> Self {
        self.shape.await_results = yes;
        self
    }

    /// Rounds per row (two at least for a verdict).
    pub fn rounds(mut self, n: usize) -> Self {
        self.shape.rounds = n;
        self
    }

    /// Timed batches per row and round.
    pub fn samples(mut self, n: usize) -> Self {
        self.shape.samples = n;
        self
    }

    /// Only these rows: a row's own name, or a catalog pool's name, which
    /// selects its raw and strategy-specific rows too (`channel` selects
    /// `crossbeam-raw`, `ants` selects `ants-nonblocking`). The floor always
    /// runs.
    pub fn pools<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.shape.pools = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Adds the `tunny-worker` row: tunny's stateful workers running a typed
    /// job of your own, each worker built once by `factory` (keep the
    /// expensive state there) and handed input `i` for task `i`. Do the
    /// same work as the closure tasks, which every other row runs: the
    /// tables then compare keeping the state in tunny's workers with
    /// whatever your closure does (a thread-local, a rebuild per task).
    ///
    /// ```
    /// use taskpool_measure::Workload;
    /// use taskpool_tunny::{Interrupt, Worker};
    ///
    /// struct Table(Vec<u64>); // built once per worker
    /// impl Worker for Table {
    ///     type Input = usize;
    ///     type Output = u64;
    ///     fn process(&mut self, i: usize, _: &Interrupt) -> u64 {
    ///         self.0[i % self.0.len()]
    ///     }
    /// }
    ///
    /// let outcome = Workload::new(|i| move || {
    ///     let table: Vec<u64> = (0..64).collect(); // rebuilt by every task
    ///     std::hint::black_box(table[i % 64]);
    /// })
    /// .tunny_worker(|| Table((0..64).collect()))
    /// .tasks(100)
    /// .capacities([2])
    /// .rounds(2)
    /// .samples(1)
    /// .pools(["tunny"])
    /// .run()?;
    /// assert!(outcome.summary("tunny-worker", 2).is_some());
    /// # Ok::<(), taskpool_measure::MeasureError>(())
    /// ```
    pub fn tunny_worker<B, W>(mut self, factory: B) -> Self
    where
        B: Fn() -> W + Send + Sync + 'static,
        W: Worker<Input = usize>,
    {
        self.own = Some(Arc::new(TunnyWorkers::new(factory)));
        self
    }

    /// Counts the heap with `counter`, the process's global allocator, for
    /// the peak-memory tables:
    ///
    /// ```
    /// use taskpool_measure::{CountingAllocator, Workload};
    ///
    /// #[global_allocator]
    /// static HEAP: CountingAllocator = CountingAllocator::new(std::alloc::System, usize::MAX);
    ///
    /// let workload = Workload::new(|_| || {}).heap(&HEAP);
    /// ```
    pub fn heap(mut self, counter: &'static (dyn HeapCounter + Sync)) -> Self {
        self.heap = Some(counter);
        self
    }

    /// Prints one line per case to stderr as it starts.
    pub fn progress(mut self, yes: bool) -> Self {
        self.progress = yes;
        self
    }

    /// The shape measured.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// Measures every round in this process, one after the other (see
    /// [`Outcome::method`] for what that changes against fresh processes).
    pub fn run(&self) -> Result<Outcome, MeasureError> {
        check(&self.shape)?;
        if run::cases(&self.shape, self.own.as_deref(), 1)
            .iter()
            .all(|c| c.capacity.is_none())
        {
            return Err(MeasureError::NothingMeasured {
                reasons: vec![
                    "the pools named select no row but the floor (`tunny-worker` runs only \
                     with `Workload::tunny_worker`)"
                        .to_owned(),
                ],
            });
        }
        let panics = Panics::leak();
        let mut records = Records::new(self.shape.clone(), cores(), false);
        for round in 1..=self.shape.rounds {
            let output = self.round(round, panics)?;
            records.add_round(output.rows, output.skipped);
        }
        if let Some(reasons) = records.nothing_measured() {
            return Err(MeasureError::NothingMeasured { reasons });
        }
        Ok(Outcome::new(records))
    }

    /// Measures round `round` alone (the command-line form runs each in a
    /// process of its own).
    pub fn round(
        &self,
        round: usize,
        panics: &'static Panics,
    ) -> Result<run::RoundOutput, MeasureError> {
        check(&self.shape)?;
        let progress = |done: usize, total: usize, id: &str| {
            if self.progress {
                eprintln!(
                    "{}{done}/{total} {id} (round {round})",
                    run::PROGRESS_PREFIX
                );
            }
        };
        let input = Input {
            shape: &self.shape,
            make: &self.make,
            own: self.own.as_deref(),
            heap: self.heap,
        };
        run::round(input, round, panics, &progress)
    }
}

/// Checks a shape before anything runs.
pub fn check(shape: &Shape) -> Result<(), MeasureError> {
    for (what, n) in [
        ("tasks", shape.tasks),
        ("submitters", shape.submitters),
        ("rounds", shape.rounds),
        ("samples", shape.samples),
    ] {
        if n == 0 {
            return Err(MeasureError::Zero { what });
        }
    }
    if shape.capacities.is_empty() {
        return Err(MeasureError::NoCapacity);
    }
    if shape.capacities.contains(&0) {
        return Err(MeasureError::Zero { what: "a capacity" });
    }
    if let Some(pools) = &shape.pools {
        if pools.is_empty() {
            return Err(MeasureError::Zero { what: "pools" });
        }
        let valid = rows::names();
        if let Some(name) = pools.iter().find(|n| !valid.contains(n)) {
            return Err(MeasureError::UnknownPool {
                name: name.clone(),
                valid,
            });
        }
    }
    Ok(())
}
