//! A pool's life after it is built: start, tune, release (and wait for the
//! workers to exit), reboot, and the waits for quiet (`wait_idle`).

use std::time::{Duration, Instant};

use taskpool_utils::sync::{lock, wait, wait_timeout, Arc, Ordering};

use crate::config::Config;
use crate::error::{TimedOut, TuneError};
use crate::mailbox::Msg;
use crate::purge::start_purge;
use crate::state::{Inner, State};

/// A new pool; starts the purge thread unless purging is disabled.
pub(crate) fn start<J: Send + 'static>(
    cfg: Config,
    runner: Box<dyn Fn(J) + Send + Sync>,
) -> std::io::Result<Arc<Inner<J>>> {
    let inner = Arc::new(Inner::new(cfg, runner));
    if inner.cfg.purge {
        start_purge(&inner, 0)?;
    }
    Ok(inner)
}

/// Restarts a released pool.
pub(crate) fn reboot<J: Send + 'static>(inner: &Arc<Inner<J>>) {
    let mut st = lock(&inner.state);
    if !inner.closed.load(Ordering::Relaxed) {
        return;
    }
    inner.closed.store(false, Ordering::Release);
    st.generation += 1;
    let generation = st.generation;
    drop(st);
    if inner.cfg.purge {
        // Without a purge thread the pool still works; idle workers then
        // live until the next release.
        let _ = start_purge(inner, generation);
    }
}

impl<J> Inner<J> {
    /// Changes the capacity. Growing wakes blocked submitters; shrinking
    /// retires surplus idle workers now and busy ones as they come back.
    pub(crate) fn tune(&self, n: usize) -> Result<(), TuneError> {
        if n == 0 {
            return Err(TuneError::Zero);
        }
        if self.cfg.capacity.is_none() {
            return Err(TuneError::Unlimited);
        }
        if n > self.cfg.capacity_limit {
            return Err(TuneError::TooLarge {
                requested: n,
                limit: self.cfg.capacity_limit,
            });
        }
        let mut st = lock(&self.state);
        let old = self.capacity.load(Ordering::Relaxed);
        self.capacity.store(n, Ordering::Relaxed);
        let mut retired = Vec::new();
        if n < old {
            let busy = self.busy.load(Ordering::Relaxed);
            while busy + st.idle.len() > n {
                match st.idle.pop_front() {
                    Some(idle) => retired.push(idle.mailbox),
                    None => break,
                }
            }
        } else if n > old {
            if self.cfg.prealloc {
                let len = st.idle.len();
                st.idle.reserve(n - len);
            }
            st.wake_all();
        }
        drop(st);
        for mailbox in retired {
            mailbox.deliver(Msg::Exit);
        }
        Ok(())
    }

    /// Closes the pool: refuses new jobs, wakes blocked submitters (they get
    /// their job back), tells idle workers to exit. Busy workers exit when
    /// their task returns. Does not wait. Returns whether this call closed it.
    pub(crate) fn release(&self) -> bool {
        let mut st = lock(&self.state);
        if self.closed.load(Ordering::Relaxed) {
            return false;
        }
        self.closed.store(true, Ordering::Release);
        st.generation += 1;
        let idle: Vec<_> = st.idle.drain(..).map(|idle| idle.mailbox).collect();
        st.wake_all();
        self.purge_cv.notify_all();
        if st.quiet_waiters > 0 {
            self.quiet.notify_all();
        }
        drop(st);
        for mailbox in idle {
            mailbox.deliver(Msg::Exit);
        }
        true
    }

    /// Registers a waiter on `quiet`; a worker of this pool counts as
    /// "inside" (see `State::inside_waiters`). Returns whether it is inside.
    fn enter_quiet(&self, st: &mut State<J>) -> bool {
        st.quiet_waiters += 1;
        let inside = self.on_own_worker();
        if inside {
            st.inside_waiters += 1;
            // Other waiters' conditions depend on this count.
            self.quiet.notify_all();
        }
        inside
    }

    fn leave_quiet(st: &mut State<J>, inside: bool) {
        st.quiet_waiters -= 1;
        if inside {
            st.inside_waiters -= 1;
        }
    }

    /// Waits until every worker thread has left its loop, or until
    /// `deadline`. Called from inside one of this pool's tasks, it does not
    /// wait for the workers that are themselves waiting inside a task (the
    /// calling one included).
    pub(crate) fn wait_exit(&self, deadline: Option<Instant>) -> Result<(), TimedOut> {
        let mut st = lock(&self.state);
        let inside = self.enter_quiet(&mut st);
        let result = loop {
            let allowed = if inside { st.inside_waiters } else { 0 };
            if st.threads <= allowed {
                break Ok(());
            }
            match deadline {
                None => st = wait(&self.quiet, st),
                Some(deadline) => {
                    let now = self.cfg.clock.now();
                    if now >= deadline {
                        break Err(TimedOut::new(st.threads));
                    }
                    st = wait_timeout(&self.quiet, st, deadline - now);
                }
            }
        };
        Self::leave_quiet(&mut st, inside);
        result
    }

    /// Joins every worker thread that has left its loop, and the purge thread
    /// of a released pool. Concurrent callers return only after the joins.
    /// From inside one of this pool's tasks it joins nothing: other workers
    /// may be waiting inside their tasks too (they exit when those return),
    /// and a later call from outside, or the last drop, joins them.
    pub(crate) fn join_threads(&self) {
        if self.on_own_worker() {
            return;
        }
        let mut handles = lock(&self.handles);
        for handle in handles.list.drain(..) {
            let _ = handle.join();
        }
        drop(handles);
        if self.is_closed() {
            let purge = lock(&self.purge_thread).take();
            if let Some(purge) = purge {
                let _ = purge.join();
            }
        }
    }

    /// `release` and wait for every worker to exit (the `TaskPool::stop` of
    /// this design, and what dropping the last handle does).
    pub(crate) fn shutdown(&self) {
        self.release();
        let _ = self.wait_exit(None);
        self.join_threads();
    }

    /// `release`, then wait at most `timeout` (by the pool's clock) for every
    /// worker to exit.
    pub(crate) fn release_timeout(&self, timeout: Duration) -> Result<(), TimedOut> {
        self.release();
        let deadline = self.cfg.clock.now().checked_add(timeout);
        self.wait_exit(deadline)?;
        self.join_threads();
        Ok(())
    }

    /// Blocks until no task is running and no submitter is blocked. From
    /// inside one of this pool's tasks: until no task runs but those waiting
    /// inside a task like this one (the calling one included); blocked
    /// submitters are not waited for then, since they may be waiting for the
    /// calling task's worker.
    pub(crate) fn wait_idle(&self) {
        let mut st = lock(&self.state);
        let inside = self.enter_quiet(&mut st);
        loop {
            let busy = self.busy.load(Ordering::Relaxed);
            let quiet = if inside {
                busy <= st.inside_waiters
            } else {
                busy == 0 && st.waiting == 0
            };
            if quiet {
                break;
            }
            st = wait(&self.quiet, st);
        }
        Self::leave_quiet(&mut st, inside);
    }

    /// Under `state`: if no task runs and no submitter waits (the calling
    /// task excepted, from inside one), the number of tasks finished so far;
    /// `None` otherwise. Lets a `MultiPool` tell that several pools were idle
    /// together.
    pub(crate) fn quiet_count(&self) -> Option<u64> {
        let st = lock(&self.state);
        let own = usize::from(self.on_own_worker());
        let quiet = self.busy.load(Ordering::Relaxed) <= own && (own == 1 || st.waiting == 0);
        quiet
            .then(|| self.completed.load(Ordering::Relaxed) + self.panicked.load(Ordering::Relaxed))
    }
}
