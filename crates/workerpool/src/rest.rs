//! The dispatcher's rest and the submitters' keep-up, both halves of each in
//! one place: when the dispatcher stops draining its channel (a long queue,
//! every worker started), who wakes it, and how a submitter keeps it from
//! falling far behind. DESIGN.md ("rest", "keep up") explains the thresholds
//! and why no wake-up is lost.

use taskpool_utils::sync::{lock, wait, MutexGuard, Ordering};

use crate::channel;
use crate::msg::Msg;
use crate::state::{Handoff, Inner};

/// The dispatcher rests (stops draining its channel) while the waiting queue
/// holds at least `REST_QUEUE` tasks and every worker is started: nothing it
/// could take from the channel would start before those anyway, and not
/// chasing the submitters keeps it off the cache lines they write. A worker
/// wakes it when the queue is down to `REST_QUEUE / 2`.
#[cfg(not(tp_loom))]
pub(crate) const REST_QUEUE: usize = 256;
/// A resting dispatcher is also woken (by a submitter) once this many
/// messages wait in its channel, so queued tasks move into the compact queue
/// (16 bytes a task) instead of piling up in channel slots; it then drains to
/// half of this before resting again.
#[cfg(not(tp_loom))]
const REST_CHANNEL: usize = 2048;
/// A submitter looks at the channel's length on every `LAG_SAMPLE`th submit
/// of its thread; if the dispatcher is `LAG_LIMIT` messages behind, it
/// sleeps until the dispatcher is down to half of that (see
/// [`Inner::keep_up`]). A backlog in the channel costs 24 bytes a task
/// against 16 in the queue, and one submitter on two cores can outrun the
/// dispatcher by hundreds of thousands of tasks (DESIGN.md, "Rejected
/// alternatives"). The half must be at least `REST_CHANNEL / 2`, so the
/// dispatcher never rests while a submitter waits for it.
#[cfg(not(tp_loom))]
pub(crate) const LAG_LIMIT: usize = 2048;
/// Reading the channel's length touches the cache lines of both of its ends,
/// which the dispatcher writes; sampling it once in this many submits keeps
/// that off the per-submit cost, while the channel grows by at most this
/// many messages per submitter between two looks (the bound the keep-up
/// test checks).
#[cfg(not(tp_loom))]
pub(crate) const LAG_SAMPLE: u32 = 64;

#[cfg(not(tp_loom))]
taskpool_utils::sync::thread_local! {
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
pub(crate) const REST_QUEUE: usize = 2;
#[cfg(tp_loom)]
const REST_CHANNEL: usize = 2;
#[cfg(tp_loom)]
pub(crate) const LAG_LIMIT: usize = 2;
const _: () = assert!(LAG_LIMIT / 2 >= REST_CHANNEL / 2);

impl Inner {
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

    /// Dispatcher side, between two receives: rests while the waiting queue
    /// is long and every worker is started (see [`REST_QUEUE`]); returns at
    /// once otherwise. `spawn_failed`: the dispatcher must retry a spawn
    /// soon, so it does not rest.
    pub(crate) fn rest_while_saturated<'a>(
        &self,
        mut h: MutexGuard<'a, Handoff>,
        rx: &channel::Receiver<Msg>,
        spawn_failed: bool,
    ) -> MutexGuard<'a, Handoff> {
        if h.urgent {
            if !rx.is_empty() {
                return h;
            }
            h.urgent = false;
        }
        if h.queue.len() < REST_QUEUE
            || h.live - h.retire < self.max_workers
            || h.closing
            || spawn_failed
        {
            return h;
        }
        h.resting = true;
        self.resting.store(true, Ordering::SeqCst);
        // Pairs with `after_send`: a submitter that read the flag
        // as unset sent before this check, so its message is counted here.
        if rx.len() >= REST_CHANNEL / 2 {
            h.resting = false;
        }
        while h.resting {
            h = wait(&self.rest_cv, h);
        }
        self.resting.store(false, Ordering::SeqCst);
        h
    }
}
