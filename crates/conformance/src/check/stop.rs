//! Rule 3: once `stop` (or any shutdown call) has returned, no task starts
//! and every started task has finished.

use super::{accompanied, shutdown_rule, strict_calls};
use crate::record::{Book, Failure};
use crate::Rule;

pub(super) fn check(book: &Book) -> Option<Failure> {
    let calls = &book.calls;
    for idx in strict_calls(calls) {
        let c = &calls[idx];
        let Some(end) = c.end else { continue };
        let rule = shutdown_rule(
            c.kind,
            accompanied(calls, idx),
            Rule::NothingStartsAfterStop,
        );
        for (i, t) in book.tasks.iter().enumerate() {
            for &(start, _) in &t.starts {
                if start > end {
                    return Some(Failure::filed(
                        rule,
                        Rule::NothingStartsAfterStop,
                        format!(
                            "task {} started after {:?} by {} returned",
                            book.label(i),
                            c.kind,
                            c.by
                        ),
                    ));
                }
                if t.end.is_none_or(|e| e > end) {
                    return Some(Failure::filed(
                        rule,
                        Rule::NothingStartsAfterStop,
                        format!(
                            "{:?} by {} returned while task {} was still running",
                            c.kind,
                            c.by,
                            book.label(i)
                        ),
                    ));
                }
            }
        }
    }
    None
}
