//! A worker thread's body: run the task it was started with, then take
//! tasks from the waiting queue under the hand-off lock until told to retire
//! or the pool shuts down (DESIGN.md, "Worker states").

use std::panic::{self, AssertUnwindSafe};

use taskpool::Task;
use taskpool_utils::sync::{lock, wait, Arc};

use crate::msg::{Control, Msg};
use crate::rest::REST_QUEUE;
use crate::state::Inner;

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
                return;
            }
            if let Some(task) = h.queue.pop_front() {
                h.running += 1;
                next = Some(task);
                if h.resting && h.queue.len() <= REST_QUEUE / 2 {
                    inner.wake_dispatcher(&mut h);
                }
                break;
            }
            if h.closing {
                h.live -= 1;
                return;
            }
            h.idle += 1;
            h = wait(&inner.work_cv, h);
            h.idle -= 1;
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
