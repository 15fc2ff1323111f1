//! Judging a finished case: one module per rule, each reading the record
//! ([`Book`]) and returning what it found broken.
//!
//! Every check compares what the instrumented tasks and the test's threads
//! recorded, never the pool's own word (the `stats` check compares the
//! pool's word with the record). The order below is the order failures are
//! reported in: the rule closest to the cause first (a task lost by
//! `stop_wait` is rule 2 even if a `wait_idle` also returned too early).

mod capacity;
mod exactly_once;
mod refusal;
pub(crate) mod stats;
mod stop;
mod wait_idle;

use taskpool::Admission;

use crate::record::{Book, CallKind, CallRec, Failure};
use crate::Rule;

/// The checks over the whole record of a finished case, in report order.
pub(crate) fn analyse(
    book: &Book,
    max_concurrency: usize,
    capacity: usize,
    admission: Admission,
) -> Vec<Failure> {
    let mut found = Vec::new();
    found.extend(capacity::check(max_concurrency, capacity));
    found.extend(exactly_once::check(book));
    found.extend(stop::check(book));
    found.extend(refusal::check(book, admission));
    found.extend(wait_idle::check(book));
    found
}

/// The capacity check alone, for a case that stopped early.
pub(crate) fn capacity_first(max_concurrency: usize, capacity: usize) -> Vec<Failure> {
    capacity::check(max_concurrency, capacity)
        .into_iter()
        .collect()
}

/// Whether another shutdown call (stop, stop_wait, drop) began before call
/// `idx` returned: a promise such a call breaks falls under rule 7, since it
/// cannot be told which of the calls really shut the pool down.
pub(crate) fn accompanied(calls: &[CallRec], idx: usize) -> bool {
    let end = calls[idx].end.unwrap_or(u64::MAX);
    calls
        .iter()
        .enumerate()
        .any(|(i, c)| i != idx && c.is_shutdown() && c.begin < end)
}

/// The rule a broken promise of a shutdown call falls under.
pub(crate) fn shutdown_rule(kind: CallKind, accompanied: bool, base: Rule) -> Rule {
    if accompanied {
        Rule::StopIdempotentAndReentrant
    } else if kind == CallKind::Drop {
        Rule::DropIsStopWait
    } else {
        base
    }
}

/// The shutdown calls of the test's own threads, in the order they began.
fn strict_calls(calls: &[CallRec]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..calls.len()).filter(|&i| calls[i].strict).collect();
    idx.sort_by_key(|&i| calls[i].begin);
    idx
}
