//! The state behind the pool's one lock: the worker table ([`WorkerRecord`]
//! per live worker thread), the parked workers, the line of callers, the
//! counters; and [`Inner`], what the handles and the worker threads share.

use std::collections::VecDeque;

use taskpool_utils::clock::Clock;
use taskpool_utils::sync::{
    thread, wait, Arc, AtomicBool, AtomicUsize, Condvar, Mutex, MutexGuard,
};
use taskpool_utils::worker_mark::PoolId;

use crate::call::{Call, CallCache, Payload};
use crate::Worker;

/// The call type of a pool of `W` workers.
pub(crate) type CallOf<W> = Call<<W as Worker>::Input, <W as Worker>::Output>;

/// A job (or chunk) on its way to a worker.
pub(crate) struct Job<W: Worker> {
    pub(crate) payload: Payload<W::Input>,
    pub(crate) call: Arc<CallOf<W>>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Phase {
    /// Starting, in `block_until_ready`, being rebuilt, or between jobs.
    Idle,
    /// Waiting for a job, listed in `State::ready`.
    Parked,
    /// Holds a job (in its mailbox or running it).
    Busy,
}

/// The pool's record of one worker thread, at the worker's index in
/// `State::workers` (the number its thread is marked with).
pub(crate) struct WorkerRecord<W: Worker> {
    /// Unique for the pool's life (indexes are reused, ids are not).
    pub(crate) id: u64,
    /// Invariant: `Parked` iff the worker's index is in `State::ready`.
    pub(crate) phase: Phase,
    /// Set once (by `set_size`, `close`, or a failed rebuild); the worker
    /// exits at its next look at the pool, after finishing a job it holds.
    pub(crate) retire: bool,
    /// Mirrors `retire` for a worker in the middle of a batch chunk, which
    /// looks at it between two items without taking the state lock. Set (under
    /// the state lock) together with `retire`, never cleared. A retired worker
    /// finishes the item it runs and hands the chunk's unstarted rest back to
    /// its caller.
    pub(crate) stop: Arc<AtomicBool>,
    /// A job handed over by a caller that found this worker parked. Only
    /// written while the worker is `Parked`; taken by the worker before it
    /// looks at `retire`, so an accepted job (the first item of an accepted
    /// chunk) always runs.
    pub(crate) mailbox: Option<Job<W>>,
    /// Set (under the state lock) when a caller puts a job in `mailbox`; read
    /// without the lock by the worker polling before it sleeps, and cleared
    /// when it takes the job. Only a hint: the worker always takes the job
    /// from `mailbox` under the lock.
    pub(crate) mail: Arc<AtomicBool>,
    /// The worker sleeps on this (with the state lock) while parked.
    pub(crate) wake: Arc<Condvar>,
    /// True while the worker sleeps on `wake` (set and cleared under the
    /// state lock around the wait), so a caller handing it a job notifies it
    /// only then: a worker still polling re-checks its mailbox under the
    /// lock before it sleeps.
    pub(crate) sleeping: bool,
    /// Set while this worker's own job is blocked inside `close`,
    /// `set_size` or `wait_idle` of this pool. Those calls do not wait for
    /// such workers, so two jobs that shut the pool down (or resize it) from
    /// inside cannot wait for each other.
    pub(crate) blocked_inside: bool,
}

/// Everything the pool's single lock guards.
pub(crate) struct State<W: Worker> {
    /// Set once by `close`; from then on nothing is admitted.
    pub(crate) closed: bool,
    /// The size asked for last (`set_size`), lowered when a worker's
    /// rebuild fails.
    pub(crate) target: usize,
    /// The worker table: live workers by index (`None` = free).
    pub(crate) workers: Vec<Option<WorkerRecord<W>>>,
    /// Number of `Some` entries in `workers`: threads that have not finished exiting.
    pub(crate) live: usize,
    /// Live workers that are not retiring.
    pub(crate) active: usize,
    /// Indexes of parked workers; the last one parked is handed work first
    /// (its caches are warmest).
    pub(crate) ready: Vec<usize>,
    /// Callers waiting for a worker, oldest first. Invariant: a call is in
    /// here iff its state is `Queued`, and both change under this lock. Not
    /// empty only while `ready` is empty (a worker that parks takes the
    /// oldest caller instead).
    pub(crate) line: VecDeque<Arc<CallOf<W>>>,
    /// Jobs handed to workers and not yet finished.
    pub(crate) running: usize,
    pub(crate) completed: u64,
    pub(crate) panicked: u64,
    pub(crate) next_id: u64,
    /// Join handles of started threads, joined by whoever retired them.
    pub(crate) handles: Vec<(u64, thread::JoinHandle<()>)>,
    /// Ids of exited workers whose threads a caller is joining right now,
    /// outside the lock. Invariant: an id leaves `handles` into `joining`
    /// and leaves `joining` only after its `join` returned, so a second
    /// `close` that finds the handle taken still waits for that join (rule 6:
    /// every thread has really exited when any `close` returns).
    pub(crate) joining: Vec<u64>,
    /// Threads sleeping on `Inner::changed` (so the hot path notifies only
    /// when someone listens).
    pub(crate) watchers: usize,
}

impl<W: Worker> State<W> {
    pub(crate) fn worker_mut(&mut self, idx: usize) -> &mut WorkerRecord<W> {
        self.workers[idx]
            .as_mut()
            .expect("a live worker's record is in the table")
    }

    pub(crate) fn live_workers(&self) -> impl Iterator<Item = &WorkerRecord<W>> {
        self.workers.iter().flatten()
    }

    /// Marks the calling thread's worker (if it is one of `pool`'s) as
    /// blocked inside the pool; returns its index for
    /// [`State::leave_inside`].
    pub(crate) fn enter_inside(&mut self, pool: PoolId) -> Option<usize> {
        let idx = pool.current_thread_index()?;
        self.workers.get_mut(idx)?.as_mut()?.blocked_inside = true;
        Some(idx)
    }

    pub(crate) fn leave_inside(&mut self, idx: Option<usize>) {
        if let Some(idx) = idx {
            self.worker_mut(idx).blocked_inside = false;
        }
    }
}

/// State shared by the handles and the worker threads.
pub(crate) struct Inner<W: Worker> {
    /// Marks the pool's worker threads (each with its index in
    /// `State::workers`), so calls from inside a job can tell.
    pub(crate) id: PoolId,
    pub(crate) state: Mutex<State<W>>,
    /// Notified when a worker exits, when work drains, and at close, for
    /// `close`, `set_size` and `wait_idle` (only if `State::watchers > 0`).
    pub(crate) changed: Condvar,
    pub(crate) factory: Box<dyn Fn() -> W + Send + Sync>,
    pub(crate) clock: Clock,
    pub(crate) thread_name: String,
    /// Parked workers polling their mail now, long or short: the count with
    /// which `CappedPoll` keeps the long polls to at most
    /// `worker_loop::IDLE_POLLERS`. Written by the workers only, each
    /// adding itself before it polls and removing itself after.
    pub(crate) idle_pollers: AtomicUsize,
    /// Spent calls for reuse: every call comes from here and goes back here
    /// (see [`CallCache`]).
    pub(crate) calls: CallCache<W::Input, W::Output>,
}

impl<W: Worker> Inner<W> {
    pub(crate) fn notify_changed(&self, state: &State<W>) {
        if state.watchers > 0 {
            self.changed.notify_all();
        }
    }

    pub(crate) fn wait_changed<'a>(
        &self,
        mut state: MutexGuard<'a, State<W>>,
    ) -> MutexGuard<'a, State<W>> {
        state.watchers += 1;
        state = wait(&self.changed, state);
        state.watchers -= 1;
        state
    }
}
