//! From the records of every round to the tables of a user's workload, by
//! the report's rules ([`crate::table`], [`crate::stats`]): per capacity,
//! the time per task (with throughput, when the producer was done, and the
//! refusals), the awaited calls' latency (when each submit waited), and the
//! heap's peak (when the process counted its allocations). The floor stands
//! in every capacity's tables as the reference.

use std::collections::BTreeSet;

use taskpool::Admission;
use taskpool_benches::rows::{Row, RowKind, FLOOR};

use crate::record::{Records, RowRound};
use crate::rows;
use crate::stats::{self, Round};
use crate::table::{
    spread_text, Figure, Table, TableRow, CUSTOM_LATENCY, CUSTOM_MEMORY, CUSTOM_TIME,
};

/// The figure of the tasks handed over per second.
pub const THROUGHPUT: &str = "tasks/s";
/// The figure of when the last submit call returned, in % of the batch.
pub const SUBMIT_DONE: &str = "submits done at";
/// The figure of the times a task was refused, per task.
pub const REFUSED: &str = "refused/task";
/// The latency tables' figures.
pub const P99: &str = "p99";
/// The latency tables' slowest figure.
pub const P999: &str = "p99.9";
/// The memory tables' figure per task.
pub const PEAK_PER_TASK: &str = "bytes/task";

/// A time unit for tables: its name and nanoseconds per unit.
fn time_unit(records: &Records) -> (&'static str, f64) {
    let tasks = records.shape.tasks.max(1) as f64;
    let per_task: Vec<f64> = records
        .rows
        .iter()
        .flat_map(|r| r.batch_ns.iter().map(|ns| ns / tasks))
        .collect();
    let typical = stats::summarize(&per_task).map_or(0.0, |s| s.median);
    if typical >= 10_000_000.0 {
        ("ms/task", 1e6)
    } else if typical >= 10_000.0 {
        ("µs/task", 1e3)
    } else {
        ("ns/task", 1.0)
    }
}

fn kind(name: &str) -> RowKind {
    Row::parse(name).map_or(RowKind::Contract, |r| r.kind())
}

/// The rows of `records` at `capacity`, in report order, each with its rounds.
fn rows_at(records: &Records, capacity: usize) -> Vec<(String, Vec<&RowRound>)> {
    let mut names: Vec<String> = records
        .rows
        .iter()
        .filter(|r| r.capacity.is_none_or(|c| c == capacity))
        .map(|r| r.row.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let order = rows::all();
    names.sort_by_key(|n| order.iter().position(|r| r.name() == *n));
    names
        .into_iter()
        .map(|n| {
            let rounds = records.of(&n, capacity).collect();
            (n, rounds)
        })
        .collect()
}

/// The median of `values`, or `None`.
fn median(values: &[f64]) -> Option<f64> {
    stats::summarize(values).map(|s| s.median)
}

/// A time table's row: a round's value is the median of its batches per
/// task, its own spread the fastest and slowest batch.
fn time_row(records: &Records, name: &str, rounds: &[&RowRound], unit: f64) -> Option<TableRow> {
    let tasks = records.shape.tasks.max(1) as f64;
    let mut values = Vec::new();
    let (mut throughput, mut submit_done, mut refused) = (Vec::new(), Vec::new(), Vec::new());
    for r in rounds {
        let Some(s) = stats::summarize(&r.batch_ns) else {
            continue;
        };
        values.push(Round {
            round: r.round,
            value: s.median / tasks / unit,
            low: s.low / tasks / unit,
            high: s.high / tasks / unit,
        });
        throughput.push(Round::point(r.round, tasks / (s.median / 1e9)));
        let shares: Vec<f64> = r
            .submitted_ns
            .iter()
            .zip(&r.batch_ns)
            .filter(|(_, b)| **b > 0.0)
            .map(|(s, b)| s / b * 100.0)
            .collect();
        if let Some(share) = median(&shares) {
            submit_done.push(Round::point(r.round, share));
        }
        let batches = r.batch_ns.len().max(1) as f64;
        refused.push(Round::point(r.round, r.refusals as f64 / tasks / batches));
    }
    let mut figures: Vec<Figure> = Vec::new();
    figures.extend(Figure::new(THROUGHPUT, "", throughput));
    let row = Row::parse(name);
    if !records.shape.await_results && row != Some(Row::Floor) {
        figures.extend(Figure::new(SUBMIT_DONE, "%", submit_done));
    }
    if row.as_ref().and_then(rows::admission) == Some(Admission::Reject) {
        figures.extend(Figure::new(REFUSED, "", refused));
    }
    TableRow::new(name, kind(name), values, figures)
}

/// A latency table's row: a round's value is the p50 of its calls, its own
/// spread their 25th to 75th percentile (W8's rule).
fn latency_row(name: &str, rounds: &[&RowRound]) -> Option<TableRow> {
    let us = |ns: f64| ns / 1e3;
    let with_calls: Vec<_> = rounds
        .iter()
        .filter_map(|r| Some((r.round, r.calls?)))
        .collect();
    let values = with_calls
        .iter()
        .map(|(round, c)| Round {
            round: *round,
            value: us(c.p50_ns),
            low: us(c.p25_ns),
            high: us(c.p75_ns),
        })
        .collect();
    let mut figures: Vec<Figure> = Vec::new();
    let p99 = with_calls
        .iter()
        .map(|(round, c)| Round::point(*round, us(c.p99_ns)))
        .collect();
    figures.extend(Figure::new(P99, "µs", p99));
    let p999 = with_calls
        .iter()
        .map(|(round, c)| Round::point(*round, us(c.p999_ns)))
        .collect();
    figures.extend(Figure::new(P999, "µs", p999));
    TableRow::new(name, kind(name), values, figures)
}

/// A memory table's row: a round's value is the heap's peak growth, exact;
/// its own spread ± [`stats::W9_HEAP_TOLERANCE`] (W9's rule).
fn memory_row(records: &Records, name: &str, rounds: &[&RowRound]) -> Option<TableRow> {
    let tasks = records.shape.tasks.max(1) as f64;
    let with_peak: Vec<(usize, f64)> = rounds
        .iter()
        .filter_map(|r| Some((r.round, r.peak_heap_bytes?)))
        .collect();
    let values = with_peak
        .iter()
        .map(|&(round, bytes)| {
            let kib = bytes / 1024.0;
            let tolerance = kib.abs() * stats::W9_HEAP_TOLERANCE;
            Round {
                round,
                value: kib,
                low: kib - tolerance,
                high: kib + tolerance,
            }
        })
        .collect();
    let per_task = with_peak
        .iter()
        .map(|&(round, bytes)| Round::point(round, bytes / tasks))
        .collect();
    let figures = Figure::new(PEAK_PER_TASK, "", per_task)
        .into_iter()
        .collect();
    TableRow::new(name, kind(name), values, figures)
}

/// Every table of `records`: the time tables, then (each submit waited)
/// the latency tables, then (the heap counted) the memory tables, each
/// kind by capacity.
pub fn tables(records: &Records) -> Vec<Table> {
    let (unit_name, unit) = time_unit(records);
    let rounds = records.shape.rounds;
    let tasks = Some(records.shape.tasks as u64);
    let samples = records.shape.samples;
    let floor = |rows: &[TableRow]| {
        rows.iter()
            .any(|r| r.row == FLOOR)
            .then(|| FLOOR.to_owned())
    };
    let mut out = Vec::new();
    for &capacity in &records.shape.capacities {
        let rows: Vec<TableRow> = rows_at(records, capacity)
            .iter()
            .filter_map(|(name, rs)| time_row(records, name, rs, unit))
            .collect();
        out.push(
            Table {
                workload: CUSTOM_TIME.to_owned(),
                parameter: format!("cap={capacity}"),
                regime: None,
                unit: unit_name.to_owned(),
                tasks,
                rounds,
                spread: spread_text(
                    rounds,
                    &format!(
                        "a round's value is the median of its {samples} timed batches, per \
                         task; its own spread, the fastest and slowest batch"
                    ),
                ),
                floor: floor(&rows),
                rows,
            }
            .finish(),
        );
    }
    if records.shape.await_results {
        for &capacity in &records.shape.capacities {
            let rows: Vec<TableRow> = rows_at(records, capacity)
                .iter()
                .filter_map(|(name, rs)| latency_row(name, rs))
                .collect();
            out.push(
                Table {
                    workload: CUSTOM_LATENCY.to_owned(),
                    parameter: format!("cap={capacity}"),
                    regime: None,
                    unit: "µs/call".to_owned(),
                    tasks,
                    rounds,
                    spread: spread_text(
                        rounds,
                        "a round's value is the p50 of its calls; its own spread, their 25th \
                         to 75th percentile",
                    ),
                    floor: floor(&rows),
                    rows,
                }
                .finish(),
            );
        }
    }
    if records.heap_counted() {
        for &capacity in &records.shape.capacities {
            let rows: Vec<TableRow> = rows_at(records, capacity)
                .iter()
                .filter_map(|(name, rs)| memory_row(records, name, rs))
                .collect();
            out.push(
                Table {
                    workload: CUSTOM_MEMORY.to_owned(),
                    parameter: format!("cap={capacity}"),
                    regime: None,
                    unit: "KiB at peak".to_owned(),
                    tasks,
                    rounds,
                    spread: spread_text(
                        rounds,
                        &format!(
                            "a round's value is the most the heap held above its level before \
                             the untimed warm-up batch, sampled after every submit call; exact; \
                             its own spread ± {} %",
                            stats::W9_HEAP_TOLERANCE * 100.0
                        ),
                    ),
                    floor: floor(&rows),
                    rows,
                }
                .finish(),
            );
        }
    }
    out
}
