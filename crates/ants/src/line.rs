//! [`InLine`]: a submitter waiting in line with its job (DESIGN.md, "Submit",
//! step 3). It joins the back of the line holding its job, polls for a
//! worker to take the job, then sleeps on its own condition variable until
//! a worker has taken it, or it must take the job back: the pool was
//! released, a place freed without a hand-off, or its deadline passed.

use std::time::{Duration, Instant};

use taskpool_utils::poll::PollPolicy;
use taskpool_utils::sync::{lock, wait, wait_timeout, Arc, MutexGuard, Ordering};

use crate::mailbox::HANDOFF_SPINS;
use crate::state::{Inner, Signal, State, Waiter};

/// How long a submitter that has joined the line polls (outside the lock)
/// for a worker to take its job before it sleeps: 10 µs, in rounds of
/// [`HANDOFF_SPINS`] spin hints, each followed by a `yield_now`. A worker
/// coming back takes the job from the line directly; if the submitter is
/// asleep by then, the worker pays a wake-up (a system call: 5–20 µs on the
/// project's 2-vCPU virtual machine, where waking a thread on an idle vCPU
/// also costs an inter-processor interrupt) and the submitter its own
/// wake-up latency, once per task. Polling for about the cost of that
/// sleep-and-wake pair bounds the loss either way (the ski-rental rule), and
/// with tasks shorter than that nobody sleeps or wakes. The yields matter
/// when the workers' tasks are long enough to keep every core busy: a
/// submitter spinning without them took a core from the workers it waits
/// for (W3's 10 µs tasks at capacity 2 ran slower than on one thread); with
/// them it hands the core back between rounds (DESIGN.md, "Rejected
/// alternatives"). One look only under loom.
const LINE_POLL: PollPolicy = if cfg!(tp_loom) {
    PollPolicy::Spins(0)
} else {
    PollPolicy::SpinYieldFor {
        spins: HANDOFF_SPINS,
        limit: Duration::from_micros(10),
    }
};

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
    /// The pool is released.
    Stopped,
    /// Full, and the call may not wait (any longer).
    Overloaded,
}

/// A submitter's place in `State::line`.
pub(crate) struct InLine {
    /// Identifies its entry in the line; the entry gone means a worker took
    /// the job.
    ticket: u64,
    /// Its own condition variable (used with `state`) and hints.
    signal: Arc<Signal>,
}

/// How a wait in line ended.
pub(crate) enum Left<J> {
    /// A worker took the job (and uncounted this waiter).
    Taken,
    /// A place freed without a hand-off (tune up, a failed spawn): the job
    /// is back, to be admitted like a new submitter's.
    Room(J),
    /// The job is back and refused: released, or past the deadline.
    Refused(Refusal, J),
}

impl InLine {
    /// Joins the back of the line with `job` (under `state`).
    pub(crate) fn join<J>(inner: &Inner<J>, st: &mut State<J>, job: J) -> InLine {
        let ticket = st.next_ticket;
        st.next_ticket += 1;
        let signal = Arc::new(Signal::new());
        st.line.push_back(Waiter {
            ticket,
            job: Some(job),
            signal: Arc::clone(&signal),
        });
        st.waiting += 1;
        inner.waiting.store(st.waiting, Ordering::Relaxed);
        InLine { ticket, signal }
    }

    /// Polls, then sleeps, until the wait is over (see [`Left`]); returns
    /// with the lock held, so a [`Left::Room`] job is admitted in the same
    /// lock hold — or `None`, without the lock, when the poll saw a worker
    /// take the job (the common case with short tasks: one lock hold per
    /// hand-off less).
    pub(crate) fn wait<'a, J>(
        self,
        inner: &'a Inner<J>,
        st: MutexGuard<'a, State<J>>,
        wait_for: Wait,
    ) -> Option<(MutexGuard<'a, State<J>>, Left<J>)> {
        let signal = &self.signal;
        // First poll, outside the lock, for a worker to take the job: with
        // short tasks one comes back within the polling window, and neither
        // side then sleeps or wakes anybody.
        drop(st);
        LINE_POLL.poll_until(|| {
            signal.taken.load(Ordering::Acquire) || inner.closed.load(Ordering::Relaxed)
        });
        if signal.taken.load(Ordering::Acquire) {
            // A worker removed this waiter from the line and took the job
            // (it sets `taken` under `state`, after the removal, and nothing
            // clears it): the wait is over without taking the lock again.
            return None;
        }
        let mut st = lock(&inner.state);
        let mut polled = true;
        loop {
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
            let Some(pos) = st.line.iter().position(|w| w.ticket == self.ticket) else {
                return Some((st, Left::Taken));
            };
            let closed = inner.closed.load(Ordering::Relaxed);
            let room = inner.busy.load(Ordering::Relaxed) < inner.capacity.load(Ordering::Relaxed);
            let expired = matches!(wait_for, Wait::Until(d) if inner.cfg.clock.now() >= d);
            if closed || room || expired {
                let waiter = st.line.remove(pos).expect("the position was just found");
                inner.leave_waiting(&mut st);
                let job = waiter
                    .job
                    .expect("only the worker taking it empties a waiter");
                let left = if closed {
                    Left::Refused(Refusal::Stopped, job)
                } else if room {
                    Left::Room(job)
                } else {
                    Left::Refused(Refusal::Overloaded, job)
                };
                return Some((st, left));
            }
        }
    }
}
