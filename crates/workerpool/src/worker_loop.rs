//! A worker thread's body: run the task it was started with, then take
//! tasks from the waiting queue under the hand-off lock until told to retire
//! or the pool shuts down (DESIGN.md, "Worker states").

use std::panic::{self, AssertUnwindSafe};

use std::time::Duration;

use taskpool::Task;
use taskpool_utils::poll::PollPolicy;
use taskpool_utils::sync::{lock, wait, Arc, Ordering};

use crate::msg::{Control, Msg};
use crate::rest::REST_QUEUE;
use crate::state::Inner;

/// How a worker that finds no work polls for some before it sleeps: rounds
/// of 64 spin hints, each followed by a `yield_now`, for up to 50 µs. A task
/// handed to a sleeping worker costs the dispatcher a futex wake and the
/// task the worker's wake-up latency (several µs each on a virtual machine);
/// a worker still polling takes it from the queue with neither. The yields
/// hand the core to any thread with work on a machine with fewer cores than
/// threads, and the time limit bounds what an idle pool burns: after 50 µs
/// every worker sleeps. Off under loom (every poll is of a hint re-read
/// under the lock).
pub(crate) const IDLE_POLL: PollPolicy = if cfg!(tp_loom) {
    PollPolicy::Off
} else {
    PollPolicy::SpinYieldFor {
        spins: 64,
        limit: Duration::from_micros(50),
    }
};

/// At most this many idle workers poll at once; the others sleep at once,
/// so a pool of many workers does not spend its cores on yields. One: with
/// the dispatcher polling its channel too, that makes two polling threads
/// beside the submitters, as many as the cores of the machine the budgets
/// were measured on.
pub(crate) const POLLERS: usize = 1;

/// A worker thread's body: run the first task (if any), then take tasks from
/// the queue until told to retire or the pool shuts down.
pub(crate) fn worker_main(inner: &Arc<Inner>, id: usize, first: Option<Task>) {
    inner.id.mark_current_thread(id);
    let mut next = first;
    loop {
        let mut outcome = None;
        if let Some(task) = next.take() {
            inner.bound.release(1);
            outcome = Some(run_task(inner, task));
        }
        let mut h = lock(&inner.handoff);
        // Whether this worker already polled since it last looked for work
        // and found none (it then sleeps).
        let mut polled = false;
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
                let _ = inner.to_dispatcher.send(Msg::control(Control::CheckIdle));
            }
        }
        loop {
            if h.retire > 0 {
                h.retire -= 1;
                h.live -= 1;
                h.exited.push(id);
                // A wake may have been owed to this worker for a queued task
                // too: pass it on before leaving.
                if h.wake_one_needed() {
                    drop(h);
                    inner.work_cv.notify_one();
                }
                return;
            }
            if let Some(task) = h.queue.pop_front() {
                h.running += 1;
                next = Some(task);
                if h.resting && h.queue.len() <= REST_QUEUE / 2 {
                    inner.wake_dispatcher(&mut h);
                }
                // Claims still outnumber the workers looking: wake the next
                // sleeper (see `Handoff::wake_one_needed`).
                if h.wake_one_needed() {
                    drop(h);
                    inner.work_cv.notify_one();
                    h = lock(&inner.handoff);
                }
                break;
            }
            if h.closing {
                h.live -= 1;
                return;
            }
            h.idle += 1;
            if !polled && IDLE_POLL.polls() && h.polling < POLLERS {
                // Poll outside the lock, counted as idle (so the dispatcher
                // hands this worker tasks) but not asleep (so it does not
                // wake it), then look again under the lock.
                polled = true;
                h.polling += 1;
                let seen = inner.work_signal.load(Ordering::Relaxed);
                drop(h);
                IDLE_POLL.poll_until(|| inner.work_signal.load(Ordering::Acquire) != seen);
                h = lock(&inner.handoff);
                h.polling -= 1;
                h.idle -= 1;
                continue;
            }
            polled = false;
            h.asleep += 1;
            h = wait(&inner.work_cv, h);
            h.asleep -= 1;
            h.wake_owed = false;
            h.idle -= 1;
            // Awake now: if claims remain beyond the workers looking, the
            // next sleeper is woken when this one takes a task (above).
        }
    }
}

/// Runs one task, catching a panic; true if it returned normally.
fn run_task(inner: &Inner, task: Task) -> bool {
    match panic::catch_unwind(AssertUnwindSafe(task)) {
        Ok(()) => true,
        Err(payload) => {
            if let Some(handler) = &inner.panic_handler {
                // A panicking handler must not take the worker down with it.
                let _ = panic::catch_unwind(AssertUnwindSafe(|| handler(payload)));
            }
            false
        }
    }
}
