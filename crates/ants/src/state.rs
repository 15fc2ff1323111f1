//! What a pool shares between its handles, submitters and workers:
//! [`Inner`], with the counters readable without a lock, and [`State`], what
//! its one lock guards (the idle workers, the line of blocked submitters,
//! the thread count).

use std::collections::VecDeque;
use std::fmt;
use std::time::Instant;

use taskpool::PoolStats;
use taskpool_utils::sync::{
    lock, thread, Arc, AtomicBool, AtomicU64, AtomicUsize, Condvar, Mutex, Ordering,
};
use taskpool_utils::worker_mark::PoolId;

use crate::config::Config;
use crate::mailbox::Mailbox;

/// An idle worker: its mailbox and when it last finished a task.
pub(crate) struct Idle<J> {
    pub(crate) mailbox: Arc<Mailbox<J>>,
    pub(crate) since: Instant,
}

/// Everything guarded by `Inner::state`.
pub(crate) struct State<J> {
    /// Idle workers, least recently used at the front (pushes go to the back
    /// in the order workers finish). Taken from the back (a stack: the most
    /// recently used, still-hot worker) or, with pre-allocation, from the
    /// front (a FIFO ring whose storage is reserved up front).
    pub(crate) idle: VecDeque<Idle<J>>,
    /// Blocked submitters, first come first served, each with the job it
    /// waits to hand over (its length is `waiting`, mirrored in
    /// `Inner::waiting`). A worker coming back with room takes the front
    /// job directly (`revert`); the submitter then finds its ticket gone.
    pub(crate) line: VecDeque<Waiter<J>>,
    /// Equal to `line.len()`.
    pub(crate) waiting: usize,
    /// Numbers the waiters.
    pub(crate) next_ticket: u64,
    /// Threads blocked on `quiet` (wait_idle, release_timeout, stop).
    pub(crate) quiet_waiters: usize,
    /// Of those, how many are this pool's own workers (calls from inside a
    /// task). They cannot finish while they wait, so the others do not wait
    /// for them: two tasks calling `stop` at once must not wait for each
    /// other (rule 7).
    pub(crate) inside_waiters: usize,
    /// Worker threads started and not yet at the end of their loop (mirrored
    /// in `Inner::threads`).
    pub(crate) threads: usize,
    /// Bumped by release and reboot; a purge thread runs only while the
    /// generation it was started in is current.
    pub(crate) generation: u64,
}

/// A blocked submitter: its job, and the condvar (used with `state`) it
/// sleeps on. Woken when a worker took its job, when a place frees without a
/// hand-off (tune up, a failed spawn), and on release.
pub(crate) struct Waiter<J> {
    pub(crate) ticket: u64,
    pub(crate) job: Option<J>,
    pub(crate) signal: Arc<Signal>,
}

/// How a worker tells a waiter its job was taken.
///
/// `taken` is a hint the waiter polls before it sleeps (the truth is its
/// ticket gone from `line`, read under `state`). `asleep` is written only
/// under `state`, true exactly while the waiter sleeps on `cv`: a worker that
/// takes the job under `state` and sees `false` knows the waiter will look
/// at `line` before it sleeps, so the wake-up can be skipped.
pub(crate) struct Signal {
    pub(crate) cv: Condvar,
    pub(crate) taken: AtomicBool,
    pub(crate) asleep: AtomicBool,
}

impl Signal {
    /// A signal nobody has set: its waiter's job not taken, nobody asleep.
    pub(crate) fn new() -> Signal {
        Signal {
            cv: Condvar::new(),
            taken: AtomicBool::new(false),
            asleep: AtomicBool::new(false),
        }
    }
}

/// The list of worker threads to join at shutdown.
pub(crate) struct Handles {
    pub(crate) list: Vec<thread::JoinHandle<()>>,
    /// Prune finished handles when the list reaches this length (amortised).
    #[cfg_attr(tp_loom, allow(dead_code))]
    pub(crate) prune_at: usize,
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
    /// Marks this pool's worker threads (the worker mark). The pools of one
    /// `MultiPool` share it: a task of any of them is "inside" all of them
    /// (it must not block on, or wait for, a sibling that may be waiting for
    /// it).
    pub(crate) id: PoolId,
    pub(crate) cfg: Config,
    /// Runs one job: calls the boxed closure, or the bound function.
    pub(crate) runner: Box<dyn Fn(J) + Send + Sync>,
    pub(crate) state: Mutex<State<J>>,
    /// Notified (under `state`) whenever `busy`, `waiting` or `threads` drops,
    /// if `quiet_waiters > 0`.
    pub(crate) quiet: Condvar,
    /// Wakes the purge thread early (release, reboot).
    pub(crate) purge_cv: Condvar,
    /// Workers holding a task. Written only under `state`; read anywhere as a
    /// hint (the lock-free refusal of `try_submit`).
    pub(crate) busy: AtomicUsize,
    /// The capacity now (`usize::MAX`: unlimited). Written only under `state`.
    pub(crate) capacity: AtomicUsize,
    /// True between release and reboot. Written only under `state`.
    pub(crate) closed: AtomicBool,
    /// Mirrors of `State::threads` and `State::waiting` for lock-free reads.
    pub(crate) threads: AtomicUsize,
    pub(crate) waiting: AtomicUsize,
    /// Tasks that returned. Written only under `state` (by `revert`); read
    /// anywhere.
    pub(crate) completed: AtomicU64,
    /// Tasks that panicked (counted by the worker, outside `state`).
    pub(crate) panicked: AtomicU64,
    /// Idle workers polling their mailbox now, long or short: the count
    /// with which `CappedPoll` keeps the long polls to at most
    /// `mailbox::IDLE_POLLERS`. Written by the workers only, each adding
    /// itself before it polls and removing itself after.
    pub(crate) idle_pollers: AtomicUsize,
    /// Numbers the worker threads' names.
    pub(crate) spawned: AtomicUsize,
    /// Held across every spawn and across the joins of shutdown, so a
    /// shutdown sees every handle of a thread it waited for.
    pub(crate) handles: Mutex<Handles>,
    /// The purge thread of the current generation: set by `start_purge`
    /// (which joins the one it replaces, whose generation is over) and
    /// taken and joined by `join_threads` once the pool is closed.
    pub(crate) purge_thread: Mutex<Option<thread::JoinHandle<()>>>,
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

impl<J> Inner<J> {
    /// A pool's shared state, with no thread started yet.
    pub(crate) fn new(cfg: Config, runner: Box<dyn Fn(J) + Send + Sync>) -> Inner<J> {
        let capacity = cfg.capacity.unwrap_or(usize::MAX);
        let idle = if cfg.prealloc {
            VecDeque::with_capacity(capacity)
        } else {
            VecDeque::new()
        };
        Inner {
            id: cfg.group.unwrap_or_default(),
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
            idle_pollers: AtomicUsize::new(0),
            handles: Mutex::new(Handles {
                list: Vec::new(),
                prune_at: 16,
            }),
            purge_thread: Mutex::new(None),
            cfg,
        }
    }

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
        self.id.owns_current_thread()
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

    /// How many idle workers wait for a task now.
    pub(crate) fn idle_workers(&self) -> usize {
        lock(&self.state).idle.len()
    }

    /// A blocked submitter stops waiting (under `state`).
    pub(crate) fn leave_waiting(&self, st: &mut State<J>) {
        st.waiting -= 1;
        self.waiting.store(st.waiting, Ordering::Relaxed);
        if st.quiet_waiters > 0 {
            self.quiet.notify_all();
        }
    }
}

impl<J> State<J> {
    /// Wakes the first blocked submitter, if any: a place freed without a
    /// hand-off.
    pub(crate) fn wake_first(&self) {
        if let Some(first) = self.line.front() {
            first.signal.cv.notify_one();
        }
    }

    /// Wakes every blocked submitter: the capacity grew or the pool was
    /// released.
    pub(crate) fn wake_all(&self) {
        for waiter in &self.line {
            waiter.signal.cv.notify_one();
        }
    }
}
