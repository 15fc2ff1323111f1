//! The stats promises: `stats()` is exact at quiescent points and
//! `running <= capacity` whenever sampled. Called by the harness at the
//! moment it samples, with the record as it stands then.

use taskpool::PoolStats;

use crate::record::{Book, Failure};
use crate::Rule;

/// Where a quiescent sample was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quiet {
    /// After `wait_idle`, nothing else running, no stop begun.
    Idle,
    /// After the final `stop_wait` (or `stop`) returned.
    Stopped,
}

/// A sample taken while tasks may run: `running <= capacity`, and before any
/// stop `capacity` as built.
pub(crate) fn sample(stats: &PoolStats, built: usize, before_stop: bool) -> Option<Failure> {
    if before_stop && stats.capacity != built {
        return Some(Failure::new(
            Rule::Stats,
            format!(
                "stats().capacity was {} on a pool built with capacity {built}",
                stats.capacity
            ),
        ));
    }
    if before_stop && stats.running > stats.capacity {
        return Some(Failure::new(
            Rule::Stats,
            format!(
                "stats() reported {} running on a pool of capacity {}",
                stats.running, stats.capacity
            ),
        ));
    }
    None
}

/// A sample at a quiescent point: every counter exact. A wrong `panicked`
/// is rule 5 (panics are counted); the rest is the stats promise.
pub(crate) fn quiescent(
    stats: &PoolStats,
    book: &Book,
    built: usize,
    at: Quiet,
) -> Option<Failure> {
    let (completed, panicked) = book.ended();
    let when = match at {
        Quiet::Idle => "after wait_idle with nothing else running",
        Quiet::Stopped => "after the pool was stopped",
    };
    if stats.panicked != panicked {
        return Some(Failure::new(
            Rule::PanicsSurvived,
            format!(
                "{panicked} task(s) panicked but stats().panicked was {} {when}",
                stats.panicked
            ),
        ));
    }
    let mut wrong = Vec::new();
    if stats.completed != completed {
        wrong.push(format!(
            "completed {} (recorded {completed})",
            stats.completed
        ));
    }
    if stats.running != 0 {
        wrong.push(format!("running {} (expected 0)", stats.running));
    }
    if stats.waiting != 0 {
        wrong.push(format!("waiting {} (expected 0)", stats.waiting));
    }
    if at == Quiet::Idle && stats.capacity != built {
        wrong.push(format!("capacity {} (built with {built})", stats.capacity));
    }
    (!wrong.is_empty()).then(|| {
        Failure::new(
            Rule::Stats,
            format!("stats() {when} said {}", wrong.join(", ")),
        )
    })
}
