//! A worker thread's life: get ready, park until a job comes (a caller's
//! hand-off, or the oldest caller in line), run it (a chunk item by item),
//! count it, deliver the reply, rebuild after a panic, leave when retired.

use std::mem;
use std::panic::{self, AssertUnwindSafe};

use taskpool_utils::poll::{CappedPoll, PollPolicy};
use taskpool_utils::sync::{lock, wait, Arc, AtomicBool, Ordering};

use crate::call::{ChunkReply, Payload, Reply};
use crate::state::{Inner, Job, Phase};
use crate::{Interrupt, Worker};

/// How a worker that has just parked (listed in `State::ready`, so callers can
/// hand it a job) polls its `mail` flag before it sleeps: rounds of 64 spin
/// hints, each followed by a `yield_now`, for up to 50 µs. A job handed to a
/// sleeping worker costs the caller a futex wake and the job the worker's
/// wake-up latency (several µs each on a virtual machine); in a steady
/// stream of calls the next caller comes well within the poll, and the
/// hand-off then costs no wake-up. The yields hand the core to a thread with
/// work; the limit bounds what an idle pool burns. Only [`IDLE_POLLERS`]
/// workers poll that long at once; the others poll for [`SHORT_POLL`]. Off
/// under loom.
const WORKER_POLL: PollPolicy = if cfg!(tp_loom) {
    PollPolicy::Off
} else {
    PollPolicy::SpinYieldFor {
        spins: 64,
        limit: std::time::Duration::from_micros(50),
    }
};

/// The poll of a parked worker beyond the first [`IDLE_POLLERS`]: crossbeam's
/// `Backoff` (a few microseconds).
const SHORT_POLL: PollPolicy = if cfg!(tp_loom) {
    PollPolicy::Off
} else {
    PollPolicy::Backoff
};

/// At most this many parked workers poll for [`WORKER_POLL`] at once, so a
/// pool of many workers does not spend the cores on yields.
pub(crate) const IDLE_POLLERS: usize = 2;

/// Body of a worker thread: `idx` is its index in the worker table.
pub(crate) fn worker_main<W: Worker>(inner: &Inner<W>, idx: usize, mut worker: W) {
    inner.id.mark_current_thread(idx);
    let (stop, mail) = {
        let mut state = lock(&inner.state);
        let record = state.worker_mut(idx);
        (Arc::clone(&record.stop), Arc::clone(&record.mail))
    };
    // `broken`: the worker value may be half updated (a hook or job panicked
    // and no replacement could be built); it is dropped without `terminate`.
    let mut broken = false;
    loop {
        if !get_ready(inner, &mut worker) {
            broken = true;
            break;
        }
        let Some(Job { payload, call }) = next_job(inner, idx, &mail, &stop) else {
            break;
        };
        let ran = if call.start() {
            Some(run(inner, &mut worker, payload, &call.interrupt, &stop))
        } else {
            // Abandoned before it started (tunny: interrupted while the
            // worker waited for the payload).
            drop(payload);
            None
        };
        call.interrupt.finish();
        // Count before delivering, so a caller that has its result sees it counted.
        let retire = {
            let mut state = lock(&inner.state);
            state.running -= 1;
            if let Some(ran) = &ran {
                state.completed += ran.completed;
                state.panicked += ran.panicked;
            }
            let record = state.worker_mut(idx);
            record.phase = Phase::Idle;
            let retire = record.retire;
            inner.notify_changed(&state);
            retire
        };
        let (abandoned, panicked) = match ran {
            Some(ran) => {
                broken = ran.broken;
                (call.deliver(ran.reply), ran.rebuild)
            }
            None => (true, false),
        };
        inner.calls.put(call);
        if broken {
            break;
        }
        if panicked {
            if retire || !rebuild(inner, &mut worker) {
                broken = true;
                break;
            }
        } else if abandoned
            && panic::catch_unwind(AssertUnwindSafe(|| worker.interrupted())).is_err()
            && (retire || !rebuild(inner, &mut worker))
        {
            broken = true;
            break;
        }
        if retire {
            break;
        }
    }
    worker_exit(inner, idx, worker, broken);
}

/// Runs the ready hook; a panic in it replaces the worker with a fresh one
/// from the factory, whose hook runs in turn. False if the factory panicked
/// (the worker is then broken).
fn get_ready<W: Worker>(inner: &Inner<W>, worker: &mut W) -> bool {
    while panic::catch_unwind(AssertUnwindSafe(|| worker.block_until_ready())).is_err() {
        if !rebuild(inner, worker) {
            return false;
        }
    }
    true
}

/// What a worker did with a payload.
struct Ran<I, O> {
    reply: Reply<I, O>,
    /// Items that returned, and that panicked (both counted in the stats).
    completed: u64,
    panicked: u64,
    /// The last item run panicked: the worker must be rebuilt (after the
    /// reply is delivered) before its next job.
    rebuild: bool,
    /// A chunk's rebuild between two items failed: the rest went back to the
    /// caller and the worker leaves, dropped without `terminate`.
    broken: bool,
}

fn run<W: Worker>(
    inner: &Inner<W>,
    worker: &mut W,
    payload: Payload<W::Input>,
    interrupt: &Interrupt,
    stop: &AtomicBool,
) -> Ran<W::Input, W::Output> {
    match payload {
        Payload::One(input) => {
            let outcome =
                panic::catch_unwind(AssertUnwindSafe(|| worker.process(input, interrupt)));
            let panicked = outcome.is_err();
            Ran {
                reply: Reply::One(outcome),
                completed: u64::from(!panicked),
                panicked: u64::from(panicked),
                rebuild: panicked,
                broken: false,
            }
        }
        Payload::Chunk(inputs) => run_chunk(inner, worker, inputs, interrupt, stop),
    }
}

/// Runs a batch chunk item by item, in order. Between two items: a retired
/// worker (`stop`) stops and hands back the rest; a worker whose item
/// panicked is rebuilt by the factory (as after a panicking `process`) and
/// goes on with the rest; the ready hook runs, so it runs once before every
/// item (before the first, it ran before the worker took the chunk).
fn run_chunk<W: Worker>(
    inner: &Inner<W>,
    worker: &mut W,
    inputs: Vec<W::Input>,
    interrupt: &Interrupt,
    stop: &AtomicBool,
) -> Ran<W::Input, W::Output> {
    let mut outputs = Vec::with_capacity(inputs.len());
    let mut items = inputs.into_iter();
    let (mut completed, mut panicked) = (0, 0);
    let mut rebuild_first = false;
    let mut broken = false;
    while let Some(input) = items.next() {
        if !outputs.is_empty() {
            // Between two items.
            let go_on = if stop.load(Ordering::Acquire) || interrupt.is_interrupted() {
                // Retired, or the caller gave up on the chunk (its reply will
                // be dropped). A worker whose last item panicked is not
                // rebuilt here: the loop after delivery does it (or, retired,
                // exits), as after `process`.
                false
            } else {
                // A failed rebuild (after a panic, or in the ready hook)
                // leaves the worker broken.
                let fresh = !mem::take(&mut rebuild_first) || rebuild(inner, worker);
                broken = !(fresh && get_ready(inner, worker));
                !broken
            };
            if !go_on {
                // Not started: back in front of the rest, for the caller.
                let rest = std::iter::once(input).chain(items).collect();
                return Ran {
                    reply: Reply::Chunk(ChunkReply { outputs, rest }),
                    completed,
                    panicked,
                    rebuild: rebuild_first,
                    broken,
                };
            }
        }
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| worker.process(input, interrupt)));
        if outcome.is_ok() {
            completed += 1;
        } else {
            panicked += 1;
            rebuild_first = true;
        }
        outputs.push(outcome);
    }
    Ran {
        reply: Reply::Chunk(ChunkReply {
            outputs,
            rest: Vec::new(),
        }),
        completed,
        panicked,
        rebuild: rebuild_first,
        broken,
    }
}

/// Parks until a job arrives (mailbox or waiting caller) or the worker is
/// retired (`None`). `mail` and `stop` are the record's lock-free mirrors,
/// polled once before the worker sleeps.
fn next_job<W: Worker>(
    inner: &Inner<W>,
    idx: usize,
    mail: &AtomicBool,
    stop: &AtomicBool,
) -> Option<Job<W>> {
    let mut state = lock(&inner.state);
    let mut polled = !WORKER_POLL.polls();
    loop {
        let record = state.worker_mut(idx);
        if let Some(job) = record.mailbox.take() {
            // The caller already counted it running and marked us Busy.
            record.mail.store(false, Ordering::Relaxed);
            return Some(job);
        }
        if record.retire {
            return None;
        }
        if let Some(call) = state.line.pop_front() {
            let payload = call.take_queued();
            state.running += 1;
            state.worker_mut(idx).phase = Phase::Busy;
            return Some(Job { payload, call });
        }
        let record = state.worker_mut(idx);
        if record.phase != Phase::Parked {
            record.phase = Phase::Parked;
            state.ready.push(idx);
        }
        if !polled {
            // Parked (listed in `ready`), but first poll a few microseconds
            // for a caller's hand-off outside the lock: in a steady stream
            // of calls the next one usually comes within that time.
            polled = true;
            drop(state);
            let ready = || mail.load(Ordering::Acquire) || stop.load(Ordering::Acquire);
            CappedPoll {
                long: WORKER_POLL,
                short: SHORT_POLL,
                cap: IDLE_POLLERS,
            }
            .poll_until(&inner.idle_pollers, ready);
            state = lock(&inner.state);
            continue;
        }
        let record = state.worker_mut(idx);
        record.sleeping = true;
        let wake = Arc::clone(&record.wake);
        state = wait(&wake, state);
        state.worker_mut(idx).sleeping = false;
    }
}

/// Replaces a worker whose state may be broken with a fresh one from the
/// factory. False if the factory panicked.
pub(crate) fn rebuild<W: Worker>(inner: &Inner<W>, worker: &mut W) -> bool {
    match panic::catch_unwind(AssertUnwindSafe(|| (inner.factory)())) {
        Ok(fresh) => {
            let old = mem::replace(worker, fresh);
            let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(old)));
            true
        }
        Err(_) => false,
    }
}

fn worker_exit<W: Worker>(inner: &Inner<W>, idx: usize, mut worker: W, broken: bool) {
    if !broken {
        let _ = panic::catch_unwind(AssertUnwindSafe(|| worker.terminate()));
    }
    let _ = panic::catch_unwind(AssertUnwindSafe(move || drop(worker)));
    let mut state = lock(&inner.state);
    let record = state.workers[idx]
        .take()
        .expect("a worker's record lives until it exits");
    debug_assert!(record.mailbox.is_none() && record.phase != Phase::Parked);
    if !record.retire {
        // A failed rebuild: the pool is one worker smaller from now on.
        state.active -= 1;
        state.target = state.target.saturating_sub(1);
    }
    state.live -= 1;
    inner.notify_changed(&state);
}
