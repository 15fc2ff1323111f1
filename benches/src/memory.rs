//! W9: bytes per queued task, from the growth of the process's peak RSS.
//!
//! Criterion cannot measure memory, so `cargo xtask bench` runs the
//! `queued-memory` binary once per pool, each in a fresh process, which calls
//! [`measure`].

use std::fs;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use taskpool::{Admission, TaskPool};
use taskpool_catalog::PoolKind;

use crate::harness::{self, Latch};
use crate::out::MemoryResult;
use crate::rows::Row;

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
    if tasks == 0 || capacity == 0 {
        return Err("W9 needs at least one task and one worker".into());
    }
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
    Ok(MemoryResult {
        row: pool.name().to_owned(),
        capacity,
        tasks,
        hwm_before_kib: before,
        hwm_after_kib: after,
        bytes_per_task: after.saturating_sub(before) as f64 * 1024.0 / tasks as f64,
    })
}

/// Builds the W9 row named `row` and measures it (see [`measure_pool`]).
pub fn measure(row: &str, capacity: usize, tasks: usize) -> Result<MemoryResult, String> {
    let Some(found) = queueing_rows().into_iter().find(|r| r.name() == row) else {
        let valid: Vec<String> = queueing_rows().iter().map(Row::name).collect();
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
