//! Admission: the steps of DESIGN.md's "Submit". A job goes to an idle
//! worker, or to a worker started for it while fewer than the capacity are
//! busy; otherwise the submitter is refused or waits in line ([`InLine`]).

use taskpool_utils::sync::{lock, thread, Arc, Ordering};

use crate::line::{InLine, Left, Refusal, Wait};
use crate::mailbox::{Mailbox, Msg, HANDOFF_POLL};
use crate::state::{Handles, Inner};
use crate::worker_loop::worker_main;

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
        HANDOFF_POLL.poll_until(|| {
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
                && top.is_some_and(|idle| idle.mailbox.asleep.load(Ordering::Relaxed))
            {
                waited_for_hot = true;
                drop(st);
                HANDOFF_POLL.poll_until(|| inner.busy.load(Ordering::Relaxed) < busy);
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
                idle.mailbox.deliver(Msg::Run(job));
                return Ok(());
            }
            st.threads += 1;
            inner.threads.store(st.threads, Ordering::Relaxed);
            drop(st);
            return spawn_worker(inner, job);
        }
        let refuse = match wait_for {
            Wait::Never => true,
            Wait::Forever if inner.on_own_worker() => true,
            Wait::Until(deadline) if inner.cfg.clock.now() >= deadline => true,
            _ => inner.cfg.nonblocking || inner.cfg.max_blocking.is_some_and(|m| st.waiting >= m),
        };
        if refuse {
            return Err((Refusal::Overloaded, job));
        }

        // Wait in line with the job, for a worker to take it (DESIGN.md,
        // "Submit", step 3).
        let Some((guard, left)) = InLine::join(inner, &mut st, job).wait(inner, st, wait_for)
        else {
            return Ok(());
        };
        st = guard;
        job = match left {
            Left::Taken => return Ok(()),
            // A place freed without a hand-off: take it like a new
            // submitter, still under the same lock hold.
            Left::Room(job) => job,
            Left::Refused(why, job) => return Err((why, job)),
        };
    }
}

/// Starts a worker for `job`; its place is already reserved (`busy` and
/// `threads` counted). On failure the reservation is undone and the job
/// handed back.
fn spawn_worker<J: Send + 'static>(inner: &Arc<Inner<J>>, job: J) -> Result<(), (Refusal, J)> {
    let mailbox = Arc::new(Mailbox::new());
    mailbox.deliver(Msg::Run(job));
    let n = inner.spawned.fetch_add(1, Ordering::Relaxed);
    let builder = thread::Builder::new().name(format!("{}-{n}", inner.cfg.thread_name));
    let worker_inner = Arc::clone(inner);
    let worker_mailbox = Arc::clone(&mailbox);
    let mut handles = lock(&inner.handles);
    match builder.spawn(move || worker_main(&worker_inner, &worker_mailbox)) {
        Ok(handle) => {
            prune_handles(&mut handles);
            handles.list.push(handle);
            Ok(())
        }
        Err(_) => {
            drop(handles);
            let Some(Msg::Run(job)) = mailbox.take() else {
                unreachable!("the new worker never ran, so its first job is still in its mailbox")
            };
            let mut st = lock(&inner.state);
            let busy = inner.busy.load(Ordering::Relaxed) - 1;
            inner.busy.store(busy, Ordering::Relaxed);
            st.threads -= 1;
            inner.threads.store(st.threads, Ordering::Relaxed);
            st.wake_first();
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
