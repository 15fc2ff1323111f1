//! Purge: the thread that stops workers idle for longer than the expiry
//! (one per generation of the pool), and the same pass on demand.

use taskpool_utils::sync::{lock, thread, wait_timeout, Arc};

use crate::mailbox::{Mailbox, Msg};
use crate::state::{Inner, State};

/// Starts the purge thread for `generation`, joining the previous one.
pub(crate) fn start_purge<J: Send + 'static>(
    inner: &Arc<Inner<J>>,
    generation: u64,
) -> std::io::Result<()> {
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
            for mailbox in expired {
                mailbox.deliver(Msg::Exit);
            }
            st = lock(&inner.state);
        }
    }
}

/// Removes (under `state`) the idle workers whose last task finished at
/// least `expiry` ago by the pool's clock. The list is in finishing order
/// (up to the few nanoseconds between a worker reading the clock and taking
/// the lock), so the scan stops at the first fresh worker.
fn take_expired<J>(inner: &Inner<J>, st: &mut State<J>) -> Vec<Arc<Mailbox<J>>> {
    let Some(cutoff) = inner.cfg.clock.now().checked_sub(inner.cfg.expiry) else {
        return Vec::new();
    };
    let mut expired = Vec::new();
    while st.idle.front().is_some_and(|idle| idle.since <= cutoff) {
        if let Some(idle) = st.idle.pop_front() {
            expired.push(idle.mailbox);
        }
    }
    expired
}

impl<J> Inner<J> {
    /// One purge pass now: stops the workers idle for at least the expiry
    /// duration by the pool's clock. Returns how many were stopped.
    pub(crate) fn purge_expired(&self) -> usize {
        let mut st = lock(&self.state);
        let expired = take_expired(self, &mut st);
        drop(st);
        let n = expired.len();
        for mailbox in expired {
            mailbox.deliver(Msg::Exit);
        }
        n
    }
}
