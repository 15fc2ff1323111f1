//! A call: one caller's payload (one input, or a chunk of a batch) on its
//! way through a worker and back, shared by the caller and the worker that
//! takes it. [`Call`] holds the state machine of DESIGN.md ("A caller's
//! steps"); [`Refusal`] is how a call can end without an output.

use std::any::Any;
use std::mem;
use std::panic::{self, AssertUnwindSafe};
use std::sync::PoisonError;

use taskpool_utils::spares::Spares;
use taskpool_utils::sync::{lock, Arc, AtomicBool, AtomicUsize, Condvar, Mutex, Ordering};

use crate::{Interrupt, ProcessError};

/// A panic payload, as caught on a worker.
pub(crate) type Panic = Box<dyn Any + Send + 'static>;

/// What a caller hands a worker in one rendezvous.
pub(crate) enum Payload<I> {
    /// One job (`process` and its variants, the `TaskPool` face).
    One(I),
    /// A chunk of a batch (`process_batch`): consecutive inputs of the
    /// caller's batch, run in order by one worker. Never empty.
    Chunk(Vec<I>),
}

impl<I> Payload<I> {
    /// The input of a `One` payload (single calls only ever make those).
    pub(crate) fn into_one(self) -> I {
        match self {
            Payload::One(input) => input,
            Payload::Chunk(_) => unreachable!("a single call carries one input"),
        }
    }
}

/// What a worker hands back for a [`Payload`] (the same case).
pub(crate) enum Reply<I, O> {
    One(Result<O, Panic>),
    Chunk(ChunkReply<I, O>),
}

/// How a call ended for its caller: the reply (`None` when it waited only for
/// acceptance), or why not, with the payload when no worker took it.
pub(crate) type Outcome<I, O> = Result<Option<Reply<I, O>>, Refusal<Payload<I>>>;

/// A worker's answer to a chunk. Invariant: `outputs` followed by `rest`
/// covers the chunk's inputs exactly once, in order: every input was either
/// run (its outcome is in `outputs`) or not started (it is in `rest`).
pub(crate) struct ChunkReply<I, O> {
    /// Outcomes of the chunk's first `outputs.len()` inputs, in order.
    pub(crate) outputs: Vec<Result<O, Panic>>,
    /// Inputs the worker did not start, in order: it was retired (`set_size`,
    /// `close`) between two items, or a panic left it broken and the factory
    /// could not rebuild it. The caller hands them out again.
    pub(crate) rest: Vec<I>,
}

/// Whom a call's progress concerns.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `process`: the caller waits for the reply only.
    Reply,
    /// `TaskPool::submit`: the caller waits until a worker accepts the job;
    /// nobody reads the reply.
    AcceptOnly,
    /// A batch chunk: the caller waits until a worker accepts it (then hands
    /// out its next chunk), and later for the reply.
    AcceptThenReply,
}

/// One caller's job (or batch chunk), shared by the caller and the worker
/// that takes it.
pub(crate) struct Call<I, O> {
    /// Where the job is in its life. Lock order: the pool's state lock first,
    /// then this one. Transitions out of `Queued` happen only while the state
    /// lock is held too (see `State::line`).
    pub(crate) state: Mutex<CallState<I, O>>,
    /// The caller sleeps here. Notified (after the state changed) on the
    /// result, on refusal at shutdown, on acceptance unless the mode is
    /// `Reply`, and by the hooks it subscribed to its clock and cancel token.
    pub(crate) cv: Condvar,
    /// Bumped (under `state`'s lock) by every change of `state` made by
    /// anyone but the caller: acceptance, the reply, refusal. Read without
    /// the lock by a caller polling before it sleeps on `cv`; only a hint
    /// (the caller always re-checks `state` under the lock).
    pub(crate) changes: AtomicUsize,
    /// True while the caller sleeps on `cv`. Read and written only under
    /// `state`'s lock (set before the wait, cleared after it), so the worker
    /// that accepts the call or delivers its reply skips the notification
    /// (a system call) when the caller is still polling: the caller looks at
    /// `state` under the lock before it sleeps.
    pub(crate) sleeping: AtomicBool,
    pub(crate) mode: Mode,
    /// The signal the job sees (every item of a chunk sees the chunk's);
    /// fired when the caller abandons the job.
    pub(crate) interrupt: Interrupt,
}

pub(crate) enum CallState<I, O> {
    /// Waiting in `State::line` for a worker; the payload is parked here.
    Queued(Payload<I>),
    /// The pool closed while the call was queued; the caller takes its
    /// payload back.
    Refused(Payload<I>),
    /// A worker owns the payload (in its mailbox, or running it).
    Assigned,
    /// The job ran; its outcome waits for the caller.
    Done(Reply<I, O>),
    /// The caller stopped waiting (deadline or cancellation); whoever holds
    /// the payload or the output drops it.
    Abandoned,
    /// The caller took the outcome or its payload.
    Taken,
}

impl<I, O> Call<I, O> {
    fn new(mode: Mode) -> Self {
        Call {
            state: Mutex::new(CallState::Assigned),
            cv: Condvar::new(),
            changes: AtomicUsize::new(0),
            sleeping: AtomicBool::new(false),
            mode,
            interrupt: Interrupt::new(),
        }
    }

    /// Worker side, under the state lock: takes the payload of a queued call.
    pub(crate) fn take_queued(&self) -> Payload<I> {
        let mut st = lock(&self.state);
        let CallState::Queued(payload) = mem::replace(&mut *st, CallState::Assigned) else {
            unreachable!("a call in the line is Queued")
        };
        self.changes.fetch_add(1, Ordering::Release);
        let asleep = self.sleeping.load(Ordering::Relaxed);
        drop(st);
        if self.mode != Mode::Reply && asleep {
            self.cv.notify_one();
        }
        payload
    }

    /// Worker side, before running: false if the caller already gave up.
    pub(crate) fn start(&self) -> bool {
        !matches!(*lock(&self.state), CallState::Abandoned)
    }

    /// Worker side, after running: hands the outcome to the caller. Returns
    /// true if the caller had abandoned the job (the outcome is dropped).
    pub(crate) fn deliver(&self, outcome: Reply<I, O>) -> bool {
        if self.mode == Mode::AcceptOnly {
            // Nobody reads it; dropping a panic payload is the pool's business.
            let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(outcome)));
            return false;
        }
        let mut st = lock(&self.state);
        if matches!(*st, CallState::Abandoned) {
            drop(st);
            let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(outcome)));
            return true;
        }
        *st = CallState::Done(outcome);
        self.changes.fetch_add(1, Ordering::Release);
        let asleep = self.sleeping.load(Ordering::Relaxed);
        drop(st);
        if asleep {
            self.cv.notify_one();
        }
        false
    }

    /// Shutdown side, under the state lock: refuses a queued call.
    pub(crate) fn refuse(&self) {
        let mut st = lock(&self.state);
        if let CallState::Queued(payload) = mem::replace(&mut *st, CallState::Taken) {
            *st = CallState::Refused(payload);
        }
        self.changes.fetch_add(1, Ordering::Release);
        drop(st);
        self.cv.notify_one();
    }
}

/// Spent calls kept for the next ones, so that a steady stream of calls
/// allocates nothing: a call is shared by its caller and the worker that
/// takes it, and whoever lets go of it hands it to [`CallCache::put`]
/// (see [`Spares`] for why, and why reuse never touches a call anyone can
/// still see). Only a call that holds nothing of the user's is kept.
pub(crate) struct CallCache<I, O> {
    spares: Spares<Call<I, O>>,
}

impl<I, O> CallCache<I, O> {
    /// At most this many spare calls are kept: more than the callers that
    /// are usually in flight at once, and a few tens of kilobytes at most.
    pub(crate) const SPARE: usize = 64;

    pub(crate) fn new() -> Self {
        CallCache {
            spares: Spares::new(Self::SPARE),
        }
    }

    /// A fresh call in `Assigned` with `mode`: a spare one if there is one.
    pub(crate) fn get(&self, mode: Mode) -> Arc<Call<I, O>> {
        self.spares.get(|| Call::new(mode))
    }

    /// Lets go of `call`: keeps it for reuse when this was the last reference
    /// and no payload or reply is left in it; otherwise just drops it.
    pub(crate) fn put(&self, call: Arc<Call<I, O>>) {
        self.spares.put(call, |spent| {
            matches!(
                spent
                    .state
                    .get_mut()
                    .unwrap_or_else(PoisonError::into_inner),
                CallState::Taken | CallState::Assigned | CallState::Abandoned
            )
        });
    }
}

/// Why a call produced no output; the payload comes back when no worker took it.
pub(crate) enum Refusal<I> {
    Closed(I),
    Overloaded(I),
    TimedOut(Option<I>),
    Cancelled(Option<I>),
    Panicked(Panic),
}

impl<I> From<Refusal<I>> for ProcessError {
    fn from(r: Refusal<I>) -> Self {
        match r {
            // `Overloaded` only comes from the TaskPool face's admissions.
            Refusal::Closed(_) | Refusal::Overloaded(_) => ProcessError::Closed,
            Refusal::TimedOut(_) => ProcessError::TimedOut,
            Refusal::Cancelled(_) => ProcessError::Cancelled,
            Refusal::Panicked(p) => ProcessError::Panicked(p.into()),
        }
    }
}

impl<I> Refusal<I> {
    /// The same refusal with the payload (if any) mapped by `f`.
    pub(crate) fn map<J>(self, f: impl FnOnce(I) -> J) -> Refusal<J> {
        match self {
            Refusal::Closed(i) => Refusal::Closed(f(i)),
            Refusal::Overloaded(i) => Refusal::Overloaded(f(i)),
            Refusal::TimedOut(i) => Refusal::TimedOut(i.map(f)),
            Refusal::Cancelled(i) => Refusal::Cancelled(i.map(f)),
            Refusal::Panicked(p) => Refusal::Panicked(p),
        }
    }
}

#[cfg(all(test, not(tp_loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_spent_call_is_reused_only_when_unshared_and_empty() {
        let cache: CallCache<u32, u32> = CallCache::new();

        // Still held by someone else (a worker, say): not kept.
        let shared = cache.get(Mode::Reply);
        let other = Arc::clone(&shared);
        cache.put(shared);
        assert!(cache.spares.is_empty());

        // The last holder lets go of an empty call: kept, and handed out
        // again reset to the new mode.
        *lock(&other.state) = CallState::Taken;
        other.changes.fetch_add(1, Ordering::Relaxed);
        let addr = Arc::as_ptr(&other);
        cache.put(other);
        assert_eq!(cache.spares.len(), 1);
        let again = cache.get(Mode::AcceptOnly);
        assert_eq!(Arc::as_ptr(&again), addr);
        assert!(again.mode == Mode::AcceptOnly);
        assert!(matches!(*lock(&again.state), CallState::Assigned));
        assert_eq!(again.changes.load(Ordering::Relaxed), 0);
        assert!(!again.interrupt.is_interrupted());

        // A reply nobody took is the user's: the call is dropped with it.
        *lock(&again.state) = CallState::Done(Reply::One(Ok(7)));
        cache.put(again);
        assert!(cache.spares.is_empty());
    }

    #[test]
    fn the_cache_keeps_at_most_its_bound() {
        let cache: CallCache<u32, u32> = CallCache::new();
        let calls: Vec<_> = (0..CallCache::<u32, u32>::SPARE + 5)
            .map(|_| cache.get(Mode::Reply))
            .collect();
        for call in calls {
            cache.put(call);
        }
        assert_eq!(cache.spares.len(), CallCache::<u32, u32>::SPARE);
    }
}
