//! The steps of a script other than how it ends: submitter threads (with
//! `stats()` sampled while they run), quiescent points, idle gaps, the
//! capacity check after panics, nested calls on a full pool, and
//! `try_submit` while every worker is held.

use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::Duration;

use taskpool::{Admission, TaskPool};

use super::finish::{shutdown_call, submit_retrying};
use super::sync::{Gate, Latch};
use super::task::{join, make_task, submit, Body};
use crate::check::stats::{quiescent, sample, Quiet};
use crate::record::{Act, CallKind, Ctx};
use crate::script::{How, Leaf, Op, Work};
use crate::watchdog::payload_text;
use crate::Rule;

const MAIN: &str = "main";

/// Runs one thread per list of operations, all started together, and
/// samples `stats()` until they have finished.
pub(super) fn threads(ctx: &Arc<Ctx>, pool: &Arc<Box<dyn TaskPool>>, lists: Vec<Vec<Op>>) {
    let stops = lists.iter().flatten().any(|op| {
        matches!(
            op,
            Op::Stop | Op::StopWait | Op::Task(_, Work::StopInside(_))
        )
    });
    let start = Arc::new(Barrier::new(lists.len()));
    let mut handles = Vec::new();
    for (i, ops) in lists.into_iter().enumerate() {
        let (tctx, tpool, start) = (Arc::clone(ctx), Arc::clone(pool), Arc::clone(&start));
        let spawned = thread::Builder::new()
            .name(format!("conformance-submitter-{i}"))
            .spawn(move || submitter(&tctx, &**tpool, i, ops, &start));
        match spawned {
            Ok(t) => handles.push(t),
            Err(e) => ctx.fail(Rule::Liveness, format!("spawn failed: {e}")),
        }
    }
    ctx.idle(MAIN, "joining submitters (sampling stats)");
    // Sample the stats while the submitters run, unless a stop may begin
    // (after which `capacity` may legitimately read 0). Once the watchdog
    // has given up on the case this thread is leaked: it stops polling and
    // only waits.
    while !handles.iter().all(|h| h.is_finished()) && !ctx.abandoned.load(Ordering::SeqCst) {
        if !stops && ctx.book().first_shutdown_begin().is_none() {
            if let Some(f) = sample(&pool.stats(), ctx.capacity, true) {
                ctx.fail(f.rule, f.message);
                break;
            }
        }
        thread::sleep(Duration::from_micros(200));
    }
    for t in handles {
        if let Err(p) = t.join() {
            ctx.fail(
                Rule::Liveness,
                format!(
                    "a pool method panicked into a submitter: {}",
                    payload_text(p.as_ref())
                ),
            );
        }
    }
}

fn submitter(ctx: &Arc<Ctx>, pool: &dyn TaskPool, index: usize, ops: Vec<Op>, start: &Barrier) {
    ctx.probe.exclude_current_thread();
    start.wait();
    let me = format!("submitter {index}");
    let mut joins = Vec::new();
    for (k, op) in ops.into_iter().enumerate() {
        match op {
            Op::Task(how, work) => {
                let label = format!("({me}, op {k}: {how:?} {work:?})");
                if let (_, Some(j)) = submit(ctx, pool, how, work, label, None, &me) {
                    joins.push(j);
                }
            }
            Op::Burst(n, leaf) => {
                for j in 0..n {
                    let label = format!("({me}, op {k}: burst task {j} {leaf:?})");
                    submit(ctx, pool, How::Submit, Work::Leaf(leaf), label, None, &me);
                }
            }
            Op::Stop => shutdown_call(ctx, pool, CallKind::Stop, &me),
            Op::StopWait => shutdown_call(ctx, pool, CallKind::StopWait, &me),
            Op::WaitIdle => {
                ctx.doing(
                    &me,
                    Act::WaitIdle,
                    None,
                    None,
                    format!("op {k}: wait_idle()"),
                );
                let idx = ctx.begin_call(CallKind::WaitIdle, &me, false);
                pool.wait_idle();
                ctx.end_call(idx);
            }
        }
    }
    for j in joins {
        join(ctx, j, &me, None);
    }
    ctx.done(&me);
}

/// `wait_idle` from the test with nothing else running, then the stats
/// must be exact.
pub(super) fn quiesce(ctx: &Ctx, pool: &dyn TaskPool) {
    ctx.doing(
        MAIN,
        Act::WaitIdle,
        None,
        None,
        "wait_idle() at a quiescent point",
    );
    let idx = ctx.begin_call(CallKind::WaitIdle, MAIN, false);
    pool.wait_idle();
    ctx.end_call(idx);
    ctx.idle(MAIN, "checking stats at a quiescent point");
    if ctx.book().first_shutdown_begin().is_some() {
        return;
    }
    // A task still unfinished is wait_idle's failure, not the stats'.
    let unfinished = {
        let book = ctx.book();
        book.tasks
            .iter()
            .position(|t| t.accepted() && t.dropped.is_none() && t.end.is_none())
            .map(|i| book.label(i))
    };
    if let Some(label) = unfinished {
        ctx.fail(
            Rule::WaitIdle,
            format!("wait_idle by main returned while task {label} had not finished"),
        );
        return;
    }
    let stats = pool.stats();
    let wrong = quiescent(&stats, &ctx.book(), ctx.capacity, Quiet::Idle);
    if let Some(f) = wrong {
        ctx.fail(f.rule, f.message);
    }
}

/// The capacity-check barrier: `capacity` tasks must all be running at once.
pub(super) fn capacity_check(ctx: &Arc<Ctx>, pool: &dyn TaskPool) {
    let capacity = ctx.capacity;
    let panics = ctx.book().tasks.iter().filter(|t| t.panicked).count();
    ctx.doing(
        MAIN,
        Act::Barrier,
        None,
        None,
        "wait_idle() before the capacity check",
    );
    let idx = ctx.begin_call(CallKind::WaitIdle, MAIN, false);
    pool.wait_idle();
    ctx.end_call(idx);
    let patience = ctx.limits.barrier_timeout;
    let latch = Arc::new(Latch::new(capacity, patience));
    for i in 0..capacity {
        ctx.doing(
            MAIN,
            Act::Barrier,
            None,
            None,
            format!("submitting capacity-check task {i} of {capacity} after {panics} panic(s)"),
        );
        let id = ctx.new_task(format!("(capacity check {i} of {capacity})"), None, false);
        let task = make_task(Arc::clone(ctx), id, Body::Barrier(Arc::clone(&latch)));
        if !submit_retrying(ctx, pool, id, task, patience) {
            ctx.fail(
                Rule::PanicsSurvived,
                format!(
                    "after {panics} panic(s), capacity-check task {i} of {capacity} was refused"
                ),
            );
            return;
        }
    }
    ctx.doing(
        MAIN,
        Act::Barrier,
        None,
        None,
        "waiting for the capacity-check tasks to meet",
    );
    let (full, at_once) = latch.full(patience);
    if !full {
        ctx.fail(
            Rule::PanicsSurvived,
            format!(
                "after {panics} panic(s), only {at_once} of {capacity} tasks could run at once \
                 (waited {patience:?})"
            ),
        );
    }
    ctx.idle(MAIN, "after the capacity check");
}

/// Submits `n` tasks built by `body(i)`; false if the pool would not take
/// one (recorded as a failure of `rule`).
fn fill(
    ctx: &Arc<Ctx>,
    pool: &dyn TaskPool,
    n: usize,
    what: &str,
    body: impl Fn(usize) -> Body,
) -> bool {
    let patience = ctx.limits.barrier_timeout;
    for i in 0..n {
        let id = ctx.new_task(format!("({what} {i} of {n})"), None, false);
        ctx.doing(
            MAIN,
            Act::Submit,
            None,
            Some(id),
            format!("submitting {what} {i} of {n}"),
        );
        let task = make_task(Arc::clone(ctx), id, body(i));
        if !submit_retrying(ctx, pool, id, task, patience) {
            ctx.fail(
                Rule::Liveness,
                format!("{what} {i} of {n} was refused by a pool that was not stopped"),
            );
            return false;
        }
    }
    true
}

/// `wait_idle` before a step that fills the pool: the step needs every
/// worker free, and a pool need not hand a blocked submitter to whichever
/// worker frees first (a multi-pool waits on one of its pools), so tasks
/// still running from an earlier step could keep the fill from ever
/// running `capacity` tasks at once.
fn idle_before(ctx: &Ctx, pool: &dyn TaskPool, what: &str) {
    ctx.doing(
        MAIN,
        Act::WaitIdle,
        None,
        None,
        format!("wait_idle() before {what}"),
    );
    let idx = ctx.begin_call(CallKind::WaitIdle, MAIN, false);
    pool.wait_idle();
    ctx.end_call(idx);
}

/// Every worker runs a task that calls the pool from inside with `how`.
pub(super) fn nested_while_full(ctx: &Arc<Ctx>, pool: &dyn TaskPool, how: How) {
    let capacity = ctx.capacity;
    // No pool can keep a nested join from waiting on a child it queued
    // behind the joining task (the wait is in the caller's `TaskHandle`,
    // outside the pool), and a pool of any admission may queue: a blocking
    // pool with a bounded queue takes the child while the queue has room.
    // So one worker holds until the nested spawns have returned, then frees
    // itself for the children; the spawns themselves are blocking submits
    // from inside on a full pool, which must still return.
    let (nesters, holders, how) = match (how == How::SpawnJoin, capacity) {
        (true, 1) => (1, 0, How::Submit),
        (true, c) => (c - 1, 1, how),
        (false, c) => (c, 0, how),
    };
    idle_before(ctx, pool, "filling the pool with nesting tasks");
    let latch = Arc::new(Latch::new(capacity, ctx.limits.barrier_timeout));
    let handed = Arc::new(Gate::default());
    let release = Arc::new(Gate::default());
    let ok = fill(ctx, pool, nesters + holders, "full-pool task", |i| {
        if i < nesters {
            Body::Nester(Arc::clone(&latch), how, Arc::clone(&handed))
        } else {
            Body::Holder(Some(Arc::clone(&latch)), Arc::clone(&release))
        }
    });
    if ok && holders > 0 {
        ctx.doing(
            MAIN,
            Act::Harness,
            None,
            None,
            "waiting for the nested spawns to return",
        );
        handed.wait_arrivals(nesters, ctx.limits.timeout);
    }
    release.open();
    ctx.idle(MAIN, "after filling the pool with nesting tasks");
}

/// Holds every worker on a gate, then `try_submit` (and a rejecting pool's
/// `submit`) from another thread must return before the gate opens.
pub(super) fn try_while_full(ctx: &Arc<Ctx>, pool: &Arc<Box<dyn TaskPool>>) {
    let capacity = ctx.capacity;
    let patience = ctx.limits.barrier_timeout;
    idle_before(ctx, &**pool, "holding every worker on a gate");
    let latch = Arc::new(Latch::new(capacity, patience));
    let gate = Arc::new(Gate::default());
    let filled = fill(ctx, &**pool, capacity, "gate holder", |_| {
        Body::Holder(Some(Arc::clone(&latch)), Arc::clone(&gate))
    });
    let (full, _) = if filled {
        latch.full(patience)
    } else {
        (false, 0)
    };
    if full {
        let hows: &[How] = if ctx.admission == Admission::Reject {
            &[How::TrySubmit, How::Submit]
        } else {
            &[How::TrySubmit]
        };
        for &how in hows {
            let (tx, rx) = mpsc::channel();
            let (tctx, tpool) = (Arc::clone(ctx), Arc::clone(pool));
            let who = format!("{how:?} caller");
            let spawned = thread::Builder::new()
                .name("conformance-try".to_owned())
                .spawn(move || {
                    tctx.probe.exclude_current_thread();
                    let label = format!("({how:?} while every worker is held on a gate)");
                    submit(
                        &tctx,
                        &**tpool,
                        how,
                        Work::Leaf(Leaf::Quick),
                        label,
                        None,
                        &who,
                    );
                    tctx.done(&who);
                    let _ = tx.send(());
                });
            if let Err(e) = spawned {
                ctx.fail(Rule::Liveness, format!("spawn failed: {e}"));
                break;
            }
            ctx.doing(
                MAIN,
                Act::Harness,
                None,
                None,
                format!("waiting for {how:?} to return"),
            );
            if rx.recv_timeout(patience).is_err() {
                let call = if how == How::TrySubmit {
                    "try_submit".to_owned()
                } else {
                    "submit on a rejecting pool".to_owned()
                };
                ctx.fail(
                    Rule::NonBlocking,
                    format!(
                        "{call} did not return within {patience:?} while all {capacity} \
                         worker(s) were held on a gate: it waits for a running task"
                    ),
                );
                break;
            }
        }
    }
    gate.open();
    ctx.idle(MAIN, "after the gate opened");
}
