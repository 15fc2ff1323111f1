//! The dispatcher thread, the worker threads, and the state they share.
//!
//! See `DESIGN.md` beside this file for the protocol and the arguments for
//! why no wake-up is lost and why the worker cap holds.

use std::any::Any;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use taskpool::Task;

use crate::clock::Clock;
use crate::pause::PauseGate;
use crate::queue::TaskQueue;
use crate::sync::{
    channel, lock, thread, thread_local, wait, Arc, AtomicBool, AtomicUsize, Condvar, Mutex,
    MutexGuard, Ordering,
};
use crate::{FullPolicy, PanicHandler};

/// Most tasks the dispatcher takes from its channel before it hands them out
/// under one acquisition of the hand-off lock.
const BATCH: usize = 256;

/// The dispatcher rests (stops draining its channel) while the waiting queue
/// holds at least `REST_QUEUE` tasks and every worker is started: nothing it
/// could take from the channel would start before those anyway, and not
/// chasing the submitters keeps it off the cache lines they write. A worker
/// wakes it when the queue is down to `REST_QUEUE / 2`.
#[cfg(not(tp_loom))]
const REST_QUEUE: usize = 256;
/// A resting dispatcher is also woken (by a submitter) once this many
/// messages wait in its channel, so queued tasks move into the compact queue
/// (16 bytes a task) instead of piling up in channel slots; it then drains to
/// half of this before resting again.
#[cfg(not(tp_loom))]
const REST_CHANNEL: usize = 2048;
/// A submitter looks at the channel's length on every `LAG_SAMPLE`th submit
/// of its thread; if the dispatcher is `LAG_LIMIT` messages behind, it
/// sleeps until the dispatcher is down to half of that (see
/// [`Shared::keep_up`]). A backlog in the channel costs 24 bytes a task
/// against 16 in the queue, and one submitter on two cores can outrun the
/// dispatcher by hundreds of thousands of tasks (W9 measured 300,000 and
/// more). The half must be at least `REST_CHANNEL / 2`, so the dispatcher
/// never rests while a submitter waits for it.
#[cfg(not(tp_loom))]
pub(crate) const LAG_LIMIT: usize = 2048;
#[cfg(not(tp_loom))]
pub(crate) const LAG_SAMPLE: u32 = 64;

#[cfg(not(tp_loom))]
thread_local! {
    /// This thread's submits, counted to sample the channel's length.
    static SUBMITS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// True on every [`LAG_SAMPLE`]th submit of this thread (on every submit
/// under loom, so the models explore the wait).
#[inline]
fn lag_sample_due() -> bool {
    #[cfg(not(tp_loom))]
    return SUBMITS.with(|n| {
        let next = n.get().wrapping_add(1);
        n.set(next);
        next % LAG_SAMPLE == 0
    });
    #[cfg(tp_loom)]
    true
}

// Tiny thresholds under loom, so the models reach the resting state.
#[cfg(tp_loom)]
const REST_QUEUE: usize = 2;
#[cfg(tp_loom)]
const REST_CHANNEL: usize = 2;
#[cfg(tp_loom)]
const LAG_LIMIT: usize = 2;
const _: () = assert!(LAG_LIMIT / 2 >= REST_CHANNEL / 2);

/// `Shared::gate`: set once shutdown has begun.
pub(crate) const CLOSED: usize = 1;
/// `Shared::gate`: one submitter between entering and leaving the gate.
pub(crate) const ONE: usize = 2;

// The pool (address of its `Shared`) whose dispatcher or worker this thread
// is, or 0. Lets `stop`, `stop_wait`, drop, `wait_idle`, `submit_wait` and
// `pause` see that they run on one of the pool's own threads, where waiting
// for the pool would wait for themselves. (Loom's macro takes no `const`
// initialiser.)
#[cfg(not(tp_loom))]
thread_local! {
    static CURRENT_POOL: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}
#[cfg(tp_loom)]
thread_local! {
    static CURRENT_POOL: std::cell::Cell<usize> = std::cell::Cell::new(0);
}

/// A message to the dispatcher. Tasks and control messages share one FIFO
/// channel, so a control message is handled after every task sent before it.
///
/// Two variants, the rare one boxed, so a message is as small as a task (16
/// bytes: the box's pointer fills the niche of the task's), and a channel
/// slot costs 24 bytes rather than 32 while tasks wait in the channel.
pub(crate) enum Msg {
    /// A task accepted by `submit`.
    Task(Task),
    /// Anything else (allocated: control messages are few).
    Control(Box<Control>),
}

impl Msg {
    pub(crate) fn control(control: Control) -> Msg {
        Msg::Control(Box::new(control))
    }
}

/// The dispatcher's control messages.
pub(crate) enum Control {
    /// Begin shutdown; `wait` says whether queued tasks still run. Sent exactly
    /// once, by the first stopper, after the gate has closed and drained, so no
    /// task can follow it.
    Stop { wait: bool },
    /// A `wait_idle` caller: dropped (or sent `()`) once nothing is waiting or
    /// running.
    WaitIdle(channel::Sender<()>),
    /// The manual clock moved; the dispatcher answers once it has looked.
    Tick(channel::Sender<()>),
    /// From a worker that saw the pool go quiet while `wait_idle` callers
    /// wait. Sent after the finished task's own submissions, so by the time
    /// the dispatcher reads it, those tasks have been handed out and the
    /// dispatcher's check sees them.
    CheckIdle,
}

/// State shared by the handles, the dispatcher and the workers.
pub(crate) struct Shared {
    /// Submission gate. Bit 0 ([`CLOSED`]) is set once, by the first stopper;
    /// the remaining bits count submitters inside `submit` (each adds [`ONE`]
    /// before looking at bit 0 and takes it away after its channel send). The
    /// stopper sends `Control::Stop` only after the count has drained to zero, so
    /// every task whose submit returned `Ok` is in the channel before `Stop`.
    /// On a cache line of its own: submitters write it on every call, and it
    /// must not share a line with the hand-off lock the workers hammer.
    pub(crate) gate: CacheLine<AtomicUsize>,
    /// Paired with `quiesce_cv`: the last submitter to leave a closed gate
    /// notifies under this lock; the stopper re-checks the gate under it.
    pub(crate) quiesce: Mutex<()>,
    pub(crate) quiesce_cv: Condvar,
    /// Everything the dispatcher and the workers exchange. Never touched by
    /// `submit`. On a cache line of its own (see `gate`).
    pub(crate) handoff: CacheLine<Mutex<Handoff>>,
    /// Workers wait here when the queue is empty. Notified (after the lock is
    /// released) once per task pushed for a waiting worker, once per retire
    /// request, and for everyone on shutdown.
    pub(crate) work_cv: Condvar,
    /// The resting dispatcher waits here while `Handoff::resting` is set;
    /// whoever clears that flag (under the lock) notifies.
    pub(crate) rest_cv: Condvar,
    /// Submitters that found the channel [`LAG_LIMIT`] long wait here (with
    /// the hand-off lock); the dispatcher notifies all once it is down to
    /// half, and when it shuts down.
    pub(crate) lag_cv: Condvar,
    /// Mirrors `Handoff::resting` for submitters, who read it without the
    /// lock to decide whether a long channel calls for a wake-up. Written
    /// only by the dispatcher; on its own cache line.
    pub(crate) resting: CacheLine<AtomicBool>,
    /// Most workers that may exist at once (at least 1).
    pub(crate) max_workers: usize,
    /// `Some((n, policy))` when the queue is bounded.
    pub(crate) limit: Option<(usize, FullPolicy)>,
    /// Bounded mode only: tasks accepted and not yet started (in the channel,
    /// in the queue, or handed to a new worker). Raised by `submit` before its
    /// send, lowered by the worker that starts the task or by the dispatcher
    /// that abandons it.
    pub(crate) queued: AtomicUsize,
    /// Bounded mode with [`FullPolicy::Block`]: blocked submitters wait on
    /// `space_cv` under `space`; `space_waiters` counts them so that workers
    /// take the lock only when someone waits.
    pub(crate) space: Mutex<()>,
    pub(crate) space_cv: Condvar,
    pub(crate) space_waiters: AtomicUsize,
    /// Tasks of this pool that are blocked in a nested `submit_wait` on it.
    pub(crate) nested_waits: AtomicUsize,
    /// Held for the whole of `pause`, so pauses queue their parking tasks one
    /// pause at a time (interleaved, two pauses could each hold half the
    /// workers forever).
    pub(crate) pause_serial: Mutex<()>,
    /// Gates of the pauses in force. A pause registers its gate under this lock
    /// after checking the gate bit under it; the first stopper sets the bit,
    /// then releases every gate in the list, so no pause outlives a stop.
    pub(crate) pause_gates: Mutex<Vec<Arc<PauseGate>>>,
    /// Called with the payload of every task that panics.
    pub(crate) panic_handler: Option<PanicHandler>,
    /// The workers' way to send `Control::CheckIdle` to the dispatcher.
    pub(crate) to_dispatcher: channel::Sender<Msg>,
}

/// Aligns its contents to a 128-byte boundary (two 64-byte lines, for
/// adjacent-line prefetching), so a hot field shares no cache line with
/// another hot field.
#[repr(align(128))]
pub(crate) struct CacheLine<T>(pub(crate) T);

impl<T> std::ops::Deref for CacheLine<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// The hand-off between the dispatcher and the workers, under `Shared::handoff`.
pub(crate) struct Handoff {
    /// The FIFO waiting queue. Only the dispatcher pushes; workers pop from
    /// the front.
    pub(crate) queue: TaskQueue,
    /// Workers waiting on `work_cv` (each adds itself before waiting and
    /// removes itself after waking).
    pub(crate) idle: usize,
    /// Retire requests not yet taken. A worker looking for work takes one of
    /// these before it looks at the queue. Invariant: `retire <= live - running`
    /// (each request is matched by a worker that is not running a task).
    pub(crate) retire: usize,
    /// Worker threads started and not yet out of their loop.
    pub(crate) live: usize,
    /// Tasks executing now (counted from the moment a worker takes one).
    pub(crate) running: usize,
    /// Set by the dispatcher on shutdown: workers exit once the queue is empty.
    pub(crate) closing: bool,
    /// Ids of workers that retired on their own; the dispatcher joins them.
    pub(crate) exited: Vec<usize>,
    /// `wait_idle` callers to release once `queue` is empty and
    /// `running == nested_idle`.
    pub(crate) idle_waiters: Vec<channel::Sender<()>>,
    /// Tasks of this pool blocked in `wait_idle` (they count as running but
    /// must not keep the pool from being idle).
    pub(crate) nested_idle: usize,
    /// A `Control::CheckIdle` is on its way; set by the worker that sends it,
    /// cleared by the dispatcher when it reads it.
    pub(crate) check_pending: bool,
    /// The dispatcher is resting on `rest_cv`. Set by the dispatcher; cleared
    /// by whoever wakes it: a worker that finds the queue at half the resting
    /// threshold, a stopper, a clock tick, a submitter that finds the channel
    /// long. Whoever clears it notifies `rest_cv`, so exactly one notify per
    /// rest.
    pub(crate) resting: bool,
    /// A control message (`Stop`, a clock tick) waits in the channel behind
    /// tasks: the dispatcher must not rest again until it has drained the
    /// channel. Set by the sender after its send, cleared by the dispatcher
    /// when it finds the channel empty (so the message has been read).
    pub(crate) urgent: bool,
    /// Submitters sleeping on `lag_cv` until the dispatcher catches up (see
    /// [`Shared::keep_up`]).
    pub(crate) lag_waiters: usize,
    pub(crate) completed: u64,
    pub(crate) panicked: u64,
}

impl Handoff {
    /// Waiting workers not already spoken for by a queued task or a retire
    /// request.
    fn spare(&self) -> usize {
        self.idle.saturating_sub(self.queue.len() + self.retire)
    }

    /// Nothing queued and nothing running, apart from tasks blocked in
    /// `wait_idle` themselves.
    fn quiet(&self) -> bool {
        self.queue.is_empty() && self.running <= self.nested_idle
    }

    /// Dispatcher only, with its channel empty: releases the `wait_idle`
    /// callers if the pool is quiet. Only the dispatcher can tell, because
    /// only it sees the tasks still in the channel.
    pub(crate) fn release_idle_waiters(&mut self) {
        if !self.idle_waiters.is_empty() && self.quiet() {
            for waiter in self.idle_waiters.drain(..) {
                let _ = waiter.send(());
            }
        }
    }

    /// Worker side: true if the dispatcher should be asked to check (the
    /// pool looks quiet and callers wait), at most one request in flight.
    fn needs_idle_check(&mut self) -> bool {
        if !self.check_pending && !self.idle_waiters.is_empty() && self.quiet() {
            self.check_pending = true;
            true
        } else {
            false
        }
    }
}

impl Shared {
    pub(crate) fn new(
        max_workers: usize,
        limit: Option<(usize, FullPolicy)>,
        panic_handler: Option<PanicHandler>,
        to_dispatcher: channel::Sender<Msg>,
    ) -> Self {
        Shared {
            gate: CacheLine(AtomicUsize::new(0)),
            quiesce: Mutex::new(()),
            quiesce_cv: Condvar::new(),
            handoff: CacheLine(Mutex::new(Handoff {
                queue: TaskQueue::default(),
                idle: 0,
                retire: 0,
                live: 0,
                running: 0,
                closing: false,
                exited: Vec::new(),
                idle_waiters: Vec::new(),
                nested_idle: 0,
                check_pending: false,
                resting: false,
                urgent: false,
                lag_waiters: 0,
                completed: 0,
                panicked: 0,
            })),
            work_cv: Condvar::new(),
            rest_cv: Condvar::new(),
            lag_cv: Condvar::new(),
            resting: CacheLine(AtomicBool::new(false)),
            max_workers,
            limit,
            queued: AtomicUsize::new(0),
            space: Mutex::new(()),
            space_cv: Condvar::new(),
            space_waiters: AtomicUsize::new(0),
            nested_waits: AtomicUsize::new(0),
            pause_serial: Mutex::new(()),
            pause_gates: Mutex::new(Vec::new()),
            panic_handler,
            to_dispatcher,
        }
    }

    /// The identity stored in `CURRENT_POOL` for this pool's threads.
    pub(crate) fn id(this: &Arc<Shared>) -> usize {
        Arc::as_ptr(this) as usize
    }

    /// True on this pool's dispatcher thread and worker threads.
    pub(crate) fn on_own_thread(this: &Arc<Shared>) -> bool {
        CURRENT_POOL.with(|c| c.get()) == Shared::id(this)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.gate.load(crate::sync::Ordering::SeqCst) & CLOSED != 0
    }

    /// Leaves the submission gate; the last one out of a closed gate wakes
    /// the stopper.
    #[inline]
    pub(crate) fn leave_gate(&self) {
        if self.gate.fetch_sub(ONE, crate::sync::Ordering::SeqCst) == CLOSED | ONE {
            let _guard = lock(&self.quiesce);
            self.quiesce_cv.notify_all();
        }
    }

    /// Ends the dispatcher's rest, if it is resting. Called with the hand-off
    /// lock held.
    pub(crate) fn wake_dispatcher(&self, h: &mut MutexGuard<'_, Handoff>) {
        if h.resting {
            h.resting = false;
            self.rest_cv.notify_one();
        }
    }

    /// After sending a control message that must not wait behind a resting
    /// dispatcher: wake it, and keep it from resting until it has read its
    /// channel empty.
    pub(crate) fn wake_dispatcher_urgently(&self) {
        let mut h = lock(&self.handoff);
        h.urgent = true;
        self.wake_dispatcher(&mut h);
    }

    /// Submit side: after a send, wake a resting dispatcher if its channel
    /// has grown long. The flag is read without the lock; the dispatcher
    /// re-checks the channel after setting it (both SeqCst), so a long
    /// channel is never left behind a dispatcher that missed it.
    #[inline]
    pub(crate) fn after_send(&self, channel_len: impl FnOnce() -> usize) {
        if self.resting.load(Ordering::SeqCst) && channel_len() >= REST_CHANNEL {
            let mut h = lock(&self.handoff);
            self.wake_dispatcher(&mut h);
        }
    }

    /// Submit side, after the gate: on a sampled submit, if the dispatcher is
    /// [`LAG_LIMIT`] messages behind, sleep until it has caught up to half
    /// of that. The dispatcher drains its channel without waiting for any
    /// worker or submitter (a resting one is woken here), so the wait is
    /// bounded by its progress alone and cannot deadlock, also from inside
    /// a task. No wake-up is lost: the length is read under the hand-off
    /// lock, and the dispatcher looks for waiters under that lock before
    /// every receive (where it has drained what the waiter saw, or will not
    /// rest: see [`LAG_LIMIT`]) and when it shuts down.
    #[inline]
    pub(crate) fn keep_up(&self, channel_len: impl Fn() -> usize) {
        if !lag_sample_due() || channel_len() < LAG_LIMIT {
            return;
        }
        let mut h = lock(&self.handoff);
        h.lag_waiters += 1;
        while channel_len() > LAG_LIMIT / 2 && !h.closing {
            self.wake_dispatcher(&mut h);
            h = wait(&self.lag_cv, h);
        }
        h.lag_waiters -= 1;
    }

    /// Bounded mode: `n` tasks have left the queue (started or abandoned).
    #[inline]
    pub(crate) fn release_slots(&self, n: usize) {
        if self.limit.is_none() || n == 0 {
            return;
        }
        self.queued.fetch_sub(n, crate::sync::Ordering::SeqCst);
        // SeqCst pairs with the waiter's increment of `space_waiters` followed
        // by its reservation attempt: either it sees the freed slot, or we see
        // it waiting and notify under its lock.
        if self.space_waiters.load(crate::sync::Ordering::SeqCst) > 0 {
            let _guard = lock(&self.space);
            self.space_cv.notify_all();
        }
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("max_workers", &self.max_workers)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// The dispatcher: owns the receiving end of the channel, the worker count,
/// the join handles and the idle clock.
pub(crate) struct Dispatcher {
    pub(crate) shared: Arc<Shared>,
    pub(crate) rx: channel::Receiver<Msg>,
    pub(crate) clock: Clock,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) thread_name: String,
    /// Join handles of the workers started and not yet joined, by worker id.
    /// Only the dispatcher touches this.
    workers: Vec<(usize, thread::JoinHandle<()>)>,
    next_id: usize,
    /// Start of the current idle period: the last time tasks arrived or a
    /// worker was retired. Only the dispatcher touches this.
    idle_since: Duration,
    /// Set when starting a worker thread failed; the dispatcher tries again
    /// on its next event (and wakes itself for it).
    spawn_failed: bool,
    /// Tasks taken from the channel and not yet handed out (reused buffer).
    batch: Vec<Task>,
}

impl Dispatcher {
    pub(crate) fn new(
        shared: Arc<Shared>,
        rx: channel::Receiver<Msg>,
        clock: Clock,
        idle_timeout: Option<Duration>,
        thread_name: String,
    ) -> Self {
        let idle_since = clock.now();
        Dispatcher {
            shared,
            rx,
            clock,
            idle_timeout,
            thread_name,
            workers: Vec::new(),
            next_id: 0,
            idle_since,
            spawn_failed: false,
            batch: Vec::with_capacity(BATCH),
        }
    }

    /// The dispatcher thread's body. Returns after `Control::Stop` once every
    /// worker has been joined.
    pub(crate) fn run(mut self) {
        CURRENT_POOL.with(|c| c.set(Shared::id(&self.shared)));
        loop {
            let msg = match self.between_events() {
                None => self.rx.recv().ok(),
                Some(timeout) => match self.rx.recv_timeout(timeout) {
                    Ok(msg) => Some(msg),
                    Err(channel::RecvTimeoutError::Timeout) => {
                        self.on_time_passed();
                        continue;
                    }
                    Err(channel::RecvTimeoutError::Disconnected) => None,
                },
            };
            // The handles hold a sender until the dispatcher has stopped, so
            // a disconnect cannot happen; treat it as a graceful stop anyway.
            let mut msg = msg.unwrap_or_else(|| Msg::control(Control::Stop { wait: true }));
            // Take a batch of tasks; a control message ends the batch and is
            // handled after the tasks before it.
            let control = loop {
                match msg {
                    Msg::Task(task) => self.batch.push(task),
                    Msg::Control(control) => break Some(*control),
                }
                if self.batch.len() >= BATCH {
                    break None;
                }
                match self.rx.try_recv() {
                    Ok(next) => msg = next,
                    Err(_) => break None,
                }
            };
            if let Some(Control::Stop { wait: false }) = control {
                // `stop`: tasks not yet handed out are abandoned with the
                // queue (rather than started on a fresh worker first).
                let abandoned = std::mem::take(&mut self.batch);
                let dropped = abandoned.len();
                drop(abandoned);
                self.shared.release_slots(dropped);
                self.batch = Vec::with_capacity(BATCH);
            } else if !self.batch.is_empty() {
                self.idle_since = self.clock.now();
                self.hand_out();
            }
            match control {
                None => {}
                Some(Control::Stop { wait }) => {
                    self.shut_down(wait);
                    return;
                }
                Some(Control::WaitIdle(waiter)) => {
                    lock(&self.shared.handoff).idle_waiters.push(waiter);
                }
                Some(Control::Tick(ack)) => {
                    self.on_time_passed();
                    let _ = ack.send(());
                }
                Some(Control::CheckIdle) => {
                    lock(&self.shared.handoff).check_pending = false;
                }
            }
            if self.spawn_failed {
                self.start_missing_workers();
            }
        }
    }

    /// Between two events, under one acquisition of the hand-off lock:
    /// answers the `wait_idle` callers if the pool is quiet, collects retired
    /// workers (joined after unlocking), rests while the queue is long (see
    /// [`REST_QUEUE`]), and returns how long the next receive may sleep
    /// before an idle deadline (`None`: no deadline).
    fn between_events(&mut self) -> Option<Duration> {
        let shared = Arc::clone(&self.shared);
        let (exited, live) = {
            let mut h = lock(&shared.handoff);
            // Quiet also needs an empty channel: a task that finished before
            // this check may have submitted a child, which is then in the
            // channel (its send happened before the parent's finish, which
            // happened before this lock). An empty channel read under the
            // lock therefore means every such child has been handed out.
            if !h.idle_waiters.is_empty() && self.rx.is_empty() {
                h.release_idle_waiters();
            }
            if h.lag_waiters > 0 && self.rx.len() <= LAG_LIMIT / 2 {
                shared.lag_cv.notify_all();
            }
            let exited = std::mem::take(&mut h.exited);
            h = self.rest_while_saturated(h);
            (exited, h.live)
        };
        for id in exited {
            if let Some(pos) = self.workers.iter().position(|(w, _)| *w == id) {
                let (_, handle) = self.workers.swap_remove(pos);
                let _ = handle.join();
            }
        }
        if self.spawn_failed {
            return Some(Duration::from_millis(10));
        }
        let timeout = self.idle_timeout?;
        let Clock::System(_) = self.clock else {
            // Manual time: `advance` sends a tick.
            return None;
        };
        if live == 0 {
            // Nothing to reap: sleep until a message comes (zero CPU).
            return None;
        }
        let elapsed = self.clock.now().saturating_sub(self.idle_since);
        Some(timeout.saturating_sub(elapsed))
    }

    /// Rests while the waiting queue is long and every worker is started
    /// (see [`REST_QUEUE`]); returns at once otherwise.
    fn rest_while_saturated<'a>(&self, mut h: MutexGuard<'a, Handoff>) -> MutexGuard<'a, Handoff> {
        let shared = &*self.shared;
        if h.urgent {
            if !self.rx.is_empty() {
                return h;
            }
            h.urgent = false;
        }
        if h.queue.len() < REST_QUEUE
            || h.live - h.retire < shared.max_workers
            || h.closing
            || self.spawn_failed
        {
            return h;
        }
        h.resting = true;
        shared.resting.store(true, Ordering::SeqCst);
        // Pairs with `Shared::after_send`: a submitter that read the flag
        // as unset sent before this check, so its message is counted here.
        if self.rx.len() >= REST_CHANNEL / 2 {
            h.resting = false;
        }
        while h.resting {
            h = wait(&shared.rest_cv, h);
        }
        shared.resting.store(false, Ordering::SeqCst);
        h
    }

    /// Hands out `self.batch` in order: to waiting workers, to new workers
    /// while fewer than `max_workers` exist, or onto the waiting queue.
    fn hand_out(&mut self) {
        let mut wake = 0;
        let mut start: Vec<Option<Task>> = Vec::new();
        {
            let mut h = lock(&self.shared.handoff);
            for task in self.batch.drain(..) {
                if h.spare() > 0 {
                    // A waiting worker will take it.
                    h.queue.push_back(task);
                    wake += 1;
                } else if h.live - h.retire < self.shared.max_workers {
                    // Start a worker. Its first task is this one unless older
                    // tasks wait (then it takes them in order from the queue).
                    h.live += 1;
                    if h.queue.is_empty() {
                        h.running += 1;
                        start.push(Some(task));
                    } else {
                        h.queue.push_back(task);
                        start.push(None);
                    }
                } else {
                    // Every worker is busy and the cap is reached: wait in line.
                    h.queue.push_back(task);
                }
            }
        }
        for _ in 0..wake {
            self.shared.work_cv.notify_one();
        }
        for first in start {
            self.spawn_worker(first);
        }
    }

    /// Starts one worker thread, already counted in `live` (and in `running`
    /// when it has a first task).
    fn spawn_worker(&mut self, first: Option<Task>) {
        let id = self.next_id;
        self.next_id += 1;
        let shared = Arc::clone(&self.shared);
        // The first task travels in a shared slot so that a failed spawn can
        // hand it back.
        let slot = Arc::new(Mutex::new(first));
        let theirs = Arc::clone(&slot);
        let spawned = thread::Builder::new()
            .name(format!("{}-{id}", self.thread_name))
            .spawn(move || {
                let first = lock(&theirs).take();
                drop(theirs);
                worker_main(&shared, id, first);
            });
        match spawned {
            Ok(handle) => self.workers.push((id, handle)),
            Err(_) => {
                let first = lock(&slot).take();
                let mut h = lock(&self.shared.handoff);
                h.live -= 1;
                if let Some(task) = first {
                    // It was the oldest task: it goes back to the front.
                    h.running -= 1;
                    h.queue.push_front(task);
                }
                self.spawn_failed = true;
            }
        }
    }

    /// After a failed spawn: start workers for queued tasks nobody will take.
    fn start_missing_workers(&mut self) {
        self.spawn_failed = false;
        let mut count = 0;
        {
            let mut h = lock(&self.shared.handoff);
            while h.queue.len() > h.idle.saturating_sub(h.retire) + count
                && h.live - h.retire < self.shared.max_workers
            {
                h.live += 1;
                count += 1;
            }
        }
        for _ in 0..count {
            self.spawn_worker(None);
        }
    }

    /// Reaping: once a whole idle period has passed with no task arriving,
    /// retire one waiting worker and start a new period.
    fn on_time_passed(&mut self) {
        let Some(timeout) = self.idle_timeout else {
            return;
        };
        let now = self.clock.now();
        if now.saturating_sub(self.idle_since) < timeout {
            return;
        }
        self.idle_since = now;
        let retired = {
            let mut h = lock(&self.shared.handoff);
            // Only a worker that is waiting for work is retired, and only when
            // nothing is queued (a queued task means no worker is idle).
            if h.queue.is_empty() && h.spare() > 0 {
                h.retire += 1;
                true
            } else {
                false
            }
        };
        if retired {
            self.shared.work_cv.notify_one();
        }
    }

    /// Shutdown: graceful (`wait`) lets the workers drain the queue; otherwise
    /// the queue is dropped. Returns once every worker thread has exited.
    fn shut_down(&mut self, wait: bool) {
        let abandoned = {
            let mut h = lock(&self.shared.handoff);
            h.closing = true;
            self.shared.lag_cv.notify_all();
            if wait {
                TaskQueue::default()
            } else {
                std::mem::take(&mut h.queue)
            }
        };
        self.shared.work_cv.notify_all();
        let dropped = abandoned.len();
        // Dropped outside the lock: a task's destructor is user code (it may
        // even drop the last handle to this pool, which then does not wait).
        drop(abandoned);
        self.shared.release_slots(dropped);
        for (_, handle) in self.workers.drain(..) {
            let _ = handle.join();
        }
        // Tasks submitted before `Stop` were all handed out above; the channel
        // holds nothing but late ticks or idle waiters now.
        let waiters = std::mem::take(&mut lock(&self.shared.handoff).idle_waiters);
        drop(waiters);
    }
}

/// A worker thread's body: run the first task (if any), then take tasks from
/// the queue until told to retire or the pool shuts down.
fn worker_main(shared: &Arc<Shared>, id: usize, first: Option<Task>) {
    CURRENT_POOL.with(|c| c.set(Shared::id(shared)));
    let mut next = first;
    loop {
        let mut outcome = None;
        if let Some(task) = next.take() {
            shared.release_slots(1);
            outcome = Some(run_task(shared, task));
        }
        let mut h = lock(&shared.handoff);
        if let Some(ok) = outcome {
            h.running -= 1;
            if ok {
                h.completed += 1;
            } else {
                h.panicked += 1;
            }
            if h.needs_idle_check() {
                // Sent under the lock (the send never blocks): the dispatcher
                // needs this lock to act on it, so it releases the waiters only
                // once this worker is back waiting for work, and a task the
                // released caller submits next finds it idle. Fails only once
                // the dispatcher has exited, when nobody waits any more.
                let _ = shared.to_dispatcher.send(Msg::control(Control::CheckIdle));
            }
        }
        loop {
            if h.retire > 0 {
                h.retire -= 1;
                h.live -= 1;
                h.exited.push(id);
                return;
            }
            if let Some(task) = h.queue.pop_front() {
                h.running += 1;
                next = Some(task);
                if h.resting && h.queue.len() <= REST_QUEUE / 2 {
                    shared.wake_dispatcher(&mut h);
                }
                break;
            }
            if h.closing {
                h.live -= 1;
                return;
            }
            h.idle += 1;
            h = wait(&shared.work_cv, h);
            h.idle -= 1;
        }
    }
}

/// Runs one task, catching a panic; true if it returned normally.
fn run_task(shared: &Shared, task: Task) -> bool {
    match panic::catch_unwind(AssertUnwindSafe(task)) {
        Ok(()) => true,
        Err(payload) => {
            if let Some(handler) = &shared.panic_handler {
                // A panicking handler must not take the worker down with it.
                let _ = panic::catch_unwind(AssertUnwindSafe(|| handler(payload)));
            }
            false
        }
    }
}

/// Boxed panic handler, as stored.
pub(crate) type HandlerFn = dyn Fn(Box<dyn Any + Send>) + Send + Sync;
