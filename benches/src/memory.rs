//! W9: bytes per queued task, measured in a process of its own.
//!
//! Criterion cannot measure memory, so `cargo xtask bench` runs the
//! `queued-memory` binary once per [`Probe`](crate::plan::Probe) and round,
//! which calls [`measure`]: it blocks every worker, queues the tasks, and
//! reads two figures before and after queueing:
//!
//! - the bytes the heap holds, from the counting global allocator the
//!   binary installs ([`HeapCounter`], the `cap` crate): exact, on every
//!   platform, the bytes the pool asked for;
//! - the peak resident set size (VmHWM), where Linux offers it: what the
//!   process really took from the system, with the allocator's chunk
//!   headers and rounding, in whole pages.
//!
//! Beside the queueing rows runs the reference row [`VEC_FLOOR`]: the same
//! boxed tasks in a `Vec` of exact capacity, the least any container of
//! `Task` can use.

use std::alloc::System;
use std::fs;
use std::hint;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use taskpool::{Task, TaskPool};

use crate::harness::{self, Latch, Spawn};
use crate::measure::build_named;
use crate::out::MemoryResult;
use crate::raw::RawPool;
use crate::rows::{rows_for, Row, VEC_FLOOR};
use crate::workload::Workload;

/// The process's heap, as a counting global allocator sees it.
pub trait HeapCounter {
    /// Bytes allocated and not yet freed.
    fn held(&self) -> usize;
    /// The most [`held`](HeapCounter::held) has been since the process started.
    fn peak(&self) -> usize;
}

impl HeapCounter for cap::Cap<System> {
    fn held(&self) -> usize {
        self.allocated()
    }

    fn peak(&self) -> usize {
        self.max_allocated()
    }
}

/// Reads the peak resident set size (VmHWM) of this process, in KiB;
/// `None` where the system does not report it (anything but Linux).
pub fn peak_rss_kib() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// A gate the blocking tasks wait at until it opens.
#[derive(Default)]
struct Gate {
    /// True once the measurement is over; guarded by the mutex.
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn wait(&self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        while !*open {
            open = self
                .opened
                .wait(open)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn release(&self) {
        *self.open.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.opened.notify_all();
    }
}

/// The two readings of one side of the measurement.
struct Reading {
    held: Option<usize>,
    peak: Option<usize>,
    rss_kib: Option<u64>,
}

impl Reading {
    fn now(heap: Option<&dyn HeapCounter>) -> Reading {
        Reading {
            held: heap.map(HeapCounter::held),
            peak: heap.map(HeapCounter::peak),
            rss_kib: peak_rss_kib(),
        }
    }
}

/// The result of one process: the growth of each figure, per queued task.
fn growth(
    row: &str,
    capacity: usize,
    tasks: usize,
    before: &Reading,
    after: &Reading,
) -> MemoryResult {
    let per_task = |grown: f64| grown / tasks as f64;
    MemoryResult {
        row: row.to_owned(),
        capacity,
        tasks,
        round: 0,
        heap_bytes_per_task: before
            .held
            .zip(after.held)
            .map(|(b, a)| per_task(a as f64 - b as f64)),
        heap_peak_bytes_per_task: before
            .held
            .zip(after.peak)
            .map(|(b, a)| per_task(a.saturating_sub(b) as f64)),
        hwm_before_kib: before.rss_kib,
        hwm_after_kib: after.rss_kib,
        rss_bytes_per_task: before
            .rss_kib
            .zip(after.rss_kib)
            .map(|(b, a)| per_task(a.saturating_sub(b) as f64 * 1024.0)),
    }
}

/// Both kinds of row need a task to divide by and a worker to block.
fn check_sizes(capacity: usize, tasks: usize) -> Result<(), String> {
    if tasks == 0 || capacity == 0 {
        return Err("W9 needs at least one task and one worker".into());
    }
    Ok(())
}

/// Blocks `capacity` workers through `spawn`, then reads, queues `tasks`
/// trivial tasks (each counting `done` down) through `queue`, reads again,
/// releases the workers and checks every task ran.
fn measure_queue<S: Spawn + ?Sized>(
    row: &str,
    pool: &S,
    capacity: usize,
    tasks: usize,
    heap: Option<&dyn HeapCounter>,
    queue: impl Fn(&'static Latch) -> Result<(), String>,
) -> Result<MemoryResult, String> {
    check_sizes(capacity, tasks)?;
    let gate = Arc::new(Gate::default());
    let started = Latch::leak();
    started.arm(capacity);
    for _ in 0..capacity {
        let gate = Arc::clone(&gate);
        pool.spawn(move || {
            started.count_down();
            gate.wait();
        });
    }
    started.wait();
    let done = Latch::leak();
    done.arm(tasks);
    let before = Reading::now(heap);
    for queued in 0..tasks {
        if let Err(e) = queue(done) {
            gate.release();
            return Err(format!("`{row}` refused queued task {queued}: {e}"));
        }
    }
    let after = Reading::now(heap);
    gate.release();
    // Every queued task counts down once; a lost task would hang here.
    done.wait();
    Ok(growth(row, capacity, tasks, &before, &after))
}

/// The floor: `tasks` trivial tasks (the same boxed closures the pools
/// queue) in a `Vec<Task>` allocated with exactly that capacity. Then runs
/// every task and checks each ran. `capacity` only names the table this
/// floor belongs to.
pub fn measure_floor(
    capacity: usize,
    tasks: usize,
    heap: Option<&dyn HeapCounter>,
) -> Result<MemoryResult, String> {
    check_sizes(capacity, tasks)?;
    let done = Latch::leak();
    done.arm(tasks);
    let before = Reading::now(heap);
    let mut queue: Vec<Task> = Vec::with_capacity(tasks);
    for _ in 0..tasks {
        queue.push(harness::trivial_task(done));
    }
    // The queue must be complete when the figures are read.
    let queue = hint::black_box(queue);
    let after = Reading::now(heap);
    if queue.capacity() != tasks {
        return Err(format!(
            "`Vec::with_capacity({tasks})` reserved {} slots: not the floor",
            queue.capacity()
        ));
    }
    for task in queue {
        task();
    }
    done.wait();
    Ok(growth(VEC_FLOOR, capacity, tasks, &before, &after))
}

/// The rows W9 can measure: the queueing catalog pools, the raw rows and
/// the floor.
pub fn w9_rows() -> Vec<Row> {
    rows_for(Workload::W9)
}

/// Measures the W9 row named `row` (built here) at `capacity` with `tasks`
/// queued, reading `heap` when the process counts its allocations.
pub fn measure(
    row: &str,
    capacity: usize,
    tasks: usize,
    heap: Option<&dyn HeapCounter>,
) -> Result<MemoryResult, String> {
    let Some(found) = w9_rows().into_iter().find(|r| r.name() == row) else {
        let valid: Vec<String> = w9_rows().iter().map(Row::name).collect();
        return Err(format!(
            "`{row}` is not a W9 row (W9 rows: {})",
            valid.join(", ")
        ));
    };
    match found {
        Row::VecFloor => measure_floor(capacity, tasks, heap),
        Row::Raw(raw) => {
            let pool = RawPool::build(raw, capacity)?;
            // The crate's own call, with the closure unboxed: it boxes it
            // the way it always does.
            measure_queue(row, &pool, capacity, tasks, heap, |done| {
                pool.spawn(move || done.count_down());
                Ok(())
            })
        }
        _ => {
            let pool = build_named(found, capacity)?;
            let result = measure_queue(row, &*pool, capacity, tasks, heap, |done| {
                // `try_submit` never blocks: a pool that would not queue
                // without bound says so instead of hanging the probe.
                pool.try_submit(harness::trivial_task(done))
                    .map_err(|refused| format!("{refused}: it does not queue without bound"))
            });
            pool.stop_wait();
            result
        }
    }
}

#[cfg(test)]
mod tests;
