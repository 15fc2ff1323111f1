//! Rule 2 (and its forms under rules 4, 7 and 8): every accepted task runs
//! exactly once by the time `stop_wait` (or the drop of the last handle)
//! returns.

use super::{accompanied, shutdown_rule, strict_calls};
use crate::record::{Book, CallKind, Failure};
use crate::Rule;

pub(super) fn check(book: &Book) -> Vec<Failure> {
    let mut found = Vec::new();
    let tasks = &book.tasks;
    let calls = &book.calls;
    let any_stop = calls.iter().any(|c| c.kind == CallKind::Stop);
    let first_shutdown = book.first_shutdown_begin();

    // No task starts twice (a `Task` is `FnOnce`, but a pool could wrap and
    // re-run a closure that calls it).
    if let Some((i, t)) = tasks.iter().enumerate().find(|(_, t)| t.starts.len() > 1) {
        let rule = if any_stop {
            Rule::NothingStartsAfterStop
        } else {
            Rule::ExactlyOnceOnStopWait
        };
        found.push(Failure::new(
            rule,
            format!("task {} started {} times", book.label(i), t.starts.len()),
        ));
    }

    // What must have run when each stop_wait / drop of the test returned.
    'calls: for idx in strict_calls(calls) {
        let c = &calls[idx];
        let Some(end) = c.end else { continue };
        let waits = matches!(c.kind, CallKind::StopWait | CallKind::Drop);
        if !waits
            || calls
                .iter()
                .any(|s| s.kind == CallKind::Stop && s.begin < end)
        {
            continue;
        }
        for (i, t) in tasks.iter().enumerate() {
            if t.accepted() && t.call_at < end && t.starts.len() != 1 {
                // Accepted while the shutdown was under way and never run:
                // the submit raced the shutdown and the pool neither refused
                // nor ran the task (rule 4), whichever call noticed.
                let raced = first_shutdown.is_some_and(|b| t.accepted_at() > Some(b));
                let (rule, promise) = if raced && t.starts.is_empty() {
                    (Rule::RefusedAfterShutdown, Rule::RefusedAfterShutdown)
                } else {
                    (
                        shutdown_rule(c.kind, accompanied(calls, idx), Rule::ExactlyOnceOnStopWait),
                        Rule::ExactlyOnceOnStopWait,
                    )
                };
                found.push(Failure::filed(
                    rule,
                    promise,
                    format!(
                        "task {} was accepted{} but had run {} time(s) when {:?} by {} returned",
                        book.label(i),
                        if raced {
                            " while the shutdown was under way"
                        } else {
                            ""
                        },
                        t.starts.len(),
                        c.kind,
                        c.by
                    ),
                ));
                break 'calls;
            }
        }
    }

    // Shut down by a drop on a worker thread: like stop_wait, eventually.
    let dropped_inside = calls.iter().any(|c| c.kind == CallKind::Drop && !c.strict);
    if dropped_inside && !any_stop {
        if let Some((i, t)) = tasks
            .iter()
            .enumerate()
            .find(|(_, t)| t.accepted() && t.starts.len() != 1)
        {
            found.push(Failure::new(
                Rule::DropIsStopWait,
                format!(
                    "task {} was accepted but ran {} time(s) after the last handle was dropped \
                     on a worker thread",
                    book.label(i),
                    t.starts.len()
                ),
            ));
        }
    }
    found
}
