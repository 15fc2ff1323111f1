//! [`Inner`]: the state a pool's handles, dispatcher and workers share, and
//! [`Handoff`], what the dispatcher and the workers exchange under the
//! hand-off lock. DESIGN.md ("The pieces") draws them.

use std::fmt;

use taskpool_utils::sync::{Arc, AtomicBool, AtomicUsize, CachePadded, Condvar, Mutex, Ordering};
use taskpool_utils::worker_mark::PoolId;

use crate::bound::QueueBound;
use crate::builder::PanicHandler;
use crate::channel;
use crate::gate::SubmissionGate;
use crate::msg::Msg;
use crate::pause::Pauses;
use crate::queue::TaskQueue;
use crate::FullPolicy;

/// State shared by the handles, the dispatcher and the workers.
pub(crate) struct Inner {
    /// Marks the pool's dispatcher and worker threads, so `stop`,
    /// `stop_wait`, drop, `wait_idle`, `submit_wait` and `pause` see that
    /// they run on one of them, where waiting for the pool would wait for
    /// themselves.
    pub(crate) id: PoolId,
    /// Orders every accepted task before `Control::Stop` (see `gate.rs`).
    pub(crate) gate: SubmissionGate,
    /// Everything the dispatcher and the workers exchange. Never touched by
    /// `submit`. On a cache line of its own (the submitters write `gate` on
    /// every call; the workers hammer this lock).
    pub(crate) handoff: CachePadded<Mutex<Handoff>>,
    /// Workers sleep here when the queue is empty and their poll found
    /// nothing. Notified (after the lock is released) only for the claims the
    /// polling workers cannot take, one at a time
    /// ([`Handoff::wake_one_needed`]), and for
    /// everyone on shutdown.
    pub(crate) work_cv: Condvar,
    /// Bumped by the dispatcher, under the hand-off lock, whenever it gives
    /// waiting workers something to look at: tasks pushed for them, a retire
    /// request, shutdown. A polling worker watches it without the lock; it
    /// is only a hint (the worker re-reads the truth under the lock).
    pub(crate) work_signal: CachePadded<AtomicUsize>,
    /// The resting dispatcher waits here while `Handoff::resting` is set;
    /// whoever clears that flag (under the lock) notifies.
    pub(crate) rest_cv: Condvar,
    /// Submitters that found the channel `LAG_LIMIT` long wait here (with
    /// the hand-off lock); the dispatcher notifies all once it is down to
    /// half, and when it shuts down.
    pub(crate) lag_cv: Condvar,
    /// Mirrors `Handoff::resting` for submitters, who read it without the
    /// lock to decide whether a long channel calls for a wake-up. Written
    /// only by the dispatcher; on its own cache line.
    pub(crate) resting: CachePadded<AtomicBool>,
    /// Most workers that may exist at once (at least 1).
    pub(crate) max_workers: usize,
    /// The bound on tasks accepted and not started, if any.
    pub(crate) bound: QueueBound,
    /// Tasks of this pool that are blocked in a nested `submit_wait` on it.
    pub(crate) nested_waits: AtomicUsize,
    /// The pauses in force.
    pub(crate) pauses: Arc<Pauses>,
    /// Called with the payload of every task that panics.
    pub(crate) panic_handler: Option<PanicHandler>,
    /// The workers' way to send `Control::CheckIdle` to the dispatcher.
    pub(crate) to_dispatcher: channel::Sender<Msg>,
}

/// The hand-off between the dispatcher and the workers, under `Inner::handoff`.
pub(crate) struct Handoff {
    /// The FIFO waiting queue. Only the dispatcher pushes; workers pop from
    /// the front.
    pub(crate) queue: TaskQueue,
    /// Workers waiting for work: polling outside the lock, or asleep on
    /// `work_cv` (each adds itself before it polls and removes itself once it
    /// holds the lock again to look).
    pub(crate) idle: usize,
    /// Of `idle`, the workers asleep on `work_cv` (added before the wait,
    /// removed after it).
    pub(crate) asleep: usize,
    /// Of `idle`, the workers polling outside the lock (at most
    /// `worker_loop::POLLERS`); the others go straight to sleep.
    pub(crate) polling: usize,
    /// A notify sent on `work_cv` that no sleeper has consumed yet (the
    /// sleeper that wakes clears it), so two batches do not both wake a
    /// sleeper for the same claim. At most one wake is owed at a time.
    pub(crate) wake_owed: bool,
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
    /// `Inner::keep_up`).
    pub(crate) lag_waiters: usize,
    pub(crate) completed: u64,
    pub(crate) panicked: u64,
}

impl Handoff {
    /// Waiting workers not already spoken for by a queued task or a retire
    /// request.
    pub(crate) fn spare(&self) -> usize {
        self.idle.saturating_sub(self.queue.len() + self.retire)
    }

    /// Whether to notify one sleeper now, and if so marks the wake as owed:
    /// when no wake is owed already, a worker sleeps, and the claims (queued
    /// tasks and retire requests) outnumber the workers polling. At most one
    /// wake is owed at a time: the woken worker, once it
    /// holds the lock, calls this again and wakes the next if claims are
    /// still left over ([`worker_main`](crate::worker_loop::worker_main)), so
    /// sleepers wake one by one, as many as the queue keeps busy. Waking one
    /// per queued task instead made the dispatcher spend a futex call per
    /// task on workers that found the queue already drained (W1 at capacity
    /// 64).
    ///
    /// Why a claim is never stranded: a polling worker takes the hand-off
    /// lock again when its poll ends and looks at the queue and the retire
    /// requests before it sleeps, and a woken worker looks again too; so a
    /// claim left to them is taken, and while claims outnumber the workers
    /// looking, one more sleeper is always on its way.
    pub(crate) fn wake_one_needed(&mut self) -> bool {
        let claims = self.queue.len() + self.retire;
        if !self.wake_owed && self.asleep > 0 && claims > self.polling {
            self.wake_owed = true;
            true
        } else {
            false
        }
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
    pub(crate) fn needs_idle_check(&mut self) -> bool {
        if !self.check_pending && !self.idle_waiters.is_empty() && self.quiet() {
            self.check_pending = true;
            true
        } else {
            false
        }
    }
}

impl Inner {
    /// Tells polling workers there is something to look at (call under the
    /// hand-off lock, after the change).
    pub(crate) fn signal_work(&self) {
        self.work_signal.fetch_add(1, Ordering::Release);
    }

    pub(crate) fn new(
        max_workers: usize,
        limit: Option<(usize, FullPolicy)>,
        panic_handler: Option<PanicHandler>,
        to_dispatcher: channel::Sender<Msg>,
    ) -> Self {
        Inner {
            id: PoolId::new(),
            gate: SubmissionGate::new(),
            handoff: CachePadded::new(Mutex::new(Handoff {
                queue: TaskQueue::default(),
                idle: 0,
                asleep: 0,
                polling: 0,
                wake_owed: false,
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
            work_signal: CachePadded::new(AtomicUsize::new(0)),
            rest_cv: Condvar::new(),
            lag_cv: Condvar::new(),
            resting: CachePadded::new(AtomicBool::new(false)),
            max_workers,
            bound: QueueBound::new(limit),
            nested_waits: AtomicUsize::new(0),
            pauses: Arc::new(Pauses::new()),
            panic_handler,
            to_dispatcher,
        }
    }

    /// True on this pool's dispatcher thread and worker threads.
    pub(crate) fn on_own_thread(&self) -> bool {
        self.id.owns_current_thread()
    }

    /// True from the moment shutdown began.
    pub(crate) fn is_closed(&self) -> bool {
        self.gate.is_closed()
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inner")
            .field("max_workers", &self.max_workers)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}
