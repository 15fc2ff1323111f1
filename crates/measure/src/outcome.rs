//! What a measurement returns: the tables (by the report's rules), the
//! recommendation, a summary per row to read programmatically, and the
//! Markdown to print.

use std::fmt::Write as _;
use std::time::Duration;

use taskpool_benches::rows::RowKind;

use crate::analyze::{self, REFUSED, SUBMIT_DONE, THROUGHPUT};
use crate::markdown::write_table;
use crate::recommend::{self, Choice, Recommendation, CHOOSING};
use crate::record::Records;
use crate::table::{Table, CUSTOM_LATENCY, CUSTOM_MEMORY, CUSTOM_TIME};
use crate::words::{below_the_floor, verdict_sentence};

/// One row at one capacity, in plain numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct RowSummary {
    /// The row.
    pub row: String,
    /// The capacity (the floor's summary repeats at each).
    pub capacity: usize,
    /// Contract, raw or reference.
    pub kind: RowKind,
    /// The median of the rounds' time per task.
    pub per_task: Duration,
    /// The fastest round's.
    pub fastest_round: Duration,
    /// The slowest round's.
    pub slowest_round: Duration,
    /// Rounds measured.
    pub rounds: usize,
    /// The rounds disagree beyond their own spread.
    pub unstable: bool,
    /// Tasks per second (the median of the rounds').
    pub throughput: f64,
    /// When the last submit call returned, as a fraction of the batch
    /// (`None` when each submit waited, or for the floor).
    pub submits_done: Option<f64>,
    /// Times a task was refused, per task (pools that refuse only).
    pub refusals_per_task: Option<f64>,
    /// The awaited calls' percentiles, when each submit waited.
    pub latency: Option<Latency>,
    /// The heap's peak growth during a batch, in bytes, when counted.
    pub peak_heap_bytes: Option<f64>,
}

/// Per-call latency, the medians of the rounds' percentiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latency {
    /// Median call.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// 99.9th percentile.
    pub p999: Duration,
}

/// The result of measuring a workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Everything measured, before any statistics.
    pub records: Records,
    /// The tables: time per task at each capacity, then latency per call
    /// (when each submit waited), then peak heap (when counted).
    pub tables: Vec<Table>,
    /// The recommendation and its reasons.
    pub recommendation: Recommendation,
}

/// Nanoseconds per unit of a time table.
fn ns_per(unit: &str) -> f64 {
    match unit.split('/').next() {
        Some("ms") => 1e6,
        Some("µs") => 1e3,
        _ => 1.0,
    }
}

fn duration(ns: f64) -> Duration {
    Duration::from_nanos(ns.max(0.0).round() as u64)
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The heading of one of a user's workload's tables.
pub fn title(table: &Table) -> String {
    let capacity = crate::table::parameter_value(&table.parameter);
    match table.workload.as_str() {
        CUSTOM_LATENCY => format!("Latency per call at capacity {capacity}"),
        CUSTOM_MEMORY => format!("Peak heap at capacity {capacity}"),
        _ => format!("Time per task at capacity {capacity}"),
    }
}

impl Outcome {
    /// The outcome of `records`: tables and recommendation derived afresh.
    pub fn new(records: Records) -> Outcome {
        let tables = analyze::tables(&records);
        let recommendation = recommend::recommend(&records, &tables);
        Outcome {
            records,
            tables,
            recommendation,
        }
    }

    /// The winner across every capacity, when the rounds name one.
    pub fn winner(&self) -> Option<&Choice> {
        self.recommendation.winner.as_ref()
    }

    /// The winner, or every tied choice, best median first.
    pub fn leaders(&self) -> &[Choice] {
        &self.recommendation.leaders
    }

    /// Every row at every capacity, fastest first within each capacity.
    pub fn summaries(&self) -> Vec<RowSummary> {
        let mut out = Vec::new();
        for t in self.tables.iter().filter(|t| t.workload == CUSTOM_TIME) {
            let capacity = crate::table::parameter_value(&t.parameter) as usize;
            let scale = ns_per(&t.unit);
            for r in &t.rows {
                let other = |workload: &str| {
                    self.tables
                        .iter()
                        .find(|o| o.workload == workload && o.parameter == t.parameter)
                        .and_then(|o| o.row(&r.row))
                };
                let latency = other(CUSTOM_LATENCY).map(|l| {
                    let us = |v: f64| duration(v * 1e3);
                    Latency {
                        p50: us(l.median),
                        p99: us(l.figure(crate::analyze::P99).map_or(f64::NAN, |f| f.value)),
                        p999: us(l.figure(crate::analyze::P999).map_or(f64::NAN, |f| f.value)),
                    }
                });
                let figure = |name: &str| r.figure(name).map(|f| f.value);
                out.push(RowSummary {
                    row: r.row.clone(),
                    capacity,
                    kind: r.kind,
                    per_task: duration(r.median * scale),
                    fastest_round: duration(r.low * scale),
                    slowest_round: duration(r.high * scale),
                    rounds: r.rounds.len(),
                    unstable: r.unstable,
                    throughput: figure(THROUGHPUT).unwrap_or(f64::NAN),
                    submits_done: figure(SUBMIT_DONE).map(|p| p / 100.0),
                    refusals_per_task: figure(REFUSED),
                    latency,
                    peak_heap_bytes: other(CUSTOM_MEMORY).map(|m| m.median * 1024.0),
                });
            }
        }
        out
    }

    /// The summary of `row` at `capacity`.
    pub fn summary(&self, row: &str, capacity: usize) -> Option<RowSummary> {
        self.summaries()
            .into_iter()
            .find(|s| s.row == row && s.capacity == capacity)
    }

    /// The recommendation, the verdicts, every table and how it was
    /// measured, as Markdown.
    pub fn markdown(&self) -> String {
        self.markdown_with(&|_| None)
    }

    /// [`Outcome::markdown`], with `chart(table)` (a Markdown image, say)
    /// placed above each table where it gives one.
    pub fn markdown_with(&self, chart: &dyn Fn(&Table) -> Option<String>) -> String {
        let mut out = String::new();
        let r = &self.recommendation;
        out.push_str("## Recommendation\n\n");
        let _ = writeln!(out, "**{}**\n", r.headline);
        for reason in &r.reasons {
            let _ = writeln!(
                out,
                "- {}: {} ({CHOOSING}, “{}”).",
                capitalized(&reason.fact),
                reason.why,
                reason.section
            );
        }
        if !r.reasons.is_empty() {
            out.push('\n');
        }
        out.push_str("## Which pool at each capacity\n\n");
        out.push_str(
            "By the report's rule: a winner only where its slowest round beats the runner-up's \
             fastest, the tied rows otherwise; the floor is not ranked. Where a raw row leads, \
             the verdict among the rows through `dyn TaskPool` follows.\n\n",
        );
        for t in &self.tables {
            if let Some(sentence) = verdict_sentence(t) {
                let _ = writeln!(out, "- **{}**: {sentence}.", title(t));
            }
        }
        out.push_str("\n## Results\n\n");
        for t in &self.tables {
            let _ = writeln!(out, "### {}\n", title(t));
            if let Some(image) = chart(t) {
                let _ = writeln!(out, "{image}\n");
            }
            let _ = writeln!(out, "Spread: {}.\n", t.spread);
            write_table(&mut out, t);
            if t.workload == CUSTOM_TIME {
                if let Some(why) = below_the_floor(t, self.records.cores) {
                    let _ = writeln!(out, "{why}\n");
                }
            }
        }
        out.push_str("## How this was measured\n\n");
        out.push_str(&self.method());
        if !self.records.skipped.is_empty() {
            out.push_str("\n## Not measured\n\n");
            for s in &self.records.skipped {
                let _ = writeln!(out, "- `{}` (round {}): {}", s.id, s.round, s.reason);
            }
        }
        out
    }

    /// How the workload was measured, in words.
    pub fn method(&self) -> String {
        let s = &self.records.shape;
        let mut out = String::new();
        let capacities: Vec<String> = s.capacities.iter().map(ToString::to_string).collect();
        let _ = writeln!(
            out,
            "- The workload: {} tasks per batch ({}), handed over by {}{}; capacities {}.",
            s.tasks,
            s.task,
            match s.submitters {
                1 => "the calling thread".to_owned(),
                n => format!("{n} submitter threads released together"),
            },
            if s.await_results {
                ", each submit waiting until its task had run"
            } else {
                ""
            },
            capacities.join(", ")
        );
        let _ = writeln!(
            out,
            "- Every row ran {} rounds; in each, one untimed warm-up batch (it starts lazy \
             workers{}), then {} timed batches, each from the first submit until the last task \
             had run. The rows ran in an order of the round's own (the report's seeded \
             shuffle).",
            s.rounds,
            if self.records.heap_counted() {
                ", and the heap is sampled after every submit call of it"
            } else {
                ""
            },
            s.samples
        );
        let worker = self.records.rows.iter().any(|r| r.row == "tunny-worker");
        let _ = writeln!(
            out,
            "- Rows: every catalog pool through `dyn TaskPool`, `ants-nonblocking` (refuses \
             when full, the producer retries), the baseline crates called raw, {}and the floor \
             (one thread running every task in a plain loop). Each task is wrapped so that a \
             panic is caught (and stops the measurement) instead of hanging a batch.",
            if worker {
                "`tunny-worker` (your typed worker, its state built once per worker; each \
                 submitter hands its inputs to one `process_batch`, or calls `process` per \
                 input when each submit waits), "
            } else {
                ""
            }
        );
        if self.records.fresh_processes {
            let _ = writeln!(
                out,
                "- Each round ran in a fresh process, as `cargo xtask bench` runs its rounds."
            );
        } else {
            let _ = writeln!(
                out,
                "- The rounds ran one after the other in the calling process, not each in a \
                 fresh process as `cargo xtask bench` runs them: what one row leaves behind \
                 (allocator caches grown, the CPU's caches and clock) can touch the next, which \
                 is why the rows change order every round. `cargo xtask bench --custom` runs \
                 every round in a fresh process."
            );
        }
        if !self.records.heap_counted() {
            let _ = writeln!(
                out,
                "- The heap was not counted (install `taskpool_measure::CountingAllocator` as \
                 the global allocator and pass it to `Workload::heap` for the peak-memory \
                 tables)."
            );
        }
        let _ = writeln!(
            out,
            "- Figures depend on the machine ({} cores here) and on what else it runs: \
             compare rows within this run, and mind the spread.",
            self.records.cores
        );
        out
    }
}
