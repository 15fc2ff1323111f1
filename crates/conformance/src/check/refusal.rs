//! Rule 4 and the refusal promises: after shutdown began a submit is
//! refused with `Stopped` and the task never runs; a refusal fits the
//! declared admission and hands back the very task, unrun.

use taskpool::Admission;

use crate::record::{Book, Failure, Outcome};
use crate::Rule;

/// `admission` says when `Overloaded` is legitimate: from `try_submit`, from
/// a rejecting pool, or from a call made inside one of the pool's tasks
/// (where waiting could deadlock; rule 7 lets a pool refuse).
pub(super) fn check(book: &Book, admission: Admission) -> Vec<Failure> {
    let mut found = Vec::new();
    let mut push = |rule: Rule, message: String| {
        if !found.iter().any(|f: &Failure| f.rule == rule) {
            found.push(Failure::new(rule, message));
        }
    };
    let first_begin = book.first_shutdown_begin();
    let first_return = book
        .calls
        .iter()
        .filter(|c| c.is_shutdown())
        .filter_map(|c| c.end)
        .min();
    for (i, t) in book.tasks.iter().enumerate() {
        let label = || book.label(i);
        match t.outcome {
            Outcome::Pending => {}
            Outcome::Refused { stopped, at } => {
                if !t.starts.is_empty() {
                    let rule = if stopped {
                        Rule::RefusedAfterShutdown
                    } else {
                        Rule::RefusalHandsBackTask
                    };
                    push(
                        rule,
                        format!("task {} was refused but ran in the pool", label()),
                    );
                }
                if stopped && first_begin.is_none_or(|b| b >= at) {
                    push(
                        Rule::RefusalHandsBackTask,
                        format!(
                            "task {} was refused with Stopped before any shutdown began",
                            label()
                        ),
                    );
                }
                if !stopped && !t.try_submit && t.parent.is_none() && admission != Admission::Reject
                {
                    push(
                        Rule::RefusalHandsBackTask,
                        format!(
                            "submit of {} was refused with Overloaded by a pool that declares \
                             admission `{admission}`",
                            label()
                        ),
                    );
                }
                if !stopped && first_return.is_some_and(|r| r < t.call_at) {
                    push(
                        Rule::RefusedAfterShutdown,
                        format!(
                            "task {} was submitted after a stop returned and refused with \
                             Overloaded instead of Stopped",
                            label()
                        ),
                    );
                }
            }
            Outcome::Accepted { .. } => {
                if first_return.is_some_and(|r| r < t.call_at) {
                    push(
                        Rule::RefusedAfterShutdown,
                        format!(
                            "task {} was submitted after a stop returned and accepted{}",
                            label(),
                            if t.starts.is_empty() {
                                " (it never ran)"
                            } else {
                                ""
                            }
                        ),
                    );
                }
            }
        }
    }
    found
}
