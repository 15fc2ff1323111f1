//! From the figures of every round to the tables the report shows: one table
//! per workload, size (and W8 regime), each row the median of its rounds with
//! the spread across rounds, the unstable flag, the ratio to the fastest, the
//! difference to the floor and the workload's own figures (efficiency,
//! percentiles, RSS). The rules are those of [`crate::stats`]; the table
//! types and the verdict on a table are `taskpool-measure`'s
//! ([`taskpool_measure::table`]), shared with a user's own workload.

use std::collections::BTreeMap;

use taskpool_benches::out::Regime;
use taskpool_benches::rows::{Row, RowKind, FLOOR, INLINE, VEC_FLOOR};
use taskpool_benches::workload::Workload;

pub use taskpool_measure::table::{
    parameter_value, spread_text, verdict, Figure, Table, TableRow, TableVerdict,
};

use crate::results::{Measurement, Results};
use crate::stats::{self, Round};

/// What kind of row `name` is: from the run's own definitions, else from
/// today's rows, else (a name no longer known) a contract row.
fn kind_of(results: &Results, name: &str) -> RowKind {
    results
        .rows
        .iter()
        .find(|r| r.name == name)
        .map(|r| r.kind)
        .or_else(|| Row::parse(name).map(|r| r.kind()))
        .unwrap_or(RowKind::Contract)
}

/// A row from its rounds, its kind looked up by [`kind_of`].
fn table_row(
    results: &Results,
    name: &str,
    rounds: Vec<Round>,
    figures: Vec<Figure>,
) -> Option<TableRow> {
    TableRow::new(name, kind_of(results, name), rounds, figures)
}

/// Converts one iteration's nanoseconds into the table's unit.
fn to_unit(workload: Workload, elements: Option<u64>, ns: f64) -> f64 {
    match workload {
        Workload::W1 | Workload::W3 | Workload::W4 | Workload::W5 | Workload::S1 | Workload::S2 => {
            ns / elements.unwrap_or(1).max(1) as f64
        }
        Workload::W7 => match elements {
            Some(n) => ns / n.max(1) as f64 / 1e3,
            // Before W7 was reported per task: one iteration was one batch.
            None => ns / 1e6,
        },
        Workload::W2 => ns / 1e6,
        Workload::W6 | Workload::W8 => ns / 1e3,
        Workload::W9 => ns,
    }
}

/// The calibration of `round` (the run's first round's when not recorded).
fn sleep_1ms_ns(results: &Results, round: usize) -> f64 {
    results
        .rounds
        .iter()
        .find(|r| r.round == round)
        .map_or(results.meta.calibration.sleep_1ms_ns, |r| {
            r.calibration.sleep_1ms_ns
        })
}

fn cores(results: &Results) -> f64 {
    results.meta.calibration.cores.max(1) as f64
}

/// The criterion tables (every workload but W8 and W9).
fn criterion_tables(results: &Results) -> Vec<Table> {
    let mut grouped: BTreeMap<(Workload, u64, String), BTreeMap<&str, Vec<&Measurement>>> =
        BTreeMap::new();
    for m in &results.benchmarks {
        let Ok(w) = m.workload.parse::<Workload>() else {
            continue;
        };
        // W8 is recorded call by call (files before rounds also had
        // criterion figures for it: the percentiles are what it reports).
        if !w.is_criterion() {
            continue;
        }
        grouped
            .entry((w, parameter_value(&m.parameter), m.parameter.clone()))
            .or_default()
            .entry(m.row.as_str())
            .or_default()
            .push(m);
    }
    let mut out = Vec::new();
    for ((workload, _, parameter), rows) in grouped {
        let per_task_w7 = rows.values().flatten().all(|m| m.elements.is_some());
        let unit = match workload {
            Workload::W7 if !per_task_w7 => "ms/batch",
            w => w.unit(),
        };
        let rounds_of = |ms: &[&Measurement]| -> Vec<Round> {
            ms.iter()
                .map(|m| Round {
                    round: m.round,
                    value: to_unit(workload, m.elements, m.median_ns),
                    low: to_unit(workload, m.elements, m.min_ns),
                    high: to_unit(workload, m.elements, m.max_ns),
                })
                .collect()
        };
        // W3's efficiency divides the single-thread time of the same tasks:
        // the floor, or inline in files from before the floor row.
        let single = [FLOOR, INLINE]
            .iter()
            .find_map(|name| rows.get(name).map(|ms| rounds_of(ms)));
        let mut table_rows = Vec::new();
        for (name, ms) in &rows {
            let rounds = rounds_of(ms);
            let mut figures = Vec::new();
            match workload {
                Workload::W2 => {
                    let capacity = parameter_value(&parameter).max(1);
                    let eff: Vec<Round> = ms
                        .iter()
                        .map(|m| {
                            let tasks = m.elements.unwrap_or(0);
                            let ideal_ns =
                                tasks.div_ceil(capacity) as f64 * sleep_1ms_ns(results, m.round);
                            Round::point(m.round, ideal_ns / m.median_ns)
                        })
                        .collect();
                    figures.extend(Figure::new("efficiency", "", eff));
                }
                Workload::W3 => {
                    if let Some(single) = &single {
                        let eff: Vec<Round> = rounds
                            .iter()
                            .filter_map(|r| {
                                let s = single.iter().find(|s| s.round == r.round)?;
                                Some(Round::point(r.round, s.value / cores(results) / r.value))
                            })
                            .collect();
                        figures.extend(Figure::new("efficiency", "", eff));
                    }
                }
                _ => {}
            }
            table_rows.extend(table_row(results, name, rounds, figures));
        }
        let tasks = rows
            .values()
            .flatten()
            .filter_map(|m| m.elements)
            .max()
            .or_else(|| {
                results
                    .meta
                    .sizes
                    .get(workload.id())
                    .map(|s| s.tasks as u64)
            });
        let rounds = table_rows.iter().map(|r| r.rounds.len()).max().unwrap_or(0);
        out.push(
            Table {
                workload: workload.id().to_owned(),
                parameter,
                regime: None,
                unit: unit.to_owned(),
                tasks,
                rounds,
                spread: spread_text(
                    rounds,
                    "a round's value is criterion's median over its samples; its own spread, \
                 the fastest and slowest sample",
                ),
                floor: rows.contains_key(FLOOR).then(|| FLOOR.to_owned()),
                rows: table_rows,
            }
            .finish(),
        );
    }
    out
}

/// The W8 tables: one per capacity and regime, from the recorded calls.
fn latency_tables(results: &Results) -> Vec<Table> {
    let mut grouped: BTreeMap<
        (usize, Regime),
        BTreeMap<&str, Vec<&taskpool_benches::out::Percentiles>>,
    > = BTreeMap::new();
    for p in &results.latency {
        grouped
            .entry((p.capacity, p.regime))
            .or_default()
            .entry(p.row.as_str())
            .or_default()
            .push(p);
    }
    let us = |ns: f64| ns / 1e3;
    let mut out = Vec::new();
    for ((capacity, regime), rows) in grouped {
        let mut table_rows = Vec::new();
        for (name, ps) in &rows {
            let rounds = ps
                .iter()
                .map(|p| Round {
                    round: p.round,
                    value: us(p.p50_ns),
                    low: us(p.p25_ns.unwrap_or(p.p50_ns)),
                    high: us(p.p75_ns.unwrap_or(p.p50_ns)),
                })
                .collect();
            let mut figures = Vec::new();
            let p99 = ps
                .iter()
                .map(|p| Round::point(p.round, us(p.p99_ns)))
                .collect();
            figures.extend(Figure::new("p99", "µs", p99));
            let p999: Vec<Round> = ps
                .iter()
                .filter_map(|p| Some(Round::point(p.round, us(p.p999_ns?))))
                .collect();
            figures.extend(Figure::new("p99.9", "µs", p999));
            table_rows.extend(table_row(results, name, rounds, figures));
        }
        let rounds = table_rows.iter().map(|r| r.rounds.len()).max().unwrap_or(0);
        out.push(
            Table {
                workload: Workload::W8.id().to_owned(),
                parameter: format!("cap={capacity}"),
                regime: Some(regime),
                unit: Workload::W8.unit().to_owned(),
                tasks: rows.values().flatten().map(|p| p.samples as u64).max(),
                rounds,
                spread: spread_text(
                    rounds,
                    "a round's value is the p50 of its calls; its own spread, their 25th to 75th \
                 percentile",
                ),
                floor: rows.contains_key(FLOOR).then(|| FLOOR.to_owned()),
                rows: table_rows,
            }
            .finish(),
        );
    }
    out
}

/// The W9 tables: one per capacity, each row the median of its rounds (one
/// process each). The main figure is the heap's growth where every row of
/// the table has it, else (files from before the counting allocator) the
/// peak RSS growth.
fn memory_tables(results: &Results) -> Vec<Table> {
    let mut grouped: BTreeMap<usize, BTreeMap<&str, Vec<&taskpool_benches::out::MemoryResult>>> =
        BTreeMap::new();
    for m in &results.memory {
        grouped
            .entry(m.capacity)
            .or_default()
            .entry(m.row.as_str())
            .or_default()
            .push(m);
    }
    let mut out = Vec::new();
    for (capacity, rows) in grouped {
        let tasks = rows.values().flatten().map(|m| m.tasks).max().unwrap_or(1);
        let page = 4096.0 / tasks.max(1) as f64;
        let heap_main = rows
            .values()
            .flatten()
            .all(|m| m.heap_bytes_per_task.is_some());
        let mut table_rows = Vec::new();
        for (name, ms) in &rows {
            let rss: Vec<Round> = ms
                .iter()
                .filter_map(|m| {
                    let v = m.rss_bytes_per_task?;
                    Some(Round {
                        round: m.round,
                        value: v,
                        low: v - page,
                        high: v + page,
                    })
                })
                .collect();
            let (rounds, figures) = if heap_main {
                let heap = ms
                    .iter()
                    .filter_map(|m| {
                        let v = m.heap_bytes_per_task?;
                        let tolerance = v.abs() * stats::W9_HEAP_TOLERANCE;
                        Some(Round {
                            round: m.round,
                            value: v,
                            low: v - tolerance,
                            high: v + tolerance,
                        })
                    })
                    .collect();
                let peak = ms
                    .iter()
                    .filter_map(|m| Some(Round::point(m.round, m.heap_peak_bytes_per_task?)))
                    .collect();
                let mut figures: Vec<Figure> = Vec::new();
                figures.extend(Figure::new("heap peak", "bytes/task", peak));
                figures.extend(Figure::new(
                    "RSS (VmHWM)",
                    "bytes/task",
                    rss.iter().map(|r| Round::point(r.round, r.value)).collect(),
                ));
                (heap, figures)
            } else {
                (rss, Vec::new())
            };
            table_rows.extend(table_row(results, name, rounds, figures));
        }
        let rounds = table_rows.iter().map(|r| r.rounds.len()).max().unwrap_or(0);
        let what = if heap_main {
            format!(
                "a round is one process; its value the growth of the bytes its heap holds, \
                 exact; its own spread ± {} %",
                stats::W9_HEAP_TOLERANCE * 100.0
            )
        } else {
            format!(
                "a round is one process; its value the growth of its peak RSS; its own spread \
                 ± one 4 KiB page over all tasks ({} bytes/task)",
                crate::fmt::short_number(page)
            )
        };
        out.push(
            Table {
                workload: Workload::W9.id().to_owned(),
                parameter: format!("cap={capacity}"),
                regime: None,
                unit: Workload::W9.unit().to_owned(),
                tasks: Some(tasks as u64),
                rounds,
                spread: spread_text(rounds, &what),
                floor: rows.contains_key(VEC_FLOOR).then(|| VEC_FLOOR.to_owned()),
                rows: table_rows,
            }
            .finish(),
        );
    }
    out
}

/// Builds every table of `results`, in report order.
pub fn tables(results: &Results) -> Vec<Table> {
    let mut out = criterion_tables(results);
    out.extend(latency_tables(results));
    out.extend(memory_tables(results));
    out.sort_by_key(|t| {
        (
            t.kind().map_or(usize::MAX, |w| {
                Workload::ALL
                    .iter()
                    .position(|x| *x == w)
                    .unwrap_or(usize::MAX)
            }),
            parameter_value(&t.parameter),
            t.regime,
        )
    });
    out
}

/// What a workload class means to someone choosing a pool.
pub fn class_name(workload: Workload) -> &'static str {
    match workload {
        Workload::W1 => "Many tiny tasks",
        Workload::W2 => "Blocking, I/O-like tasks",
        Workload::W3 => "CPU-bound tasks",
        Workload::W4 => "Cheapest submit for the producer",
        Workload::W5 => "Several producers at once",
        Workload::W6 => "Short-lived pools",
        Workload::W7 => "Expensive per-worker state",
        Workload::W8 => "Request/response latency",
        Workload::W9 => "Memory per queued task",
        Workload::S1 => "Scaling with capacity",
        Workload::S2 => "Scaling with submitter threads",
    }
}
