//! Instrumented tasks, and handing them to the pool: the task bodies of a
//! script (leaves, nested submits, stops from inside, the barrier, gate and
//! dropper tasks), the submit calls, and the checks of what each call
//! reported (a join's result, a refusal's handed-back task).
//!
//! Making a task and submitting one live together because a task's body
//! submits further tasks.

use std::any::Any;
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{mpsc, Arc, PoisonError};
use std::thread;
use std::time::Duration;

use taskpool::{JoinError, SubmitError, Task, TaskHandle, TaskPool, TaskPoolExt, WaitError};

use super::sync::{Gate, Latch};
use crate::record::{Act, CallKind, Ctx};
use crate::script::{How, Leaf, Via, Work};
use crate::watchdog::payload_text;
use crate::Rule;

/// The payload of a scripted panic: names the task that raised it.
#[derive(Debug)]
struct ScriptedPanic {
    task: usize,
}

thread_local! {
    /// Set while the harness runs a task handed back by a refusal: the task
    /// then only reports its id in `HANDED_BACK` and returns.
    static CHECK_MODE: Cell<bool> = const { Cell::new(false) };
    static HANDED_BACK: Cell<Option<usize>> = const { Cell::new(None) };
}

/// What an instrumented task does.
pub(super) enum Body {
    Work(Work),
    /// Waits until `capacity` tasks meet at the latch.
    Barrier(Arc<Latch>),
    /// Meets the others at the latch, then calls the pool from inside with
    /// `How` while every worker is busy; reports on the gate when the
    /// nested call has handed its task over.
    Nester(Arc<Latch>, How, Arc<Gate>),
    /// Meets the others at the latch, then holds its worker until the gate
    /// opens.
    Holder(Option<Arc<Latch>>, Arc<Gate>),
    /// Holds the last handle to the pool and drops it when told to.
    Dropper(Box<Dropper>),
}

pub(super) struct Dropper {
    pub(super) pool: Arc<Box<dyn TaskPool>>,
    pub(super) go: mpsc::Receiver<()>,
    pub(super) done: mpsc::Sender<bool>,
}

/// Records the task's end when dropped (also when the task panics).
struct EndMark<'a> {
    ctx: &'a Ctx,
    id: usize,
}

impl Drop for EndMark<'_> {
    fn drop(&mut self) {
        let at = self.ctx.probe.tick();
        self.ctx.book().tasks[self.id].end = Some(at);
    }
}

/// Owned by the task closure: records that the task was dropped without
/// running (by a `stop`, a refusal, or a pool that lost it).
struct DropMark {
    ctx: Arc<Ctx>,
    id: usize,
    armed: bool,
}

impl DropMark {
    /// The task runs (or is run by the harness in check mode): not dropped.
    fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for DropMark {
    fn drop(&mut self) {
        if self.armed {
            let at = self.ctx.probe.tick();
            self.ctx.book().tasks[self.id].dropped = Some(at);
        }
    }
}

pub(super) fn make_task(ctx: Arc<Ctx>, id: usize, body: Body) -> Task {
    let mut mark = DropMark {
        ctx: Arc::clone(&ctx),
        id,
        armed: true,
    };
    Box::new(move || {
        mark.disarm();
        if CHECK_MODE.with(Cell::get) {
            HANDED_BACK.with(|h| h.set(Some(id)));
            return;
        }
        let _running = ctx.probe.enter();
        let at = ctx.probe.tick();
        ctx.book().tasks[id]
            .starts
            .push((at, thread::current().id()));
        let _end = EndMark { ctx: &ctx, id };
        let who = format!("task #{id}");
        match body {
            Body::Work(Work::Leaf(leaf)) => run_leaf(&ctx, id, leaf),
            Body::Work(Work::Nested(via, children)) => {
                for (k, child) in children.into_iter().enumerate() {
                    let Some(pool) = ctx.pool() else { break };
                    let how = match via {
                        Via::Submit => How::Submit,
                        Via::TrySubmit => How::TrySubmit,
                    };
                    let label = format!("(child {k} of #{id}: {how:?} {child:?})");
                    let (_, pending) =
                        submit(&ctx, &*pool, how, Work::Leaf(child), label, Some(id), &who);
                    debug_assert!(pending.is_none());
                    ctx.done(&who);
                }
            }
            Body::Work(Work::StopInside(wait)) => stop_inside(&ctx, id, wait, &who),
            Body::Barrier(latch) => latch.arrive_and_wait(),
            Body::Nester(latch, how, handed) => {
                latch.arrive_and_wait();
                if let Some(pool) = ctx.pool() {
                    let label = format!("(nested {how:?} from #{id} while the pool is full)");
                    let (_, pending) = submit_with(
                        &ctx,
                        &*pool,
                        how,
                        Work::Leaf(Leaf::Quick),
                        label,
                        Some(id),
                        &who,
                        Some(&handed),
                    );
                    if let Some(j) = pending {
                        join(&ctx, j, &who, Some(id));
                    }
                }
                ctx.done(&who);
            }
            Body::Holder(latch, gate) => {
                if let Some(latch) = latch {
                    latch.arrive_and_wait();
                }
                gate.wait_open(ctx.limits.timeout);
            }
            Body::Dropper(dropper) => drop_inside(&ctx, id, *dropper, &who),
        }
    })
}

fn stop_inside(ctx: &Arc<Ctx>, id: usize, wait: bool, who: &str) {
    let Some(pool) = ctx.pool() else { return };
    let kind = if wait {
        CallKind::StopWait
    } else {
        CallKind::Stop
    };
    let act = if wait { Act::StopWait } else { Act::Stop };
    ctx.doing(
        who,
        act,
        Some(id),
        None,
        format!("{kind:?} called from inside task #{id}"),
    );
    let idx = ctx.begin_call(kind, who, true);
    if wait {
        pool.stop_wait();
    } else {
        pool.stop();
    }
    ctx.end_call(idx);
    ctx.done(who);
    if !pool.is_stopped() {
        ctx.fail(
            Rule::RefusedAfterShutdown,
            format!("is_stopped() was false after {kind:?} returned inside task #{id}"),
        );
    }
    let label = format!("(try_submit from #{id} after its {kind:?})");
    submit(
        ctx,
        &*pool,
        How::TrySubmit,
        Work::Leaf(Leaf::Quick),
        label,
        Some(id),
        who,
    );
    ctx.done(who);
}

fn drop_inside(ctx: &Arc<Ctx>, id: usize, dropper: Dropper, who: &str) {
    let Dropper { pool, go, done } = dropper;
    if go.recv().is_ok() {
        ctx.doing(
            who,
            Act::Drop,
            Some(id),
            None,
            format!("dropping the last handle inside task #{id}"),
        );
        let idx = ctx.begin_call(CallKind::Drop, who, true);
        let last = Arc::into_inner(pool);
        let was_last = last.is_some();
        drop(last);
        if was_last {
            // Otherwise a task holding a handle for a moment does the last
            // drop, on another worker thread.
            ctx.end_call(idx);
        }
        ctx.done(who);
        let _ = done.send(was_last);
    }
}

fn run_leaf(ctx: &Ctx, id: usize, leaf: Leaf) {
    match leaf {
        Leaf::Quick => {}
        Leaf::SleepMs(ms) => thread::sleep(Duration::from_millis(u64::from(ms))),
        Leaf::Spin(rounds) => {
            let mut x = id as u64 | 1;
            for _ in 0..u32::from(rounds) * 16 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
            }
            std::hint::black_box(x);
        }
        Leaf::Panic => {
            ctx.book().tasks[id].panicked = true;
            *ctx.seen_panics
                .lock()
                .unwrap_or_else(PoisonError::into_inner) += 1;
            // `resume_unwind` skips the panic hook: no noise on stderr.
            panic::resume_unwind(Box::new(ScriptedPanic { task: id }));
        }
    }
}

/// A spawned task still to be joined.
pub(super) struct PendingJoin {
    id: usize,
    handle: TaskHandle<()>,
}

/// Hands one task to the pool the way `how` says; returns the task's id and
/// the handle of a `spawn` that is to be joined later.
pub(super) fn submit(
    ctx: &Arc<Ctx>,
    pool: &dyn TaskPool,
    how: How,
    work: Work,
    label: String,
    parent: Option<usize>,
    who: &str,
) -> (usize, Option<PendingJoin>) {
    submit_with(ctx, pool, how, work, label, parent, who, None)
}

/// [`submit`], telling `handed` once the submit part of the call returned
/// (for `SpawnJoin`, before the join).
#[allow(clippy::too_many_arguments)]
fn submit_with(
    ctx: &Arc<Ctx>,
    pool: &dyn TaskPool,
    how: How,
    work: Work,
    label: String,
    parent: Option<usize>,
    who: &str,
    handed: Option<&Gate>,
) -> (usize, Option<PendingJoin>) {
    let id = ctx.new_task(label, parent, how == How::TrySubmit);
    let task = make_task(Arc::clone(ctx), id, Body::Work(work));
    let act = if how == How::SubmitWait {
        Act::SubmitWait
    } else {
        Act::Submit
    };
    ctx.doing(who, act, parent, Some(id), format!("{how:?} of #{id}"));
    let tell = || {
        if let Some(g) = handed {
            g.arrive();
        }
    };
    let result = match how {
        How::Submit => settle(ctx, id, pool.submit(task)),
        How::TrySubmit => settle(ctx, id, pool.try_submit(task)),
        How::SubmitWait => {
            let result = pool.submit_wait(task);
            tell();
            ctx.idle(who, "checking a submit_wait result");
            match result {
                Ok(()) => {
                    ctx.accepted(id);
                    check_finished(ctx, id, "submit_wait returned Ok", false);
                }
                Err(WaitError::Rejected(e)) => refused(ctx, id, e),
                Err(WaitError::Panicked(p)) => {
                    ctx.accepted(id);
                    check_panic_payload(ctx, id, p.into_inner().as_ref(), "submit_wait");
                }
                Err(WaitError::Abandoned) => {
                    ctx.accepted(id);
                    check_abandoned(ctx, id, "submit_wait");
                }
                Err(other) => ctx.fail(
                    Rule::Liveness,
                    format!(
                        "submit_wait of {} failed in an unknown way: {other}",
                        ctx.label(id)
                    ),
                ),
            }
            None
        }
        How::Spawn | How::SpawnJoin => match pool.spawn(task) {
            Ok(handle) => {
                ctx.accepted(id);
                Some(PendingJoin { id, handle })
            }
            Err(e) => {
                refused(ctx, id, e);
                None
            }
        },
    };
    if how != How::SubmitWait {
        tell();
    }
    ctx.idle(who, "between operations");
    match (how, result) {
        (How::SpawnJoin, Some(pending)) if handed.is_none() => {
            join(ctx, pending, who, parent);
            (id, None)
        }
        (_, result) => (id, result),
    }
}

fn settle(ctx: &Arc<Ctx>, id: usize, result: Result<(), SubmitError>) -> Option<PendingJoin> {
    match result {
        Ok(()) => ctx.accepted(id),
        Err(e) => refused(ctx, id, e),
    }
    None
}

/// Records a refusal and runs the handed-back task in check mode to see
/// that it is the task that was submitted.
pub(super) fn refused(ctx: &Ctx, id: usize, err: SubmitError) {
    ctx.note_refused(id, err.is_stopped());
    let task = err.into_task();
    CHECK_MODE.with(|c| c.set(true));
    HANDED_BACK.with(|h| h.set(None));
    let ran = panic::catch_unwind(AssertUnwindSafe(task));
    CHECK_MODE.with(|c| c.set(false));
    let marked = HANDED_BACK.with(Cell::take);
    if ran.is_err() || marked != Some(id) {
        let label = ctx.label(id);
        ctx.fail(
            Rule::RefusalHandsBackTask,
            format!(
                "the task handed back with the refusal of {label} is not the task submitted \
                 (running it marked {marked:?}{})",
                if ran.is_err() { " and panicked" } else { "" }
            ),
        );
    }
}

pub(super) fn join(ctx: &Ctx, pending: PendingJoin, who: &str, inside: Option<usize>) {
    let id = pending.id;
    ctx.doing(who, Act::Join, inside, Some(id), format!("join of #{id}"));
    match pending.handle.join() {
        Ok(()) => check_finished(ctx, id, "join returned Ok", false),
        Err(JoinError::Panicked(p)) => {
            check_panic_payload(ctx, id, p.into_inner().as_ref(), "join");
        }
        Err(JoinError::Abandoned) => check_abandoned(ctx, id, "join"),
        Err(other) => ctx.fail(
            Rule::Liveness,
            format!(
                "join of {} failed in an unknown way: {other}",
                ctx.label(id)
            ),
        ),
    }
    ctx.idle(who, "after a join");
}

fn check_finished(ctx: &Ctx, id: usize, what: &str, panicked: bool) {
    let (ended, did_panic, starts) = {
        let book = ctx.book();
        let t = &book.tasks[id];
        (t.end.is_some(), t.panicked, t.starts.len())
    };
    if starts == 0 || !ended || did_panic != panicked {
        let label = ctx.label(id);
        ctx.fail(
            Rule::Liveness,
            format!(
                "{what} for {label}, but the task had started {starts} time(s), {} finished{}",
                if ended { "had" } else { "had not" },
                if did_panic { " and panicked" } else { "" }
            ),
        );
    }
}

fn check_panic_payload(ctx: &Ctx, id: usize, payload: &(dyn Any + Send), what: &str) {
    match payload.downcast_ref::<ScriptedPanic>() {
        Some(p) if p.task == id => {
            check_finished(ctx, id, &format!("{what} reported a panic"), true);
        }
        _ => {
            let label = ctx.label(id);
            ctx.fail(
                Rule::Liveness,
                format!(
                    "{what} of {label} reported a panic whose payload is not the task's own ({})",
                    payload_text(payload)
                ),
            );
        }
    }
}

fn check_abandoned(ctx: &Ctx, id: usize, what: &str) {
    let now = ctx.probe.tick();
    let (started, stop_began) = {
        let book = ctx.book();
        (
            !book.tasks[id].starts.is_empty(),
            book.stop_began_before(now),
        )
    };
    if started || !stop_began {
        let label = ctx.label(id);
        ctx.fail(
            Rule::Liveness,
            format!(
                "{what} of {label} reported Abandoned, but {}",
                if started {
                    "the task had started"
                } else {
                    "no stop() had begun"
                }
            ),
        );
    }
}
