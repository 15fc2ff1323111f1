//! The tables every report shows, and the verdict on each: a row per pool,
//! the median of its rounds with the spread across rounds, the unstable
//! flag, the ratio to the fastest, the difference to the floor and figures
//! of its own. The report of `cargo xtask bench` builds one per workload and
//! size; a user's own workload one per capacity ([`crate::analyze`]). Both
//! follow the rules of [`crate::stats`].

use serde::{Deserialize, Serialize};
use taskpool_benches::out::Regime;
use taskpool_benches::rows::RowKind;
use taskpool_benches::workload::Workload;

use crate::stats::{self, Candidate, Round, Verdict};

/// The workload id of a user's own workload's time-per-task tables.
pub const CUSTOM_TIME: &str = "custom";
/// The workload id of a user's own workload's latency tables (each submit
/// waited for its task).
pub const CUSTOM_LATENCY: &str = "custom-latency";
/// The workload id of a user's own workload's peak-memory tables.
pub const CUSTOM_MEMORY: &str = "custom-memory";

/// A figure of a row beside the main one (efficiency, percentiles, memory).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// Column name.
    pub name: String,
    /// The median over the rounds.
    pub value: f64,
    /// Its unit (`""` for a plain ratio).
    pub unit: String,
    /// The figure in each round.
    pub rounds: Vec<Round>,
}

impl Figure {
    /// A figure from its value in each round; `None` without a value.
    pub fn new(name: &str, unit: &str, rounds: Vec<Round>) -> Option<Figure> {
        let values: Vec<f64> = rounds.iter().map(|r| r.value).collect();
        Some(Figure {
            name: name.to_owned(),
            value: stats::summarize(&values)?.median,
            unit: unit.to_owned(),
            rounds,
        })
    }
}

/// One row of a table, figures in the table's unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableRow {
    /// The row name.
    pub row: String,
    /// Contract, native, raw or reference.
    pub kind: RowKind,
    /// True for the reference rows (not ranked).
    pub reference: bool,
    /// The median of the rounds' values.
    pub median: f64,
    /// The lowest round value.
    pub low: f64,
    /// The highest round value.
    pub high: f64,
    /// Every round, with its own spread.
    pub rounds: Vec<Round>,
    /// The rounds disagree beyond their own spread ([`stats::unstable`]).
    pub unstable: bool,
    /// median / the fastest ranked row's median.
    pub ratio_to_fastest: f64,
    /// median − the floor row's median, where the table has a floor.
    pub over_floor: Option<f64>,
    /// Figures beside the main one.
    pub figures: Vec<Figure>,
}

impl TableRow {
    /// A row of `kind` from its rounds; the ratio to the fastest and the
    /// difference to the floor are filled in by [`Table::finish`]. `None`
    /// when there is no round, or one is not a number.
    pub fn new(
        name: &str,
        kind: RowKind,
        rounds: Vec<Round>,
        figures: Vec<Figure>,
    ) -> Option<TableRow> {
        let values: Vec<f64> = rounds.iter().map(|r| r.value).collect();
        let s = stats::summarize(&values)?;
        Some(TableRow {
            row: name.to_owned(),
            kind,
            reference: kind == RowKind::Reference,
            median: s.median,
            low: s.low,
            high: s.high,
            unstable: stats::unstable(&rounds),
            rounds,
            ratio_to_fastest: f64::NAN,
            over_floor: None,
            figures,
        })
    }

    /// The figure named `name`.
    pub fn figure(&self, name: &str) -> Option<&Figure> {
        self.figures.iter().find(|f| f.name == name)
    }
}

/// One table: a workload at one size (W8: in one regime).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Workload id, e.g. `W1` (a user's own workload: `custom`).
    pub workload: String,
    /// The size, e.g. `cap=2`.
    pub parameter: String,
    /// W8's regime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regime: Option<Regime>,
    /// The unit of `median`, `low`, `high`, `over_floor`.
    pub unit: String,
    /// Tasks per measured batch (W8: calls per round; W9: tasks queued).
    pub tasks: Option<u64>,
    /// The most rounds any row has.
    pub rounds: usize,
    /// What a round's value and own spread are, and what the spread column shows.
    pub spread: String,
    /// The floor row this table's "over the floor" subtracts.
    pub floor: Option<String>,
    /// Rows, fastest first.
    pub rows: Vec<TableRow>,
}

impl Table {
    /// The row named `row`.
    pub fn row(&self, row: &str) -> Option<&TableRow> {
        self.rows.iter().find(|r| r.row == row)
    }

    /// The workload, when the id is one of the standard matrix's.
    pub fn kind(&self) -> Option<Workload> {
        self.workload.parse().ok()
    }

    /// `W1 cap=2`, `W8 cap=4 after-idle`.
    pub fn label(&self) -> String {
        match self.regime {
            Some(r) => format!("{} {} {r}", self.workload, self.parameter),
            None => format!("{} {}", self.workload, self.parameter),
        }
    }

    /// What the main column's value is: `p50` of the calls in a latency
    /// table, else `median`.
    pub fn main_figure(&self) -> &'static str {
        if self.regime.is_some() || self.workload == CUSTOM_LATENCY {
            "p50"
        } else {
            "median"
        }
    }

    /// True when the table measures memory (smaller is better, and the
    /// ratio column compares with the smallest).
    pub fn measures_memory(&self) -> bool {
        self.kind() == Some(Workload::W9) || self.workload == CUSTOM_MEMORY
    }

    /// The ranked rows (every row but the references).
    pub fn ranked(&self) -> impl Iterator<Item = &TableRow> {
        self.rows.iter().filter(|r| !r.reference)
    }

    /// Sorts the rows fastest first, fills in each row's ratio to the
    /// fastest ranked row and its difference to the floor, and counts the
    /// rounds.
    pub fn finish(mut self) -> Table {
        self.rows.sort_by(|a, b| {
            a.median
                .total_cmp(&b.median)
                .then_with(|| a.row.cmp(&b.row))
        });
        let fastest = self.ranked().next().map(|r| r.median).filter(|m| *m > 0.0);
        let floor = self
            .floor
            .as_ref()
            .and_then(|f| self.row(f))
            .map(|r| r.median);
        for row in &mut self.rows {
            row.ratio_to_fastest = fastest.map_or(f64::NAN, |f| row.median / f);
            if !row.reference {
                row.over_floor = floor.map(|f| row.median - f);
            }
        }
        self.rounds = self.rows.iter().map(|r| r.rounds.len()).max().unwrap_or(0);
        self
    }
}

/// The number in a parameter like `cap=64` (for ordering).
pub fn parameter_value(parameter: &str) -> u64 {
    parameter
        .split_once('=')
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

/// The spread sentence of a table whose round values are `what`.
pub fn spread_text(rounds: usize, what: &str) -> String {
    if rounds <= 1 {
        format!("one round ({what}): no spread across rounds, and no verdict")
    } else {
        format!("min–max of the {rounds} rounds' values ({what})")
    }
}

/// The verdicts on one table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableVerdict {
    /// Over every ranked row (raw and strategy-specific rows included).
    pub all: Verdict,
    /// Over the rows through `dyn TaskPool` only, when the verdict over all
    /// rows is led by a row that is not.
    pub contract: Option<Verdict>,
}

fn candidates<'a>(rows: impl Iterator<Item = &'a TableRow>) -> Vec<Candidate> {
    rows.map(|r| Candidate {
        name: r.row.clone(),
        values: r.rounds.iter().map(|x| x.value).collect(),
    })
    .collect()
}

/// Judges one table by the rule of [`stats::verdict`].
pub fn verdict(table: &Table) -> Option<TableVerdict> {
    let all = stats::verdict(&candidates(table.ranked()))?;
    let led_by_other = all
        .leaders()
        .iter()
        .any(|name| table.row(name).is_some_and(|r| r.kind != RowKind::Contract));
    let contract = if led_by_other {
        stats::verdict(&candidates(
            table.ranked().filter(|r| r.kind == RowKind::Contract),
        ))
    } else {
        None
    };
    Some(TableVerdict { all, contract })
}
