//! The contract tax: what keeping the `TaskPool` contract costs a baseline
//! crate, as the wrapped row over the raw row of the same crate, round by
//! round (both measured in the same process), per table.

use serde::{Deserialize, Serialize};
use taskpool_benches::rows::Raw;

use crate::analysis::{Table, TableRow};
use crate::stats::{self, Round};

/// One ratio of the contract-tax table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tax {
    /// The table, e.g. `W1 cap=2` or `W8 cap=4 after-idle`.
    pub table: String,
    /// The figure compared: `median` (the table's main figure, W8's p50) or `p99`.
    pub figure: String,
    /// The wrapped row (`rayon`, `threadpool`, `channel`).
    pub wrapped: String,
    /// The raw row of the same crate.
    pub raw: String,
    /// The unit of the two medians.
    pub unit: String,
    /// The wrapped row's median.
    pub wrapped_median: f64,
    /// The raw row's median.
    pub raw_median: f64,
    /// Median of the per-round ratios wrapped ÷ raw.
    pub ratio: f64,
    /// Lowest per-round ratio.
    pub low: f64,
    /// Highest per-round ratio.
    pub high: f64,
    /// Rounds with both rows.
    pub rounds: usize,
}

/// wrapped ÷ raw of the rounds both have.
fn ratios(wrapped: &[Round], raw: &[Round]) -> Vec<f64> {
    wrapped
        .iter()
        .filter_map(|w| {
            let r = raw.iter().find(|r| r.round == w.round)?;
            (r.value > 0.0).then(|| w.value / r.value)
        })
        .collect()
}

fn tax(table: &Table, figure: &str, wrapped: &TableRow, raw: &TableRow) -> Option<Tax> {
    let (w_rounds, r_rounds, w_median, r_median) = if figure == "median" {
        (&wrapped.rounds, &raw.rounds, wrapped.median, raw.median)
    } else {
        let (w, r) = (wrapped.figure(figure)?, raw.figure(figure)?);
        (&w.rounds, &r.rounds, w.value, r.value)
    };
    let per_round = ratios(w_rounds, r_rounds);
    let s = stats::summarize(&per_round)?;
    Some(Tax {
        table: table.label(),
        figure: figure.to_owned(),
        wrapped: wrapped.row.clone(),
        raw: raw.row.clone(),
        unit: table.unit.clone(),
        wrapped_median: w_median,
        raw_median: r_median,
        ratio: s.median,
        low: s.low,
        high: s.high,
        rounds: s.count,
    })
}

/// Every contract-tax ratio of `tables`, in table order.
pub fn contract_tax(tables: &[Table]) -> Vec<Tax> {
    let mut out = Vec::new();
    for table in tables {
        let figures: &[&str] = if table.regime.is_some() {
            &["median", "p99"]
        } else {
            &["median"]
        };
        for raw in Raw::ALL {
            let (Some(w), Some(r)) = (table.row(raw.wrapped().name()), table.row(raw.name()))
            else {
                continue;
            };
            for figure in figures {
                out.extend(tax(table, figure, w, r));
            }
        }
    }
    out
}
