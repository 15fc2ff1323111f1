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
use crate::sync::{
    lock, poll_until, thread, wait, wait_timeout, Arc, AtomicBool, AtomicUsize, Condvar, Mutex,
    MutexGuard, Ordering, POLL,
};
use crate::{FnWorker, Interrupt, ProcessError, ResizeError, Worker};

pub(crate) type Panic = Box<dyn Any + Send + 'static>;
type CallOf<W> = Call<<W as Worker>::Input, <W as Worker>::Output>;
type PayloadRefusal<W> = Refusal<Payload<<W as Worker>::Input>>;

/// What a caller hands a worker in one rendezvous.
pub(crate) enum Payload<I> {
    /// One job (`process` and its variants, the `TaskPool` face).
    One(I),
    /// A chunk of a batch (`process_batch`): consecutive inputs of the
    /// caller's batch, run in order by one worker. Never empty.
    Chunk(Vec<I>),
}

impl<I> Payload<I> {
    /// The input of a `One` payload (single calls only ever make those).
    fn into_one(self) -> I {
        match self {
            Payload::One(input) => input,
            Payload::Chunk(_) => unreachable!("a single call carries one input"),
        }
    }
}

/// What a worker hands back for a [`Payload`] (the same case).
pub(crate) enum Reply<I, O> {
    One(Result<O, Panic>),
    Chunk(ChunkReply<I, O>),
}

/// How a call ended for its caller: the reply (`None` when it waited only for
/// acceptance), or why not, with the payload when no worker took it.
type Outcome<I, O> = Result<Option<Reply<I, O>>, Refusal<Payload<I>>>;

/// A worker's answer to a chunk. Invariant: `outputs` followed by `rest`
/// covers the chunk's inputs exactly once, in order: every input was either
/// run (its outcome is in `outputs`) or not started (it is in `rest`).
pub(crate) struct ChunkReply<I, O> {
    /// Outcomes of the chunk's first `outputs.len()` inputs, in order.
    outputs: Vec<Result<O, Panic>>,
    /// Inputs the worker did not start, in order: it was retired (`set_size`,
    /// `close`) between two items, or a panic left it broken and the factory
    /// could not rebuild it. The caller hands them out again.
    rest: Vec<I>,
}

/// Whom a call's progress concerns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `process`: the caller waits for the reply only.
    Reply,
    /// `TaskPool::submit`: the caller waits until a worker accepts the job;
    /// nobody reads the reply.
    AcceptOnly,
    /// A batch chunk: the caller waits until a worker accepts it (then hands
    /// out its next chunk), and later for the reply.
    AcceptThenReply,
}

/// One caller's job (or batch chunk), shared by the caller and the worker
/// that takes it.
pub(crate) struct Call<I, O> {
    /// Where the job is in its life. Lock order: the pool's core lock first,
    /// then this one. Transitions out of `Queued` happen only while the core
    /// lock is held too (see [`Core::waiting`]).
    state: Mutex<CallState<I, O>>,
    /// The caller sleeps here. Notified (after the state changed) on the
    /// result, on refusal at shutdown, on acceptance unless the mode is
    /// `Reply`, and by the clock or cancel-token wakers.
    cv: Condvar,
    /// Bumped (under `state`'s lock) by every change of `state` made by
    /// anyone but the caller: acceptance, the reply, refusal. Read without
    /// the lock by a caller polling before it sleeps on `cv`; only a hint
    /// (the caller always re-checks `state` under the lock).
    changes: AtomicUsize,
    /// True while the caller sleeps on `cv`. Read and written only under
    /// `state`'s lock (set before the wait, cleared after it), so the worker
    /// that accepts the call or delivers its reply skips the notification
    /// (a system call) when the caller is still polling: the caller looks at
    /// `state` under the lock before it sleeps.
    sleeping: AtomicBool,
    mode: Mode,
    /// The signal the job sees (every item of a chunk sees the chunk's);
    /// fired when the caller abandons the job.
    interrupt: Interrupt,
}

enum CallState<I, O> {
    /// Waiting in `Core::waiting` for a worker; the payload is parked here.
    Queued(Payload<I>),
    /// The pool closed while the call was queued; the caller takes its
    /// payload back.
    Refused(Payload<I>),
    /// A worker owns the payload (in its mailbox, or running it).
    Assigned,
    /// The job ran; its outcome waits for the caller.
    Done(Reply<I, O>),
    /// The caller stopped waiting (deadline or cancellation); whoever holds
    /// the payload or the output drops it.
    Abandoned,
    /// The caller took the outcome or its payload.
    Taken,
}

impl<I, O> Call<I, O> {
    fn new(mode: Mode) -> Self {
        Call {
            state: Mutex::new(CallState::Assigned),
            cv: Condvar::new(),
            changes: AtomicUsize::new(0),
            sleeping: AtomicBool::new(false),
            mode,
            interrupt: Interrupt::new(),
        }
    }

    /// Worker side, under the core lock: takes the payload of a queued call.
    fn take_queued(&self) -> Payload<I> {
        let mut st = lock(&self.state);
        let CallState::Queued(payload) = mem::replace(&mut *st, CallState::Assigned) else {
            unreachable!("a call in the waiting queue is Queued")
        };
        self.changes.fetch_add(1, Ordering::Release);
        let asleep = self.sleeping.load(Ordering::Relaxed);
        drop(st);
        if self.mode != Mode::Reply && asleep {
            self.cv.notify_one();
        }
        payload
    }

    /// Worker side, before running: false if the caller already gave up.
    fn start(&self) -> bool {
        !matches!(*lock(&self.state), CallState::Abandoned)
    }

    /// Worker side, after running: hands the outcome to the caller. Returns
    /// true if the caller had abandoned the job (the outcome is dropped).
    fn deliver(&self, outcome: Reply<I, O>) -> bool {
        if self.mode == Mode::AcceptOnly {
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
        self.changes.fetch_add(1, Ordering::Release);
        let asleep = self.sleeping.load(Ordering::Relaxed);
        drop(st);
        if asleep {
            self.cv.notify_one();
        }
        false
    }

    /// Shutdown side, under the core lock: refuses a queued call.
    fn refuse(&self) {
        let mut st = lock(&self.state);
        if let CallState::Queued(payload) = mem::replace(&mut *st, CallState::Taken) {
            *st = CallState::Refused(payload);
        }
        self.changes.fetch_add(1, Ordering::Release);
        drop(st);
        self.cv.notify_one();
    }
}

/// A job (or chunk) on its way to a worker.
struct Job<W: Worker> {
    payload: Payload<W::Input>,
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
    /// Mirrors `retire` for a worker in the middle of a batch chunk, which
    /// looks at it between two items without taking the core lock. Set (under
    /// the core lock) together with `retire`, never cleared. A retired worker
    /// finishes the item it runs and hands the chunk's unstarted rest back to
    /// its caller.
    stop: Arc<AtomicBool>,
    /// A job handed over by a caller that found this worker parked. Only
    /// written while the worker is `Parked`; taken by the worker before it
    /// looks at `retire`, so an accepted job (the first item of an accepted
    /// chunk) always runs.
    mailbox: Option<Job<W>>,
    /// Set (under the core lock) when a caller puts a job in `mailbox`; read
    /// without the lock by the worker polling before it sleeps, and cleared
    /// when it takes the job. Only a hint: the worker always takes the job
    /// from `mailbox` under the lock.
    mail: Arc<AtomicBool>,
    /// The worker sleeps on this (with the core lock) while parked.
    wake: Arc<Condvar>,
    /// True while the worker sleeps on `wake` (set and cleared under the
    /// core lock around the wait), so a caller handing it a job notifies it
    /// only then: a worker still polling re-checks its mailbox under the
    /// lock before it sleeps.
    sleeping: bool,
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

impl<I> Refusal<I> {
    /// The same refusal with the payload (if any) mapped by `f`.
    fn map<J>(self, f: impl FnOnce(I) -> J) -> Refusal<J> {
        match self {
            Refusal::Closed(i) => Refusal::Closed(f(i)),
            Refusal::Overloaded(i) => Refusal::Overloaded(f(i)),
            Refusal::TimedOut(i) => Refusal::TimedOut(i.map(f)),
            Refusal::Cancelled(i) => Refusal::Cancelled(i.map(f)),
            Refusal::Panicked(p) => Refusal::Panicked(p),
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

/// The caller's side of the rendezvous for one input: hand `input` to a
/// parked worker or queue for one, then wait as `until` says, within
/// `deadline` (on the pool's clock) and `token`.
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
    let mode = match until {
        Until::Accepted => Mode::AcceptOnly,
        Until::Done => Mode::Reply,
    };
    let outcome = match offer(inner, Payload::One(input), mode, admit) {
        Ok((_, Offered::Handed)) if until == Until::Accepted => Ok(None),
        Ok((call, _)) => wait_for(inner, &call, until, deadline, token),
        Err(refusal) => Err(refusal),
    };
    match outcome {
        Ok(None) => Ok(None),
        Ok(Some(Reply::One(Ok(output)))) => Ok(Some(output)),
        Ok(Some(Reply::One(Err(payload)))) => Err(Refusal::Panicked(payload)),
        Ok(Some(Reply::Chunk(_))) => unreachable!("a single call gets a single reply"),
        Err(refusal) => Err(refusal.map(Payload::into_one)),
    }
}

/// How [`offer`] placed a call.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Offered {
    /// In a parked worker's mailbox: accepted.
    Handed,
    /// In line (`Core::waiting`): a worker will take it.
    Queued,
}

/// Hands `payload` to a parked worker, or puts it in line for one (as
/// `admit` allows); never sleeps. The caller then waits with [`wait_for`].
fn offer<W: Worker>(
    inner: &Inner<W>,
    payload: Payload<W::Input>,
    mode: Mode,
    admit: Admit,
) -> Result<(Arc<CallOf<W>>, Offered), PayloadRefusal<W>> {
    let call = Arc::new(Call::new(mode));
    let mut core = lock(&inner.core);
    if core.closed {
        return Err(Refusal::Closed(payload));
    }
    if let Some(idx) = core.ready.pop() {
        // Hand-off: the worker is parked, give it the job directly.
        core.running += 1;
        let slot = core.slot_mut(idx);
        slot.phase = Phase::Busy;
        slot.mailbox = Some(Job {
            payload,
            call: Arc::clone(&call),
        });
        slot.mail.store(true, Ordering::Release);
        let wake = slot.sleeping.then(|| Arc::clone(&slot.wake));
        drop(core);
        // Notified after unlocking, and only if it sleeps: the worker
        // re-checks its mailbox under the lock before it sleeps, and it
        // cannot exit while Busy.
        if let Some(wake) = wake {
            wake.notify_one();
        }
        Ok((call, Offered::Handed))
    } else {
        let refuse = match admit {
            Admit::Block => false,
            Admit::Try => true,
            Admit::BlockUnlessInside => core.own_slot().is_some(),
        };
        if refuse {
            return Err(Refusal::Overloaded(payload));
        }
        *lock(&call.state) = CallState::Queued(payload);
        core.waiting.push_back(Arc::clone(&call));
        drop(core);
        Ok((call, Offered::Queued))
    }
}

/// Waits until `call` is accepted by a worker or done (as `until` says),
/// refused, past `deadline`, or cancelled by `token`. `Until::Accepted`
/// returns `Ok(None)`, and leaves a reply that is already there for a later
/// `Until::Done` wait.
fn wait_for<W: Worker>(
    inner: &Inner<W>,
    call: &Arc<CallOf<W>>,
    until: Until,
    deadline: Option<Duration>,
    token: Option<&CancelToken>,
) -> Outcome<W::Input, W::Output> {
    // Registered before the first check, unregistered after the last unlock.
    let _token_guard = token.map(|t| watch(t.wakers(), call));
    let _clock_guard = deadline
        .and_then(|_| inner.clock.wakers())
        .map(|list| watch(list, call));
    let mut st = lock(&call.state);
    let mut polled = !POLL;
    loop {
        match &*st {
            CallState::Assigned | CallState::Done(_) if until == Until::Accepted => {
                return Ok(None)
            }
            CallState::Done(_) | CallState::Refused(_) => return take_outcome(&mut st),
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
            return abandon(inner, call, st, why, until);
        }
        if !polled {
            // Once per wait: the worker is usually about to answer; look
            // for its change for a few microseconds before sleeping. The
            // deadline and token are checked again after the poll.
            polled = true;
            let seen = call.changes.load(Ordering::Relaxed);
            drop(st);
            poll_until(|| {
                call.changes.load(Ordering::Acquire) != seen
                    || token.is_some_and(CancelToken::is_cancelled)
            });
            st = lock(&call.state);
            continue;
        }
        call.sleeping.store(true, Ordering::Relaxed);
        st = match deadline.and_then(|d| inner.clock.sleep_for(d)) {
            Some(left) => wait_timeout(&call.cv, st, left),
            None => wait(&call.cv, st),
        };
        call.sleeping.store(false, Ordering::Relaxed);
    }
}

fn take_outcome<I, O>(st: &mut CallState<I, O>) -> Outcome<I, O> {
    match mem::replace(st, CallState::Taken) {
        CallState::Done(reply) => Ok(Some(reply)),
        CallState::Refused(payload) => Err(Refusal::Closed(payload)),
        _ => unreachable!("take_outcome is called on Done or Refused"),
    }
}

/// The caller gives up: leaves the queue (getting its payload back) or
/// interrupts the worker that holds its job. `until` is what the caller was
/// waiting for: if the job turns out to be done already, a caller waiting for
/// acceptance leaves the reply in place for its later wait for it.
fn abandon<W: Worker>(
    inner: &Inner<W>,
    call: &Arc<CallOf<W>>,
    mut st: MutexGuard<'_, CallState<W::Input, W::Output>>,
    why: Why,
    until: Until,
) -> Outcome<W::Input, W::Output> {
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
            let CallState::Queued(payload) = mem::replace(&mut *st, CallState::Taken) else {
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
            Err(why.refusal(Some(payload)))
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
        CallState::Done(_) if until == Until::Accepted => Ok(None),
        CallState::Done(_) | CallState::Refused(_) => take_outcome(&mut st),
        CallState::Abandoned | CallState::Taken => {
            unreachable!("only the caller abandons or takes its call")
        }
    }
}

// ---------------------------------------------------------------------------
// The caller's side of a batch.

/// How many chunks a batch is cut into per worker (the pool's size when the
/// batch starts), at most one item per chunk. One chunk per worker would be
/// the fewest rendezvous, but a worker that drew slow items would finish
/// last while the others idle; with four, a worker that is done early takes
/// another chunk, so uneven items even out, and the extra cost is three
/// hand-offs per worker per batch.
pub(crate) const CHUNKS_PER_WORKER: usize = 4;

/// Cuts `inputs` into `chunks` runs of consecutive items (clamped to
/// `1..=len`) whose lengths differ by at most one; each with the index of its
/// first item.
fn split<I>(inputs: Vec<I>, chunks: usize) -> VecDeque<(usize, Vec<I>)> {
    let len = inputs.len();
    let chunks = chunks.clamp(1, len.max(1));
    let (base, longer) = (len / chunks, len % chunks);
    let mut items = inputs.into_iter();
    let mut out = VecDeque::with_capacity(chunks);
    let mut start = 0;
    for c in 0..chunks {
        let n = base + usize::from(c < longer);
        out.push_back((start, items.by_ref().take(n).collect()));
        start += n;
    }
    out
}

/// Why a batch stopped offering chunks: every item not run by then gets the
/// matching error.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum GaveUp {
    Closed,
    TimedOut,
    Cancelled,
}

impl GaveUp {
    fn error(self) -> ProcessError {
        match self {
            GaveUp::Closed => ProcessError::Closed,
            GaveUp::TimedOut => ProcessError::TimedOut,
            GaveUp::Cancelled => ProcessError::Cancelled,
        }
    }

    /// Why a chunk's call ended without a reply (its payload, if it came
    /// back, is dropped: the caller knows the chunk's place and length).
    fn of<I>(refusal: &Refusal<I>) -> GaveUp {
        match refusal {
            Refusal::Closed(_) => GaveUp::Closed,
            Refusal::TimedOut(_) => GaveUp::TimedOut,
            Refusal::Cancelled(_) => GaveUp::Cancelled,
            Refusal::Overloaded(_) | Refusal::Panicked(_) => {
                unreachable!("a chunk waits in line and its panics are per item")
            }
        }
    }
}

/// `process_batch` and its timed and cancellable forms: runs `inputs` cut
/// into `chunks` chunks and returns one outcome per input, in input order.
///
/// Each chunk is offered like a `process` call (to a parked worker, or in
/// line, oldest caller first) and the caller waits only until a worker has
/// **accepted** it before offering the next, so several workers run chunks of
/// the batch at once while the caller never holds more than one chunk in
/// line (back-pressure as for `process`). Then it collects the replies in
/// order. A reply may hand back the chunk's unstarted rest (its worker was
/// retired or could not be rebuilt): those items are offered again.
///
/// Giving up (pool closed, `deadline` passed on the pool's clock, `token`
/// cancelled) stops the offers: a chunk in line leaves it, and every item not
/// offered yet gets the matching error. When the deadline or token ends the
/// batch, the chunks still held by workers are abandoned like a timed-out
/// `process` job (their items get the error, the running item is
/// interrupted, the worker stops between items); replies already delivered
/// are kept. A closed pool lets running items finish and deliver.
///
/// Invariant: every index of `results` is written exactly once, by the reply
/// that ran its input or by the end of a call holding it ([`ChunkReply`]
/// covers its chunk exactly).
pub(crate) fn batch<W: Worker>(
    inner: &Inner<W>,
    inputs: Vec<W::Input>,
    chunks: usize,
    deadline: Option<Duration>,
    token: Option<&CancelToken>,
) -> Vec<Result<W::Output, ProcessError>> {
    let mut results: Vec<Option<Result<W::Output, ProcessError>>> =
        std::iter::repeat_with(|| None).take(inputs.len()).collect();
    let fail = |results: &mut Vec<Option<_>>, start: usize, n: usize, why: GaveUp| {
        for slot in &mut results[start..start + n] {
            *slot = Some(Err(why.error()));
        }
    };
    let mut pending = split(inputs, chunks);
    // Set once; a closed pool stays closed, a deadline stays passed, a token
    // stays cancelled.
    let mut gave_up: Option<GaveUp> = None;
    while !pending.is_empty() {
        let mut accepted = Vec::with_capacity(pending.len());
        while let Some((start, items)) = pending.pop_front() {
            if let Some(why) = gave_up {
                fail(&mut results, start, items.len(), why);
                continue;
            }
            let len = items.len();
            match offer_chunk(inner, items, deadline, token) {
                Ok(call) => accepted.push((start, len, call)),
                Err(why) => {
                    gave_up = Some(why);
                    fail(&mut results, start, len, why);
                }
            }
        }
        for (start, len, call) in accepted {
            // Returns at once once the deadline passed or the token fired:
            // a chunk not done by then is abandoned.
            match wait_for(inner, &call, Until::Done, deadline, token) {
                Ok(Some(Reply::Chunk(reply))) => {
                    let ran = reply.outputs.len();
                    for (slot, outcome) in results[start..start + ran].iter_mut().zip(reply.outputs)
                    {
                        *slot = Some(outcome.map_err(ProcessError::Panicked));
                    }
                    if !reply.rest.is_empty() {
                        pending.push_back((start + ran, reply.rest));
                    }
                }
                Err(refusal) => {
                    let why = GaveUp::of(&refusal);
                    gave_up = Some(why);
                    fail(&mut results, start, len, why);
                }
                Ok(_) => unreachable!("an accepted chunk gets a chunk reply"),
            }
        }
    }
    results
        .into_iter()
        .map(|r| r.expect("every item of a batch gets exactly one outcome"))
        .collect()
}

/// Offers one chunk and waits until a worker accepts it. On refusal (pool
/// closed, deadline passed, token cancelled, before or while it waited in
/// line; or right after a worker took it, which abandons it), says why.
fn offer_chunk<W: Worker>(
    inner: &Inner<W>,
    items: Vec<W::Input>,
    deadline: Option<Duration>,
    token: Option<&CancelToken>,
) -> Result<Arc<CallOf<W>>, GaveUp> {
    if token.is_some_and(CancelToken::is_cancelled) {
        return Err(GaveUp::Cancelled);
    }
    if deadline.is_some_and(|d| inner.clock.now() >= d) {
        return Err(GaveUp::TimedOut);
    }
    let (call, offered) = offer(
        inner,
        Payload::Chunk(items),
        Mode::AcceptThenReply,
        Admit::Block,
    )
    .map_err(|refusal| GaveUp::of(&refusal))?;
    if offered == Offered::Queued {
        wait_for(inner, &call, Until::Accepted, deadline, token)
            .map_err(|refusal| GaveUp::of(&refusal))?;
    }
    Ok(call)
}

// ---------------------------------------------------------------------------
// The worker side.

/// Body of a worker thread.
fn worker_main<W: Worker>(inner: &Inner<W>, idx: usize, mut worker: W) {
    let (stop, mail) = {
        let mut core = lock(&inner.core);
        let slot = core.slot_mut(idx);
        slot.thread = Some(thread::current().id());
        (Arc::clone(&slot.stop), Arc::clone(&slot.mail))
    };
    // `broken`: the worker value may be half updated (a hook or job panicked
    // and no replacement could be built); it is dropped without `terminate`.
    let mut broken = false;
    loop {
        if !get_ready(inner, &mut worker) {
            broken = true;
            break;
        }
        let Some(Job { payload, call }) = next_job(inner, idx, &mail, &stop) else {
            break;
        };
        let ran = if call.start() {
            Some(run(inner, &mut worker, payload, &call.interrupt, &stop))
        } else {
            // Abandoned before it started (tunny: interrupted while the
            // worker waited for the payload).
            drop(payload);
            None
        };
        call.interrupt.finish();
        // Count before delivering, so a caller that has its result sees it counted.
        let retire = {
            let mut core = lock(&inner.core);
            core.running -= 1;
            if let Some(ran) = &ran {
                core.completed += ran.completed;
                core.panicked += ran.panicked;
            }
            let slot = core.slot_mut(idx);
            slot.phase = Phase::Idle;
            let retire = slot.retire;
            inner.notify_changed(&core);
            retire
        };
        let (abandoned, panicked) = match ran {
            Some(ran) => {
                broken = ran.broken;
                (call.deliver(ran.reply), ran.rebuild)
            }
            None => (true, false),
        };
        drop(call);
        if broken {
            break;
        }
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

/// Runs the ready hook; a panic in it replaces the worker with a fresh one
/// from the factory, whose hook runs in turn. False if the factory panicked
/// (the worker is then broken).
fn get_ready<W: Worker>(inner: &Inner<W>, worker: &mut W) -> bool {
    while panic::catch_unwind(AssertUnwindSafe(|| worker.block_until_ready())).is_err() {
        if !rebuild(inner, worker) {
            return false;
        }
    }
    true
}

/// What a worker did with a payload.
struct Ran<I, O> {
    reply: Reply<I, O>,
    /// Items that returned, and that panicked (both counted in the stats).
    completed: u64,
    panicked: u64,
    /// The last item run panicked: the worker must be rebuilt (after the
    /// reply is delivered) before its next job.
    rebuild: bool,
    /// A chunk's rebuild between two items failed: the rest went back to the
    /// caller and the worker leaves, dropped without `terminate`.
    broken: bool,
}

fn run<W: Worker>(
    inner: &Inner<W>,
    worker: &mut W,
    payload: Payload<W::Input>,
    interrupt: &Interrupt,
    stop: &AtomicBool,
) -> Ran<W::Input, W::Output> {
    match payload {
        Payload::One(input) => {
            let outcome =
                panic::catch_unwind(AssertUnwindSafe(|| worker.process(input, interrupt)));
            let panicked = outcome.is_err();
            Ran {
                reply: Reply::One(outcome),
                completed: u64::from(!panicked),
                panicked: u64::from(panicked),
                rebuild: panicked,
                broken: false,
            }
        }
        Payload::Chunk(inputs) => run_chunk(inner, worker, inputs, interrupt, stop),
    }
}

/// Runs a batch chunk item by item, in order. Between two items: a retired
/// worker (`stop`) stops and hands back the rest; a worker whose item
/// panicked is rebuilt by the factory (as after a panicking `process`) and
/// goes on with the rest; the ready hook runs, so it runs once before every
/// item (before the first, it ran before the worker took the chunk).
fn run_chunk<W: Worker>(
    inner: &Inner<W>,
    worker: &mut W,
    inputs: Vec<W::Input>,
    interrupt: &Interrupt,
    stop: &AtomicBool,
) -> Ran<W::Input, W::Output> {
    let mut outputs = Vec::with_capacity(inputs.len());
    let mut items = inputs.into_iter();
    let (mut completed, mut panicked) = (0, 0);
    let mut rebuild_first = false;
    let mut broken = false;
    while let Some(input) = items.next() {
        if !outputs.is_empty() {
            // Between two items.
            let go_on = if stop.load(Ordering::Acquire) || interrupt.is_interrupted() {
                // Retired, or the caller gave up on the chunk (its reply will
                // be dropped). A worker whose last item panicked is not
                // rebuilt here: the loop after delivery does it (or, retired,
                // exits), as after `process`.
                false
            } else {
                // A failed rebuild (after a panic, or in the ready hook)
                // leaves the worker broken.
                let fresh = !mem::take(&mut rebuild_first) || rebuild(inner, worker);
                broken = !(fresh && get_ready(inner, worker));
                !broken
            };
            if !go_on {
                // Not started: back in front of the rest, for the caller.
                let rest = std::iter::once(input).chain(items).collect();
                return Ran {
                    reply: Reply::Chunk(ChunkReply { outputs, rest }),
                    completed,
                    panicked,
                    rebuild: rebuild_first,
                    broken,
                };
            }
        }
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| worker.process(input, interrupt)));
        if outcome.is_ok() {
            completed += 1;
        } else {
            panicked += 1;
            rebuild_first = true;
        }
        outputs.push(outcome);
    }
    Ran {
        reply: Reply::Chunk(ChunkReply {
            outputs,
            rest: Vec::new(),
        }),
        completed,
        panicked,
        rebuild: rebuild_first,
        broken,
    }
}

/// Parks until a job arrives (mailbox or waiting caller) or the worker is
/// retired (`None`). `mail` and `stop` are the slot's lock-free mirrors,
/// polled once before the worker sleeps.
fn next_job<W: Worker>(
    inner: &Inner<W>,
    idx: usize,
    mail: &AtomicBool,
    stop: &AtomicBool,
) -> Option<Job<W>> {
    let mut core = lock(&inner.core);
    let mut polled = !POLL;
    loop {
        let slot = core.slot_mut(idx);
        if let Some(job) = slot.mailbox.take() {
            // The caller already counted it running and marked us Busy.
            slot.mail.store(false, Ordering::Relaxed);
            return Some(job);
        }
        if slot.retire {
            return None;
        }
        if let Some(call) = core.waiting.pop_front() {
            let payload = call.take_queued();
            core.running += 1;
            core.slot_mut(idx).phase = Phase::Busy;
            return Some(Job { payload, call });
        }
        let slot = core.slot_mut(idx);
        if slot.phase != Phase::Parked {
            slot.phase = Phase::Parked;
            core.ready.push(idx);
        }
        if !polled {
            // Parked (listed in `ready`), but first poll a few microseconds
            // for a caller's hand-off outside the lock: in a steady stream
            // of calls the next one usually comes within that time.
            polled = true;
            drop(core);
            poll_until(|| mail.load(Ordering::Acquire) || stop.load(Ordering::Acquire));
            core = lock(&inner.core);
            continue;
        }
        let slot = core.slot_mut(idx);
        slot.sleeping = true;
        let wake = Arc::clone(&slot.wake);
        core = wait(&wake, core);
        core.slot_mut(idx).sleeping = false;
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
        stop: Arc::new(AtomicBool::new(false)),
        mailbox: None,
        mail: Arc::new(AtomicBool::new(false)),
        wake: Arc::new(Condvar::new()),
        sleeping: false,
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
    slot.stop.store(true, Ordering::Release);
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

    /// Runs every input of `inputs` on the pool's workers and returns one
    /// outcome per input, **in input order**: the batch form of
    /// [`process`](Pool::process) for many small jobs.
    ///
    /// A `process` call costs one rendezvous (two cross-thread hand-offs) per job.
    /// Here the inputs are cut into chunks of consecutive items (about four
    /// per worker, never more chunks than items; see below) and each chunk
    /// costs one rendezvous: a ready worker accepts the whole chunk, runs
    /// [`Worker::process`] on each item in order with its own state, and
    /// sends all the outputs back in one reply. The caller offers the next
    /// chunk as soon as a worker has accepted the previous one, so the
    /// workers run chunks of one batch in parallel; it spawns no thread.
    ///
    /// It is `process` over a batch, hence the name, and like `process` it
    /// reports per job: one `Result` per input rather than one for the
    /// batch, so that a panicking item does not discard the other outputs
    /// (collect into `Result<Vec<_>, _>` for all-or-nothing, as below).
    ///
    /// What stays as for `process`:
    /// - **Back-pressure**: each chunk waits for a ready worker in the same
    ///   line as `process` callers (oldest first), and the caller has at most
    ///   one chunk in line, so a batch neither jumps the line nor fills it.
    ///   At most [`size`](Pool::size) jobs run at once.
    /// - **Hooks**: [`Worker::block_until_ready`] runs before **each item**
    ///   (before the first, the worker ran it before accepting the chunk),
    ///   so a worker that throttles itself per job keeps its pace under
    ///   batches. Each item counts as one job in [`stats`](Pool::stats)
    ///   (`completed`, `panicked`); a chunk held by a worker counts once in
    ///   `running` and [`queue_len`](Pool::queue_len).
    /// - **Panics**: an item that panics gets [`ProcessError::Panicked`];
    ///   its worker is replaced by a fresh one from the factory, as after a
    ///   panicking `process`, and the rest of the chunk runs on the new
    ///   worker. Every item runs at most once.
    /// - **Resize and close**: a worker retired by
    ///   [`set_size`](Pool::set_size) or [`close`](Pool::close) finishes the
    ///   item it is running and hands the chunk's unstarted items back; the
    ///   caller offers them again to the remaining workers. Items the pool
    ///   refuses because it is closed get [`ProcessError::Closed`] (their
    ///   inputs are dropped, as for `process`); items already running finish
    ///   and keep their outputs. If the factory cannot rebuild a worker after
    ///   a panic, its unstarted items are offered again too.
    ///
    /// **Chunking.** The pool's size when the call starts is `n` (1 if it
    /// is 0); the batch is cut into `min(4 × n, len)` chunks whose lengths
    /// differ by at most one. One chunk per worker would be the fewest
    /// rendezvous, but a worker that drew slower items would finish last
    /// while the others idle; with four per worker, workers that finish early
    /// take the remaining chunks, at the cost of three more hand-offs per
    /// worker per batch. A worker holds its chunk until the chunk is done, so
    /// another caller waiting for a worker may wait for a whole chunk.
    ///
    /// An empty batch returns an empty `Vec` at once. Called from inside one
    /// of this pool's own jobs, it waits like `process` does, so it
    /// deadlocks if every worker does that. For a deadline or a cancel token
    /// over the whole batch, see
    /// [`process_batch_timeout`](Pool::process_batch_timeout) and
    /// [`process_batch_cancellable`](Pool::process_batch_cancellable).
    ///
    /// ```
    /// use taskpool_tunny::{Interrupt, Pool, ProcessError, Worker};
    ///
    /// /// Looks words up in a table each worker builds once.
    /// struct Lengths {
    ///     table: std::collections::HashMap<&'static str, usize>,
    /// }
    ///
    /// impl Worker for Lengths {
    ///     type Input = &'static str;
    ///     type Output = usize;
    ///     fn process(&mut self, word: &'static str, _: &Interrupt) -> usize {
    ///         match self.table.get(word) {
    ///             Some(&n) => n,
    ///             None => panic!("unknown word {word}"),
    ///         }
    ///     }
    /// }
    ///
    /// let pool = Pool::new(2, || Lengths {
    ///     table: ["a", "bb", "ccc"].into_iter().map(|w| (w, w.len())).collect(),
    /// });
    /// let outcomes = pool.process_batch(["ccc", "a", "zz", "bb"]);
    /// assert_eq!(outcomes[0], Ok(3));
    /// assert_eq!(outcomes[1], Ok(1));
    /// assert_eq!(outcomes[2].as_ref().unwrap_err().panic_message(), Some("unknown word zz"));
    /// assert_eq!(outcomes[3], Ok(2));
    ///
    /// // All or nothing, if that is what the caller wants:
    /// let all: Result<Vec<usize>, ProcessError> =
    ///     pool.process_batch(["a", "bb"]).into_iter().collect();
    /// assert_eq!(all, Ok(vec![1, 2]));
    /// ```
    pub fn process_batch<It>(&self, inputs: It) -> Vec<Result<W::Output, ProcessError>>
    where
        It: IntoIterator<Item = W::Input>,
    {
        self.run_batch(inputs, None, None)
    }

    /// Like [`process_batch`](Pool::process_batch), but gives up once
    /// `timeout` has passed (on the pool's clock), counting the waits for
    /// workers and the jobs, like [`process_timeout`](Pool::process_timeout).
    ///
    /// Outputs that reached the caller before the deadline are kept. Every
    /// other item gets [`ProcessError::TimedOut`]: items not handed out yet
    /// (the chunk waiting in line leaves it), and the items of chunks still
    /// held by workers, which are abandoned like a timed-out `process` job:
    /// the running item's [`Interrupt`] fires, its worker stops between items
    /// and runs [`Worker::interrupted`]. Such a chunk may have run some of
    /// its items: as with `process_timeout`, an item either returns its
    /// output or `TimedOut`, never both, and runs at most once.
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskpool_tunny::{Pool, ProcessError};
    ///
    /// let pool = Pool::with_fn(2, |x: u32| x + 1);
    /// let outcomes = pool.process_batch_timeout(0..10, Duration::from_secs(60));
    /// assert_eq!(outcomes[9], Ok(10));
    /// // A zero timeout gives up at once, without touching a worker.
    /// let outcomes = pool.process_batch_timeout(0..3, Duration::ZERO);
    /// assert!(outcomes.iter().all(|o| *o == Err(ProcessError::TimedOut)));
    /// ```
    pub fn process_batch_timeout<It>(
        &self,
        inputs: It,
        timeout: Duration,
    ) -> Vec<Result<W::Output, ProcessError>>
    where
        It: IntoIterator<Item = W::Input>,
    {
        // A deadline past the clock's range is no deadline at all.
        let deadline = self.inner().clock.now().checked_add(timeout);
        self.run_batch(inputs, deadline, None)
    }

    /// Like [`process_batch`](Pool::process_batch), but gives up when `token`
    /// is cancelled: the items without an output by then get
    /// [`ProcessError::Cancelled`], as described for
    /// [`process_batch_timeout`](Pool::process_batch_timeout).
    ///
    /// ```
    /// use taskpool_tunny::{CancelToken, Pool, ProcessError};
    ///
    /// let pool = Pool::with_fn(2, |x: u32| x * 2);
    /// let token = CancelToken::new();
    /// assert_eq!(pool.process_batch_cancellable([1, 2], &token), [Ok(2), Ok(4)]);
    /// token.cancel();
    /// let outcomes = pool.process_batch_cancellable([1, 2], &token);
    /// assert!(outcomes.iter().all(|o| *o == Err(ProcessError::Cancelled)));
    /// ```
    pub fn process_batch_cancellable<It>(
        &self,
        inputs: It,
        token: &CancelToken,
    ) -> Vec<Result<W::Output, ProcessError>>
    where
        It: IntoIterator<Item = W::Input>,
    {
        self.run_batch(inputs, None, Some(token))
    }

    fn run_batch<It>(
        &self,
        inputs: It,
        deadline: Option<Duration>,
        token: Option<&CancelToken>,
    ) -> Vec<Result<W::Output, ProcessError>>
    where
        It: IntoIterator<Item = W::Input>,
    {
        let inputs: Vec<W::Input> = inputs.into_iter().collect();
        if inputs.is_empty() {
            return Vec::new();
        }
        let workers = lock(&self.inner().core).target.max(1);
        let chunks = workers.saturating_mul(CHUNKS_PER_WORKER);
        batch(self.inner(), inputs, chunks, deadline, token)
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
