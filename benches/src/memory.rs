//! W9: bytes per queued task, from the growth of the process's peak RSS.
//!
//! Criterion cannot measure memory, so `cargo xtask bench` runs the
//! `queued-memory` binary for every [`Probe`] of [`probes`], [`Sizes::runs`]
//! times each, every run in a fresh process, which calls [`measure`]. Beside
//! the queueing pools runs the reference row [`FLOOR`]: the same boxed tasks
//! in a `Vec` of exact capacity, the least any container of `Task` can use.
//!
//! [`Sizes::runs`]: crate::spec::Sizes::runs

use std::fs;
use std::hint;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use taskpool::{Admission, Task, TaskPool};
use taskpool_catalog::PoolKind;

use crate::harness::{self, Latch};
use crate::out::MemoryResult;
use crate::rows::Row;
use crate::spec::{Selection, Workload};

/// Name of W9's reference row: the tasks held in a `Vec<Task>` of exact
/// capacity (16-byte fat pointers) beside their boxes, with no pool at all.
/// Not ranked, like the `inline` row of the time tables.
pub const FLOOR: &str = "Vec<Task> (floor)";

/// One W9 row at one capacity, measured `runs` times, each run in its own
/// process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The row: a queueing pool's name, or [`FLOOR`].
    pub row: String,
    /// Pool capacity (for [`FLOOR`], the capacity of the table it is the
    /// floor of: it starts no worker).
    pub capacity: usize,
    /// Tasks queued per run.
    pub tasks: usize,
    /// Separate runs (processes).
    pub runs: usize,
}

impl Probe {
    /// `W9_queued_memory/<row>/cap=<capacity>`, the id the report uses.
    pub fn id(&self) -> String {
        format!(
            "{}/{}/cap={}",
            Workload::W9.group(),
            self.row,
            self.capacity
        )
    }
}

/// The W9 probes of `selection`: at each capacity the [`FLOOR`] first, then
/// every selected queueing pool (see [`crate::plan::memory_plan`]). A
/// capacity without a selected pool gets no floor either: there would be
/// nothing to compare it with.
pub fn probes(selection: &Selection) -> Vec<Probe> {
    let pools = crate::plan::memory_plan(selection);
    let sizes = selection.sizes(Workload::W9);
    let mut out = Vec::new();
    for &capacity in &sizes.capacities {
        let at_capacity: Vec<Probe> = pools
            .iter()
            .filter(|case| case.capacity == capacity)
            .map(|case| Probe {
                row: case.function_id(),
                capacity,
                tasks: case.tasks,
                runs: sizes.runs,
            })
            .collect();
        if at_capacity.is_empty() {
            continue;
        }
        out.push(Probe {
            row: FLOOR.to_owned(),
            capacity,
            tasks: sizes.tasks,
            runs: sizes.runs,
        });
        out.extend(at_capacity);
    }
    out
}

/// The rows W9 measures: the catalog pools whose `submit` queues when every
/// worker is busy (a blocking or rejecting pool holds no queue to measure).
pub fn queueing_rows() -> Vec<Row> {
    PoolKind::ALL
        .iter()
        .filter(|k| k.features().admission == Admission::Queue)
        .map(|&k| Row::Pool(k))
        .collect()
}

/// Reads the peak resident set size (VmHWM) of this process, in KiB.
pub fn peak_rss_kib() -> Result<u64, String> {
    let status = fs::read_to_string("/proc/self/status")
        .map_err(|e| format!("W9 reads /proc/self/status (Linux only): {e}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmHWM line in /proc/self/status".to_owned())
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

/// Blocks every worker of `pool` (capacity `capacity`), queues `tasks`
/// trivial tasks with `try_submit` (never blocks), and reports the peak-RSS
/// growth per task. Then opens the workers and checks every task ran.
pub fn measure_pool(
    pool: &dyn TaskPool,
    capacity: usize,
    tasks: usize,
) -> Result<MemoryResult, String> {
    check_sizes(capacity, tasks)?;
    let gate = Arc::new(Gate::default());
    let started = Latch::leak();
    started.arm(capacity);
    for _ in 0..capacity {
        let gate = Arc::clone(&gate);
        harness::submit(
            pool,
            Box::new(move || {
                started.count_down();
                gate.wait();
            }),
        );
    }
    started.wait();
    let before = peak_rss_kib()?;
    let done = Latch::leak();
    done.arm(tasks);
    for queued in 0..tasks {
        if let Err(refused) = pool.try_submit(harness::trivial_task(done)) {
            gate.release();
            pool.stop();
            return Err(format!(
                "`{}` refused queued task {queued} ({refused}): it does not queue without bound",
                pool.name()
            ));
        }
    }
    let after = peak_rss_kib()?;
    gate.release();
    pool.stop_wait();
    // stop_wait ran every accepted task; a lost task would hang here.
    done.wait();
    Ok(growth(
        pool.name().to_owned(),
        capacity,
        tasks,
        before,
        after,
    ))
}

/// Both kinds of row need a task to divide by and a worker to block.
fn check_sizes(capacity: usize, tasks: usize) -> Result<(), String> {
    if tasks == 0 || capacity == 0 {
        return Err("W9 needs at least one task and one worker".into());
    }
    Ok(())
}

/// The result of one run: the high-water mark's growth, per queued task.
fn growth(row: String, capacity: usize, tasks: usize, before: u64, after: u64) -> MemoryResult {
    MemoryResult {
        row,
        capacity,
        tasks,
        hwm_before_kib: before,
        hwm_after_kib: after,
        bytes_per_task: after.saturating_sub(before) as f64 * 1024.0 / tasks as f64,
    }
}

/// The floor: queues `tasks` trivial tasks (the same boxed closures as
/// [`measure_pool`]) in a `Vec<Task>` allocated with exactly that capacity,
/// and reports the peak-RSS growth per task. Then runs every task and checks
/// each ran. `capacity` only names the table this floor belongs to.
pub fn measure_floor(capacity: usize, tasks: usize) -> Result<MemoryResult, String> {
    check_sizes(capacity, tasks)?;
    let done = Latch::leak();
    done.arm(tasks);
    let before = peak_rss_kib()?;
    let mut queue: Vec<Task> = Vec::with_capacity(tasks);
    for _ in 0..tasks {
        queue.push(harness::trivial_task(done));
    }
    // The queue must be complete when the high-water mark is read.
    let queue = hint::black_box(queue);
    let after = peak_rss_kib()?;
    if queue.capacity() != tasks {
        return Err(format!(
            "`Vec::with_capacity({tasks})` reserved {} slots: not the floor",
            queue.capacity()
        ));
    }
    for task in queue {
        task();
    }
    // Every task counted down once; a missing one would hang here.
    done.wait();
    Ok(growth(FLOOR.to_owned(), capacity, tasks, before, after))
}

/// Measures the W9 row named `row`: [`FLOOR`] (see [`measure_floor`]) or a
/// queueing pool, built here (see [`measure_pool`]).
pub fn measure(row: &str, capacity: usize, tasks: usize) -> Result<MemoryResult, String> {
    if row == FLOOR {
        return measure_floor(capacity, tasks);
    }
    let Some(found) = queueing_rows().into_iter().find(|r| r.name() == row) else {
        let mut valid: Vec<String> = queueing_rows().iter().map(Row::name).collect();
        valid.push(FLOOR.to_owned());
        return Err(format!(
            "`{row}` is not a queueing pool (W9 rows: {})",
            valid.join(", ")
        ));
    };
    let pool = match found.build_dyn(capacity) {
        Some(Ok(pool)) => pool,
        Some(Err(e)) => return Err(format!("building `{row}` failed: {e}")),
        None => return Err(format!("`{row}` has no dyn TaskPool form")),
    };
    let mut result = measure_pool(&*pool, capacity, tasks)?;
    result.row = found.name();
    Ok(result)
}

#[cfg(test)]
mod tests;
