//! The one harness every row runs through: a completion latch, the task
//! bodies of each workload, [`Spawn`] (how a row takes a task: through the
//! contract, a raw crate's own call, or the floor's plain call), and the
//! measured batches, generic over it.

use std::cell::RefCell;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use taskpool::{Task, TaskPool};

/// How a row takes one task. The batches below are generic over it, so every
/// row runs the same task bodies in the same loops: through `dyn TaskPool`
/// (the closure boxed into a [`Task`]), a raw crate's own generic call (the
/// crate boxes it the way it always does), or the [`Floor`]'s plain call.
pub trait Spawn: Sync {
    /// Hands `f` over to run once (for the floor: runs it now).
    fn spawn<F: FnOnce() + Send + 'static>(&self, f: F);
}

impl<P: TaskPool + ?Sized> Spawn for P {
    fn spawn<F: FnOnce() + Send + 'static>(&self, f: F) {
        submit(self, Box::new(f));
    }
}

/// The floor: each task boxed into a [`Task`] like the contract's, then
/// called at once on the calling thread. No pool, no hand-off.
///
/// The box goes through [`black_box`]: a box that is
/// called at once and never escapes is otherwise removed by the optimiser
/// (allocation and all), and the floor would then leave out the allocation
/// every other row pays for its task.
#[derive(Debug, Clone, Copy, Default)]
pub struct Floor;

impl Spawn for Floor {
    fn spawn<F: FnOnce() + Send + 'static>(&self, f: F) {
        let task: Task = black_box(Box::new(f));
        task();
    }
}

/// Opens once a fixed number of tasks have counted down.
///
/// A latch is armed for one batch at a time: [`arm`](Latch::arm) is only
/// called when no task of the previous batch is outstanding (after
/// [`wait`](Latch::wait) returned), so the counter never mixes two batches.
#[derive(Debug, Default)]
pub struct Latch {
    /// Tasks of the current batch that have not finished. The task that moves
    /// it from 1 to 0 sets `open` under the lock and notifies `opened`.
    remaining: AtomicUsize,
    /// True once the current batch is complete; guarded by the mutex.
    open: Mutex<bool>,
    opened: Condvar,
}

impl Latch {
    /// A latch that lives for the rest of the process, so that task closures
    /// can capture it as a plain reference (no reference counting per task).
    /// Benchmarks leak one per case: a few hundred small allocations.
    pub fn leak() -> &'static Latch {
        Box::leak(Box::default())
    }

    /// Prepares for a batch of `n` tasks.
    pub fn arm(&self, n: usize) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        self.remaining.store(n, Ordering::Release);
        *open = n == 0;
    }

    /// Called once by each task of the batch: the task's one atomic
    /// read-modify-write on shared state.
    pub fn count_down(&self) {
        if self.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
            *open = true;
            self.opened.notify_all();
        }
    }

    /// Blocks until every task of the batch has counted down.
    pub fn wait(&self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        while !*open {
            open = self
                .opened
                .wait(open)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// Submits `task`, retrying (after a yield) while the pool refuses it as
/// overloaded, the documented way to use a rejecting pool at full load.
///
/// # Panics
/// If the pool says it is stopped: the harness never stops a pool it still uses.
pub fn submit<P: TaskPool + ?Sized>(pool: &P, task: Task) {
    submit_counting(pool, task);
}

/// [`submit`], returning how many times the pool refused the task as
/// overloaded before it took it (0 for a pool that queues or blocks).
///
/// # Panics
/// If the pool says it is stopped: the harness never stops a pool it still uses.
pub fn submit_counting<P: TaskPool + ?Sized>(pool: &P, task: Task) -> u64 {
    let mut task = task;
    let mut refusals = 0;
    loop {
        match pool.submit(task) {
            Ok(()) => return refusals,
            Err(refused) if refused.is_overloaded() => {
                refusals += 1;
                task = refused.into_task();
                thread::yield_now();
            }
            Err(refused) => panic!("pool `{}` refused a task: {refused}", pool.name()),
        }
    }
}

/// The W1 task: one atomic read-modify-write on the shared latch.
pub fn trivial_task(latch: &'static Latch) -> Task {
    Box::new(move || latch.count_down())
}

/// Number of xorshift steps in one W3 task (about 10 µs on a 2020s x86 core;
/// the measured length is recorded in the calibration).
pub const CPU_STEPS: u32 = 5_300;

/// W3's fixed arithmetic: [`CPU_STEPS`] rounds of xorshift64.
pub fn cpu_work(seed: u64) -> u64 {
    spin(seed, CPU_STEPS)
}

/// `steps` rounds of xorshift64 from `seed`: a fixed amount of work, the
/// same on every thread whatever the scheduler does (a loop that watched
/// the clock instead would finish on time while descheduled, and CPU-bound
/// tasks would seem to run on more cores than there are).
pub fn spin(seed: u64, steps: u32) -> u64 {
    let mut x = seed | 1;
    for _ in 0..steps {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    x
}

/// Entries in the W7 resource table (64 KiB of `u64`).
pub const RESOURCE_LEN: usize = 8 * 1024;

/// W7's expensive per-worker resource: a 64 KiB table whose construction
/// costs about 1 ms (`passes` mixing passes, calibrated at start-up).
#[derive(Debug, Clone)]
pub struct Resource {
    table: Vec<u64>,
}

impl Resource {
    /// Builds the table with `passes` mixing passes.
    pub fn build(passes: usize) -> Resource {
        let mut table = vec![0u64; RESOURCE_LEN];
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..passes.max(1) {
            for slot in &mut table {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *slot = slot.wrapping_add(x);
            }
        }
        Resource { table }
    }

    /// The cheap part of a W7 task: a few lookups.
    pub fn use_it(&self, seed: usize) -> u64 {
        (0..16).fold(0u64, |acc, i| {
            acc.wrapping_add(self.table[(seed.wrapping_mul(7919) + i * 131) % RESOURCE_LEN])
        })
    }
}

thread_local! {
    /// The `+tls` rows' per-thread resource, built on first use on a thread.
    static TLS_RESOURCE: RefCell<Option<Resource>> = const { RefCell::new(None) };
}

/// A W7 task that builds the resource itself.
pub fn stateful_task_per_task(latch: &'static Latch, passes: usize, seed: usize) -> Task {
    Box::new(move || {
        let resource = Resource::build(passes);
        black_box(resource.use_it(seed));
        latch.count_down();
    })
}

/// A W7 task that uses (and on first use builds) the thread's resource.
pub fn stateful_task_tls(latch: &'static Latch, passes: usize, seed: usize) -> Task {
    Box::new(move || {
        TLS_RESOURCE.with(|cell| {
            let mut slot = cell.borrow_mut();
            let resource = slot.get_or_insert_with(|| Resource::build(passes));
            black_box(resource.use_it(seed));
        });
        latch.count_down();
    })
}

/// Drops this thread's W7 resource (the inline `+tls` row does this at the
/// start of every batch so that each batch pays for one build, like a fresh pool).
pub fn clear_tls_resource() {
    TLS_RESOURCE.with(|cell| cell.borrow_mut().take());
}

/// What one batch measured, from the first submit (several submitters: from
/// their common release) until the last task had finished, and until the
/// last submit call had returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchTime {
    /// Until the last task had finished.
    pub total: Duration,
    /// Until the last submit call had returned (of the slowest submitter):
    /// how long the producers were held up handing the tasks over.
    pub submitted: Duration,
}

/// Who hands a batch's tasks to the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Submitters {
    /// The calling thread, with the clock (W1–W4).
    Caller,
    /// This many threads (at least one), started before the clock and
    /// released together by a barrier; the caller only waits (W5, S2).
    Threads(usize),
}

impl Submitters {
    /// `n` producers as a user counts them: 1 is the calling thread itself,
    /// more are threads of their own.
    pub fn count(n: usize) -> Submitters {
        if n <= 1 {
            Submitters::Caller
        } else {
            Submitters::Threads(n)
        }
    }
}

/// Each submitter's share of `tasks` split over `submitters` threads:
/// contiguous ranges of indices, the first `tasks % submitters` one longer.
pub fn shares(tasks: usize, submitters: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    let mut next = 0;
    (0..submitters).map(move |i| {
        let share = tasks / submitters + usize::from(i < tasks % submitters);
        let range = next..next + share;
        next += share;
        range
    })
}

/// One batch: the tasks `make(0)` … `make(tasks - 1)`, each counting `latch`
/// down after it ran, handed to `pool` by `submitters`; timed until the
/// latch opens. Every workload whose tasks are independent runs
/// through this loop, the report's and a user's own alike.
pub fn batch<S, F, T>(
    pool: &S,
    latch: &'static Latch,
    tasks: usize,
    submitters: Submitters,
    make: &F,
) -> BatchTime
where
    S: Spawn + ?Sized,
    F: Fn(usize) -> T + Sync,
    T: FnOnce() + Send + 'static,
{
    observed_batch(pool, latch, tasks, submitters, make, &|| {})
}

/// [`batch`], calling `observe` on the submitting thread after every submit
/// call (to sample the heap during an untimed batch; a no-op compiles away).
pub fn observed_batch<S, F, T, O>(
    pool: &S,
    latch: &'static Latch,
    tasks: usize,
    submitters: Submitters,
    make: &F,
    observe: &O,
) -> BatchTime
where
    S: Spawn + ?Sized,
    F: Fn(usize) -> T + Sync,
    T: FnOnce() + Send + 'static,
    O: Fn() + Sync,
{
    let submit_range = |range: std::ops::Range<usize>| {
        for i in range {
            let task = make(i);
            pool.spawn(move || {
                task();
                latch.count_down();
            });
            observe();
        }
    };
    latch.arm(tasks);
    let submitters = match submitters {
        Submitters::Threads(n) => n.max(1),
        Submitters::Caller => {
            let start = Instant::now();
            submit_range(0..tasks);
            let submitted = start.elapsed();
            latch.wait();
            return BatchTime {
                total: start.elapsed(),
                submitted,
            };
        }
    };
    let start_line = Barrier::new(submitters + 1);
    thread::scope(|scope| {
        let submit_range = &submit_range;
        let start_line = &start_line;
        let threads: Vec<_> = shares(tasks, submitters)
            .map(|range| {
                scope.spawn(move || {
                    start_line.wait();
                    submit_range(range);
                    Instant::now()
                })
            })
            .collect();
        start_line.wait();
        let start = Instant::now();
        latch.wait();
        let total = start.elapsed();
        let submitted = threads
            .into_iter()
            .map(|t| t.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .max()
            .map_or(Duration::ZERO, |last| last.saturating_duration_since(start));
        BatchTime { total, submitted }
    })
}

/// A batch whose every submit waits for its task: each of `submitters`
/// passes its share of the tasks `make(i)` to `call`, one after the other,
/// `call` returning once the task has run. Returns the batch's time and
/// every call's own time.
pub fn awaited_batch<C, F, T, O>(
    call: &C,
    tasks: usize,
    submitters: Submitters,
    make: &F,
    observe: &O,
) -> (BatchTime, Vec<Duration>)
where
    C: Fn(T) + Sync,
    F: Fn(usize) -> T + Sync,
    O: Fn() + Sync,
{
    let call_range = |range: std::ops::Range<usize>| -> Vec<Duration> {
        let mut times = Vec::with_capacity(range.len());
        for i in range {
            let task = make(i);
            let started = Instant::now();
            call(task);
            times.push(started.elapsed());
            observe();
        }
        times
    };
    let submitters = match submitters {
        Submitters::Threads(n) => n.max(1),
        Submitters::Caller => {
            let start = Instant::now();
            let times = call_range(0..tasks);
            let total = start.elapsed();
            return (
                BatchTime {
                    total,
                    submitted: total,
                },
                times,
            );
        }
    };
    let start_line = Barrier::new(submitters + 1);
    thread::scope(|scope| {
        let call_range = &call_range;
        let start_line = &start_line;
        let threads: Vec<_> = shares(tasks, submitters)
            .map(|range| {
                scope.spawn(move || {
                    start_line.wait();
                    call_range(range)
                })
            })
            .collect();
        start_line.wait();
        let start = Instant::now();
        let mut times = Vec::with_capacity(tasks);
        for t in threads {
            times.extend(t.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        let total = start.elapsed();
        (
            BatchTime {
                total,
                submitted: total,
            },
            times,
        )
    })
}

/// Runs `tasks` trivial tasks on `pool` and waits for them: one W1 batch.
pub fn trivial_batch<S: Spawn + ?Sized>(pool: &S, latch: &'static Latch, tasks: usize) -> Duration {
    batch(pool, latch, tasks, Submitters::Caller, &|_| || {}).total
}

/// One W4 batch: times the submit loop alone, then waits untimed.
pub fn submit_only_batch<S: Spawn + ?Sized>(
    pool: &S,
    latch: &'static Latch,
    tasks: usize,
) -> Duration {
    batch(pool, latch, tasks, Submitters::Caller, &|_| || {}).submitted
}

/// One W5/S2 batch: `submitters` threads released together submit `tasks`
/// trivial tasks in all; timed from the release until the latch opens.
pub fn contended_batch<S: Spawn + ?Sized>(
    pool: &S,
    latch: &'static Latch,
    tasks: usize,
    submitters: usize,
) -> Duration {
    batch(pool, latch, tasks, Submitters::Threads(submitters), &|_| {
        || {}
    })
    .total
}

/// One W2 batch: tasks that sleep 1 ms.
pub fn sleep_batch<S: Spawn + ?Sized>(pool: &S, latch: &'static Latch, tasks: usize) -> Duration {
    batch(pool, latch, tasks, Submitters::Caller, &|_| {
        || thread::sleep(Duration::from_millis(1))
    })
    .total
}

/// One W3 batch: tasks of fixed arithmetic.
pub fn cpu_batch<S: Spawn + ?Sized>(pool: &S, latch: &'static Latch, tasks: usize) -> Duration {
    batch(pool, latch, tasks, Submitters::Caller, &|i| {
        move || {
            black_box(cpu_work(i as u64));
        }
    })
    .total
}

/// One W6 life: build with `build`, run `tasks` trivial tasks, `stop_wait`, drop.
pub fn lifecycle(
    build: &dyn Fn() -> Box<dyn TaskPool>,
    latch: &'static Latch,
    tasks: usize,
) -> Duration {
    latch.arm(tasks);
    let start = Instant::now();
    let pool = build();
    for _ in 0..tasks {
        submit(&*pool, trivial_task(latch));
    }
    pool.stop_wait();
    drop(pool);
    let elapsed = start.elapsed();
    // stop_wait ran every accepted task, so the latch is already open; this
    // checks it (a pool that lost a task would hang here, not report a time).
    latch.wait();
    elapsed
}

/// How a W7 task obtains its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceMode {
    /// Built inside every task.
    PerTask,
    /// Kept in a thread-local, built once per thread.
    ThreadLocal,
}

/// One W7 run: build the pool, run `tasks` resource-needing tasks, `stop_wait`.
pub fn stateful_run(
    build: &dyn Fn() -> Box<dyn TaskPool>,
    latch: &'static Latch,
    tasks: usize,
    passes: usize,
    mode: ResourceMode,
) -> Duration {
    latch.arm(tasks);
    let start = Instant::now();
    let pool = build();
    for seed in 0..tasks {
        let task = match mode {
            ResourceMode::PerTask => stateful_task_per_task(latch, passes, seed),
            ResourceMode::ThreadLocal => stateful_task_tls(latch, passes, seed),
        };
        submit(&*pool, task);
    }
    pool.stop_wait();
    drop(pool);
    let elapsed = start.elapsed();
    latch.wait();
    elapsed
}

/// One W8 round trip through the contract: `submit_wait` of an empty task.
///
/// # Panics
/// If the pool refuses or the empty task panics (a broken pool).
pub fn round_trip(pool: &dyn TaskPool) -> Duration {
    let start = Instant::now();
    if let Err(e) = pool.submit_wait(Box::new(|| {})) {
        panic!("pool `{}` failed a submit_wait: {e}", pool.name());
    }
    start.elapsed()
}

/// One W8 round trip without the contract: a closure that sends on a fresh
/// one-shot `crossbeam_channel::bounded(1)`, handed to `pool`, and the
/// caller waiting on the receiving end.
///
/// # Panics
/// If the task never runs and its sender is dropped (a broken pool).
pub fn channel_round_trip<S: Spawn + ?Sized>(pool: &S) -> Duration {
    let start = Instant::now();
    channel_call(pool, || {});
    start.elapsed()
}

/// Hands `f` to `pool` inside a closure that then sends on a fresh one-shot
/// `crossbeam_channel::bounded(1)`, and waits on the receiving end: a call
/// that returns once `f` has run, for pools with no waiting call of their own.
///
/// # Panics
/// If the task never runs and its sender is dropped (a broken pool, or `f`
/// panicked on a pool that does not catch panics).
pub fn channel_call<S: Spawn + ?Sized, F: FnOnce() + Send + 'static>(pool: &S, f: F) {
    let (done, finished) = crossbeam_channel::bounded(1);
    pool.spawn(move || {
        f();
        // The caller is waiting on `finished`: the send cannot fail.
        let _ = done.send(());
    });
    if finished.recv().is_err() {
        panic!("a task was dropped without running");
    }
}
