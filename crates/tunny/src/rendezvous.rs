//! The caller's side of the rendezvous: hand a payload to a parked worker or
//! join the line for one ([`offer`]), then wait for acceptance or the reply
//! within a deadline and a cancel token ([`wait_for`]), or give up
//! ([`abandon`]). [`call`] is the whole of it for one input.

use std::mem;
use std::time::Duration;

use taskpool_utils::poll::PollPolicy;
use taskpool_utils::subscribe::Subscription;
use taskpool_utils::sync::{lock, wait, wait_timeout, Arc, MutexGuard, Ordering};

use crate::call::{Call, CallState, Mode, Outcome, Payload, Refusal, Reply};
use crate::state::{CallOf, Inner, Job, Phase};
use crate::{CancelToken, Worker};

/// How a caller that has handed over its payload (or queued it) polls its
/// call for the worker's answer before it sleeps: crossbeam's `Backoff`
/// (doubling spin rounds, then a few yields: a few microseconds). A sleeping
/// rendezvous costs two thread wake-ups per job (the hand-off, then the
/// result back), several microseconds each on a virtual machine; in a steady
/// stream of calls the worker answers within the backoff, and neither side
/// then sleeps. Together with the skipped notifications (`Call::sleeping`)
/// this is what makes a `process` round trip cost no system call (DESIGN.md,
/// "Performance notes" and "Rejected alternatives"). Off under loom, where
/// a polling loop only multiplies the interleavings (the truth is re-read
/// under the lock after a poll anyway).
const CALLER_POLL: PollPolicy = if cfg!(tp_loom) {
    PollPolicy::Off
} else {
    PollPolicy::Backoff
};

type PayloadRefusal<W> = Refusal<Payload<<W as Worker>::Input>>;

/// How a caller is admitted when no worker is parked.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admit {
    /// Wait in line.
    Block,
    /// Refuse with `Overloaded`.
    Try,
    /// Wait in line, unless the caller is one of this pool's own workers
    /// (it might be waiting for itself): then refuse with `Overloaded`.
    BlockUnlessInside,
}

#[derive(Clone, Copy)]
enum Why {
    TimedOut,
    Cancelled,
}

impl Why {
    fn refusal<I>(self, input: Option<I>) -> Refusal<I> {
        match self {
            Why::TimedOut => Refusal::TimedOut(input),
            Why::Cancelled => Refusal::Cancelled(input),
        }
    }
}

/// The hook a waiting caller subscribes to its deadline's clock and to its
/// cancel token: it wakes the caller after the clock or the token changed.
fn wake_hook<I, O>(call: &Arc<Call<I, O>>) -> impl Fn() + Send + Sync + 'static
where
    I: Send + 'static,
    O: Send + 'static,
{
    let call = Arc::clone(call);
    move || {
        // Taking the call's lock orders this wake after the caller's check
        // (or before it, and then the check sees the new clock/token value).
        drop(lock(&call.state));
        call.cv.notify_all();
    }
}

/// What the caller waits for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Until {
    Accepted,
    Done,
}

/// The caller's side of the rendezvous for one input: hand `input` to a
/// parked worker or queue for one, then wait as `until` says, within
/// `deadline` (on the pool's clock) and `token`.
pub(crate) fn call<W: Worker>(
    inner: &Inner<W>,
    input: W::Input,
    admit: Admit,
    until: Until,
    deadline: Option<Duration>,
    token: Option<&CancelToken>,
) -> Result<Option<W::Output>, Refusal<W::Input>> {
    if token.is_some_and(CancelToken::is_cancelled) {
        return Err(Refusal::Cancelled(Some(input)));
    }
    if deadline.is_some_and(|d| inner.clock.now() >= d) {
        return Err(Refusal::TimedOut(Some(input)));
    }
    let mode = match until {
        Until::Accepted => Mode::AcceptOnly,
        Until::Done => Mode::Reply,
    };
    let outcome = match offer(inner, Payload::One(input), mode, admit) {
        Ok((call, Offered::Handed)) if until == Until::Accepted => {
            inner.calls.put(call);
            Ok(None)
        }
        Ok((call, _)) => {
            let outcome = wait_for(inner, &call, until, deadline, token);
            inner.calls.put(call);
            outcome
        }
        Err(refusal) => Err(refusal),
    };
    match outcome {
        Ok(None) => Ok(None),
        Ok(Some(Reply::One(Ok(output)))) => Ok(Some(output)),
        Ok(Some(Reply::One(Err(payload)))) => Err(Refusal::Panicked(payload)),
        Ok(Some(Reply::Chunk(_))) => unreachable!("a single call gets a single reply"),
        Err(refusal) => Err(refusal.map(Payload::into_one)),
    }
}

/// How [`offer`] placed a call.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Offered {
    /// In a parked worker's mailbox: accepted.
    Handed,
    /// In line (`State::line`): a worker will take it.
    Queued,
}

/// Hands `payload` to a parked worker, or puts it in line for one (as
/// `admit` allows); never sleeps. The caller then waits with [`wait_for`].
pub(crate) fn offer<W: Worker>(
    inner: &Inner<W>,
    payload: Payload<W::Input>,
    mode: Mode,
    admit: Admit,
) -> Result<(Arc<CallOf<W>>, Offered), PayloadRefusal<W>> {
    let call = inner.calls.get(mode);
    let mut state = lock(&inner.state);
    if state.closed {
        return Err(Refusal::Closed(payload));
    }
    if let Some(idx) = state.ready.pop() {
        // Hand-off: the worker is parked, give it the job directly.
        state.running += 1;
        let record = state.worker_mut(idx);
        record.phase = Phase::Busy;
        record.mailbox = Some(Job {
            payload,
            call: Arc::clone(&call),
        });
        record.mail.store(true, Ordering::Release);
        let wake = record.sleeping.then(|| Arc::clone(&record.wake));
        drop(state);
        // Notified after unlocking, and only if it sleeps: the worker
        // re-checks its mailbox under the lock before it sleeps, and it
        // cannot exit while Busy.
        if let Some(wake) = wake {
            wake.notify_one();
        }
        Ok((call, Offered::Handed))
    } else {
        let refuse = match admit {
            Admit::Block => false,
            Admit::Try => true,
            Admit::BlockUnlessInside => inner.id.owns_current_thread(),
        };
        if refuse {
            return Err(Refusal::Overloaded(payload));
        }
        *lock(&call.state) = CallState::Queued(payload);
        state.line.push_back(Arc::clone(&call));
        drop(state);
        Ok((call, Offered::Queued))
    }
}

/// Waits until `call` is accepted by a worker or done (as `until` says),
/// refused, past `deadline`, or cancelled by `token`. `Until::Accepted`
/// returns `Ok(None)`, and leaves a reply that is already there for a later
/// `Until::Done` wait.
pub(crate) fn wait_for<W: Worker>(
    inner: &Inner<W>,
    call: &Arc<CallOf<W>>,
    until: Until,
    deadline: Option<Duration>,
    token: Option<&CancelToken>,
) -> Outcome<W::Input, W::Output> {
    // Subscribed before the first check, unsubscribed after the last unlock.
    let _token: Option<Subscription> = token.map(|t| t.subscribe(wake_hook(call)));
    let _clock: Option<Subscription> =
        deadline.and_then(|_| inner.clock.subscribe(wake_hook(call)));
    let mut st = lock(&call.state);
    let mut polled = !CALLER_POLL.polls();
    loop {
        match &*st {
            CallState::Assigned | CallState::Done(_) if until == Until::Accepted => {
                return Ok(None)
            }
            CallState::Done(_) | CallState::Refused(_) => return take_outcome(&mut st),
            CallState::Queued(_) | CallState::Assigned => {}
            CallState::Abandoned | CallState::Taken => {
                unreachable!("only the caller abandons or takes its call")
            }
        }
        let why = if token.is_some_and(CancelToken::is_cancelled) {
            Some(Why::Cancelled)
        } else if deadline.is_some_and(|d| inner.clock.now() >= d) {
            Some(Why::TimedOut)
        } else {
            None
        };
        if let Some(why) = why {
            return abandon(inner, call, st, why, until);
        }
        if !polled {
            // Once per wait: the worker is usually about to answer; look
            // for its change for a few microseconds before sleeping. The
            // deadline and token are checked again after the poll.
            polled = true;
            let seen = call.changes.load(Ordering::Relaxed);
            drop(st);
            CALLER_POLL.poll_until(|| {
                call.changes.load(Ordering::Acquire) != seen
                    || token.is_some_and(CancelToken::is_cancelled)
            });
            st = lock(&call.state);
            continue;
        }
        call.sleeping.store(true, Ordering::Relaxed);
        st = match deadline.and_then(|d| inner.clock.sleep_for(d)) {
            Some(left) => wait_timeout(&call.cv, st, left),
            None => wait(&call.cv, st),
        };
        call.sleeping.store(false, Ordering::Relaxed);
    }
}

fn take_outcome<I, O>(st: &mut CallState<I, O>) -> Outcome<I, O> {
    match mem::replace(st, CallState::Taken) {
        CallState::Done(reply) => Ok(Some(reply)),
        CallState::Refused(payload) => Err(Refusal::Closed(payload)),
        _ => unreachable!("take_outcome is called on Done or Refused"),
    }
}

/// The caller gives up: leaves the queue (getting its payload back) or
/// interrupts the worker that holds its job. `until` is what the caller was
/// waiting for: if the job turns out to be done already, a caller waiting for
/// acceptance leaves the reply in place for its later wait for it.
fn abandon<W: Worker>(
    inner: &Inner<W>,
    call: &Arc<CallOf<W>>,
    mut st: MutexGuard<'_, CallState<W::Input, W::Output>>,
    why: Why,
    until: Until,
) -> Outcome<W::Input, W::Output> {
    if matches!(*st, CallState::Assigned) {
        *st = CallState::Abandoned;
        drop(st);
        call.interrupt.fire();
        return Err(why.refusal(None));
    }
    // Queued: leaving the queue needs the state lock, taken first.
    drop(st);
    let mut state = lock(&inner.state);
    let mut st = lock(&call.state);
    match &*st {
        CallState::Queued(_) => {
            let CallState::Queued(payload) = mem::replace(&mut *st, CallState::Taken) else {
                unreachable!()
            };
            drop(st);
            let pos = state
                .line
                .iter()
                .position(|c| Arc::ptr_eq(c, call))
                .expect("a Queued call is in the line");
            state.line.remove(pos);
            inner.notify_changed(&state);
            Err(why.refusal(Some(payload)))
        }
        CallState::Assigned => {
            // A worker took it while we were switching locks.
            *st = CallState::Abandoned;
            drop(st);
            drop(state);
            call.interrupt.fire();
            Err(why.refusal(None))
        }
        // It finished or was refused meanwhile: report what happened.
        CallState::Done(_) if until == Until::Accepted => Ok(None),
        CallState::Done(_) | CallState::Refused(_) => take_outcome(&mut st),
        CallState::Abandoned | CallState::Taken => {
            unreachable!("only the caller abandons or takes its call")
        }
    }
}
