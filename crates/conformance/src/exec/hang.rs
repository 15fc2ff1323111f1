//! Labels a hang by what was blocked.
//!
//! When the watchdog fires, every thread of the case has left an entry on
//! the progress board saying which pool call it is in (and whether it made
//! the call from inside one of the pool's tasks). The label is chosen from
//! those entries and the record by a fixed order, so the same fault gets the
//! same label whatever the seed:
//!
//! 1. a call made from inside a task: `stop`/`stop_wait` (rule 7), a drop of
//!    the last handle (rule 8), a nested `submit`, `submit_wait` or `join`
//!    on a pool whose workers are all busy (rule 7);
//! 2. an accepted task (or the task of a blocked `submit_wait`) that never
//!    started and was never dropped while a worker was free (a lost wake-up
//!    or a lost task: liveness; rule 4 when it was handed over after the
//!    shutdown began; rule 5 when a task had panicked before);
//! 3. the test's own shutdown calls: several at once (rule 7), a drop
//!    (rule 8), `stop_wait` (rule 2), `stop` (rule 3);
//! 4. `wait_idle`; a blocking `submit` (rule 4 once shutdown began); a join;
//!    the capacity barrier after panics (rule 5).
//!
//! Every blocked call is listed in the message with its thread.

use std::fmt::Write as _;
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::thread;
use std::time::{Duration, Instant};

use crate::record::{Act, Activity, Book, Ctx, Failure};
use crate::Rule;

/// Locks `mutex` unless that takes longer than `patience`.
fn try_lock_within<T>(mutex: &Mutex<T>, patience: Duration) -> Option<MutexGuard<'_, T>> {
    let deadline = Instant::now() + patience;
    loop {
        match mutex.try_lock() {
            Ok(guard) => return Some(guard),
            Err(TryLockError::Poisoned(p)) => return Some(p.into_inner()),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(1));
            }
            Err(TryLockError::WouldBlock) => return None,
        }
    }
}

/// A task accepted, never started and never dropped.
fn stranded(book: &Book, id: usize) -> bool {
    let t = &book.tasks[id];
    t.accepted() && t.starts.is_empty() && t.dropped.is_none()
}

/// `read` of the case's record, unless a hung thread holds it.
pub(super) fn recorded_book<T>(ctx: &Ctx, read: impl FnOnce(&Book) -> T) -> Option<T> {
    try_lock_within(&ctx.book, Duration::from_secs(1)).map(|b| read(&b))
}

pub(super) fn hang_failure(ctx: &Ctx, timeout: Duration) -> Failure {
    // A hung thread may hold one of these locks (a broken pool can stop a
    // task anywhere): never block on them here.
    let patience = Duration::from_secs(1);
    let board: Vec<(String, Activity)> = try_lock_within(&ctx.progress, patience)
        .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let book = try_lock_within(&ctx.book, patience);
    let running = ctx.probe.running();
    let worker_free = running < ctx.capacity;
    let blocked: Vec<&(String, Activity)> = board
        .iter()
        .filter(|(_, a)| a.act != Act::Harness)
        .collect();

    let (rule, reason) = label(ctx, book.as_deref(), &blocked, worker_free);
    let mut message = format!("the case hung: nothing finished within {timeout:?}; {reason}");
    if let Some(book) = book.as_deref() {
        let panics = book.tasks.iter().filter(|t| t.panicked).count();
        if panics > 0 {
            let _ = write!(message, "; {panics} task(s) had panicked");
        }
    }
    let _ = write!(
        message,
        "; {running} task(s) running on a pool of capacity {}; blocked:",
        ctx.capacity
    );
    if blocked.is_empty() {
        message.push_str(" (nothing recorded)");
    }
    for (who, a) in &blocked {
        let _ = write!(message, " [{who} on thread `{}`: {}]", a.thread, a.what);
    }
    Failure::new(rule, message)
}

fn label(
    ctx: &Ctx,
    book: Option<&Book>,
    blocked: &[&(String, Activity)],
    worker_free: bool,
) -> (Rule, String) {
    let find = |pred: &dyn Fn(&Activity) -> bool| blocked.iter().find(|(_, a)| pred(a));

    // 1. Calls from inside the pool's own tasks.
    if let Some((who, _)) =
        find(&|a| a.inside.is_some() && matches!(a.act, Act::Stop | Act::StopWait))
    {
        return (
            Rule::StopIdempotentAndReentrant,
            format!("a stop called from inside a task ({who}) never returned"),
        );
    }
    if let Some((who, _)) = find(&|a| a.inside.is_some() && a.act == Act::Drop) {
        return (
            Rule::DropIsStopWait,
            format!("dropping the last handle inside a task ({who}) never returned"),
        );
    }
    if let Some((who, a)) =
        find(&|a| a.inside.is_some() && matches!(a.act, Act::Submit | Act::SubmitWait | Act::Join))
    {
        let lost = book.zip(a.task).is_some_and(|(b, id)| stranded(b, id));
        if !(lost && worker_free) {
            return (
                Rule::StopIdempotentAndReentrant,
                format!(
                    "a call from inside a task ({who}: {}) never returned while the pool's \
                     workers were busy",
                    a.what
                ),
            );
        }
    }

    // 2. Tasks accepted (or handed over by a `submit_wait` that is still
    // blocked) and never run nor dropped, with a worker free. A blocked
    // `submit_wait` hides whether its task was accepted: it raced the
    // shutdown if any shutdown began.
    if let Some(book) = book {
        if worker_free {
            let shutdown = book.first_shutdown_begin();
            let waited = blocked.iter().find_map(|(_, a)| {
                let id = a.task.filter(|_| a.act == Act::SubmitWait)?;
                let t = &book.tasks[id];
                (t.starts.is_empty() && t.dropped.is_none()).then_some(id)
            });
            let found = (0..book.tasks.len())
                .find(|&i| stranded(book, i))
                .map(|id| {
                    let raced = shutdown.is_some_and(|b| book.tasks[id].accepted_at() > Some(b));
                    (id, raced)
                })
                .or_else(|| waited.map(|id| (id, shutdown.is_some())));
            if let Some((id, raced)) = found {
                let panics = book.tasks.iter().any(|t| t.panicked);
                return if panics && !raced {
                    (
                        Rule::PanicsSurvived,
                        format!(
                            "task {} was accepted but never started (nor dropped) though fewer \
                             tasks than the capacity were running, after a task panicked: the \
                             panic cost the pool a worker",
                            book.label(id)
                        ),
                    )
                } else if raced {
                    (
                        Rule::RefusedAfterShutdown,
                        format!(
                            "task {} was accepted after the shutdown began, then neither run \
                             nor dropped",
                            book.label(id)
                        ),
                    )
                } else {
                    (
                        Rule::Liveness,
                        format!(
                            "task {} was accepted but never started (nor dropped) though a \
                             worker was free: a lost wake-up or a lost task",
                            book.label(id)
                        ),
                    )
                };
            }
        }
    }

    // 3. The test's own shutdown calls.
    let shutdowns = book.map_or(0, |b| b.calls.iter().filter(|c| c.is_shutdown()).count());
    let stop = find(&|a| matches!(a.act, Act::Stop | Act::StopWait | Act::Drop));
    if let Some((who, a)) = stop {
        return match a.act {
            _ if shutdowns > 1 => (
                Rule::StopIdempotentAndReentrant,
                format!(
                    "{} by {who}, one of {shutdowns} shutdown calls, never returned",
                    a.what
                ),
            ),
            Act::Drop => (
                Rule::DropIsStopWait,
                format!("dropping the last handle ({who}) never returned"),
            ),
            Act::StopWait => (
                Rule::ExactlyOnceOnStopWait,
                format!("stop_wait by {who} never returned"),
            ),
            _ => (
                Rule::NothingStartsAfterStop,
                format!("stop by {who} never returned"),
            ),
        };
    }

    // 4. The rest.
    if let Some((who, _)) = find(&|a| a.act == Act::WaitIdle) {
        return (Rule::WaitIdle, format!("wait_idle by {who} never returned"));
    }
    if let Some((who, a)) = find(&|a| a.act == Act::Submit) {
        let began = book.is_some_and(|b| b.first_shutdown_begin().is_some());
        let rule = if began {
            Rule::RefusedAfterShutdown
        } else {
            Rule::Liveness
        };
        return (rule, format!("{} by {who} never returned", a.what));
    }
    if let Some((who, a)) = find(&|a| matches!(a.act, Act::Join | Act::SubmitWait)) {
        return (
            Rule::Liveness,
            format!("{} by {who} never returned", a.what),
        );
    }
    if let Some((who, a)) = find(&|a| a.act == Act::Barrier) {
        let _ = ctx;
        return (
            Rule::PanicsSurvived,
            format!("{} by {who} never finished", a.what),
        );
    }
    if let Some((who, a)) = find(&|a| a.act == Act::Factory) {
        return (
            Rule::Liveness,
            format!("{} by {who} never returned", a.what),
        );
    }
    (
        Rule::Liveness,
        "no pool call was recorded as blocked".to_owned(),
    )
}
