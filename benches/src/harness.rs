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
#[derive(Debug, Clone, Copy, Default)]
pub struct Floor;

impl Spawn for Floor {
    fn spawn<F: FnOnce() + Send + 'static>(&self, f: F) {
        let task: Task = Box::new(f);
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
    let mut task = task;
    loop {
        match pool.submit(task) {
            Ok(()) => return,
            Err(refused) if refused.is_overloaded() => {
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
    let mut x = seed | 1;
    for _ in 0..CPU_STEPS {
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

/// Runs `tasks` trivial tasks on `pool` and waits for them: one W1 batch.
pub fn trivial_batch<S: Spawn + ?Sized>(pool: &S, latch: &'static Latch, tasks: usize) -> Duration {
    latch.arm(tasks);
    let start = Instant::now();
    for _ in 0..tasks {
        pool.spawn(move || latch.count_down());
    }
    latch.wait();
    start.elapsed()
}

/// One W4 batch: times the submit loop alone, then waits untimed.
pub fn submit_only_batch<S: Spawn + ?Sized>(
    pool: &S,
    latch: &'static Latch,
    tasks: usize,
) -> Duration {
    latch.arm(tasks);
    let start = Instant::now();
    for _ in 0..tasks {
        pool.spawn(move || latch.count_down());
    }
    let elapsed = start.elapsed();
    latch.wait();
    elapsed
}

/// One W5/S2 batch: `submitters` threads released together submit `tasks`
/// trivial tasks in all; timed from the release until the latch opens.
pub fn contended_batch<S: Spawn + ?Sized>(
    pool: &S,
    latch: &'static Latch,
    tasks: usize,
    submitters: usize,
) -> Duration {
    let submitters = submitters.max(1);
    latch.arm(tasks);
    let start_line = Barrier::new(submitters + 1);
    thread::scope(|scope| {
        for i in 0..submitters {
            let share = tasks / submitters + usize::from(i < tasks % submitters);
            let start_line = &start_line;
            scope.spawn(move || {
                start_line.wait();
                for _ in 0..share {
                    pool.spawn(move || latch.count_down());
                }
            });
        }
        start_line.wait();
        let start = Instant::now();
        latch.wait();
        start.elapsed()
    })
}

/// One W2 batch: tasks that sleep 1 ms.
pub fn sleep_batch<S: Spawn + ?Sized>(pool: &S, latch: &'static Latch, tasks: usize) -> Duration {
    latch.arm(tasks);
    let start = Instant::now();
    for _ in 0..tasks {
        pool.spawn(move || {
            thread::sleep(Duration::from_millis(1));
            latch.count_down();
        });
    }
    latch.wait();
    start.elapsed()
}

/// One W3 batch: tasks of fixed arithmetic.
pub fn cpu_batch<S: Spawn + ?Sized>(pool: &S, latch: &'static Latch, tasks: usize) -> Duration {
    latch.arm(tasks);
    let start = Instant::now();
    for i in 0..tasks {
        pool.spawn(move || {
            black_box(cpu_work(i as u64));
            latch.count_down();
        });
    }
    latch.wait();
    start.elapsed()
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
    let (done, finished) = crossbeam_channel::bounded(1);
    pool.spawn(move || {
        // The caller is waiting on `finished`: the send cannot fail.
        let _ = done.send(());
    });
    if finished.recv().is_err() {
        panic!("a W8 task was dropped without running");
    }
    start.elapsed()
}
