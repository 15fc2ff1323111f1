//! The words of the verdicts, and of the explanation beside a row that beat
//! the floor: generated from the tables, never typed. The report of
//! `cargo xtask bench` and a user's own workload say them alike.

use std::fmt::Write as _;

use taskpool_benches::rows::RowKind;

use crate::fmt::short_number;
use crate::stats::Verdict;
use crate::table::{self, Table};

fn value(table: &Table, row: &str) -> String {
    table.row(row).map_or_else(
        || "–".to_owned(),
        |r| format!("{} {}", short_number(r.median), table.unit),
    )
}

fn names(rows: &[String]) -> String {
    rows.iter()
        .map(|r| format!("`{r}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn unstable_note(table: &Table, rows: &[&str]) -> String {
    let unstable: Vec<String> = rows
        .iter()
        .filter(|r| table.row(r).is_some_and(|row| row.unstable))
        .map(|r| format!("`{r}`"))
        .collect();
    if unstable.is_empty() {
        String::new()
    } else {
        format!(
            " (unstable, its rounds disagree beyond their own spread: {})",
            unstable.join(", ")
        )
    }
}

/// One verdict in words.
pub fn verdict_words(table: &Table, verdict: &Verdict) -> String {
    match verdict {
        Verdict::Winner {
            best,
            runner_up,
            margin,
        } => format!(
            "`{best}` ({}), {margin:.2}× ahead of `{runner_up}` ({}): its slowest round beats \
             the runner-up's fastest{}",
            value(table, best),
            value(table, runner_up),
            unstable_note(table, &[best, runner_up])
        ),
        Verdict::Tied { rows } => {
            let with_values: Vec<String> = rows
                .iter()
                .map(|r| format!("`{r}` ({})", value(table, r)))
                .collect();
            let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
            format!(
                "no winner: {} are tied (the best median's slowest round is not faster than \
                 their fastest){}",
                with_values.join(", "),
                unstable_note(table, &refs)
            )
        }
        Verdict::Alone { best } => {
            format!("`{best}` ({}), the only row ranked", value(table, best))
        }
        Verdict::TooFewRounds { best, rounds } => format!(
            "no verdict ({rounds} round{}; a winner needs two): best median `{best}` ({})",
            if *rounds == 1 { "" } else { "s" },
            value(table, best)
        ),
    }
}

/// The verdict on `table` in one sentence: over every ranked row, and over
/// the rows through `dyn TaskPool` where a raw or strategy-specific row leads.
pub fn verdict_sentence(table: &Table) -> Option<String> {
    let v = table::verdict(table)?;
    let mut s = verdict_words(table, &v.all);
    if let Some(contract) = &v.contract {
        let _ = write!(
            s,
            "; through `dyn TaskPool`: {}",
            verdict_words(table, contract)
        );
    }
    Some(s)
}

/// A short form for the scaling curves: `` `a` `` or `tied: a, b`.
pub fn short_verdict(table: &Table) -> Option<String> {
    let v = table::verdict(table)?;
    Some(match &v.all {
        Verdict::Winner { best, .. } | Verdict::Alone { best } => format!("`{best}`"),
        Verdict::Tied { rows } => format!("tied: {}", names(rows)),
        Verdict::TooFewRounds { best, .. } => format!("no verdict (best median `{best}`)"),
    })
}

/// Why rows of `table` came out below the floor, or `None` when none did.
/// The floor is one thread doing all the work; a pool splits it.
pub fn below_the_floor(table: &Table, cores: usize) -> Option<String> {
    let below: Vec<String> = table
        .ranked()
        .filter(|r| r.over_floor.is_some_and(|v| v < 0.0))
        .map(|r| format!("`{}`", r.row))
        .collect();
    let floor = table.floor.as_deref()?;
    if below.is_empty() {
        return None;
    }
    let raw_or_native = table
        .ranked()
        .filter(|r| r.over_floor.is_some_and(|v| v < 0.0))
        .any(|r| r.kind != RowKind::Contract);
    Some(format!(
        "Below the floor: {}. The `{floor}` is the same work done by one thread (build each \
         task, run it, free it); a pool splits that work between threads that run at once on \
         this machine's {cores} cores: the submitting thread builds and hands over tasks while \
         the workers run and free them{}. So a negative \"over the floor\" is parallelism, not \
         a measurement error: the floor is the cost of the work on one thread, not a lower \
         bound on wall time.",
        below.join(", "),
        if raw_or_native {
            " (and a raw or strategy-specific row skips the contract's bookkeeping)"
        } else {
            ""
        }
    ))
}
