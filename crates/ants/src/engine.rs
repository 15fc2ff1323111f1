//! The engine shared by [`Pool`](crate::Pool) and
//! [`PoolWithFunc`](crate::PoolWithFunc): the idle-worker stack (or ring), the
//! admission of a job, the workers' loop, the purge thread, tune, release and
//! reboot. `DESIGN.md` beside this file explains the protocol.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use taskpool::PoolStats;

use crate::clock::Clock;
use crate::error::{TimedOut, TuneError};
use crate::sync::{
    is_current_pool, lock, next_pool_id, poll_for, poll_until, set_current_pool, thread, wait,
    wait_timeout, Arc, AtomicBool, AtomicU64, AtomicUsize, Condvar, Mutex, Ordering, Shared,
    LINE_POLL,
};

/// What the pool calls with the payload of a task that panicked.
pub(crate) type PanicHandler = Shared<dyn Fn(Box<dyn Any + Send>) + Send + Sync>;

/// The settings a pool was built with (validated by the builder).
#[derive(Clone)]
pub(crate) struct Config {
    /// `None`: unlimited.
    pub(crate) capacity: Option<usize>,
    pub(crate) expiry: Duration,
    pub(crate) purge: bool,
    pub(crate) prealloc: bool,
    pub(crate) nonblocking: bool,
    pub(crate) max_blocking: Option<usize>,
    pub(crate) panic_handler: Option<PanicHandler>,
    pub(crate) thread_name: String,
    pub(crate) clock: Shared<dyn Clock>,
    /// The id shared by the pools of one `MultiPool` (`None`: a fresh id).
    pub(crate) group: Option<usize>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("capacity", &self.capacity)
            .field("expiry", &self.expiry)
            .field("purge", &self.purge)
            .field("prealloc", &self.prealloc)
            .field("nonblocking", &self.nonblocking)
            .field("max_blocking", &self.max_blocking)
            .field("panic_handler", &self.panic_handler.as_ref().map(|_| ".."))
            .field("thread_name", &self.thread_name)
            .field("clock", &self.clock)
            .field("group", &self.group)
            .finish()
    }
}

/// How long a submitter may wait for a worker when the pool is full.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Wait {
    /// Not at all (`try_submit`).
    Never,
    /// Until a worker is free or the pool is released (`submit`).
    Forever,
    /// Until this instant of the pool's clock (`submit_timeout`).
    Until(Instant),
}

/// Why a job was handed back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    Stopped,
    Overloaded,
}

/// What a worker finds in its mailbox.
enum Msg<J> {
    Run(J),
    Exit,
}

/// One worker's mailbox: at most one message at a time.
///
/// Invariant: a message is delivered only by whoever removed the worker from
/// the idle list (or created it), so `mail.msg` is `None` whenever a delivery
/// starts. `full` is set after the message is stored and cleared when the
/// worker takes it, both under `mail`; it is only a hint that lets a worker
/// poll without locking. `parked` is true exactly while the worker sleeps on
/// `cv` (set and cleared under `mail`), so a deliverer that sees `false` knows
/// the worker will look at `msg` before it sleeps: no wake-up is lost.
struct Slot<J> {
    full: AtomicBool,
    /// A copy of `Mail::parked` readable without the lock: a hint that a
    /// delivery to this worker costs a wake-up (a system call).
    asleep: AtomicBool,
    mail: Mutex<Mail<J>>,
    cv: Condvar,
}

struct Mail<J> {
    msg: Option<Msg<J>>,
    parked: bool,
}

impl<J> Slot<J> {
    fn new() -> Self {
        Slot {
            full: AtomicBool::new(false),
            asleep: AtomicBool::new(false),
            mail: Mutex::new(Mail {
                msg: None,
                parked: false,
            }),
            cv: Condvar::new(),
        }
    }

    fn deliver(&self, msg: Msg<J>) {
        let mut mail = lock(&self.mail);
        debug_assert!(mail.msg.is_none(), "a worker's mailbox holds one message");
        mail.msg = Some(msg);
        self.full.store(true, Ordering::Release);
        let parked = mail.parked;
        drop(mail);
        if parked {
            self.cv.notify_one();
        }
    }

    /// Takes the next message, polling briefly before sleeping.
    fn receive(&self) -> Msg<J> {
        poll_until(|| self.full.load(Ordering::Acquire));
        let mut mail = lock(&self.mail);
        loop {
            if let Some(msg) = mail.msg.take() {
                self.full.store(false, Ordering::Relaxed);
                return msg;
            }
            mail.parked = true;
            self.asleep.store(true, Ordering::Relaxed);
            mail = wait(&self.cv, mail);
            mail.parked = false;
            self.asleep.store(false, Ordering::Relaxed);
        }
    }

    /// Takes back a message that no worker will read (failed spawn).
    fn take(&self) -> Option<Msg<J>> {
        let mut mail = lock(&self.mail);
        self.full.store(false, Ordering::Relaxed);
        mail.msg.take()
    }
}

/// An idle worker: its mailbox and when it last finished a task.
struct Idle<J> {
    slot: Arc<Slot<J>>,
    since: Instant,
}

/// Everything guarded by `Inner::state`.
struct State<J> {
    /// Idle workers, least recently used at the front (pushes go to the back
    /// in the order workers finish). Taken from the back (a stack: the most
    /// recently used, still-hot worker) or, with pre-allocation, from the
    /// front (a FIFO ring whose storage is reserved up front).
    idle: VecDeque<Idle<J>>,
    /// Blocked submitters, first come first served, each with the job it
    /// waits to hand over (its length is `waiting`, mirrored in
    /// `Inner::waiting`). A worker coming back with room takes the front
    /// job directly (`revert`); the submitter then finds its ticket gone.
    line: VecDeque<Waiter<J>>,
    /// Equal to `line.len()`.
    waiting: usize,
    /// Numbers the waiters.
    next_ticket: u64,
    /// Threads blocked on `quiet` (wait_idle, release_timeout, stop).
    quiet_waiters: usize,
    /// Of those, how many are this pool's own workers (calls from inside a
    /// task). They cannot finish while they wait, so the others do not wait
    /// for them: two tasks calling `stop` at once must not wait for each
    /// other (rule 7).
    inside_waiters: usize,
    /// Worker threads started and not yet at the end of their loop (mirrored
    /// in `Inner::threads`).
    threads: usize,
    /// Bumped by release and reboot; a purge thread runs only while the
    /// generation it was started in is current.
    generation: u64,
}

/// A blocked submitter: its job, and the condvar (used with `state`) it
/// sleeps on. Woken when a worker took its job, when a place frees without a
/// hand-off (tune up, a failed spawn), and on release.
struct Waiter<J> {
    ticket: u64,
    job: Option<J>,
    signal: Arc<Signal>,
}

/// How a worker tells a waiter its job was taken.
///
/// `taken` is a hint the waiter polls before it sleeps (the truth is its
/// ticket gone from `line`, read under `state`). `asleep` is written only
/// under `state`, true exactly while the waiter sleeps on `cv`: a worker that
/// takes the job under `state` and sees `false` knows the waiter will look
/// at `line` before it sleeps, so the wake-up can be skipped.
struct Signal {
    cv: Condvar,
    taken: AtomicBool,
    asleep: AtomicBool,
}

/// The list of worker threads to join at shutdown.
struct Handles {
    list: Vec<thread::JoinHandle<()>>,
    /// Prune finished handles when the list reaches this length (amortised).
    #[cfg_attr(tp_loom, allow(dead_code))]
    prune_at: usize,
}

/// The shared heart of a pool.
///
/// Capacity invariant (rule 1): `busy` counts workers holding a task (from the
/// moment a submitter reserves one until the worker reverts). It is changed
/// only under `state`, and only incremented after checking
/// `busy < capacity` under `state`, so at every instant
/// `tasks running <= busy <= capacity` (or `<=` the capacity before a shrink,
/// for tasks started earlier: shrinking never interrupts a task).
pub(crate) struct Inner<J> {
    /// Identifies this pool's worker threads (see `sync::is_current_pool`).
    /// The pools of one `MultiPool` share it: a task of any of them is
    /// "inside" all of them (it must not block on, or wait for, a sibling
    /// that may be waiting for it).
    id: usize,
    pub(crate) cfg: Config,
    /// Runs one job: calls the boxed closure, or the bound function.
    runner: Box<dyn Fn(J) + Send + Sync>,
    state: Mutex<State<J>>,
    /// Notified (under `state`) whenever `busy`, `waiting` or `threads` drops,
    /// if `quiet_waiters > 0`.
    quiet: Condvar,
    /// Wakes the purge thread early (release, reboot).
    purge_cv: Condvar,
    /// Workers holding a task. Written only under `state`; read anywhere as a
    /// hint (the lock-free refusal of `try_submit`).
    busy: AtomicUsize,
    /// The capacity now (`usize::MAX`: unlimited). Written only under `state`.
    capacity: AtomicUsize,
    /// True between release and reboot. Written only under `state`.
    closed: AtomicBool,
    /// Mirrors of `State::threads` and `State::waiting` for lock-free reads.
    threads: AtomicUsize,
    waiting: AtomicUsize,
    /// Tasks that returned. Written only under `state` (by `revert`); read
    /// anywhere.
    completed: AtomicU64,
    /// Tasks that panicked (counted by the worker, outside `state`).
    panicked: AtomicU64,
    /// Numbers the worker threads' names.
    spawned: AtomicUsize,
    /// Held across every spawn and across the joins of shutdown, so a
    /// shutdown sees every handle of a thread it waited for.
    handles: Mutex<Handles>,
    purge_thread: Mutex<Option<thread::JoinHandle<()>>>,
}

impl<J> fmt::Debug for Inner<J> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("capacity", &self.cap())
            .field("running", &self.running())
            .field("workers", &self.workers())
            .field("waiting", &self.waiting())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<J: Send + 'static> Inner<J> {
    /// A new pool; starts the purge thread unless purging is disabled.
    pub(crate) fn start(
        cfg: Config,
        runner: Box<dyn Fn(J) + Send + Sync>,
    ) -> std::io::Result<Arc<Inner<J>>> {
        let capacity = cfg.capacity.unwrap_or(usize::MAX);
        let idle = if cfg.prealloc {
            VecDeque::with_capacity(capacity)
        } else {
            VecDeque::new()
        };
        let inner = Arc::new(Inner {
            id: cfg.group.unwrap_or_else(next_pool_id),
            runner,
            state: Mutex::new(State {
                idle,
                line: VecDeque::new(),
                waiting: 0,
                next_ticket: 0,
                quiet_waiters: 0,
                inside_waiters: 0,
                threads: 0,
                generation: 0,
            }),
            quiet: Condvar::new(),
            purge_cv: Condvar::new(),
            busy: AtomicUsize::new(0),
            capacity: AtomicUsize::new(capacity),
            closed: AtomicBool::new(false),
            threads: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            completed: AtomicU64::new(0),
            panicked: AtomicU64::new(0),
            spawned: AtomicUsize::new(0),
            handles: Mutex::new(Handles {
                list: Vec::new(),
                prune_at: 16,
            }),
            purge_thread: Mutex::new(None),
            cfg,
        });
        if inner.cfg.purge {
            start_purge(&inner, 0)?;
        }
        Ok(inner)
    }
}

/// Hands `job` to an idle worker, or starts one, or waits as `wait` allows.
///
/// The refusal of a full pool by `Wait::Never` reads two atomics and neither
/// locks nor allocates.
pub(crate) fn submit<J: Send + 'static>(
    inner: &Arc<Inner<J>>,
    job: J,
    wait_for: Wait,
) -> Result<(), (Refusal, J)> {
    if inner.closed.load(Ordering::Acquire) {
        return Err((Refusal::Stopped, job));
    }
    if inner.busy.load(Ordering::Relaxed) >= inner.capacity.load(Ordering::Relaxed) {
        if matches!(wait_for, Wait::Never) || inner.cfg.nonblocking {
            return Err((Refusal::Overloaded, job));
        }
        // Poll briefly for a worker to come back before taking the slow path
        // (a condition-variable sleep costs two system calls).
        poll_until(|| {
            inner.busy.load(Ordering::Relaxed) < inner.capacity.load(Ordering::Relaxed)
                || inner.closed.load(Ordering::Relaxed)
        });
    }

    let mut st = lock(&inner.state);
    let mut job = job;
    // Whether this call already waited once for a running worker to come
    // back rather than wake a sleeping one.
    let mut waited_for_hot = false;
    loop {
        if inner.closed.load(Ordering::Relaxed) {
            return Err((Refusal::Stopped, job));
        }
        let busy = inner.busy.load(Ordering::Relaxed);
        if busy < inner.capacity.load(Ordering::Relaxed) {
            // The worker to take is asleep, and a running one will come back
            // soon: poll briefly for it instead of paying a wake-up. Once.
            let top = if inner.cfg.prealloc {
                st.idle.front()
            } else {
                st.idle.back()
            };
            if !waited_for_hot
                && busy > 0
                && top.is_some_and(|idle| idle.slot.asleep.load(Ordering::Relaxed))
            {
                waited_for_hot = true;
                drop(st);
                poll_until(|| inner.busy.load(Ordering::Relaxed) < busy);
                st = lock(&inner.state);
                continue;
            }
            // Reserve the worker's place before anything else: from here on
            // nobody else can use it, whatever happens outside the lock.
            inner.busy.store(busy + 1, Ordering::Relaxed);
            let idle = if inner.cfg.prealloc {
                st.idle.pop_front()
            } else {
                st.idle.pop_back()
            };
            if let Some(idle) = idle {
                drop(st);
                idle.slot.deliver(Msg::Run(job));
                return Ok(());
            }
            st.threads += 1;
            inner.threads.store(st.threads, Ordering::Relaxed);
            drop(st);
            return spawn_worker(inner, job);
        }
        let refuse = match wait_for {
            Wait::Never => true,
            Wait::Forever if is_current_pool(inner.id) => true,
            Wait::Until(deadline) if inner.cfg.clock.now() >= deadline => true,
            _ => inner.cfg.nonblocking || inner.cfg.max_blocking.is_some_and(|m| st.waiting >= m),
        };
        if refuse {
            return Err((Refusal::Overloaded, job));
        }

        // Wait in line with the job, for a worker to take it.
        let ticket = st.next_ticket;
        st.next_ticket += 1;
        let signal = Arc::new(Signal {
            cv: Condvar::new(),
            taken: AtomicBool::new(false),
            asleep: AtomicBool::new(false),
        });
        st.line.push_back(Waiter {
            ticket,
            job: Some(job),
            signal: Arc::clone(&signal),
        });
        st.waiting += 1;
        inner.waiting.store(st.waiting, Ordering::Relaxed);
        // First poll, outside the lock, for a worker to take the job: with
        // short tasks one comes back within the polling window, and neither
        // side then sleeps or wakes anybody.
        drop(st);
        poll_for(LINE_POLL, || {
            signal.taken.load(Ordering::Acquire) || inner.closed.load(Ordering::Relaxed)
        });
        st = lock(&inner.state);
        let mut polled = true;
        let outcome = loop {
            if !polled {
                signal.asleep.store(true, Ordering::Relaxed);
                st = match wait_for {
                    Wait::Until(deadline) => {
                        let now = inner.cfg.clock.now();
                        if now >= deadline {
                            st
                        } else {
                            wait_timeout(&signal.cv, st, deadline - now)
                        }
                    }
                    _ => wait(&signal.cv, st),
                };
                signal.asleep.store(false, Ordering::Relaxed);
            }
            polled = false;
            let Some(pos) = st.line.iter().position(|w| w.ticket == ticket) else {
                // A worker took the job (and uncounted this waiter).
                return Ok(());
            };
            let closed = inner.closed.load(Ordering::Relaxed);
            let room = inner.busy.load(Ordering::Relaxed) < inner.capacity.load(Ordering::Relaxed);
            let expired = matches!(wait_for, Wait::Until(d) if inner.cfg.clock.now() >= d);
            if closed || room || expired {
                let waiter = st.line.remove(pos).expect("the position was just found");
                leave_waiting(inner, &mut st);
                let job = waiter
                    .job
                    .expect("only the worker taking it empties a waiter");
                break if closed {
                    Err((Refusal::Stopped, job))
                } else if room {
                    // A place freed without a hand-off: take it like a new
                    // submitter (still under the same lock hold).
                    Ok(job)
                } else {
                    Err((Refusal::Overloaded, job))
                };
            }
        };
        job = outcome?;
    }
}

/// Wakes the first blocked submitter (under `state`), if any: a place freed
/// without a hand-off.
fn wake_first<J>(st: &State<J>) {
    if let Some(first) = st.line.front() {
        first.signal.cv.notify_one();
    }
}

/// Wakes every blocked submitter (under `state`): the capacity grew or the
/// pool was released.
fn wake_all<J>(st: &State<J>) {
    for waiter in &st.line {
        waiter.signal.cv.notify_one();
    }
}

/// A blocked submitter stops waiting (under `state`).
fn leave_waiting<J>(inner: &Inner<J>, st: &mut State<J>) {
    st.waiting -= 1;
    inner.waiting.store(st.waiting, Ordering::Relaxed);
    if st.quiet_waiters > 0 {
        inner.quiet.notify_all();
    }
}

/// Starts a worker for `job`; its place is already reserved (`busy` and
/// `threads` counted). On failure the reservation is undone and the job
/// handed back.
fn spawn_worker<J: Send + 'static>(inner: &Arc<Inner<J>>, job: J) -> Result<(), (Refusal, J)> {
    let slot = Arc::new(Slot::new());
    slot.deliver(Msg::Run(job));
    let n = inner.spawned.fetch_add(1, Ordering::Relaxed);
    let builder = thread::Builder::new().name(format!("{}-{n}", inner.cfg.thread_name));
    let worker_inner = Arc::clone(inner);
    let worker_slot = Arc::clone(&slot);
    let mut handles = lock(&inner.handles);
    match builder.spawn(move || worker_main(&worker_inner, &worker_slot)) {
        Ok(handle) => {
            prune_handles(&mut handles);
            handles.list.push(handle);
            Ok(())
        }
        Err(_) => {
            drop(handles);
            let Some(Msg::Run(job)) = slot.take() else {
                unreachable!("the new worker never ran, so its first job is still in its mailbox")
            };
            let mut st = lock(&inner.state);
            let busy = inner.busy.load(Ordering::Relaxed) - 1;
            inner.busy.store(busy, Ordering::Relaxed);
            st.threads -= 1;
            inner.threads.store(st.threads, Ordering::Relaxed);
            wake_first(&st);
            if st.quiet_waiters > 0 {
                inner.quiet.notify_all();
            }
            Err((Refusal::Overloaded, job))
        }
    }
}

/// Drops the handles of threads that have finished (amortised O(1)).
#[cfg(not(tp_loom))]
fn prune_handles(handles: &mut Handles) {
    if handles.list.len() >= handles.prune_at {
        handles.list.retain(|h| !h.is_finished());
        handles.prune_at = (handles.list.len() * 2).max(16);
    }
}

#[cfg(tp_loom)]
fn prune_handles(_handles: &mut Handles) {}

/// A worker thread: runs what it is handed until told to exit, or until it
/// finds the pool released or over capacity when it comes back.
fn worker_main<J: Send + 'static>(inner: &Inner<J>, slot: &Arc<Slot<J>>) {
    set_current_pool(inner.id);
    let mut next = slot.receive();
    while let Msg::Run(job) = next {
        let completed = run_job(inner, job);
        next = match revert(inner, slot, completed) {
            Back::Run(job) => Msg::Run(job),
            Back::Idle => slot.receive(),
            Back::Exit => Msg::Exit,
        };
    }
    let mut st = lock(&inner.state);
    st.threads -= 1;
    inner.threads.store(st.threads, Ordering::Relaxed);
    if st.quiet_waiters > 0 {
        inner.quiet.notify_all();
    }
}

/// Runs one job, catching a panic (rule 5: the worker survives it). Returns
/// whether it completed (`false`: it panicked; counted here, since panics are
/// rare, while completions are counted by `revert` under `state`).
fn run_job<J>(inner: &Inner<J>, job: J) -> bool {
    match panic::catch_unwind(AssertUnwindSafe(|| (inner.runner)(job))) {
        Ok(()) => true,
        Err(payload) => {
            inner.panicked.fetch_add(1, Ordering::Relaxed);
            if let Some(handler) = &inner.cfg.panic_handler {
                // A panicking handler must not kill the worker either.
                let _ = panic::catch_unwind(AssertUnwindSafe(|| handler(payload)));
            }
            false
        }
    }
}

/// What a worker does after a task.
enum Back<J> {
    /// Runs the job it took from the first blocked submitter.
    Run(J),
    /// Waits on the idle list for its next message.
    Idle,
    /// Exits (released, or over capacity).
    Exit,
}

/// A worker that finished a task comes back. If a submitter is blocked and
/// there is room for this worker, it takes that submitter's job directly
/// (its place passes from the old task to the new one: `busy` unchanged).
/// Otherwise it goes on the idle list, or retires when the pool is released
/// or has more workers than capacity.
fn revert<J>(inner: &Inner<J>, slot: &Arc<Slot<J>>, completed: bool) -> Back<J> {
    let now = inner.cfg.clock.now();
    let mut st = lock(&inner.state);
    if completed {
        // Under `state`, the only writer: a plain add, no contended RMW.
        let done = inner.completed.load(Ordering::Relaxed);
        inner.completed.store(done + 1, Ordering::Relaxed);
    }
    let busy = inner.busy.load(Ordering::Relaxed) - 1;
    let cap = inner.capacity.load(Ordering::Relaxed);
    let closed = inner.closed.load(Ordering::Relaxed);
    if !closed && busy < cap {
        if let Some(mut waiter) = st.line.pop_front() {
            st.waiting -= 1;
            inner.waiting.store(st.waiting, Ordering::Relaxed);
            waiter.signal.taken.store(true, Ordering::Release);
            if waiter.signal.asleep.load(Ordering::Relaxed) {
                waiter.signal.cv.notify_one();
            }
            if st.quiet_waiters > 0 {
                inner.quiet.notify_all();
            }
            let job = waiter.job.take().expect("a waiter in line holds its job");
            return Back::Run(job);
        }
    }
    inner.busy.store(busy, Ordering::Relaxed);
    // Workers not told to exit are `busy + idle`; with this one back that is
    // `busy + idle + 1`, which must stay within the capacity.
    let stay = !closed && busy + st.idle.len() < cap;
    if stay {
        st.idle.push_back(Idle {
            slot: Arc::clone(slot),
            since: now,
        });
    }
    if busy < cap {
        wake_first(&st);
    }
    if st.quiet_waiters > 0 {
        inner.quiet.notify_all();
    }
    if stay {
        Back::Idle
    } else {
        Back::Exit
    }
}

/// Starts the purge thread for `generation`, joining the previous one.
fn start_purge<J: Send + 'static>(inner: &Arc<Inner<J>>, generation: u64) -> std::io::Result<()> {
    let purge_inner = Arc::clone(inner);
    let handle = thread::Builder::new()
        .name(format!("{}-purge", inner.cfg.thread_name))
        .spawn(move || purge_main(&purge_inner, generation))?;
    let old = lock(&inner.purge_thread).replace(handle);
    if let Some(old) = old {
        // It has seen (or will see at its next wake-up, which release
        // triggered) that its generation is over.
        let _ = old.join();
    }
    Ok(())
}

/// The purge thread: every `expiry`, stops the workers idle for longer.
fn purge_main<J>(inner: &Inner<J>, generation: u64) {
    let mut st = lock(&inner.state);
    loop {
        if st.generation != generation {
            return;
        }
        st = wait_timeout(&inner.purge_cv, st, inner.cfg.expiry);
        if st.generation != generation {
            return;
        }
        let expired = take_expired(inner, &mut st);
        if !expired.is_empty() {
            drop(st);
            for slot in expired {
                slot.deliver(Msg::Exit);
            }
            st = lock(&inner.state);
        }
    }
}

/// Removes (under `state`) the idle workers whose last task finished at
/// least `expiry` ago by the pool's clock. The list is in finishing order
/// (up to the few nanoseconds between a worker reading the clock and taking
/// the lock), so the scan stops at the first fresh worker.
fn take_expired<J>(inner: &Inner<J>, st: &mut State<J>) -> Vec<Arc<Slot<J>>> {
    let Some(cutoff) = inner.cfg.clock.now().checked_sub(inner.cfg.expiry) else {
        return Vec::new();
    };
    let mut expired = Vec::new();
    while st.idle.front().is_some_and(|idle| idle.since <= cutoff) {
        if let Some(idle) = st.idle.pop_front() {
            expired.push(idle.slot);
        }
    }
    expired
}

/// Restarts a released pool.
pub(crate) fn reboot<J: Send + 'static>(inner: &Arc<Inner<J>>) {
    let mut st = lock(&inner.state);
    if !inner.closed.load(Ordering::Relaxed) {
        return;
    }
    inner.closed.store(false, Ordering::Release);
    st.generation += 1;
    let generation = st.generation;
    drop(st);
    if inner.cfg.purge {
        // Without a purge thread the pool still works; idle workers then
        // live until the next release.
        let _ = start_purge(inner, generation);
    }
}

impl<J> Inner<J> {
    pub(crate) fn cap(&self) -> Option<usize> {
        match self.capacity.load(Ordering::Relaxed) {
            usize::MAX => None,
            n => Some(n),
        }
    }

    pub(crate) fn running(&self) -> usize {
        self.busy.load(Ordering::Relaxed)
    }

    pub(crate) fn workers(&self) -> usize {
        self.threads.load(Ordering::Relaxed)
    }

    pub(crate) fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    pub(crate) fn free(&self) -> Option<usize> {
        self.cap().map(|c| c.saturating_sub(self.running()))
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// True on a worker of this pool (or of a sibling in the same
    /// `MultiPool`).
    pub(crate) fn on_own_worker(&self) -> bool {
        is_current_pool(self.id)
    }

    pub(crate) fn stats(&self) -> PoolStats {
        let mut s = PoolStats::default();
        s.capacity = self.capacity.load(Ordering::Relaxed);
        s.workers = self.workers();
        s.running = self.running();
        s.waiting = self.waiting();
        s.completed = self.completed.load(Ordering::Relaxed);
        s.panicked = self.panicked.load(Ordering::Relaxed);
        s
    }

    /// Changes the capacity. Growing wakes blocked submitters; shrinking
    /// retires surplus idle workers now and busy ones as they come back.
    pub(crate) fn tune(&self, n: usize) -> Result<(), TuneError> {
        if n == 0 {
            return Err(TuneError::Zero);
        }
        if self.cfg.capacity.is_none() {
            return Err(TuneError::Unlimited);
        }
        let mut st = lock(&self.state);
        let old = self.capacity.load(Ordering::Relaxed);
        self.capacity.store(n, Ordering::Relaxed);
        let mut retired = Vec::new();
        if n < old {
            let busy = self.busy.load(Ordering::Relaxed);
            while busy + st.idle.len() > n {
                match st.idle.pop_front() {
                    Some(idle) => retired.push(idle.slot),
                    None => break,
                }
            }
        } else if n > old {
            if self.cfg.prealloc {
                let len = st.idle.len();
                st.idle.reserve(n - len);
            }
            wake_all(&st);
        }
        drop(st);
        for slot in retired {
            slot.deliver(Msg::Exit);
        }
        Ok(())
    }

    /// Closes the pool: refuses new jobs, wakes blocked submitters (they get
    /// their job back), tells idle workers to exit. Busy workers exit when
    /// their task returns. Does not wait. Returns whether this call closed it.
    pub(crate) fn release(&self) -> bool {
        let mut st = lock(&self.state);
        if self.closed.load(Ordering::Relaxed) {
            return false;
        }
        self.closed.store(true, Ordering::Release);
        st.generation += 1;
        let idle: Vec<_> = st.idle.drain(..).map(|idle| idle.slot).collect();
        wake_all(&st);
        self.purge_cv.notify_all();
        if st.quiet_waiters > 0 {
            self.quiet.notify_all();
        }
        drop(st);
        for slot in idle {
            slot.deliver(Msg::Exit);
        }
        true
    }

    /// Registers a waiter on `quiet`; a worker of this pool counts as
    /// "inside" (see `State::inside_waiters`). Returns whether it is inside.
    fn enter_quiet(&self, st: &mut State<J>) -> bool {
        st.quiet_waiters += 1;
        let inside = self.on_own_worker();
        if inside {
            st.inside_waiters += 1;
            // Other waiters' conditions depend on this count.
            self.quiet.notify_all();
        }
        inside
    }

    fn leave_quiet(st: &mut State<J>, inside: bool) {
        st.quiet_waiters -= 1;
        if inside {
            st.inside_waiters -= 1;
        }
    }

    /// Waits until every worker thread has left its loop, or until
    /// `deadline`. Called from inside one of this pool's tasks, it does not
    /// wait for the workers that are themselves waiting inside a task (the
    /// calling one included).
    pub(crate) fn wait_exit(&self, deadline: Option<Instant>) -> Result<(), TimedOut> {
        let mut st = lock(&self.state);
        let inside = self.enter_quiet(&mut st);
        let result = loop {
            let allowed = if inside { st.inside_waiters } else { 0 };
            if st.threads <= allowed {
                break Ok(());
            }
            match deadline {
                None => st = wait(&self.quiet, st),
                Some(deadline) => {
                    let now = self.cfg.clock.now();
                    if now >= deadline {
                        break Err(TimedOut::new(st.threads));
                    }
                    st = wait_timeout(&self.quiet, st, deadline - now);
                }
            }
        };
        Self::leave_quiet(&mut st, inside);
        result
    }

    /// Joins every worker thread that has left its loop, and the purge thread
    /// of a released pool. Concurrent callers return only after the joins.
    /// From inside one of this pool's tasks it joins nothing: other workers
    /// may be waiting inside their tasks too (they exit when those return),
    /// and a later call from outside, or the last drop, joins them.
    pub(crate) fn join_threads(&self) {
        if self.on_own_worker() {
            return;
        }
        let mut handles = lock(&self.handles);
        for handle in handles.list.drain(..) {
            let _ = handle.join();
        }
        drop(handles);
        if self.is_closed() {
            let purge = lock(&self.purge_thread).take();
            if let Some(purge) = purge {
                let _ = purge.join();
            }
        }
    }

    /// `release` and wait for every worker to exit (the `TaskPool::stop` of
    /// this design, and what dropping the last handle does).
    pub(crate) fn shutdown(&self) {
        self.release();
        let _ = self.wait_exit(None);
        self.join_threads();
    }

    /// `release`, then wait at most `timeout` (by the pool's clock) for every
    /// worker to exit.
    pub(crate) fn release_timeout(&self, timeout: Duration) -> Result<(), TimedOut> {
        self.release();
        let deadline = self.cfg.clock.now().checked_add(timeout);
        self.wait_exit(deadline)?;
        self.join_threads();
        Ok(())
    }

    /// Blocks until no task is running and no submitter is blocked. From
    /// inside one of this pool's tasks: until no task runs but those waiting
    /// inside a task like this one (the calling one included); blocked
    /// submitters are not waited for then, since they may be waiting for the
    /// calling task's worker.
    pub(crate) fn wait_idle(&self) {
        let mut st = lock(&self.state);
        let inside = self.enter_quiet(&mut st);
        loop {
            let busy = self.busy.load(Ordering::Relaxed);
            let quiet = if inside {
                busy <= st.inside_waiters
            } else {
                busy == 0 && st.waiting == 0
            };
            if quiet {
                break;
            }
            st = wait(&self.quiet, st);
        }
        Self::leave_quiet(&mut st, inside);
    }

    /// Under `state`: if no task runs and no submitter waits (the calling
    /// task excepted, from inside one), the number of tasks finished so far;
    /// `None` otherwise. Lets a `MultiPool` tell that several pools were idle
    /// together.
    pub(crate) fn quiet_count(&self) -> Option<u64> {
        let st = lock(&self.state);
        let own = usize::from(self.on_own_worker());
        let quiet = self.busy.load(Ordering::Relaxed) <= own && (own == 1 || st.waiting == 0);
        quiet
            .then(|| self.completed.load(Ordering::Relaxed) + self.panicked.load(Ordering::Relaxed))
    }

    /// One purge pass now: stops the workers idle for at least the expiry
    /// duration by the pool's clock. Returns how many were stopped.
    pub(crate) fn purge_expired(&self) -> usize {
        let mut st = lock(&self.state);
        let expired = take_expired(self, &mut st);
        drop(st);
        let n = expired.len();
        for slot in expired {
            slot.deliver(Msg::Exit);
        }
        n
    }

    /// How many idle workers wait for a task now.
    pub(crate) fn idle_workers(&self) -> usize {
        lock(&self.state).idle.len()
    }
}
