//! Execution: runs one [`Script`] against a fresh pool, under the watchdog,
//! recording everything in the case's [`Ctx`], then hands the record to
//! [`check`](crate::check).

mod finish;
mod hang;
mod steps;
mod sync;
mod task;

use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use taskpool::{Admission, TaskPool};

use crate::check;
use crate::record::{Act, Book, CallKind, CaseStats, Ctx, Factory, Failure, Limits};
use crate::script::{Finish, Script, Step};
use crate::watchdog::{payload_text, watch, Watched};
use crate::Rule;

/// Runs `script` on a fresh pool from `factory`, under the watchdog. On
/// failure, every rule the case found broken (at least one), first first.
pub(crate) fn run_case(
    factory: &Factory,
    admission: Admission,
    script: &Script,
    limits: Limits,
) -> Result<CaseStats, Vec<Failure>> {
    let ctx = Arc::new(Ctx::new(admission, limits, script.capacity));
    let body_ctx = Arc::clone(&ctx);
    let factory = Arc::clone(factory);
    let body_script = script.clone();
    match watch("conformance-case", limits.timeout, move || {
        execute(&body_ctx, &factory, body_script)
    }) {
        Watched::Done(result) => result,
        Watched::Panicked(msg) => Err(vec![Failure::new(
            Rule::Liveness,
            format!("a pool method panicked into the caller: {msg}"),
        )]),
        Watched::Hung => {
            ctx.abandoned
                .store(true, std::sync::atomic::Ordering::SeqCst);
            Err(hung(&ctx, limits.timeout))
        }
    }
}

/// What a hung case broke: the failures it had recorded before it hung, if
/// any (the earliest observation names the cause: a pool that lost a worker
/// to a panic may then hang in the drop that ends the case), with the hang
/// noted; otherwise the hang, labelled by what was blocked.
fn hung(ctx: &Ctx, timeout: std::time::Duration) -> Vec<Failure> {
    let hang = hang::hang_failure(ctx, timeout);
    let recorded = hang::recorded_book(ctx, |book| {
        (!book.failures.is_empty()).then(|| judged(ctx, book))
    });
    let Some(mut found) = recorded.flatten() else {
        return vec![hang];
    };
    for f in &mut found {
        f.message = format!("{}; then {}", f.message, hang.message);
    }
    found.push(hang);
    found
}

/// The failures recorded so far, if any, judged with the record (see
/// [`judged`]).
fn failures(ctx: &Ctx) -> Result<(), Vec<Failure>> {
    let book = ctx.book();
    if book.failures.is_empty() {
        return Ok(());
    }
    Err(judged(ctx, &book))
}

/// A case that ends early (a check failed while it ran, or it hung): a
/// capacity breach seen by the probe first, then what the record shows so
/// far (a task lost by a `stop_wait` that returned is closer to the cause
/// than the stats that miscount it), then the failures the checks recorded
/// while the case ran.
fn judged(ctx: &Ctx, book: &Book) -> Vec<Failure> {
    let mut found = check::analyse(
        book,
        ctx.probe.max_concurrency(),
        ctx.capacity,
        ctx.admission,
    );
    if found.is_empty() {
        found = check::capacity_first(ctx.probe.max_concurrency(), ctx.capacity);
    }
    for f in &book.failures {
        if !found
            .iter()
            .any(|o| o.rule == f.rule && o.message == f.message)
        {
            found.push(f.clone());
        }
    }
    found
}

fn execute(ctx: &Arc<Ctx>, factory: &Factory, script: Script) -> Result<CaseStats, Vec<Failure>> {
    ctx.probe.exclude_current_thread();
    let main = "main";
    ctx.doing(
        main,
        Act::Factory,
        None,
        None,
        format!("factory({})", script.capacity),
    );
    let built = panic::catch_unwind(AssertUnwindSafe(|| factory(script.capacity)));
    let pool: Arc<Box<dyn TaskPool>> = match built {
        Ok(boxed) => Arc::new(boxed),
        Err(p) => {
            return Err(vec![Failure::new(
                Rule::Liveness,
                format!(
                    "the factory panicked for capacity {}: {}",
                    script.capacity,
                    payload_text(p.as_ref())
                ),
            )])
        }
    };
    let _ = ctx.pool.set(Arc::downgrade(&pool));

    for step in script.steps {
        match step {
            Step::Threads(lists) => steps::threads(ctx, &pool, lists),
            Step::Quiesce => steps::quiesce(ctx, &**pool),
            Step::IdleMs(ms) => {
                ctx.idle(main, format!("idle for {ms} ms"));
                std::thread::sleep(std::time::Duration::from_millis(u64::from(ms)));
            }
            Step::CapacityCheck => steps::capacity_check(ctx, &**pool),
            Step::NestedWhileFull(how) => steps::nested_while_full(ctx, &**pool, how),
            Step::TryWhileFull => steps::try_while_full(ctx, &pool),
        }
        failures(ctx)?;
    }

    let mut eventual = false;
    match script.finish {
        Finish::StopWait | Finish::Stop => {
            let kind = if matches!(script.finish, Finish::Stop) {
                CallKind::Stop
            } else {
                CallKind::StopWait
            };
            finish::shutdown_call(ctx, &**pool, kind, main);
            failures(ctx)?;
            finish::after_stop(ctx, &**pool, main);
        }
        Finish::Concurrent { stoppers, racers } => {
            finish::concurrent_stops(ctx, &pool, &stoppers, racers);
            failures(ctx)?;
            finish::shutdown_call(ctx, &**pool, CallKind::StopWait, main);
            failures(ctx)?;
            finish::after_stop(ctx, &**pool, main);
        }
        Finish::Drop => {
            ctx.doing(
                main,
                Act::Drop,
                None,
                None,
                "dropping the last handle on the test's thread",
            );
            let idx = ctx.begin_call(CallKind::Drop, main, false);
            match Arc::into_inner(pool) {
                Some(last) => {
                    drop(last);
                    ctx.end_call(idx);
                    finish::check_threads_after(ctx, idx, CallKind::Drop);
                }
                None => {
                    // A task holds a handle for a moment: the last drop
                    // happens on a worker thread instead. This call shut
                    // nothing down, so it gets no end.
                    ctx.book().calls[idx].strict = false;
                    eventual = true;
                }
            }
        }
        Finish::DropOnWorker => {
            finish::drop_on_worker(ctx, pool, main);
            eventual = true;
        }
    }
    ctx.done(main);
    failures(ctx)?;
    if eventual {
        finish::wait_everything_settled(ctx).map_err(|f| vec![f])?;
    }
    let book = ctx.book();
    let found = check::analyse(
        &book,
        ctx.probe.max_concurrency(),
        ctx.capacity,
        ctx.admission,
    );
    if !found.is_empty() {
        return Err(found);
    }
    Ok(CaseStats {
        tasks_run: book.tasks.iter().map(|t| t.starts.len() as u64).sum(),
        late_exits: book.late_exits,
    })
}
