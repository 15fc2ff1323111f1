//! From raw figures to what the report says: one table per workload and size,
//! in the workload's unit, with ratios, overhead over inline (W9: over the
//! `Vec<Task>` floor), efficiencies and the verdicts of "Which pool for which
//! workload".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use taskpool_benches::spec::Workload;

use crate::results::{Measurement, Results};

/// Name of the inline reference row (and its W7 variant).
const INLINE: &str = taskpool_benches::rows::INLINE;
/// Name of W9's reference row.
const FLOOR: &str = taskpool_benches::memory::FLOOR;

/// An extra figure shown in a table column (efficiency, percentiles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// Column name.
    pub name: String,
    /// The value.
    pub value: f64,
    /// Its unit (`""` for a plain ratio).
    pub unit: String,
}

/// One row of a table, figures in the table's unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    /// The row (pool) name.
    pub row: String,
    /// Median.
    pub median: f64,
    /// Low end of the spread (fastest sample).
    pub low: f64,
    /// High end of the spread (slowest sample).
    pub high: f64,
    /// median / the fastest pool's median (the inline reference excluded).
    pub ratio_to_fastest: f64,
    /// median − inline median, where the table has an inline row.
    pub over_inline: Option<f64>,
    /// W9: median − the `Vec<Task> (floor)` median, where the table has the
    /// floor row (absent from tables written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over_floor: Option<f64>,
    /// Workload-specific figures.
    pub figures: Vec<Figure>,
    /// True for the reference rows, inline and the W9 floor (not ranked).
    pub reference: bool,
}

/// One table: a workload at one size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Workload id, e.g. `W1`.
    pub workload: String,
    /// The size, e.g. `cap=2`.
    pub parameter: String,
    /// The unit of `median`, `low`, `high`, `over_inline`, `over_floor`.
    pub unit: String,
    /// Tasks per measured batch (or per-call samples for W8, tasks for W9).
    pub tasks: Option<u64>,
    /// How the spread was obtained.
    pub spread: String,
    /// Rows, fastest first.
    pub rows: Vec<TableRow>,
}

impl Table {
    /// The fastest ranked (non-reference) row.
    pub fn winner(&self) -> Option<&TableRow> {
        self.rows.iter().find(|r| !r.reference)
    }

    /// The row named `row`.
    pub fn row(&self, row: &str) -> Option<&TableRow> {
        self.rows.iter().find(|r| r.row == row)
    }

    /// The workload, when the id is one of ours.
    pub fn kind(&self) -> Option<Workload> {
        self.workload.parse().ok()
    }
}

/// Converts one iteration's nanoseconds into the workload's unit.
fn to_unit(workload: Workload, m: &Measurement, ns: f64) -> f64 {
    match workload {
        Workload::W1 | Workload::W3 | Workload::W4 | Workload::W5 | Workload::S1 | Workload::S2 => {
            ns / m.elements.unwrap_or(1).max(1) as f64
        }
        Workload::W2 | Workload::W7 => ns / 1e6,
        Workload::W6 | Workload::W8 => ns / 1e3,
        Workload::W9 => ns,
    }
}

/// The number in a parameter like `cap=64` (for ordering).
pub fn parameter_value(parameter: &str) -> u64 {
    parameter
        .split_once('=')
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

fn is_reference(row: &str) -> bool {
    row == INLINE || row.starts_with("inline+") || row == FLOOR
}

/// The median and the min–max spread of a set of samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// The middle sample (the mean of the middle two for an even count).
    pub median: f64,
    /// The lowest sample.
    pub low: f64,
    /// The highest sample.
    pub high: f64,
    /// How many samples.
    pub samples: usize,
}

/// Summarises `samples`; `None` when there are none, or one is not a
/// number (a broken input file, not a measurement).
pub fn summarize(samples: &[f64]) -> Option<Summary> {
    if samples.is_empty() || samples.iter().any(|v| v.is_nan()) {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    Some(Summary {
        median,
        low: sorted[0],
        high: sorted[n - 1],
        samples: n,
    })
}

/// How a W9 table's spread was obtained, given the fewest and most runs
/// any of its rows has and the tasks queued per run.
fn memory_spread(fewest: usize, most: usize, tasks: usize) -> String {
    if most <= 1 {
        // VmHWM counts whole KiB but moves in whole pages.
        let page = 4096.0 / tasks.max(1) as f64;
        return format!(
            "one run per row, so none measured (one 4 KiB page over all tasks is \
             {} bytes/task)",
            crate::charts::short_number(page)
        );
    }
    let runs = if fewest == most {
        most.to_string()
    } else {
        format!("{fewest}–{most}")
    };
    format!("min–max over {runs} runs per row, each in a fresh process")
}

/// The W9 tables: one per capacity, each row the median of its runs (every
/// [`crate::results::Results::memory`] entry is one run), with the overhead
/// over the floor row where it was measured.
fn memory_tables(results: &Results) -> Vec<Table> {
    // capacity → (tasks, row → bytes per task of each run)
    let mut by_cap: BTreeMap<usize, (usize, BTreeMap<&str, Vec<f64>>)> = BTreeMap::new();
    for m in &results.memory {
        let (tasks, rows) = by_cap
            .entry(m.capacity)
            .or_insert((m.tasks, BTreeMap::new()));
        *tasks = (*tasks).max(m.tasks);
        rows.entry(m.row.as_str())
            .or_default()
            .push(m.bytes_per_task);
    }
    let mut out = Vec::new();
    for (capacity, (tasks, samples)) in by_cap {
        let summaries: Vec<(&str, Summary)> = samples
            .iter()
            .filter_map(|(row, s)| Some((*row, summarize(s)?)))
            .collect();
        let floor = summaries
            .iter()
            .find(|(row, _)| *row == FLOOR)
            .map(|(_, s)| s.median);
        let fewest = summaries.iter().map(|(_, s)| s.samples).min().unwrap_or(0);
        let most = summaries.iter().map(|(_, s)| s.samples).max().unwrap_or(0);
        let rows = summaries
            .iter()
            .map(|&(row, s)| TableRow {
                row: row.to_owned(),
                median: s.median,
                low: s.low,
                high: s.high,
                ratio_to_fastest: f64::NAN,
                over_inline: None,
                over_floor: floor.filter(|_| row != FLOOR).map(|f| s.median - f),
                figures: Vec::new(),
                reference: is_reference(row),
            })
            .collect();
        out.push(Table {
            workload: Workload::W9.id().to_owned(),
            parameter: format!("cap={capacity}"),
            unit: Workload::W9.unit().to_owned(),
            tasks: Some(tasks as u64),
            spread: memory_spread(fewest, most, tasks),
            rows: finish_rows(rows),
        });
    }
    out
}

/// Fills the ratios and sorts the rows fastest first.
fn finish_rows(mut rows: Vec<TableRow>) -> Vec<TableRow> {
    rows.sort_by(|a, b| {
        a.median
            .total_cmp(&b.median)
            .then_with(|| a.row.cmp(&b.row))
    });
    let fastest = rows
        .iter()
        .find(|r| !r.reference)
        .map(|r| r.median)
        .filter(|m| *m > 0.0);
    for row in &mut rows {
        row.ratio_to_fastest = fastest.map_or(f64::NAN, |f| row.median / f);
    }
    rows
}

/// Builds every table of `results`, in report order.
pub fn tables(results: &Results) -> Vec<Table> {
    let mut grouped: BTreeMap<(Workload, u64, String), Vec<&Measurement>> = BTreeMap::new();
    for m in &results.benchmarks {
        if let Ok(w) = m.workload.parse::<Workload>() {
            grouped
                .entry((w, parameter_value(&m.parameter), m.parameter.clone()))
                .or_default()
                .push(m);
        }
    }
    let calibration = &results.meta.calibration;
    let latency = crate::results::latency_by_row(results);
    let mut out = Vec::new();
    for ((workload, _, parameter), ms) in grouped {
        let inline = ms
            .iter()
            .find(|m| m.row == INLINE)
            .map(|m| to_unit(workload, m, m.median_ns));
        let inline_batch_ns = ms.iter().find(|m| m.row == INLINE).map(|m| m.median_ns);
        let rows = ms
            .iter()
            .map(|m| {
                let mut figures = Vec::new();
                match workload {
                    Workload::W2 => {
                        let capacity = parameter_value(&parameter).max(1);
                        let tasks = m.elements.unwrap_or(0);
                        let ideal = tasks.div_ceil(capacity) as f64 * calibration.sleep_1ms_ns;
                        figures.push(Figure {
                            name: "efficiency".into(),
                            value: ideal / m.median_ns,
                            unit: String::new(),
                        });
                    }
                    Workload::W3 => {
                        if let Some(inline_ns) = inline_batch_ns {
                            figures.push(Figure {
                                name: "efficiency".into(),
                                value: inline_ns / calibration.cores.max(1) as f64 / m.median_ns,
                                unit: String::new(),
                            });
                        }
                    }
                    Workload::W8 => {
                        if let Some(p) = latency.get(m.row.as_str()) {
                            for (name, v) in [("p50", p.p50_ns), ("p99", p.p99_ns)] {
                                figures.push(Figure {
                                    name: name.into(),
                                    value: v / 1e3,
                                    unit: "µs".into(),
                                });
                            }
                        }
                    }
                    _ => {}
                }
                let median = to_unit(workload, m, m.median_ns);
                TableRow {
                    row: m.row.clone(),
                    median,
                    low: to_unit(workload, m, m.min_ns),
                    high: to_unit(workload, m, m.max_ns),
                    ratio_to_fastest: f64::NAN,
                    over_inline: match workload {
                        Workload::W2 | Workload::W7 => None,
                        _ => inline.map(|i| median - i),
                    },
                    over_floor: None,
                    figures,
                    reference: is_reference(&m.row),
                }
            })
            .collect();
        let tasks = ms.first().and_then(|m| m.elements).or_else(|| {
            results
                .meta
                .sizes
                .get(workload.id())
                .map(|s| s.tasks as u64)
        });
        out.push(Table {
            workload: workload.id().to_owned(),
            parameter,
            unit: workload.unit().to_owned(),
            tasks,
            spread: "min–max over samples".into(),
            rows: finish_rows(rows),
        });
    }
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
        )
    });
    out
}

/// The verdict on one table.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The fastest (or smallest) ranked row.
    pub winner: TableRow,
    /// The next ranked row, if any.
    pub runner_up: Option<TableRow>,
    /// Other rows whose spread overlaps the winner's.
    pub within_noise: Vec<String>,
}

/// True when the spreads of `a` and `b` overlap.
pub fn overlaps(a: &TableRow, b: &TableRow) -> bool {
    a.low <= b.high && b.low <= a.high
}

/// Judges one table: who wins, by how much, and who is within noise of it.
pub fn verdict(table: &Table) -> Option<Verdict> {
    let mut ranked = table.rows.iter().filter(|r| !r.reference);
    let winner = ranked.next()?.clone();
    let rest: Vec<&TableRow> = ranked.collect();
    Some(Verdict {
        runner_up: rest.first().map(|r| (*r).clone()),
        within_noise: rest
            .iter()
            .filter(|r| overlaps(&winner, r))
            .map(|r| r.row.clone())
            .collect(),
        winner,
    })
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
