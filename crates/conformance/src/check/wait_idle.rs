//! `wait_idle`: everything accepted before the call (and what those tasks
//! submitted) has finished when it returns.

use crate::record::{Book, CallKind, Failure};
use crate::Rule;

pub(super) fn check(book: &Book) -> Option<Failure> {
    let tasks = &book.tasks;
    let first_begin = book.first_shutdown_begin();
    for w in book.calls.iter().filter(|c| c.kind == CallKind::WaitIdle) {
        let Some(end) = w.end else { continue };
        let mut covered = vec![false; tasks.len()];
        for (i, t) in tasks.iter().enumerate() {
            let before = t.accepted_at().is_some_and(|at| at < w.begin);
            let parent = t.parent.is_some_and(|p| p < i && covered[p]);
            covered[i] = t.accepted() && (before || parent);
        }
        let shutdown_before_end = first_begin.is_some_and(|b| b < end);
        for (i, t) in tasks.iter().enumerate() {
            if !covered[i] {
                continue;
            }
            let finished = t.end.is_some_and(|e| e < end);
            let excused = t.starts.is_empty() && shutdown_before_end;
            if !finished && !excused {
                return Some(Failure::new(
                    Rule::WaitIdle,
                    format!(
                        "wait_idle by {} returned while task {} (accepted before the call) was \
                         still {}",
                        w.by,
                        book.label(i),
                        if t.starts.is_empty() {
                            "waiting"
                        } else {
                            "running"
                        }
                    ),
                ));
            }
        }
    }
    None
}
