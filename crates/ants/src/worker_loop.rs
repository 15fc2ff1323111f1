//! A worker thread's life: receive a job in its mailbox, run it, come back
//! (DESIGN.md, "Worker loop and revert"): take the first waiter's job
//! directly, or rest on the idle list, or leave.

use std::panic::{self, AssertUnwindSafe};

use taskpool_utils::sync::{lock, Arc, Ordering};

use crate::mailbox::{Mailbox, Msg};
use crate::state::{Idle, Inner};

/// A worker thread: runs what it is handed until told to exit, or until it
/// finds the pool released or over capacity when it comes back.
pub(crate) fn worker_main<J: Send + 'static>(inner: &Inner<J>, mailbox: &Arc<Mailbox<J>>) {
    inner.id.mark_current_thread(0);
    let mut next = mailbox.receive(&inner.idle_pollers);
    while let Msg::Run(job) = next {
        let completed = run_job(inner, job);
        next = match revert(inner, mailbox, completed) {
            Back::Run(job) => Msg::Run(job),
            Back::Idle => mailbox.receive(&inner.idle_pollers),
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
fn revert<J>(inner: &Inner<J>, mailbox: &Arc<Mailbox<J>>, completed: bool) -> Back<J> {
    // The instant is needed only if this worker goes back on the idle list;
    // with submitters in line it most likely takes one of their jobs
    // instead, so it skips the clock read (a read under the lock later if
    // it does go idle).
    let early = (inner.waiting.load(Ordering::Relaxed) == 0).then(|| inner.cfg.clock.now());
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
        let since = early.unwrap_or_else(|| inner.cfg.clock.now());
        st.idle.push_back(Idle {
            mailbox: Arc::clone(mailbox),
            since,
        });
    }
    if busy < cap {
        st.wake_first();
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
