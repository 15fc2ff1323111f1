//! How a case ends: the test's shutdown calls and the checks that must hold
//! the moment each returns, several threads stopping at once, and the last
//! handle dropped on the test's thread or on a worker.

use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use taskpool::{Admission, TaskPool};

use super::task::{make_task, refused, submit, Body, Dropper};
use crate::check::stats::{quiescent, Quiet};
use crate::check::{accompanied, shutdown_rule};
use crate::record::{Act, CallKind, Ctx, Failure, TaskRec};
use crate::script::{How, Leaf, Work};
use crate::watchdog::payload_text;
use crate::{Probe, Rule};

/// `stop` or `stop_wait` from a thread of the test, with the checks that
/// must hold the moment it returns.
pub(super) fn shutdown_call(ctx: &Ctx, pool: &dyn TaskPool, kind: CallKind, who: &str) {
    let act = if kind == CallKind::Stop {
        Act::Stop
    } else {
        Act::StopWait
    };
    ctx.doing(who, act, None, None, format!("{kind:?}()"));
    let idx = ctx.begin_call(kind, who, false);
    match kind {
        CallKind::Stop => pool.stop(),
        _ => pool.stop_wait(),
    }
    ctx.end_call(idx);
    ctx.idle(who, format!("checking threads after {kind:?}"));
    if !pool.is_stopped() {
        let with_others = accompanied(&ctx.book().calls, idx);
        ctx.fail_filed(
            shutdown_rule(kind, with_others, Rule::RefusedAfterShutdown),
            Rule::RefusedAfterShutdown,
            format!("is_stopped() was false after {kind:?} returned on {who}"),
        );
    }
    check_threads_after(ctx, idx, kind);
}

/// Every thread that ran a task before the call returned must have exited
/// (allowing `exit_grace` for the last steps of its exit).
pub(super) fn check_threads_after(ctx: &Ctx, idx: usize, kind: CallKind) {
    let Some(end) = ctx.book().calls[idx].end else {
        return;
    };
    if !ctx.book().failures.is_empty() {
        // The case has failed already: do not spend the watchdog's time.
        return;
    }
    let pending = |p: &Probe| -> Vec<_> {
        p.live_threads()
            .into_iter()
            .filter(|t| t.first_task_at < end)
            .collect()
    };
    let late = pending(&ctx.probe);
    if late.is_empty() {
        return;
    }
    let settled = ctx
        .probe
        .wait_until(ctx.limits.exit_grace, |p| pending(p).is_empty());
    if settled {
        ctx.book().late_exits += late.len() as u64;
    } else {
        let still = pending(&ctx.probe);
        let names: Vec<String> = still
            .iter()
            .map(|t| format!("{:?} {:?} ({} tasks)", t.id, t.name, t.tasks))
            .collect();
        let with_others = accompanied(&ctx.book().calls, idx);
        ctx.fail_filed(
            shutdown_rule(kind, with_others, Rule::ThreadsExited),
            Rule::ThreadsExited,
            format!(
                "{} thread(s) that ran tasks were still alive {:?} after {kind:?} returned: {}",
                still.len(),
                ctx.limits.exit_grace,
                names.join(", ")
            ),
        );
    }
}

/// After the final stop: a submit and a try_submit must be refused with
/// Stopped (checked by `check::refusal`), a second stop returns, and the
/// stats are exact.
pub(super) fn after_stop(ctx: &Arc<Ctx>, pool: &dyn TaskPool, who: &str) {
    for how in [How::Submit, How::TrySubmit] {
        let label = format!("({who}: {how:?} after the final stop)");
        submit(ctx, pool, how, Work::Leaf(Leaf::Quick), label, None, who);
    }
    shutdown_call(ctx, pool, CallKind::Stop, who);
    let stats = pool.stats();
    let wrong = quiescent(&stats, &ctx.book(), ctx.capacity, Quiet::Stopped);
    if let Some(Failure {
        rule,
        promise,
        message,
    }) = wrong
    {
        ctx.fail_filed(rule, promise, message);
    }
}

/// Several threads stop the pool at once while others keep submitting.
pub(super) fn concurrent_stops(
    ctx: &Arc<Ctx>,
    pool: &Arc<Box<dyn TaskPool>>,
    stoppers: &[bool],
    racers: usize,
) {
    let start = Arc::new(Barrier::new(stoppers.len() + racers));
    let mut threads = Vec::new();
    for (i, &wait) in stoppers.iter().enumerate() {
        let (ctx, pool, start) = (Arc::clone(ctx), Arc::clone(pool), Arc::clone(&start));
        threads.push(
            thread::Builder::new()
                .name(format!("conformance-stopper-{i}"))
                .spawn(move || {
                    ctx.probe.exclude_current_thread();
                    start.wait();
                    let me = format!("stopper {i}");
                    let kind = if wait {
                        CallKind::StopWait
                    } else {
                        CallKind::Stop
                    };
                    shutdown_call(&ctx, &*pool, kind, &me);
                    ctx.done(&me);
                }),
        );
    }
    for i in 0..racers {
        let (ctx, pool, start) = (Arc::clone(ctx), Arc::clone(pool), Arc::clone(&start));
        threads.push(
            thread::Builder::new()
                .name(format!("conformance-racer-{i}"))
                .spawn(move || {
                    ctx.probe.exclude_current_thread();
                    start.wait();
                    let me = format!("racer {i}");
                    for k in 0..64 {
                        let how = if k % 2 == 0 {
                            How::Submit
                        } else {
                            How::TrySubmit
                        };
                        let label = format!("({me}, {how:?} {k} racing the stops)");
                        let (id, _) =
                            submit(&ctx, &*pool, how, Work::Leaf(Leaf::Quick), label, None, &me);
                        let outcome = ctx.book().tasks[id].outcome;
                        if matches!(
                            outcome,
                            crate::record::Outcome::Refused { stopped: true, .. }
                        ) {
                            break;
                        }
                    }
                    ctx.done(&me);
                }),
        );
    }
    for t in threads {
        match t {
            Ok(t) => {
                if let Err(p) = t.join() {
                    ctx.fail(
                        Rule::Liveness,
                        format!(
                            "a pool method panicked into a stopper: {}",
                            payload_text(p.as_ref())
                        ),
                    );
                }
            }
            Err(e) => ctx.fail(Rule::Liveness, format!("spawn failed: {e}")),
        }
    }
}

/// Submits `task` with `submit`, retrying while a rejecting pool is
/// `Overloaded` (up to `patience`). Returns false (with the refusal
/// recorded) if the pool would not take it.
pub(super) fn submit_retrying(
    ctx: &Ctx,
    pool: &dyn TaskPool,
    id: usize,
    mut task: taskpool::Task,
    patience: Duration,
) -> bool {
    let started = Instant::now();
    loop {
        match pool.submit(task) {
            Ok(()) => {
                ctx.accepted(id);
                return true;
            }
            // A rejecting pool may still be returning a worker to its idle
            // set: retry until the patience runs out.
            Err(refused)
                if refused.is_overloaded()
                    && ctx.admission == Admission::Reject
                    && started.elapsed() < patience =>
            {
                task = refused.into_task();
                thread::sleep(Duration::from_millis(1));
            }
            Err(e) => {
                refused(ctx, id, e);
                return false;
            }
        }
    }
}

/// Hands the last handle to a task, which drops it on a worker thread.
pub(super) fn drop_on_worker(ctx: &Arc<Ctx>, pool: Arc<Box<dyn TaskPool>>, who: &str) {
    let (go_tx, go_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    let id = ctx.new_task(
        "(the dropper: holds the last handle)".to_owned(),
        None,
        false,
    );
    let submitter = Arc::clone(&pool);
    let task = make_task(
        Arc::clone(ctx),
        id,
        Body::Dropper(Box::new(Dropper {
            pool,
            go: go_rx,
            done: done_tx,
        })),
    );
    ctx.doing(
        who,
        Act::Submit,
        None,
        Some(id),
        "submitting the dropper task",
    );
    if !submit_retrying(ctx, &**submitter, id, task, ctx.limits.timeout) {
        ctx.fail(Rule::Liveness, "the pool refused the dropper task");
        return;
    }
    drop(submitter);
    let _ = go_tx.send(());
    ctx.doing(
        who,
        Act::Harness,
        None,
        Some(id),
        "waiting for the dropper task to drop the pool",
    );
    // A hang here is the watchdog's (and is labelled by the dropper's drop).
    let _ = done_rx.recv();
}

/// After the last handle was dropped on a worker thread: wait (within the
/// watchdog) until every accepted task has ended and every thread exited.
pub(super) fn wait_everything_settled(ctx: &Ctx) -> Result<(), Failure> {
    let patience = ctx.limits.timeout / 2;
    // A task may stay unstarted for good only if a `stop` dropped it.
    let settled_task = |t: &TaskRec, stop_began: bool| {
        !t.accepted() || t.end.is_some() || (t.starts.is_empty() && stop_began)
    };
    let settled = ctx.probe.wait_until(patience, |p| {
        p.live_threads().is_empty() && {
            let book = ctx.book();
            let stop_began = book.calls.iter().any(|c| c.kind == CallKind::Stop);
            book.tasks.iter().all(|t| settled_task(t, stop_began))
        }
    });
    if settled {
        return Ok(());
    }
    let live = ctx.probe.live_threads().len();
    let book = ctx.book();
    let stop_began = book.calls.iter().any(|c| c.kind == CallKind::Stop);
    let unrun: Vec<String> = book
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| !settled_task(t, stop_began))
        .map(|(i, t)| format!("#{i} {}", t.label))
        .collect();
    Err(Failure::new(
        Rule::DropIsStopWait,
        format!(
            "{patience:?} after the last handle was dropped on a worker thread, {live} thread(s) \
             that ran tasks were alive and {} accepted task(s) had neither finished nor been \
             dropped by a stop: {}",
            unrun.len(),
            unrun.join(", ")
        ),
    ))
}
