//! The statistics of rounds and the rules the report's words follow, as pure
//! functions of numbers (no files, no tables), so each rule is tested on
//! synthetic data.
//!
//! A row is measured in several **rounds**, each a fresh process (a user's
//! workload measured by a library call: each a pass over every row in the
//! caller's process, see [`crate::Workload`]). A round gives one value
//! (criterion's median over its samples; W8: the p50 of its calls; W9: its
//! one reading; a user's workload: the median of its timed batches) and its
//! **own spread**, an interval around that value measured within the round
//! (criterion: the fastest and slowest sample; W8: the 25th and 75th
//! percentiles of its calls; W9: the reading ± [`W9_HEAP_TOLERANCE`] or ±
//! one page over all tasks; a user's workload: its fastest and slowest
//! batch).
//!
//! - The row's figure is the **median of the rounds' values**, its spread
//!   the lowest and highest round value ([`summarize`]).
//! - A row is **unstable** when its rounds disagree beyond their own spread:
//!   some round's whole own spread lies above another round's whole own
//!   spread, i.e. the highest round low end exceeds the lowest round high
//!   end, and the highest round value is more than [`UNSTABLE_GAP`] above
//!   the lowest ([`unstable`]). Every sample of one round was then slower
//!   than every sample of another, by a margin that matters: the rounds
//!   measured different regimes. (Without the margin, a row whose samples
//!   are very tight would be flagged for the few per cent any two processes
//!   differ by.)
//! - A **winner** is named only when the fastest row's slowest round beats
//!   the runner-up's fastest round; otherwise the rows whose fastest round
//!   is no slower than the best row's slowest round are **tied**
//!   ([`verdict`]). Both rows need at least two rounds.

use serde::{Deserialize, Serialize};

/// W9's heap reading is exact; a round's own spread is the reading ± this
/// fraction of it, so that a few bytes allocated by the probe's other
/// threads do not count as disagreement.
pub const W9_HEAP_TOLERANCE: f64 = 0.01;

/// The smallest disagreement [`unstable`] flags: the highest round value
/// more than 10 % above the lowest.
pub const UNSTABLE_GAP: f64 = 0.10;

/// One round of one row, in the table's unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Round {
    /// The round number (from 1).
    pub round: usize,
    /// The round's value.
    pub value: f64,
    /// The low end of the round's own spread.
    pub low: f64,
    /// The high end of the round's own spread.
    pub high: f64,
}

/// The median and the min–max spread of a set of values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// The middle value (the mean of the middle two for an even count).
    pub median: f64,
    /// The lowest value.
    pub low: f64,
    /// The highest value.
    pub high: f64,
    /// How many values.
    pub count: usize,
}

/// Summarises `values`; `None` when there are none, or one is not a
/// number (a broken input file, not a measurement).
pub fn summarize(values: &[f64]) -> Option<Summary> {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return None;
    }
    let mut sorted = values.to_vec();
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
        count: n,
    })
}

impl Round {
    /// A round whose own spread is its value alone (a figure derived from
    /// other figures, with no samples of its own).
    pub fn point(round: usize, value: f64) -> Round {
        Round {
            round,
            value,
            low: value,
            high: value,
        }
    }
}

/// True when the rounds disagree beyond their own spread: the highest low
/// end of any round is above the lowest high end of any round, and the
/// highest round value is more than [`UNSTABLE_GAP`] above the lowest.
/// Needs two rounds.
pub fn unstable(rounds: &[Round]) -> bool {
    if rounds.len() < 2 {
        return false;
    }
    let highest_low = rounds
        .iter()
        .map(|r| r.low)
        .fold(f64::NEG_INFINITY, f64::max);
    let lowest_high = rounds.iter().map(|r| r.high).fold(f64::INFINITY, f64::min);
    let highest = rounds
        .iter()
        .map(|r| r.value)
        .fold(f64::NEG_INFINITY, f64::max);
    let lowest = rounds.iter().map(|r| r.value).fold(f64::INFINITY, f64::min);
    highest_low > lowest_high && highest - lowest > UNSTABLE_GAP * lowest.abs()
}

/// One ranked row for [`verdict`]: its name and its rounds' values (lower
/// is better).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The row name.
    pub name: String,
    /// One value per round.
    pub values: Vec<f64>,
}

/// What the data says about who is fastest (or smallest).
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The best row's slowest round beats the runner-up's fastest round.
    Winner {
        /// The winner.
        best: String,
        /// The next row by median.
        runner_up: String,
        /// Runner-up median over the winner's median.
        margin: f64,
    },
    /// The rounds of the best row and of these rows overlap: no winner.
    /// Best median first.
    Tied {
        /// The tied rows, best median first.
        rows: Vec<String>,
    },
    /// Only one row is ranked.
    Alone {
        /// That row.
        best: String,
    },
    /// The best row or the runner-up has fewer than two rounds: the data
    /// cannot tell a winner from a lucky round.
    TooFewRounds {
        /// The row with the best median.
        best: String,
        /// The fewest rounds of the two.
        rounds: usize,
    },
}

impl Verdict {
    /// The named winner, if there is one.
    pub fn winner(&self) -> Option<&str> {
        match self {
            Verdict::Winner { best, .. } | Verdict::Alone { best } => Some(best),
            Verdict::Tied { .. } | Verdict::TooFewRounds { .. } => None,
        }
    }

    /// The rows sharing first place (the winner alone, or the tied rows).
    pub fn leaders(&self) -> Vec<&str> {
        match self {
            Verdict::Winner { best, .. }
            | Verdict::Alone { best }
            | Verdict::TooFewRounds { best, .. } => vec![best],
            Verdict::Tied { rows } => rows.iter().map(String::as_str).collect(),
        }
    }
}

fn max_of(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

fn min_of(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

/// Judges `candidates` (lower is better); `None` when there are none with
/// a value.
pub fn verdict(candidates: &[Candidate]) -> Option<Verdict> {
    let mut ranked: Vec<(&Candidate, Summary)> = candidates
        .iter()
        .filter_map(|c| Some((c, summarize(&c.values)?)))
        .collect();
    ranked.sort_by(|(a, sa), (b, sb)| {
        sa.median
            .total_cmp(&sb.median)
            .then_with(|| a.name.cmp(&b.name))
    });
    let (best, best_summary) = ranked.first()?;
    let Some((runner_up, runner_summary)) = ranked.get(1) else {
        return Some(Verdict::Alone {
            best: best.name.clone(),
        });
    };
    let rounds = best.values.len().min(runner_up.values.len());
    if rounds < 2 {
        return Some(Verdict::TooFewRounds {
            best: best.name.clone(),
            rounds,
        });
    }
    let slowest_best = max_of(&best.values);
    if slowest_best < min_of(&runner_up.values) {
        return Some(Verdict::Winner {
            best: best.name.clone(),
            runner_up: runner_up.name.clone(),
            margin: runner_summary.median / best_summary.median,
        });
    }
    let rows = ranked
        .iter()
        .filter(|(c, _)| min_of(&c.values) <= slowest_best)
        .map(|(c, _)| c.name.clone())
        .collect();
    Some(Verdict::Tied { rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(name: &str, values: &[f64]) -> Candidate {
        Candidate {
            name: name.into(),
            values: values.to_vec(),
        }
    }

    fn round(round: usize, value: f64, low: f64, high: f64) -> Round {
        Round {
            round,
            value,
            low,
            high,
        }
    }

    #[test]
    fn summaries_take_the_median_and_the_extremes() {
        let odd = summarize(&[53.3, 48.5, 48.4, 59.0, 48.6]).unwrap();
        assert_eq!(
            (odd.median, odd.low, odd.high, odd.count),
            (48.6, 48.4, 59.0, 5)
        );
        let even = summarize(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!((even.median, even.low, even.high), (2.5, 1.0, 4.0));
        assert!(summarize(&[]).is_none());
        assert!(summarize(&[1.0, f64::NAN]).is_none());
    }

    #[test]
    fn a_clear_winner_is_named() {
        // a's slowest round (110) beats b's fastest (280).
        let v = verdict(&[
            candidate("b", &[300.0, 280.0, 320.0]),
            candidate("a", &[100.0, 95.0, 110.0]),
            candidate("c", &[900.0, 950.0, 1000.0]),
        ])
        .unwrap();
        assert_eq!(
            v,
            Verdict::Winner {
                best: "a".into(),
                runner_up: "b".into(),
                margin: 3.0
            }
        );
        assert_eq!(v.winner(), Some("a"));
    }

    #[test]
    fn a_tie_produces_no_winner() {
        // a has the better median, but its slowest round (130) is slower
        // than b's fastest (120): tied. c's fastest (125) also overlaps;
        // d's fastest (140) does not.
        let v = verdict(&[
            candidate("a", &[100.0, 101.0, 130.0]),
            candidate("b", &[120.0, 125.0, 126.0]),
            candidate("c", &[125.0, 200.0, 210.0]),
            candidate("d", &[140.0, 150.0, 160.0]),
        ])
        .unwrap();
        assert_eq!(
            v,
            Verdict::Tied {
                rows: vec!["a".into(), "b".into(), "c".into()]
            }
        );
        assert_eq!(v.winner(), None);
        assert_eq!(v.leaders(), ["a", "b", "c"]);
        // Equal rounds tie too.
        let v = verdict(&[candidate("x", &[5.0, 5.0]), candidate("y", &[5.0, 5.0])]).unwrap();
        assert!(matches!(v, Verdict::Tied { .. }), "{v:?}");
    }

    #[test]
    fn one_round_never_names_a_winner() {
        let v = verdict(&[candidate("a", &[1.0]), candidate("b", &[100.0])]).unwrap();
        assert_eq!(
            v,
            Verdict::TooFewRounds {
                best: "a".into(),
                rounds: 1
            }
        );
        assert_eq!(v.winner(), None);
        assert_eq!(
            verdict(&[candidate("a", &[3.0])]).unwrap(),
            Verdict::Alone { best: "a".into() }
        );
        assert_eq!(verdict(&[]), None);
    }

    #[test]
    fn rounds_that_disagree_beyond_their_spread_are_unstable() {
        // Round 2's samples are all slower than round 1's: unstable.
        let bimodal = [
            round(1, 0.7, 0.6, 0.9),
            round(2, 14.5, 12.0, 21.0),
            round(3, 0.8, 0.6, 1.0),
        ];
        assert!(unstable(&bimodal));
        // Medians move, but every round's samples overlap every other's.
        let noisy = [
            round(1, 100.0, 90.0, 130.0),
            round(2, 120.0, 105.0, 140.0),
            round(3, 110.0, 95.0, 125.0),
        ];
        assert!(!unstable(&noisy));
        // One round cannot disagree with itself.
        assert!(!unstable(&bimodal[..1]));
        // Disjoint but tight: rounds 6 % apart are two processes, not two
        // regimes. The same spreads 20 % apart are.
        let tight = [round(1, 100.0, 99.0, 101.0), round(2, 106.0, 105.0, 107.0)];
        assert!(!unstable(&tight));
        let apart = [round(1, 100.0, 99.0, 101.0), round(2, 120.0, 119.0, 121.0)];
        assert!(unstable(&apart));
        // Touching spreads are not disjoint.
        assert!(!unstable(&[
            round(1, 1.0, 0.5, 2.0),
            round(2, 3.0, 2.0, 4.0)
        ]));
    }
}
