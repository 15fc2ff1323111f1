//! The pool: its shared state, the caller's side of the rendezvous, the
//! worker loop, resize and shutdown. DESIGN.md walks through the protocol.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::mem;
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use taskpool::{BuildError, PoolStats};

use crate::signal::{CancelToken, Clock, ManualClock, WakerList};
use crate::sync::{lock, thread, wait, wait_timeout, Arc, Condvar, Mutex, MutexGuard};
use crate::{FnWorker, Interrupt, ProcessError, ResizeError, Worker};

pub(crate) type Panic = Box<dyn Any + Send + 'static>;
type CallOf<W> = Call<<W as Worker>::Input, <W as Worker>::Output>;

/// One caller's job, shared by the caller and the worker that takes it.
pub(crate) struct Call<I, O> {
    /// Where the job is in its life. Lock order: the pool's core lock first,
    /// then this one. Transitions out of `Queued` happen only while the core
    /// lock is held too (see [`Core::waiting`]).
    state: Mutex<CallState<I, O>>,
    /// The caller sleeps here. Notified (after the state changed) on the
    /// result, on refusal at shutdown, on acceptance when `accept_only`, and
    /// by the clock or cancel-token wakers.
    cv: Condvar,
    /// The caller waits only until a worker accepts the job
    /// (`TaskPool::submit`); nobody reads the output.
    accept_only: bool,
    /// The signal the job sees; fired when the caller abandons the job.
    interrupt: Interrupt,
}

enum CallState<I, O> {
    /// Waiting in `Core::waiting` for a worker; the payload is parked here.
    Queued(I),
    /// The pool closed while the call was queued; the caller takes its
    /// payload back.
    Refused(I),
    /// A worker owns the payload (in its mailbox, or running it).
    Assigned,
    /// The job ran; its outcome waits for the caller.
    Done(Result<O, Panic>),
    /// The caller stopped waiting (deadline or cancellation); whoever holds
    /// the payload or the output drops it.
    Abandoned,
    /// The caller took the outcome or its payload.
    Taken,
}

impl<I, O> Call<I, O> {
    fn new(accept_only: bool) -> Self {
        Call {
            state: Mutex::new(CallState::Assigned),
            cv: Condvar::new(),
            accept_only,
            interrupt: Interrupt::new(),
        }
    }

    /// Worker side, under the core lock: takes the payload of a queued call.
    fn take_queued(&self) -> I {
        let mut st = lock(&self.state);
        let CallState::Queued(input) = mem::replace(&mut *st, CallState::Assigned) else {
            unreachable!("a call in the waiting queue is Queued")
        };
        drop(st);
        if self.accept_only {
            self.cv.notify_one();
        }
        input
    }

    /// Worker side, before running: false if the caller already gave up.
    fn start(&self) -> bool {
        !matches!(*lock(&self.state), CallState::Abandoned)
    }

    /// Worker side, after running: hands the outcome to the caller. Returns
    /// true if the caller had abandoned the job (the outcome is dropped).
    fn deliver(&self, outcome: Result<O, Panic>) -> bool {
        if self.accept_only {
            // Nobody reads it; dropping a panic payload is the pool's business.
            let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(outcome)));
            return false;
        }
        let mut st = lock(&self.state);
        if matches!(*st, CallState::Abandoned) {
            drop(st);
            let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(outcome)));
            return true;
        }
        *st = CallState::Done(outcome);
        drop(st);
        self.cv.notify_one();
        false
    }

    /// Shutdown side, under the core lock: refuses a queued call.
    fn refuse(&self) {
        let mut st = lock(&self.state);
        if let CallState::Queued(input) = mem::replace(&mut *st, CallState::Taken) {
            *st = CallState::Refused(input);
        }
        drop(st);
        self.cv.notify_one();
    }
}

/// A job on its way to a worker.
struct Job<W: Worker> {
    input: W::Input,
    call: Arc<CallOf<W>>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    /// Starting, in `block_until_ready`, being rebuilt, or between jobs.
    Idle,
    /// Waiting for a job, listed in `Core::ready`.
    Parked,
    /// Holds a job (in its mailbox or running it).
    Busy,
}

/// The pool's record of one worker thread.
struct Slot<W: Worker> {
    /// Unique for the pool's life (slot indexes are reused, ids are not).
    id: u64,
    /// The worker's thread, set by the worker when it starts.
    thread: Option<thread::ThreadId>,
    /// Invariant: `Parked` iff the slot's index is in `Core::ready`.
    phase: Phase,
    /// Set once (by `set_size`, `close`, or a failed rebuild); the worker
    /// exits at its next look at the pool, after finishing a job it holds.
    retire: bool,
    /// A job handed over by a caller that found this worker parked. Only
    /// written while the worker is `Parked`; taken by the worker before it
    /// looks at `retire`, so an accepted job always runs.
    mailbox: Option<Job<W>>,
    /// The worker sleeps on this (with the core lock) while parked.
    wake: Arc<Condvar>,
    /// Set while this worker's own job is blocked inside `close`,
    /// `set_size` or `wait_idle` of this pool. Those calls do not wait for
    /// such workers, so two jobs that shut the pool down (or resize it) from
    /// inside cannot wait for each other.
    blocked_inside: bool,
}

/// Everything the pool's single lock guards.
pub(crate) struct Core<W: Worker> {
    /// Set once by `close`; from then on nothing is admitted.
    closed: bool,
    /// The size asked for last (`set_size`), lowered when a worker's
    /// rebuild fails.
    target: usize,
    /// Live workers by index (`None` = free).
    slots: Vec<Option<Slot<W>>>,
    /// Number of `Some` slots: threads that have not finished exiting.
    live: usize,
    /// Live slots that are not retiring.
    active: usize,
    /// Indexes of parked workers; the last one parked is handed work first
    /// (its caches are warmest).
    ready: Vec<usize>,
    /// Callers waiting for a worker, oldest first. Invariant: a call is in
    /// here iff its state is `Queued`, and both change under this lock. Not
    /// empty only while `ready` is empty (a worker that parks takes the
    /// oldest caller instead).
    waiting: VecDeque<Arc<CallOf<W>>>,
    /// Jobs handed to workers and not yet finished.
    running: usize,
    completed: u64,
    panicked: u64,
    next_id: u64,
    /// Join handles of started threads, joined by whoever retired them.
    handles: Vec<(u64, thread::JoinHandle<()>)>,
    /// Ids of exited workers whose threads a caller is joining right now,
    /// outside the lock. Invariant: an id leaves `handles` into `joining`
    /// and leaves `joining` only after its `join` returned, so a second
    /// `close` that finds the handle taken still waits for that join (rule 6:
    /// every thread has really exited when any `close` returns).
    joining: Vec<u64>,
    /// Threads sleeping on `Inner::changed` (so the hot path notifies only
    /// when someone listens).
    watchers: usize,
}

impl<W: Worker> Core<W> {
    fn slot_mut(&mut self, idx: usize) -> &mut Slot<W> {
        self.slots[idx]
            .as_mut()
            .expect("a live worker's slot is occupied")
    }

    fn live_slots(&self) -> impl Iterator<Item = &Slot<W>> {
        self.slots.iter().flatten()
    }

    fn own_slot(&self) -> Option<&Slot<W>> {
        let me = thread::current().id();
        self.live_slots().find(|s| s.thread == Some(me))
    }

    /// Marks the calling thread's worker (if it is one of ours) as blocked
    /// inside the pool; returns its index for [`Core::leave_inside`].
    fn enter_inside(&mut self) -> Option<usize> {
        let me = thread::current().id();
        let idx = self
            .slots
            .iter()
            .position(|s| s.as_ref().is_some_and(|s| s.thread == Some(me)))?;
        self.slot_mut(idx).blocked_inside = true;
        Some(idx)
    }

    fn leave_inside(&mut self, idx: Option<usize>) {
        if let Some(idx) = idx {
            self.slot_mut(idx).blocked_inside = false;
        }
    }
}

/// State shared by the handles and the worker threads.
pub(crate) struct Inner<W: Worker> {
    core: Mutex<Core<W>>,
    /// Notified when a worker exits, when work drains, and at close, for
    /// `close`, `set_size` and `wait_idle` (only if `Core::watchers > 0`).
    changed: Condvar,
    factory: Box<dyn Fn() -> W + Send + Sync>,
    clock: Clock,
    thread_name: String,
}

impl<W: Worker> Inner<W> {
    fn notify_changed(&self, core: &Core<W>) {
        if core.watchers > 0 {
            self.changed.notify_all();
        }
    }

    fn wait_changed<'a>(&self, mut core: MutexGuard<'a, Core<W>>) -> MutexGuard<'a, Core<W>> {
        core.watchers += 1;
        core = wait(&self.changed, core);
        core.watchers -= 1;
        core
    }
}

/// How a caller is admitted when no worker is parked.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    /// Wait in line.
    Block,
    /// Refuse with `Overloaded`.
    Try,
    /// Wait in line, unless the caller is one of this pool's own workers
    /// (it might be waiting for itself): then refuse with `Overloaded`.
    BlockUnlessInside,
}

/// Why a call produced no output; the payload comes back when no worker took it.
pub(crate) enum Refusal<I> {
    Closed(I),
    Overloaded(I),
    TimedOut(Option<I>),
    Cancelled(Option<I>),
    Panicked(Panic),
}

impl<I> From<Refusal<I>> for ProcessError {
    fn from(r: Refusal<I>) -> Self {
        match r {
            // `Overloaded` only comes from the TaskPool face's admissions.
            Refusal::Closed(_) | Refusal::Overloaded(_) => ProcessError::Closed,
            Refusal::TimedOut(_) => ProcessError::TimedOut,
            Refusal::Cancelled(_) => ProcessError::Cancelled,
            Refusal::Panicked(p) => ProcessError::Panicked(p),
        }
    }
}

#[derive(Clone, Copy)]
enum Why {
    TimedOut,
    Cancelled,
}

impl Why {
    fn refusal<I>(self, input: Option<I>) -> Refusal<I> {
        match self {
            Why::TimedOut => Refusal::TimedOut(input),
            Why::Cancelled => Refusal::Cancelled(input),
        }
    }
}

/// Unregisters a waker when the call ends.
struct WakerGuard<'a> {
    list: &'a WakerList,
    key: u64,
}

impl Drop for WakerGuard<'_> {
    fn drop(&mut self) {
        self.list.unregister(self.key);
    }
}

fn watch<'a, I, O>(list: &'a WakerList, call: &Arc<Call<I, O>>) -> WakerGuard<'a>
where
    I: Send + 'static,
    O: Send + 'static,
{
    let call = Arc::clone(call);
    let key = list.register(Box::new(move || {
        // Taking the slot lock orders this wake after the caller's check (or
        // before it, and then the check sees the new clock/token value).
        drop(lock(&call.state));
        call.cv.notify_all();
    }));
    WakerGuard { list, key }
}

/// What the caller waits for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Until {
    Accepted,
    Done,
}

/// The caller's side of the rendezvous: hand `input` to a parked worker or
/// queue for one, then wait as `until` says, within `deadline` (on the pool's
/// clock) and `token`.
pub(crate) fn call<W: Worker>(
    inner: &Inner<W>,
    input: W::Input,
    admit: Admit,
    until: Until,
    deadline: Option<Duration>,
    token: Option<&CancelToken>,
) -> Result<Option<W::Output>, Refusal<W::Input>> {
    if token.is_some_and(CancelToken::is_cancelled) {
        return Err(Refusal::Cancelled(Some(input)));
    }
    if deadline.is_some_and(|d| inner.clock.now() >= d) {
        return Err(Refusal::TimedOut(Some(input)));
    }
    let call = Arc::new(Call::new(until == Until::Accepted));
    let mut core = lock(&inner.core);
    if core.closed {
        return Err(Refusal::Closed(input));
    }
    if let Some(idx) = core.ready.pop() {
        // Hand-off: the worker is parked, give it the job directly.
        core.running += 1;
        let slot = core.slot_mut(idx);
        slot.phase = Phase::Busy;
        slot.mailbox = Some(Job {
            input,
            call: Arc::clone(&call),
        });
        let wake = Arc::clone(&slot.wake);
        drop(core);
        // Notified after unlocking: the worker re-checks its mailbox under
        // the lock before it sleeps, and it cannot exit while Busy.
        wake.notify_one();
        if until == Until::Accepted {
            return Ok(None);
        }
    } else {
        let refuse = match admit {
            Admit::Block => false,
            Admit::Try => true,
            Admit::BlockUnlessInside => core.own_slot().is_some(),
        };
        if refuse {
            return Err(Refusal::Overloaded(input));
        }
        *lock(&call.state) = CallState::Queued(input);
        core.waiting.push_back(Arc::clone(&call));
        drop(core);
    }
    wait_for(inner, &call, until, deadline, token)
}

fn wait_for<W: Worker>(
    inner: &Inner<W>,
    call: &Arc<CallOf<W>>,
    until: Until,
    deadline: Option<Duration>,
    token: Option<&CancelToken>,
) -> Result<Option<W::Output>, Refusal<W::Input>> {
    // Registered before the first check, unregistered after the last unlock.
    let _token_guard = token.map(|t| watch(t.wakers(), call));
    let _clock_guard = deadline
        .and_then(|_| inner.clock.wakers())
        .map(|list| watch(list, call));
    let mut st = lock(&call.state);
    loop {
        match &*st {
            CallState::Done(_) | CallState::Refused(_) => return take_outcome(&mut st),
            CallState::Assigned if until == Until::Accepted => return Ok(None),
            CallState::Queued(_) | CallState::Assigned => {}
            CallState::Abandoned | CallState::Taken => {
                unreachable!("only the caller abandons or takes its call")
            }
        }
        let why = if token.is_some_and(CancelToken::is_cancelled) {
            Some(Why::Cancelled)
        } else if deadline.is_some_and(|d| inner.clock.now() >= d) {
            Some(Why::TimedOut)
        } else {
            None
        };
        if let Some(why) = why {
            return abandon(inner, call, st, why);
        }
        st = match deadline.and_then(|d| inner.clock.sleep_for(d)) {
            Some(left) => wait_timeout(&call.cv, st, left),
            None => wait(&call.cv, st),
        };
    }
}

fn take_outcome<I, O>(st: &mut CallState<I, O>) -> Result<Option<O>, Refusal<I>> {
    match mem::replace(st, CallState::Taken) {
        CallState::Done(Ok(output)) => Ok(Some(output)),
        CallState::Done(Err(payload)) => Err(Refusal::Panicked(payload)),
        CallState::Refused(input) => Err(Refusal::Closed(input)),
        _ => unreachable!("take_outcome is called on Done or Refused"),
    }
}

/// The caller gives up: leaves the queue (getting its payload back) or
/// interrupts the worker that holds its job.
fn abandon<W: Worker>(
    inner: &Inner<W>,
    call: &Arc<CallOf<W>>,
    mut st: MutexGuard<'_, CallState<W::Input, W::Output>>,
    why: Why,
) -> Result<Option<W::Output>, Refusal<W::Input>> {
    if matches!(*st, CallState::Assigned) {
        *st = CallState::Abandoned;
        drop(st);
        call.interrupt.fire();
        return Err(why.refusal(None));
    }
    // Queued: leaving the queue needs the core lock, taken first.
    drop(st);
    let mut core = lock(&inner.core);
    let mut st = lock(&call.state);
    match &*st {
        CallState::Queued(_) => {
            let CallState::Queued(input) = mem::replace(&mut *st, CallState::Taken) else {
                unreachable!()
            };
            drop(st);
            let pos = core
                .waiting
                .iter()
                .position(|c| Arc::ptr_eq(c, call))
                .expect("a Queued call is in the waiting queue");
            core.waiting.remove(pos);
            inner.notify_changed(&core);
            Err(why.refusal(Some(input)))
        }
        CallState::Assigned => {
            // A worker took it while we were switching locks.
            *st = CallState::Abandoned;
            drop(st);
            drop(core);
            call.interrupt.fire();
            Err(why.refusal(None))
        }
        // It finished or was refused meanwhile: report what happened.
        CallState::Done(_) | CallState::Refused(_) => take_outcome(&mut st),
        CallState::Abandoned | CallState::Taken => {
            unreachable!("only the caller abandons or takes its call")
        }
    }
}

// ---------------------------------------------------------------------------
// The worker side.

/// Body of a worker thread.
fn worker_main<W: Worker>(inner: &Inner<W>, idx: usize, mut worker: W) {
    lock(&inner.core).slot_mut(idx).thread = Some(thread::current().id());
    // `broken`: the worker value may be half updated (a hook or job panicked
    // and no replacement could be built); it is dropped without `terminate`.
    let mut broken = false;
    loop {
        if panic::catch_unwind(AssertUnwindSafe(|| worker.block_until_ready())).is_err() {
            if rebuild(inner, &mut worker) {
                continue;
            }
            broken = true;
            break;
        }
        let Some(Job { input, call }) = next_job(inner, idx) else {
            break;
        };
        let outcome = if call.start() {
            Some(panic::catch_unwind(AssertUnwindSafe(|| {
                worker.process(input, &call.interrupt)
            })))
        } else {
            // Abandoned before it started (tunny: interrupted while the
            // worker waited for the payload).
            drop(input);
            None
        };
        call.interrupt.finish();
        let panicked = matches!(outcome, Some(Err(_)));
        // Count before delivering, so a caller that has its result sees it counted.
        let retire = {
            let mut core = lock(&inner.core);
            core.running -= 1;
            match outcome {
                Some(Ok(_)) => core.completed += 1,
                Some(Err(_)) => core.panicked += 1,
                None => {}
            }
            let slot = core.slot_mut(idx);
            slot.phase = Phase::Idle;
            let retire = slot.retire;
            inner.notify_changed(&core);
            retire
        };
        let abandoned = match outcome {
            Some(outcome) => call.deliver(outcome),
            None => true,
        };
        drop(call);
        if panicked {
            if retire || !rebuild(inner, &mut worker) {
                broken = true;
                break;
            }
        } else if abandoned
            && panic::catch_unwind(AssertUnwindSafe(|| worker.interrupted())).is_err()
            && (retire || !rebuild(inner, &mut worker))
        {
            broken = true;
            break;
        }
        if retire {
            break;
        }
    }
    worker_exit(inner, idx, worker, broken);
}

/// Parks until a job arrives (mailbox or waiting caller) or the worker is
/// retired (`None`).
fn next_job<W: Worker>(inner: &Inner<W>, idx: usize) -> Option<Job<W>> {
    let mut core = lock(&inner.core);
    loop {
        let slot = core.slot_mut(idx);
        if let Some(job) = slot.mailbox.take() {
            // The caller already counted it running and marked us Busy.
            return Some(job);
        }
        if slot.retire {
            return None;
        }
        if let Some(call) = core.waiting.pop_front() {
            let input = call.take_queued();
            core.running += 1;
            core.slot_mut(idx).phase = Phase::Busy;
            return Some(Job { input, call });
        }
        let slot = core.slot_mut(idx);
        if slot.phase != Phase::Parked {
            slot.phase = Phase::Parked;
            core.ready.push(idx);
        }
        let wake = Arc::clone(&core.slot_mut(idx).wake);
        core = wait(&wake, core);
    }
}

/// Replaces a worker whose state may be broken with a fresh one from the
/// factory. False if the factory panicked.
fn rebuild<W: Worker>(inner: &Inner<W>, worker: &mut W) -> bool {
    match panic::catch_unwind(AssertUnwindSafe(|| (inner.factory)())) {
        Ok(fresh) => {
            let old = mem::replace(worker, fresh);
            let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(old)));
            true
        }
        Err(_) => false,
    }
}

fn worker_exit<W: Worker>(inner: &Inner<W>, idx: usize, mut worker: W, broken: bool) {
    if !broken {
        let _ = panic::catch_unwind(AssertUnwindSafe(|| worker.terminate()));
    }
    let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(worker)));
    let mut core = lock(&inner.core);
    let slot = core.slots[idx]
        .take()
        .expect("a worker's slot lives until it exits");
    debug_assert!(slot.mailbox.is_none() && slot.phase != Phase::Parked);
    if !slot.retire {
        // A failed rebuild: the pool is one worker smaller from now on.
        core.active -= 1;
        core.target = core.target.saturating_sub(1);
    }
    core.live -= 1;
    inner.notify_changed(&core);
}

// ---------------------------------------------------------------------------
// Resize and shutdown.

fn spawn_worker<W: Worker>(inner: &Arc<Inner<W>>, core: &mut Core<W>, worker: W) -> io::Result<()> {
    let idx = match core.slots.iter().position(Option::is_none) {
        Some(idx) => idx,
        None => {
            core.slots.push(None);
            core.slots.len() - 1
        }
    };
    let id = core.next_id;
    core.next_id += 1;
    core.slots[idx] = Some(Slot {
        id,
        thread: None,
        phase: Phase::Idle,
        retire: false,
        mailbox: None,
        wake: Arc::new(Condvar::new()),
        blocked_inside: false,
    });
    let shared = Arc::clone(inner);
    let spawned = thread::Builder::new()
        .name(inner.thread_name.clone())
        .spawn(move || worker_main(&shared, idx, worker));
    match spawned {
        Ok(handle) => {
            core.live += 1;
            core.active += 1;
            core.handles.push((id, handle));
            Ok(())
        }
        Err(e) => {
            core.slots[idx] = None;
            Err(e)
        }
    }
}

/// Marks one worker to retire, preferring parked, then idle, then busy
/// workers, newest slot first. Returns its id.
fn retire_one<W: Worker>(core: &mut Core<W>) -> Option<u64> {
    let idx = [Phase::Parked, Phase::Idle, Phase::Busy]
        .iter()
        .find_map(|&phase| {
            (0..core.slots.len()).rev().find(|&i| {
                core.slots[i]
                    .as_ref()
                    .is_some_and(|s| !s.retire && s.phase == phase)
            })
        })?;
    core.active -= 1;
    if let Some(pos) = core.ready.iter().position(|&i| i == idx) {
        core.ready.swap_remove(pos);
    }
    let slot = core.slot_mut(idx);
    slot.retire = true;
    if slot.phase == Phase::Parked {
        slot.phase = Phase::Idle;
    }
    slot.wake.notify_one();
    Some(slot.id)
}

/// Waits until the workers with ids in `ids` (all, for `None`) have exited,
/// then joins their threads. Called from inside a job, it does not wait for
/// workers blocked inside the pool from their own job (the caller's own
/// worker among them): they leave after their job returns.
fn wait_for_exit<W: Worker>(
    inner: &Inner<W>,
    mut core: MutexGuard<'_, Core<W>>,
    ids: Option<&[u64]>,
) {
    let wanted = |id: u64| ids.is_none_or(|ids| ids.contains(&id));
    let inside = core.enter_inside();
    if inside.is_some() {
        // Others waiting for us may now stop doing so.
        inner.notify_changed(&core);
    }
    // A caller outside the pool waits for every wanted worker.
    let excuse = inside.is_some();
    while core
        .live_slots()
        .any(|s| wanted(s.id) && !(excuse && s.blocked_inside))
    {
        core = inner.wait_changed(core);
    }
    core.leave_inside(inside);
    // Join the threads that have exited (their slots are gone).
    let live: Vec<u64> = core.live_slots().map(|s| s.id).collect();
    let (joinable, rest): (Vec<_>, Vec<_>) = mem::take(&mut core.handles)
        .into_iter()
        .partition(|(id, _)| wanted(*id) && !live.contains(id));
    core.handles = rest;
    core.joining.extend(joinable.iter().map(|(id, _)| *id));
    drop(core);
    let mut joined = Vec::with_capacity(joinable.len());
    for (id, handle) in joinable {
        // The worker caught every panic of user code; nothing to report.
        let _ = handle.join();
        joined.push(id);
    }
    let mut core = lock(&inner.core);
    if !joined.is_empty() {
        core.joining.retain(|id| !joined.contains(id));
        inner.notify_changed(&core);
    }
    // A caller outside the pool also waits for the joins another caller took.
    if !excuse {
        while core.joining.iter().any(|&id| wanted(id)) {
            core = inner.wait_changed(core);
        }
    }
}

fn set_size<W: Worker>(inner: &Arc<Inner<W>>, n: usize) -> Result<(), ResizeError> {
    let mut core = lock(&inner.core);
    if core.closed {
        return Err(ResizeError::Closed);
    }
    core.target = n;
    let mut built: Vec<W> = Vec::new();
    let mut retired: Vec<u64> = Vec::new();
    let outcome = loop {
        if core.closed {
            break Err(ResizeError::Closed);
        }
        // Another set_size may have changed the target while this one was
        // building workers outside the lock: the last request wins.
        let target = core.target;
        let mut spawn_error = None;
        while core.active < target {
            let Some(worker) = built.pop() else { break };
            if let Err(e) = spawn_worker(inner, &mut core, worker) {
                spawn_error = Some(e);
                break;
            }
        }
        if let Some(e) = spawn_error {
            core.target = core.active;
            break Err(ResizeError::Spawn(e));
        }
        if core.active < target {
            let need = target - core.active;
            drop(core);
            // Built on the calling thread, outside the lock: a factory may be
            // slow, and a panic in it belongs to the caller.
            let building = panic::catch_unwind(AssertUnwindSafe(|| {
                for _ in 0..need {
                    built.push((inner.factory)());
                }
            }));
            if let Err(payload) = building {
                {
                    let mut core = lock(&inner.core);
                    if core.target == target {
                        core.target = core.active;
                    }
                }
                discard(mem::take(&mut built));
                panic::resume_unwind(payload);
            }
            core = lock(&inner.core);
            continue;
        }
        while core.active > core.target {
            match retire_one(&mut core) {
                Some(id) => retired.push(id),
                None => break,
            }
        }
        break Ok(());
    };
    if !built.is_empty() {
        // Built for a size lowered meanwhile (or a pool closed meanwhile):
        // they never ran, and leave like any worker, through `terminate`.
        drop(core);
        discard(built);
        core = lock(&inner.core);
    }
    wait_for_exit(inner, core, Some(&retired));
    outcome
}

fn discard<W: Worker>(workers: Vec<W>) {
    for mut worker in workers {
        let _ = panic::catch_unwind(AssertUnwindSafe(move || {
            worker.terminate();
            drop(worker);
        }));
    }
}

fn close<W: Worker>(inner: &Inner<W>) {
    let mut core = lock(&inner.core);
    if !core.closed {
        core.closed = true;
        core.target = 0;
        for call in mem::take(&mut core.waiting) {
            call.refuse();
        }
        while retire_one(&mut core).is_some() {}
        inner.notify_changed(&core);
    }
    wait_for_exit(inner, core, None);
}

fn wait_idle<W: Worker>(inner: &Inner<W>) {
    let mut core = lock(&inner.core);
    let inside = core.enter_inside();
    if inside.is_some() {
        inner.notify_changed(&core);
    }
    loop {
        // Called from inside a job, the jobs blocked inside the pool (this
        // one among them) are not waited for: they may be waiting for us.
        let excused = if inside.is_some() {
            core.live_slots()
                .filter(|s| s.blocked_inside && s.phase == Phase::Busy)
                .count()
        } else {
            0
        };
        if core.waiting.is_empty() && core.running <= excused {
            break;
        }
        core = inner.wait_changed(core);
    }
    core.leave_inside(inside);
}

// ---------------------------------------------------------------------------
// The public face.

/// A pool of `N` stateful workers; callers block until a worker is ready.
///
/// See the [crate docs](crate) for a tour. Cheap to clone: clones share the
/// pool. Dropping the last clone closes the pool like [`close`](Pool::close).
pub struct Pool<W: Worker> {
    handle: Arc<Handle<W>>,
}

/// Closes the pool when the last user handle goes (workers hold `Inner`, not this).
struct Handle<W: Worker> {
    inner: Arc<Inner<W>>,
}

impl<W: Worker> Drop for Handle<W> {
    fn drop(&mut self) {
        close(&self.inner);
    }
}

impl<W: Worker> Clone for Pool<W> {
    fn clone(&self) -> Self {
        Pool {
            handle: Arc::clone(&self.handle),
        }
    }
}

impl<W: Worker> Pool<W> {
    /// Starts `n` workers, each built by `factory` (called `n` times, on this
    /// thread, before this returns). `n` may be zero (callers then wait until
    /// [`set_size`](Pool::set_size) adds workers), like tunny's `New`.
    ///
    /// # Panics
    ///
    /// If `factory` panics (the panic is passed on), or if the operating
    /// system refuses a thread (like [`std::thread::spawn`]); use
    /// [`Pool::builder`] to get that as an error instead.
    pub fn new<F>(n: usize, factory: F) -> Self
    where
        F: Fn() -> W + Send + Sync + 'static,
    {
        match Pool::builder(factory).size(n).build() {
            Ok(pool) => pool,
            Err(e) => panic!("{e}"),
        }
    }

    /// A [`Builder`] for a pool whose workers `factory` builds.
    pub fn builder<F>(factory: F) -> Builder<W>
    where
        F: Fn() -> W + Send + Sync + 'static,
    {
        Builder {
            factory: Box::new(factory),
            size: 1,
            clock: Clock::system(),
            thread_name: "tunny-worker".to_string(),
        }
    }

    pub(crate) fn inner(&self) -> &Arc<Inner<W>> {
        &self.handle.inner
    }

    /// Runs `input` on a worker and returns its output.
    ///
    /// Blocks until a worker is ready (tunny has no queue: callers wait in
    /// line, oldest first), hands it the input, and blocks until the job
    /// returns. Called from inside one of this pool's own jobs it waits like
    /// any caller, so it deadlocks if every worker does that; prefer
    /// [`process_timeout`](Pool::process_timeout) there.
    ///
    /// # Errors
    ///
    /// [`ProcessError::Closed`] if the pool is closed (or closes while this
    /// waits for a worker), [`ProcessError::Panicked`] if the job panicked.
    pub fn process(&self, input: W::Input) -> Result<W::Output, ProcessError> {
        self.run(input, None, None)
    }

    /// Like [`process`](Pool::process), but gives up once `timeout` has
    /// passed (on the pool's clock), counting both the wait for a worker and
    /// the job. A job already running is interrupted (see [`Interrupt`]).
    ///
    /// # Errors
    ///
    /// [`ProcessError::TimedOut`] when the deadline passes (at once for a
    /// zero timeout), and the errors of [`process`](Pool::process).
    pub fn process_timeout(
        &self,
        input: W::Input,
        timeout: Duration,
    ) -> Result<W::Output, ProcessError> {
        // A deadline past the clock's range is no deadline at all.
        let deadline = self.inner().clock.now().checked_add(timeout);
        self.run(input, deadline, None)
    }

    /// Like [`process`](Pool::process), but gives up when `token` is
    /// cancelled (tunny's `ProcessCtx`). A job already running is interrupted.
    ///
    /// # Errors
    ///
    /// [`ProcessError::Cancelled`], and the errors of [`process`](Pool::process).
    pub fn process_cancellable(
        &self,
        input: W::Input,
        token: &CancelToken,
    ) -> Result<W::Output, ProcessError> {
        self.run(input, None, Some(token))
    }

    fn run(
        &self,
        input: W::Input,
        deadline: Option<Duration>,
        token: Option<&CancelToken>,
    ) -> Result<W::Output, ProcessError> {
        match call(
            self.inner(),
            input,
            Admit::Block,
            Until::Done,
            deadline,
            token,
        ) {
            Ok(Some(output)) => Ok(output),
            Ok(None) => unreachable!("Until::Done always carries the output"),
            Err(refusal) => Err(refusal.into()),
        }
    }

    /// Changes the number of workers to `n`.
    ///
    /// Growing builds the new workers with the factory on this thread and
    /// starts them at once. Shrinking retires parked workers first, then
    /// busy ones, which finish the job they hold; each retired worker runs
    /// [`Worker::terminate`]. Returns once the retired workers have exited
    /// (except the calling thread's own worker, when called from inside a
    /// job: that one leaves after its job). Concurrent calls: the last
    /// request wins.
    ///
    /// # Errors
    ///
    /// [`ResizeError::Closed`] on a closed pool (tunny panics),
    /// [`ResizeError::Spawn`] if a thread could not be started.
    ///
    /// # Panics
    ///
    /// If the factory panics; the panic is passed on and the workers already
    /// running stay.
    pub fn set_size(&self, n: usize) -> Result<(), ResizeError> {
        set_size(self.inner(), n)
    }

    /// The number of workers asked for (by [`new`](Pool::new) or the last
    /// [`set_size`](Pool::set_size)); 0 once closed.
    pub fn size(&self) -> usize {
        lock(&self.inner().core).target
    }

    /// Callers waiting for a worker plus jobs running now (tunny's `QueueLength`).
    pub fn queue_len(&self) -> usize {
        let core = lock(&self.inner().core);
        core.waiting.len() + core.running
    }

    /// Closes the pool: refuses new jobs, refuses callers still waiting for a
    /// worker ([`ProcessError::Closed`]), lets running jobs finish and
    /// deliver their results, runs [`Worker::terminate`] on every worker, and
    /// returns once every worker thread has exited.
    ///
    /// Idempotent and safe from several threads (every call returns after the
    /// workers are gone); tunny panics on a second `Close`. Called from inside
    /// one of this pool's jobs, it does not wait for the calling worker, which
    /// exits right after its job.
    pub fn close(&self) {
        close(self.inner());
    }

    /// True once [`close`](Pool::close) has begun.
    pub fn is_closed(&self) -> bool {
        lock(&self.inner().core).closed
    }

    /// Blocks until no caller waits and no job runs (a job of the calling
    /// thread's own worker excepted).
    pub fn wait_idle(&self) {
        wait_idle(self.inner());
    }

    /// A snapshot of the pool's counters. `capacity` is the size asked for,
    /// `workers` the live threads (more than `capacity` while retired workers
    /// finish), `running` the jobs held by workers, `waiting` the callers in
    /// line.
    pub fn stats(&self) -> PoolStats {
        let core = lock(&self.inner().core);
        let mut stats = PoolStats::default();
        stats.capacity = core.target;
        stats.workers = core.live;
        stats.running = core.running;
        stats.waiting = core.waiting.len();
        stats.completed = core.completed;
        stats.panicked = core.panicked;
        stats
    }

    pub(crate) fn call(
        &self,
        input: W::Input,
        admit: Admit,
        until: Until,
    ) -> Result<Option<W::Output>, Refusal<W::Input>> {
        call(self.inner(), input, admit, until, None, None)
    }
}

impl<F, I, O> Pool<FnWorker<F, I, O>>
where
    F: Fn(I) -> O + Send + Sync + 'static,
    I: Send + 'static,
    O: Send + 'static,
{
    /// A pool of `n` workers that all run `f` (tunny's `NewFunc`).
    ///
    /// ```
    /// let pool = taskpool_tunny::Pool::with_fn(4, |x: u64| x * 2);
    /// assert_eq!(pool.process(21), Ok(42));
    /// ```
    ///
    /// # Panics
    ///
    /// If the operating system refuses a thread.
    pub fn with_fn(n: usize, f: F) -> Self {
        let worker = FnWorker::new(f);
        Pool::new(n, move || worker.clone())
    }
}

impl<W: Worker> fmt::Debug for Pool<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("closed", &self.is_closed())
            .field("stats", &self.stats())
            .finish()
    }
}

/// Configures a [`Pool`]: its size, the clock its deadlines use, and the
/// name of its threads.
///
/// ```
/// use taskpool_tunny::{FnWorker, Pool};
/// let pool = Pool::builder(|| FnWorker::new(|x: i32| -x))
///     .size(3)
///     .thread_name("negator")
///     .build()
///     .unwrap();
/// assert_eq!(pool.size(), 3);
/// assert_eq!(pool.process(5), Ok(-5));
/// ```
pub struct Builder<W: Worker> {
    factory: Box<dyn Fn() -> W + Send + Sync>,
    size: usize,
    clock: Clock,
    thread_name: String,
}

impl<W: Worker> Builder<W> {
    /// How many workers to start (default 1; 0 is allowed, see [`Pool::new`]).
    pub fn size(mut self, n: usize) -> Self {
        self.size = n;
        self
    }

    /// Measure [`Pool::process_timeout`] deadlines on `clock` instead of the
    /// system clock (for tests).
    pub fn clock(mut self, clock: ManualClock) -> Self {
        self.clock = Clock::Manual(clock);
        self
    }

    /// The name of the worker threads (default `tunny-worker`).
    pub fn thread_name(mut self, name: impl Into<String>) -> Self {
        self.thread_name = name.into();
        self
    }

    /// Starts the pool: builds `size` workers on this thread and starts a
    /// thread for each.
    ///
    /// # Errors
    ///
    /// A [`BuildError`] if the operating system refused a thread (the workers
    /// already started are stopped again).
    ///
    /// # Panics
    ///
    /// If the factory panics (the panic is passed on).
    pub fn build(self) -> Result<Pool<W>, BuildError> {
        let inner = Arc::new(Inner {
            core: Mutex::new(Core {
                closed: false,
                target: 0,
                slots: Vec::new(),
                live: 0,
                active: 0,
                ready: Vec::new(),
                waiting: VecDeque::new(),
                running: 0,
                completed: 0,
                panicked: 0,
                next_id: 0,
                handles: Vec::new(),
                joining: Vec::new(),
                watchers: 0,
            }),
            changed: Condvar::new(),
            factory: self.factory,
            clock: self.clock,
            thread_name: self.thread_name,
        });
        let pool = Pool {
            handle: Arc::new(Handle { inner }),
        };
        match set_size(pool.inner(), self.size) {
            Ok(()) => Ok(pool),
            Err(ResizeError::Spawn(e)) => Err(BuildError::with_source(
                "could not start a tunny worker thread",
                e,
            )),
            Err(ResizeError::Closed) => unreachable!("a new pool is open"),
        }
    }
}

impl<W: Worker> fmt::Debug for Builder<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("size", &self.size)
            .field("clock", &self.clock)
            .field("thread_name", &self.thread_name)
            .finish_non_exhaustive()
    }
}
