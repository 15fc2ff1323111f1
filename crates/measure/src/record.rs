//! What a measurement of a user's workload records: its shape, and every
//! row's figures in every round, before any statistics. A round of the
//! command-line form is written by a process of its own as JSON and read
//! back by `cargo xtask bench --custom`, so these types are its format.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use taskpool_benches::out::{nearest_rank, Skipped};

/// The shape of a workload: everything measured about it but the task
/// itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shape {
    /// What the tasks are, in words, for the report.
    pub task: String,
    /// Tasks per batch.
    pub tasks: usize,
    /// Threads handing the tasks over; 1 is the calling thread itself.
    pub submitters: usize,
    /// The pool capacities tried.
    pub capacities: Vec<usize>,
    /// Each submit waits until its task has run (request/response).
    pub await_results: bool,
    /// Rounds per row.
    pub rounds: usize,
    /// Timed batches per row and round (after one untimed warm-up batch).
    pub samples: usize,
    /// Only these rows (by name or family); `None`: every row.
    pub pools: Option<BTreeSet<String>>,
}

/// Per-call times of the awaited calls of one row in one round,
/// nearest-rank percentiles over every call of its timed batches, in ns.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CallPercentiles {
    /// Calls recorded.
    pub calls: usize,
    /// 25th percentile.
    pub p25_ns: f64,
    /// Median call.
    pub p50_ns: f64,
    /// 75th percentile.
    pub p75_ns: f64,
    /// 99th percentile.
    pub p99_ns: f64,
    /// 99.9th percentile (below 1,000 calls: the slowest).
    pub p999_ns: f64,
    /// Slowest call.
    pub max_ns: f64,
}

impl CallPercentiles {
    /// The percentiles of `calls_ns` (the report's nearest-rank rule);
    /// `None` when there is no call.
    pub fn of(calls_ns: &[f64]) -> Option<CallPercentiles> {
        let mut sorted = calls_ns.to_vec();
        sorted.sort_by(f64::total_cmp);
        let last = *sorted.last()?;
        let rank = |p: f64| nearest_rank(&sorted, p);
        Some(CallPercentiles {
            calls: sorted.len(),
            p25_ns: rank(25.0),
            p50_ns: rank(50.0),
            p75_ns: rank(75.0),
            p99_ns: rank(99.0),
            p999_ns: rank(99.9),
            max_ns: last,
        })
    }
}

/// One row in one round at one capacity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowRound {
    /// The row.
    pub row: String,
    /// The capacity; `None` for the floor, which has no pool (one thread
    /// runs every task) and stands in every capacity's table.
    pub capacity: Option<usize>,
    /// The round, from 1.
    pub round: usize,
    /// Each timed batch's wall time, from the first submit until the last
    /// task had run, ns.
    pub batch_ns: Vec<f64>,
    /// Each timed batch's time until the last submit call had returned, ns.
    pub submitted_ns: Vec<f64>,
    /// Times the pool refused a task as overloaded (and the submitter
    /// retried) over the timed batches.
    pub refusals: u64,
    /// The awaited calls' percentiles, when each submit waited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls: Option<CallPercentiles>,
    /// The most bytes the heap held above its level before the untimed
    /// warm-up batch, sampled after every submit call of that batch; when
    /// the process counts its allocations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_heap_bytes: Option<f64>,
}

/// Everything a measurement recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Records {
    /// The workload's shape.
    pub shape: Shape,
    /// Cores available to the measuring process.
    pub cores: usize,
    /// True when every round ran in a fresh process (the command-line
    /// form); false when the rounds ran one after the other in the caller's
    /// process (the library call).
    pub fresh_processes: bool,
    /// Every row's figures in every round.
    pub rows: Vec<RowRound>,
    /// Rows that could not be measured, with the reason.
    #[serde(default)]
    pub skipped: Vec<Skipped>,
}

impl Records {
    /// No round yet; each is added with [`Records::add_round`].
    pub fn new(shape: Shape, cores: usize, fresh_processes: bool) -> Records {
        Records {
            shape,
            cores,
            fresh_processes,
            rows: Vec::new(),
            skipped: Vec::new(),
        }
    }

    /// Adds what one round measured and what it could not.
    pub fn add_round(&mut self, rows: Vec<RowRound>, skipped: Vec<Skipped>) {
        self.rows.extend(rows);
        self.skipped.extend(skipped);
    }

    /// When no pool was measured (at most the floor, which has no
    /// capacity), the reasons the rows were skipped; `None` otherwise.
    pub fn nothing_measured(&self) -> Option<Vec<String>> {
        self.rows
            .iter()
            .all(|r| r.capacity.is_none())
            .then(|| self.skipped.iter().map(|s| s.reason.clone()).collect())
    }

    /// The records of `row` at `capacity` (the floor's at every capacity).
    pub fn of(&self, row: &str, capacity: usize) -> impl Iterator<Item = &RowRound> {
        let row = row.to_owned();
        self.rows
            .iter()
            .filter(move |r| r.row == row && r.capacity.is_none_or(|c| c == capacity))
    }

    /// True when some row recorded its peak heap.
    pub fn heap_counted(&self) -> bool {
        self.rows.iter().any(|r| r.peak_heap_bytes.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape() -> Shape {
        Shape {
            task: "test".into(),
            tasks: 10,
            submitters: 1,
            capacities: vec![2],
            await_results: false,
            rounds: 2,
            samples: 1,
            pools: None,
        }
    }

    fn row(row: &str, capacity: Option<usize>, round: usize) -> RowRound {
        RowRound {
            row: row.into(),
            capacity,
            round,
            batch_ns: vec![1.0],
            submitted_ns: vec![1.0],
            refusals: 0,
            calls: None,
            peak_heap_bytes: None,
        }
    }

    fn skipped(id: &str, reason: &str, round: usize) -> Skipped {
        Skipped {
            id: id.into(),
            reason: reason.into(),
            round,
        }
    }

    #[test]
    fn rounds_add_up_and_a_floor_alone_is_nothing_measured() {
        let mut records = Records::new(shape(), 2, true);
        assert_eq!(records.nothing_measured(), Some(vec![]), "no row at all");
        for round in 1..=2 {
            records.add_round(
                vec![row(taskpool_benches::rows::FLOOR, None, round)],
                vec![skipped("custom/ants/cap=2", "refused", round)],
            );
        }
        assert_eq!(records.rows.len(), 2);
        assert_eq!(
            records.nothing_measured(),
            Some(vec!["refused".to_owned(), "refused".to_owned()]),
            "the floor has no capacity: no pool was measured"
        );
        records.add_round(vec![row("channel", Some(2), 3)], vec![]);
        assert_eq!(records.nothing_measured(), None);
        assert_eq!(records.of("channel", 2).count(), 1);
        assert_eq!(records.of(taskpool_benches::rows::FLOOR, 2).count(), 2);
    }
}
