//! [`Mailbox`]: how a task reaches one particular worker. Each worker has a
//! one-message mailbox; whoever took the worker off the idle list (or
//! started it) puts the job in, and the worker polls, then sleeps, until it
//! finds it.

use taskpool_utils::poll::{CappedPoll, PollPolicy};
use taskpool_utils::sync::{lock, wait, AtomicBool, AtomicUsize, Condvar, Mutex, Ordering};

/// Spin hints a thread waiting for a hand-off spends polling before it
/// sleeps on a condition variable (the `HANDOFF_POLL` budget; `LINE_POLL`
/// reads the clock once per this many): 64. Polling is what makes a
/// hand-off to a worker that has just finished its previous task cost no
/// system call; 64 hints take 1–2 µs. Yielding instead cost a
/// context switch per task, and much more spinning starved the sleeping
/// workers of the cores they wake on (DESIGN.md, "Rejected alternatives").
pub(crate) const HANDOFF_SPINS: u32 = 64;

/// How a worker waiting for its next job, and a submitter facing a full pool
/// (for a place to free, or a running worker to come back), poll before they
/// sleep: [`HANDOFF_SPINS`] spin hints. Under loom one look only, since a
/// polling loop only multiplies the interleavings and every polled hint is
/// re-read under a lock.
pub(crate) const HANDOFF_POLL: PollPolicy = if cfg!(tp_loom) {
    PollPolicy::Spins(0)
} else {
    PollPolicy::Spins(HANDOFF_SPINS)
};

/// How an idle worker (back on the idle list after a task) polls its mailbox
/// before it sleeps: rounds of [`HANDOFF_SPINS`] spin hints, each followed by
/// a `yield_now`, for up to 50 µs. A job delivered to a sleeping worker
/// costs the submitter a futex wake and the job the worker's wake-up
/// latency (several µs each on a virtual machine); a worker still polling
/// takes it with neither. Yielding hands the core to any thread with work
/// (the submitter, the running workers), and the limit bounds what an idle
/// pool burns. Only [`IDLE_POLLERS`] workers poll this long at once: those
/// that go idle while fewer are polling (in a trickle of jobs, that is the
/// worker just returned, on top of the stack); the others poll for
/// [`HANDOFF_POLL`] only. Off under loom.
pub(crate) const IDLE_POLL: PollPolicy = if cfg!(tp_loom) {
    PollPolicy::Off
} else {
    PollPolicy::SpinYieldFor {
        spins: HANDOFF_SPINS,
        limit: std::time::Duration::from_micros(50),
    }
};

/// At most this many idle workers poll at once (see [`IDLE_POLL`]); the
/// others poll only for [`HANDOFF_POLL`], so a pool of a hundred workers does
/// not spend the cores on yields.
pub(crate) const IDLE_POLLERS: usize = 2;

/// What a worker finds in its mailbox.
pub(crate) enum Msg<J> {
    /// Run this job.
    Run(J),
    /// Leave the pool (purge, tune down, release).
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
pub(crate) struct Mailbox<J> {
    full: AtomicBool,
    /// A copy of `Mail::parked` readable without the lock: a hint that a
    /// delivery to this worker costs a wake-up (a system call).
    pub(crate) asleep: AtomicBool,
    mail: Mutex<Mail<J>>,
    cv: Condvar,
}

struct Mail<J> {
    msg: Option<Msg<J>>,
    parked: bool,
}

impl<J> Mailbox<J> {
    pub(crate) fn new() -> Self {
        Mailbox {
            full: AtomicBool::new(false),
            asleep: AtomicBool::new(false),
            mail: Mutex::new(Mail {
                msg: None,
                parked: false,
            }),
            cv: Condvar::new(),
        }
    }

    pub(crate) fn deliver(&self, msg: Msg<J>) {
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

    /// Takes the next message, polling before sleeping: for [`IDLE_POLL`]
    /// if fewer than [`IDLE_POLLERS`] workers of the pool are polling
    /// (counted in `pollers`), else for [`HANDOFF_POLL`].
    pub(crate) fn receive(&self, pollers: &AtomicUsize) -> Msg<J> {
        CappedPoll {
            long: IDLE_POLL,
            short: HANDOFF_POLL,
            cap: IDLE_POLLERS,
        }
        .poll_until(pollers, || self.full.load(Ordering::Acquire));
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
    pub(crate) fn take(&self) -> Option<Msg<J>> {
        let mut mail = lock(&self.mail);
        self.full.store(false, Ordering::Relaxed);
        mail.msg.take()
    }
}
