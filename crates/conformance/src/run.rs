//! Runs one generated [`Script`] against a fresh pool and checks every rule
//! against what the instrumented tasks recorded.
//!
//! Every event (a submit call, its outcome, a task's start and end, a stop
//! call and its return) takes a tick of the case's [`Probe`] clock, so the
//! checks at the end compare ticks: "started after stop returned" is
//! `start > stop.end`. Ticks for outcomes are taken after the pool call
//! returned and ticks for calls before it began, so every comparison errs on
//! the side of the pool (no false positives from scheduling delays).

use std::any::Any;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::{
    Arc, Barrier, Condvar, Mutex, MutexGuard, OnceLock, PoisonError, TryLockError, Weak,
};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use taskpool::{
    Admission, JoinError, SubmitError, Task, TaskHandle, TaskPool, TaskPoolExt, WaitError,
};

use crate::script::{Finish, How, Leaf, Op, Script, Via, Work};
use crate::watchdog::{payload_text, watch, Watched};
use crate::{Probe, Rule};

/// Builds a pool of the given capacity.
pub(crate) type Factory = Arc<dyn Fn(usize) -> Box<dyn TaskPool> + Send + Sync>;

/// A broken rule found by one case.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) rule: Rule,
    pub(crate) message: String,
}

impl Failure {
    fn new(rule: Rule, message: impl Into<String>) -> Self {
        Failure {
            rule,
            message: message.into(),
        }
    }
}

/// What a passing case did.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CaseStats {
    pub(crate) tasks_run: u64,
    pub(crate) late_exits: u64,
}

/// The patience of one case.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) timeout: Duration,
    pub(crate) barrier_timeout: Duration,
    pub(crate) exit_grace: Duration,
}

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

/// What a submit call produced, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// The call has not returned (or was never made).
    Pending,
    Accepted {
        at: u64,
    },
    Refused {
        stopped: bool,
        at: u64,
    },
}

#[derive(Debug)]
struct TaskRec {
    label: String,
    parent: Option<usize>,
    /// `try_submit`, or `submit` (every other way goes through `submit`).
    try_submit: bool,
    /// Tick taken just before the submit call.
    call_at: u64,
    outcome: Outcome,
    /// (tick, thread) of every start of the task's body in the pool.
    starts: Vec<(u64, ThreadId)>,
    end: Option<u64>,
    panicked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallKind {
    Stop,
    StopWait,
    WaitIdle,
    Drop,
}

#[derive(Debug)]
struct CallRec {
    kind: CallKind,
    by: String,
    /// The checks of a return apply (the caller is not one of the pool's
    /// threads and the call was the one that really shut the pool down).
    strict: bool,
    begin: u64,
    end: Option<u64>,
}

#[derive(Debug, Default)]
struct Book {
    tasks: Vec<TaskRec>,
    calls: Vec<CallRec>,
    /// Failures seen while the case ran, first first.
    failures: Vec<Failure>,
    late_exits: u64,
}

/// What a harness thread (or a task calling the pool) is doing, for the
/// watchdog's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Factory,
    Submit,
    SubmitWait,
    Join,
    Stop,
    StopInside,
    WaitIdle,
    Barrier,
    DropOnWorker,
    Drop,
    Harness,
}

struct Ctx {
    probe: Probe,
    admission: Admission,
    limits: Limits,
    book: Mutex<Book>,
    /// The pool, for tasks that submit or stop from inside; weak so that
    /// tasks never keep the pool alive.
    pool: OnceLock<Weak<Box<dyn TaskPool>>>,
    progress: Mutex<BTreeMap<String, (Tag, String)>>,
    seen_panics: Mutex<u64>,
}

impl Ctx {
    fn book(&self) -> MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn doing(&self, who: &str, tag: Tag, what: impl Into<String>) {
        self.progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(who.to_owned(), (tag, what.into()));
    }

    fn done(&self, who: &str) {
        self.progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(who);
    }

    fn fail(&self, rule: Rule, message: impl Into<String>) {
        self.book().failures.push(Failure::new(rule, message));
    }

    fn pool(&self) -> Option<Arc<Box<dyn TaskPool>>> {
        self.pool.get().and_then(Weak::upgrade)
    }

    fn new_task(&self, label: String, parent: Option<usize>, try_submit: bool) -> usize {
        let call_at = self.probe.tick();
        let mut book = self.book();
        book.tasks.push(TaskRec {
            label,
            parent,
            try_submit,
            call_at,
            outcome: Outcome::Pending,
            starts: Vec::new(),
            end: None,
            panicked: false,
        });
        book.tasks.len() - 1
    }

    fn label(&self, id: usize) -> String {
        format!("#{id} {}", self.book().tasks[id].label)
    }

    fn accepted(&self, id: usize) {
        let at = self.probe.tick();
        self.book().tasks[id].outcome = Outcome::Accepted { at };
    }

    /// Records a refusal and runs the handed-back task in check mode to see
    /// that it is the task that was submitted.
    fn refused(&self, id: usize, err: SubmitError) {
        let at = self.probe.tick();
        let stopped = err.is_stopped();
        self.book().tasks[id].outcome = Outcome::Refused { stopped, at };
        let task = err.into_task();
        CHECK_MODE.with(|c| c.set(true));
        HANDED_BACK.with(|h| h.set(None));
        let ran = panic::catch_unwind(AssertUnwindSafe(task));
        CHECK_MODE.with(|c| c.set(false));
        let marked = HANDED_BACK.with(Cell::take);
        if ran.is_err() || marked != Some(id) {
            let label = self.label(id);
            self.fail(
                Rule::RefusalHandsBackTask,
                format!(
                    "the task handed back with the refusal of {label} is not the task submitted \
                     (running it marked {marked:?}{})",
                    if ran.is_err() { " and panicked" } else { "" }
                ),
            );
        }
    }

    /// Has a shutdown of kind `stop` (not `stop_wait`) begun before `tick`?
    fn stop_began_before(&self, tick: u64) -> bool {
        self.book()
            .calls
            .iter()
            .any(|c| c.kind == CallKind::Stop && c.begin < tick)
    }
}

/// Runs `script` on a fresh pool from `factory`, under the watchdog.
pub(crate) fn run_case(
    factory: &Factory,
    admission: Admission,
    script: &Script,
    limits: Limits,
) -> Result<CaseStats, Failure> {
    let ctx = Arc::new(Ctx {
        probe: Probe::new(),
        admission,
        limits,
        book: Mutex::new(Book::default()),
        pool: OnceLock::new(),
        progress: Mutex::new(BTreeMap::new()),
        seen_panics: Mutex::new(0),
    });
    let body_ctx = Arc::clone(&ctx);
    let factory = Arc::clone(factory);
    let body_script = script.clone();
    match watch("conformance-case", limits.timeout, move || {
        execute(&body_ctx, &factory, body_script)
    }) {
        Watched::Done(result) => result,
        Watched::Panicked(msg) => Err(Failure::new(
            Rule::Liveness,
            format!("a pool method panicked into the caller: {msg}"),
        )),
        Watched::Hung => Err(hang_failure(&ctx, limits.timeout)),
    }
}

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

/// Names the rule a hang most likely breaks, from what every thread was doing.
fn hang_failure(ctx: &Ctx, timeout: Duration) -> Failure {
    // A hung thread may hold one of these locks (a broken pool can stop a
    // task anywhere): never block on them here.
    let patience = Duration::from_secs(1);
    let progress = try_lock_within(&ctx.progress, patience)
        .map(|p| p.clone())
        .unwrap_or_default();
    let stop_calls = try_lock_within(&ctx.book, patience).map_or(0, |book| {
        book.calls
            .iter()
            .filter(|c| c.kind != CallKind::WaitIdle)
            .count()
    });
    let shutdown_began = stop_calls > 0;
    let panics = try_lock_within(&ctx.seen_panics, patience).map_or(0, |p| *p);
    let has = |tag: Tag| progress.values().any(|(t, _)| *t == tag);
    let rule = if has(Tag::StopInside) {
        Rule::StopIdempotentAndReentrant
    } else if has(Tag::DropOnWorker) || has(Tag::Drop) {
        Rule::DropIsStopWait
    } else if has(Tag::Barrier) {
        Rule::PanicsSurvived
    } else if shutdown_began && (has(Tag::Submit) || has(Tag::SubmitWait)) {
        Rule::RefusedAfterShutdown
    } else if panics > 0 {
        Rule::PanicsSurvived
    } else if has(Tag::Stop) && stop_calls > 1 {
        Rule::StopIdempotentAndReentrant
    } else if has(Tag::Stop) {
        Rule::ExactlyOnceOnStopWait
    } else if has(Tag::WaitIdle) {
        Rule::WaitIdle
    } else {
        Rule::Liveness
    };
    let mut message = format!("the case hung: nothing finished within {timeout:?};");
    if panics > 0 {
        let _ = write!(message, " {panics} task(s) had panicked;");
    }
    message.push_str(" still waiting:");
    for (who, (_, what)) in &progress {
        let _ = write!(message, " [{who}: {what}]");
    }
    Failure::new(rule, message)
}

/// A spawned task still to be joined.
struct PendingJoin {
    id: usize,
    handle: TaskHandle<()>,
}

fn execute(ctx: &Arc<Ctx>, factory: &Factory, script: Script) -> Result<CaseStats, Failure> {
    ctx.probe.exclude_current_thread();
    let main = "main";
    ctx.doing(main, Tag::Factory, format!("factory({})", script.capacity));
    let built = panic::catch_unwind(AssertUnwindSafe(|| factory(script.capacity)));
    let pool: Arc<Box<dyn TaskPool>> = match built {
        Ok(boxed) => Arc::new(boxed),
        Err(p) => {
            return Err(Failure::new(
                Rule::Liveness,
                format!(
                    "the factory panicked for capacity {}: {}",
                    script.capacity,
                    payload_text(p.as_ref())
                ),
            ))
        }
    };
    let _ = ctx.pool.set(Arc::downgrade(&pool));
    ctx.doing(main, Tag::Harness, "joining submitters");

    // The submitters start together.
    let start = Arc::new(Barrier::new(script.submitters.len()));
    let mut threads = Vec::new();
    for (i, ops) in script.submitters.into_iter().enumerate() {
        let ctx = Arc::clone(ctx);
        let pool = Arc::clone(&pool);
        let start = Arc::clone(&start);
        let spawned = thread::Builder::new()
            .name(format!("conformance-submitter-{i}"))
            .spawn(move || submitter(&ctx, &*pool, i, ops, &start));
        match spawned {
            Ok(t) => threads.push(t),
            Err(e) => return Err(Failure::new(Rule::Liveness, format!("spawn failed: {e}"))),
        }
    }
    for t in threads {
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
    first_failure(ctx)?;

    if script.capacity_check {
        capacity_check(ctx, &*pool, script.capacity);
        first_failure(ctx)?;
    }

    let mut eventual = false;
    match script.finish {
        Finish::StopWait | Finish::Stop => {
            let kind = if matches!(script.finish, Finish::Stop) {
                CallKind::Stop
            } else {
                CallKind::StopWait
            };
            shutdown_call(ctx, &*pool, kind, main);
            first_failure(ctx)?;
            after_stop(ctx, &*pool, main);
        }
        Finish::Concurrent { stoppers, racers } => {
            concurrent_stops(ctx, &pool, &stoppers, racers);
            first_failure(ctx)?;
            shutdown_call(ctx, &*pool, CallKind::StopWait, main);
            first_failure(ctx)?;
            after_stop(ctx, &*pool, main);
        }
        Finish::Drop => {
            ctx.doing(
                main,
                Tag::Drop,
                "dropping the last handle on the test's thread",
            );
            let idx = begin_call(ctx, CallKind::Drop, main, false);
            match Arc::into_inner(pool) {
                Some(last) => {
                    drop(last);
                    end_call(ctx, idx);
                    check_threads_after(ctx, idx, CallKind::Drop);
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
            drop_on_worker(ctx, pool, main);
            eventual = true;
        }
    }
    ctx.done(main);
    first_failure(ctx)?;
    if eventual {
        wait_everything_settled(ctx)?;
    }
    analyse(ctx, script.capacity)?;
    let book = ctx.book();
    Ok(CaseStats {
        tasks_run: book.tasks.iter().map(|t| t.starts.len() as u64).sum(),
        late_exits: book.late_exits,
    })
}

fn first_failure(ctx: &Ctx) -> Result<(), Failure> {
    match ctx.book().failures.first() {
        Some(f) => Err(f.clone()),
        None => Ok(()),
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
            Op::Stop => shutdown_call(ctx, pool, CallKind::Stop, &me),
            Op::StopWait => shutdown_call(ctx, pool, CallKind::StopWait, &me),
            Op::WaitIdle => {
                ctx.doing(&me, Tag::WaitIdle, format!("op {k}: wait_idle()"));
                let idx = begin_call(ctx, CallKind::WaitIdle, &me, false);
                pool.wait_idle();
                end_call(ctx, idx);
            }
        }
    }
    for j in joins {
        join(ctx, j, &me);
    }
    ctx.done(&me);
}

/// Hands one task to the pool the way `how` says; returns the handle of a
/// `spawn` that is to be joined later.
fn submit(
    ctx: &Arc<Ctx>,
    pool: &dyn TaskPool,
    how: How,
    work: Work,
    label: String,
    parent: Option<usize>,
    who: &str,
) -> (usize, Option<PendingJoin>) {
    let id = ctx.new_task(label, parent, how == How::TrySubmit);
    let task = make_task(Arc::clone(ctx), id, Body::Work(work));
    let tag = if how == How::SubmitWait {
        Tag::SubmitWait
    } else {
        Tag::Submit
    };
    ctx.doing(who, tag, format!("{how:?} of #{id}"));
    let result = match how {
        How::Submit => settle(ctx, id, pool.submit(task)),
        How::TrySubmit => settle(ctx, id, pool.try_submit(task)),
        How::SubmitWait => {
            let result = pool.submit_wait(task);
            ctx.doing(who, Tag::Harness, "checking a submit_wait result");
            match result {
                Ok(()) => {
                    ctx.accepted(id);
                    check_finished(ctx, id, "submit_wait returned Ok", false);
                }
                Err(WaitError::Rejected(e)) => ctx.refused(id, e),
                Err(WaitError::Panicked(p)) => {
                    ctx.accepted(id);
                    check_panic_payload(ctx, id, p.as_ref(), "submit_wait");
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
                let pending = PendingJoin { id, handle };
                if how == How::SpawnJoin {
                    join(ctx, pending, who);
                    None
                } else {
                    Some(pending)
                }
            }
            Err(e) => {
                ctx.refused(id, e);
                None
            }
        },
    };
    ctx.doing(who, Tag::Harness, "between operations");
    (id, result)
}

fn settle(ctx: &Ctx, id: usize, result: Result<(), SubmitError>) -> Option<PendingJoin> {
    match result {
        Ok(()) => ctx.accepted(id),
        Err(e) => ctx.refused(id, e),
    }
    None
}

fn join(ctx: &Ctx, pending: PendingJoin, who: &str) {
    let id = pending.id;
    ctx.doing(who, Tag::Join, format!("join of #{id}"));
    match pending.handle.join() {
        Ok(()) => check_finished(ctx, id, "join returned Ok", false),
        Err(JoinError::Panicked(p)) => check_panic_payload(ctx, id, p.as_ref(), "join"),
        Err(JoinError::Abandoned) => check_abandoned(ctx, id, "join"),
        Err(other) => ctx.fail(
            Rule::Liveness,
            format!(
                "join of {} failed in an unknown way: {other}",
                ctx.label(id)
            ),
        ),
    }
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
                "{what} for {label}, but the task had started {starts} time(s), \
                 {} finished{}",
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
                    "{what} of {label} reported a panic whose payload is not the task's own \
                     ({})",
                    payload_text(payload)
                ),
            );
        }
    }
}

fn check_abandoned(ctx: &Ctx, id: usize, what: &str) {
    let now = ctx.probe.tick();
    let started = !ctx.book().tasks[id].starts.is_empty();
    if started || !ctx.stop_began_before(now) {
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

/// What an instrumented task does.
enum Body {
    Work(Work),
    /// Waits at the capacity-check barrier.
    Barrier(Arc<Latch>),
    /// Holds the last handle to the pool and drops it when told to.
    Dropper(Box<Dropper>),
}

struct Dropper {
    pool: Arc<Box<dyn TaskPool>>,
    go: mpsc::Receiver<()>,
    done: mpsc::Sender<bool>,
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

fn make_task(ctx: Arc<Ctx>, id: usize, body: Body) -> Task {
    Box::new(move || {
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
        match body {
            Body::Work(Work::Leaf(leaf)) => run_leaf(&ctx, id, leaf),
            Body::Work(Work::Nested(via, children)) => {
                let who = format!("task #{id}");
                for (k, child) in children.into_iter().enumerate() {
                    let Some(pool) = ctx.pool() else { break };
                    let how = match via {
                        Via::Submit => How::Submit,
                        Via::TrySubmit => How::TrySubmit,
                    };
                    let label = format!("(child {k} of #{id}: {how:?} {child:?})");
                    submit(&ctx, &*pool, how, Work::Leaf(child), label, Some(id), &who);
                    ctx.done(&who);
                }
            }
            Body::Work(Work::StopInside(wait)) => {
                if let Some(pool) = ctx.pool() {
                    let who = format!("task #{id}");
                    let kind = if wait {
                        CallKind::StopWait
                    } else {
                        CallKind::Stop
                    };
                    ctx.doing(
                        &who,
                        Tag::StopInside,
                        format!("{kind:?} called from inside task #{id}"),
                    );
                    let idx = begin_call(&ctx, kind, &who, true);
                    if wait {
                        pool.stop_wait();
                    } else {
                        pool.stop();
                    }
                    end_call(&ctx, idx);
                    ctx.done(&who);
                    if !pool.is_stopped() {
                        ctx.fail(
                            Rule::RefusedAfterShutdown,
                            format!(
                                "is_stopped() was false after {kind:?} returned inside task #{id}"
                            ),
                        );
                    }
                    let label = format!("(try_submit from #{id} after its {kind:?})");
                    submit(
                        &ctx,
                        &*pool,
                        How::TrySubmit,
                        Work::Leaf(Leaf::Quick),
                        label,
                        Some(id),
                        &who,
                    );
                    ctx.done(&who);
                }
            }
            Body::Barrier(latch) => latch.arrive_and_wait(),
            Body::Dropper(dropper) => {
                let Dropper { pool, go, done } = *dropper;
                let who = format!("task #{id}");
                if go.recv().is_ok() {
                    ctx.doing(
                        &who,
                        Tag::DropOnWorker,
                        format!("dropping the last handle inside task #{id}"),
                    );
                    let idx = begin_call(&ctx, CallKind::Drop, &who, true);
                    let last = Arc::into_inner(pool);
                    let was_last = last.is_some();
                    drop(last);
                    if was_last {
                        // Otherwise a task holding a handle for a moment
                        // does the last drop, on another worker thread.
                        end_call(&ctx, idx);
                    }
                    ctx.done(&who);
                    let _ = done.send(was_last);
                }
            }
        }
    })
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

/// Records the beginning of a shutdown or wait_idle call; returns the index
/// of its record.
fn begin_call(ctx: &Ctx, kind: CallKind, by: &str, inside_task: bool) -> usize {
    let begin = ctx.probe.tick();
    let mut book = ctx.book();
    book.calls.push(CallRec {
        kind,
        by: by.to_owned(),
        strict: !inside_task && kind != CallKind::WaitIdle,
        begin,
        end: None,
    });
    book.calls.len() - 1
}

fn end_call(ctx: &Ctx, idx: usize) {
    let end = ctx.probe.tick();
    ctx.book().calls[idx].end = Some(end);
}

/// Whether another shutdown call (stop, stop_wait, drop) began before call
/// `idx` returned: a promise such a call breaks falls under rule 7, since it
/// cannot be told which of the calls really shut the pool down.
fn accompanied(calls: &[CallRec], idx: usize) -> bool {
    let end = calls[idx].end.unwrap_or(u64::MAX);
    calls
        .iter()
        .enumerate()
        .any(|(i, c)| i != idx && c.kind != CallKind::WaitIdle && c.begin < end)
}

/// The rule a broken promise of a shutdown call falls under.
fn shutdown_rule(kind: CallKind, accompanied: bool, base: Rule) -> Rule {
    if accompanied {
        Rule::StopIdempotentAndReentrant
    } else if kind == CallKind::Drop {
        Rule::DropIsStopWait
    } else {
        base
    }
}

/// `stop` or `stop_wait` from a thread of the test, with the checks that
/// must hold the moment it returns.
fn shutdown_call(ctx: &Ctx, pool: &dyn TaskPool, kind: CallKind, who: &str) {
    ctx.doing(who, Tag::Stop, format!("{kind:?}()"));
    let idx = begin_call(ctx, kind, who, false);
    match kind {
        CallKind::Stop => pool.stop(),
        _ => pool.stop_wait(),
    }
    end_call(ctx, idx);
    ctx.doing(
        who,
        Tag::Harness,
        format!("checking threads after {kind:?}"),
    );
    if !pool.is_stopped() {
        let with_others = accompanied(&ctx.book().calls, idx);
        ctx.fail(
            shutdown_rule(kind, with_others, Rule::RefusedAfterShutdown),
            format!("is_stopped() was false after {kind:?} returned on {who}"),
        );
    }
    check_threads_after(ctx, idx, kind);
}

/// Every thread that ran a task before the call returned must have exited
/// (allowing `exit_grace` for the last steps of its exit).
fn check_threads_after(ctx: &Ctx, idx: usize, kind: CallKind) {
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
        ctx.fail(
            shutdown_rule(kind, with_others, Rule::ThreadsExited),
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
/// Stopped (checked in `analyse`), a second stop returns, the panics were
/// counted.
fn after_stop(ctx: &Arc<Ctx>, pool: &dyn TaskPool, who: &str) {
    for how in [How::Submit, How::TrySubmit] {
        let label = format!("({who}: {how:?} after the final stop)");
        submit(ctx, pool, how, Work::Leaf(Leaf::Quick), label, None, who);
    }
    shutdown_call(ctx, pool, CallKind::Stop, who);
    let stats = pool.stats();
    let panicked = ctx
        .book()
        .tasks
        .iter()
        .filter(|t| t.panicked && !t.starts.is_empty())
        .count() as u64;
    if stats.panicked != panicked {
        ctx.fail(
            Rule::PanicsSurvived,
            format!(
                "{panicked} task(s) panicked but stats().panicked is {} after stop",
                stats.panicked
            ),
        );
    }
}

/// The capacity-check barrier: `capacity` tasks must all be running at once.
struct Latch {
    need: usize,
    deadline: Duration,
    /// Guarded: (tasks waiting at the barrier now, whether all `need` were
    /// ever there at once). A task that gives up decrements the count.
    state: Mutex<(usize, bool)>,
    changed: Condvar,
}

impl Latch {
    fn arrive_and_wait(&self) {
        let start = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.0 += 1;
        if state.0 >= self.need {
            state.1 = true;
        }
        self.changed.notify_all();
        while !state.1 {
            let left = self.deadline.saturating_sub(start.elapsed());
            if left.is_zero() {
                state.0 -= 1;
                return;
            }
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn full(&self, within: Duration) -> (bool, usize) {
        let start = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while !state.1 {
            let left = within.saturating_sub(start.elapsed());
            if left.is_zero() {
                break;
            }
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        (state.1, state.0)
    }
}

fn capacity_check(ctx: &Arc<Ctx>, pool: &dyn TaskPool, capacity: usize) {
    let who = "main";
    let panics = *ctx
        .seen_panics
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    ctx.doing(who, Tag::Barrier, "wait_idle() before the capacity check");
    let idx = begin_call(ctx, CallKind::WaitIdle, who, false);
    pool.wait_idle();
    end_call(ctx, idx);
    let latch = Arc::new(Latch {
        need: capacity,
        deadline: ctx.limits.barrier_timeout,
        state: Mutex::new((0, false)),
        changed: Condvar::new(),
    });
    let started = Instant::now();
    for i in 0..capacity {
        ctx.doing(
            who,
            Tag::Barrier,
            format!("submitting capacity-check task {i} of {capacity} after {panics} panic(s)"),
        );
        let id = ctx.new_task(format!("(capacity check {i} of {capacity})"), None, false);
        let mut task = make_task(Arc::clone(ctx), id, Body::Barrier(Arc::clone(&latch)));
        loop {
            match pool.submit(task) {
                Ok(()) => {
                    ctx.accepted(id);
                    break;
                }
                // A rejecting pool may still be returning a worker to its
                // idle set: retry until the barrier's patience runs out.
                Err(SubmitError::Overloaded(t))
                    if ctx.admission == Admission::Reject
                        && started.elapsed() < ctx.limits.barrier_timeout =>
                {
                    task = t;
                    thread::sleep(Duration::from_millis(1));
                }
                Err(e) => {
                    ctx.refused(id, e);
                    ctx.fail(
                        Rule::PanicsSurvived,
                        format!(
                            "after {panics} panic(s), capacity-check task {i} of {capacity} \
                             was refused"
                        ),
                    );
                    return;
                }
            }
        }
    }
    ctx.doing(
        who,
        Tag::Barrier,
        "waiting for the capacity-check tasks to meet",
    );
    let (full, at_once) = latch.full(ctx.limits.barrier_timeout);
    if !full {
        ctx.fail(
            Rule::PanicsSurvived,
            format!(
                "after {panics} panic(s), only {at_once} of {capacity} tasks could run at once \
                 (waited {:?})",
                ctx.limits.barrier_timeout
            ),
        );
    }
    ctx.doing(who, Tag::Harness, "after the capacity check");
}

/// Several threads stop the pool at once while others keep submitting.
fn concurrent_stops(
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
                        if matches!(outcome, Outcome::Refused { stopped: true, .. }) {
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

/// Hands the last handle to a task, which drops it on a worker thread.
fn drop_on_worker(ctx: &Arc<Ctx>, pool: Arc<Box<dyn TaskPool>>, who: &str) {
    let (go_tx, go_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    let id = ctx.new_task(
        "(the dropper: holds the last handle)".to_owned(),
        None,
        false,
    );
    let submitter = Arc::clone(&pool);
    let mut task = make_task(
        Arc::clone(ctx),
        id,
        Body::Dropper(Box::new(Dropper {
            pool,
            go: go_rx,
            done: done_tx,
        })),
    );
    ctx.doing(who, Tag::DropOnWorker, "submitting the dropper task");
    let started = Instant::now();
    loop {
        match submitter.submit(task) {
            Ok(()) => {
                ctx.accepted(id);
                break;
            }
            Err(SubmitError::Overloaded(t))
                if ctx.admission == Admission::Reject && started.elapsed() < ctx.limits.timeout =>
            {
                task = t;
                thread::sleep(Duration::from_millis(1));
            }
            Err(e) => {
                ctx.refused(id, e);
                ctx.fail(Rule::Liveness, "the pool refused the dropper task");
                return;
            }
        }
    }
    drop(submitter);
    let _ = go_tx.send(());
    ctx.doing(
        who,
        Tag::DropOnWorker,
        "waiting for the dropper task to drop the pool",
    );
    // A hang here is the watchdog's (and names rule 8).
    let _ = done_rx.recv();
}

/// After the last handle was dropped on a worker thread: wait (within the
/// watchdog) until every accepted task has ended and every thread exited.
fn wait_everything_settled(ctx: &Ctx) -> Result<(), Failure> {
    let patience = ctx.limits.timeout / 2;
    // A task may stay unstarted for good only if a `stop` dropped it.
    let settled_task = |t: &TaskRec, stop_began: bool| {
        !matches!(t.outcome, Outcome::Accepted { .. })
            || t.end.is_some()
            || (t.starts.is_empty() && stop_began)
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

/// The checks over the whole record of a finished case.
fn analyse(ctx: &Ctx, capacity: usize) -> Result<(), Failure> {
    let max = ctx.probe.max_concurrency();
    if max > capacity {
        return Err(Failure::new(
            Rule::Capacity,
            format!("{max} tasks executed at the same instant on a pool of capacity {capacity}"),
        ));
    }
    let book = ctx.book();
    let tasks = &book.tasks;
    let calls = &book.calls;
    let shutdown = |c: &&CallRec| c.kind != CallKind::WaitIdle;
    let first_begin = calls.iter().filter(shutdown).map(|c| c.begin).min();
    let first_return = calls.iter().filter(shutdown).filter_map(|c| c.end).min();
    let stop_begins: Vec<u64> = calls
        .iter()
        .filter(|c| c.kind == CallKind::Stop)
        .map(|c| c.begin)
        .collect();
    let any_stop = !stop_begins.is_empty();
    let label = |i: usize| format!("#{i} {}", tasks[i].label);

    for (i, t) in tasks.iter().enumerate() {
        if t.starts.len() > 1 {
            let rule = if any_stop {
                Rule::NothingStartsAfterStop
            } else {
                Rule::ExactlyOnceOnStopWait
            };
            return Err(Failure::new(
                rule,
                format!("task {} started {} times", label(i), t.starts.len()),
            ));
        }
        match t.outcome {
            Outcome::Pending => {}
            Outcome::Refused { stopped, at } => {
                if !t.starts.is_empty() {
                    let rule = if stopped {
                        Rule::RefusedAfterShutdown
                    } else {
                        Rule::RefusalHandsBackTask
                    };
                    return Err(Failure::new(
                        rule,
                        format!("task {} was refused but ran in the pool", label(i)),
                    ));
                }
                if stopped && first_begin.is_none_or(|b| b >= at) {
                    return Err(Failure::new(
                        Rule::RefusalHandsBackTask,
                        format!(
                            "task {} was refused with Stopped before any shutdown began",
                            label(i)
                        ),
                    ));
                }
                if !stopped {
                    if first_return.is_some_and(|r| r < t.call_at) {
                        return Err(Failure::new(
                            Rule::RefusedAfterShutdown,
                            format!(
                                "task {} was submitted after a stop returned and refused with \
                                 Overloaded instead of Stopped",
                                label(i)
                            ),
                        ));
                    }
                    if !t.try_submit && ctx.admission != Admission::Reject {
                        return Err(Failure::new(
                            Rule::RefusalHandsBackTask,
                            format!(
                                "submit of {} was refused with Overloaded by a pool that \
                                 declares admission `{}`",
                                label(i),
                                ctx.admission
                            ),
                        ));
                    }
                }
            }
            Outcome::Accepted { .. } => {
                if first_return.is_some_and(|r| r < t.call_at) {
                    return Err(Failure::new(
                        Rule::RefusedAfterShutdown,
                        format!(
                            "task {} was submitted after a stop returned and accepted{}",
                            label(i),
                            if t.starts.is_empty() {
                                " (it never ran)"
                            } else {
                                ""
                            }
                        ),
                    ));
                }
            }
        }
    }

    // What must hold the moment each shutdown call of the test returned.
    let mut shutdown_calls: Vec<usize> = (0..calls.len()).filter(|&i| calls[i].strict).collect();
    shutdown_calls.sort_by_key(|&i| calls[i].begin);
    for idx in shutdown_calls {
        let c = &calls[idx];
        let Some(end) = c.end else { continue };
        let with_others = accompanied(calls, idx);
        let rule = |base| shutdown_rule(c.kind, with_others, base);
        for (i, t) in tasks.iter().enumerate() {
            for &(start, _) in &t.starts {
                if start > end {
                    return Err(Failure::new(
                        rule(Rule::NothingStartsAfterStop),
                        format!(
                            "task {} started after {:?} by {} returned",
                            label(i),
                            c.kind,
                            c.by
                        ),
                    ));
                }
                if t.end.is_none_or(|e| e > end) {
                    return Err(Failure::new(
                        rule(Rule::NothingStartsAfterStop),
                        format!(
                            "{:?} by {} returned while task {} was still running",
                            c.kind,
                            c.by,
                            label(i)
                        ),
                    ));
                }
            }
        }
        let waits = matches!(c.kind, CallKind::StopWait | CallKind::Drop);
        if waits && !stop_begins.iter().any(|&b| b < end) {
            for (i, t) in tasks.iter().enumerate() {
                if matches!(t.outcome, Outcome::Accepted { .. })
                    && t.call_at < end
                    && t.starts.len() != 1
                {
                    return Err(Failure::new(
                        rule(Rule::ExactlyOnceOnStopWait),
                        format!(
                            "task {} was accepted but had run {} time(s) when {:?} by {} returned",
                            label(i),
                            t.starts.len(),
                            c.kind,
                            c.by
                        ),
                    ));
                }
            }
        }
    }

    // Shut down by a drop on a worker thread: like stop_wait, eventually.
    let dropped_inside = calls.iter().any(|c| c.kind == CallKind::Drop && !c.strict);
    if dropped_inside && !any_stop {
        for (i, t) in tasks.iter().enumerate() {
            if matches!(t.outcome, Outcome::Accepted { .. }) && t.starts.len() != 1 {
                return Err(Failure::new(
                    Rule::DropIsStopWait,
                    format!(
                        "task {} was accepted but ran {} time(s) after the last handle was \
                         dropped on a worker thread",
                        label(i),
                        t.starts.len()
                    ),
                ));
            }
        }
    }

    // wait_idle: everything accepted before the call (and what those tasks
    // submitted) had finished when it returned.
    for w in calls.iter().filter(|c| c.kind == CallKind::WaitIdle) {
        let Some(end) = w.end else { continue };
        let mut covered = vec![false; tasks.len()];
        for (i, t) in tasks.iter().enumerate() {
            let before = matches!(t.outcome, Outcome::Accepted { at } if at < w.begin);
            let parent = t.parent.is_some_and(|p| p < i && covered[p]);
            covered[i] = matches!(t.outcome, Outcome::Accepted { .. }) && (before || parent);
        }
        let shutdown_before_end = first_begin.is_some_and(|b| b < end);
        for (i, t) in tasks.iter().enumerate() {
            if !covered[i] {
                continue;
            }
            let finished = t.end.is_some_and(|e| e < end);
            let excused = t.starts.is_empty() && shutdown_before_end;
            if !finished && !excused {
                return Err(Failure::new(
                    Rule::WaitIdle,
                    format!(
                        "wait_idle by {} returned while task {} (accepted before the call) \
                         was still {}",
                        w.by,
                        label(i),
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
    Ok(())
}
