//! The caller's side of a batch (`process_batch` and its timed and
//! cancellable forms): cut the inputs into chunks, offer each chunk like a
//! `process` call, collect the replies in order, offer handed-back rests
//! again. DESIGN.md, "Batches", walks through it.

use std::collections::VecDeque;
use std::time::Duration;

use taskpool_utils::sync::Arc;

use crate::call::{Mode, Payload, Refusal, Reply};
use crate::rendezvous::{offer, wait_for, Admit, Offered, Until};
use crate::state::{CallOf, Inner};
use crate::{CancelToken, ProcessError, Worker};

/// How many chunks a batch is cut into per worker (the pool's size when the
/// batch starts), at most one item per chunk. One chunk per worker would be
/// the fewest rendezvous, but a worker that drew slow items would finish
/// last while the others idle; with four, a worker that is done early takes
/// another chunk, so uneven items even out, and the extra cost is three
/// hand-offs per worker per batch.
pub(crate) const CHUNKS_PER_WORKER: usize = 4;

/// Cuts `inputs` into `chunks` runs of consecutive items (clamped to
/// `1..=len`) whose lengths differ by at most one; each with the index of its
/// first item.
fn split<I>(inputs: Vec<I>, chunks: usize) -> VecDeque<(usize, Vec<I>)> {
    let len = inputs.len();
    let chunks = chunks.clamp(1, len.max(1));
    let (base, longer) = (len / chunks, len % chunks);
    let mut items = inputs.into_iter();
    let mut out = VecDeque::with_capacity(chunks);
    let mut start = 0;
    for c in 0..chunks {
        let n = base + usize::from(c < longer);
        out.push_back((start, items.by_ref().take(n).collect()));
        start += n;
    }
    out
}

/// Why a batch stopped offering chunks: every item not run by then gets the
/// matching error.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum GaveUp {
    Closed,
    TimedOut,
    Cancelled,
}

impl GaveUp {
    fn error(self) -> ProcessError {
        match self {
            GaveUp::Closed => ProcessError::Closed,
            GaveUp::TimedOut => ProcessError::TimedOut,
            GaveUp::Cancelled => ProcessError::Cancelled,
        }
    }

    /// Why a chunk's call ended without a reply (its payload, if it came
    /// back, is dropped: the caller knows the chunk's place and length).
    fn of<I>(refusal: &Refusal<I>) -> GaveUp {
        match refusal {
            Refusal::Closed(_) => GaveUp::Closed,
            Refusal::TimedOut(_) => GaveUp::TimedOut,
            Refusal::Cancelled(_) => GaveUp::Cancelled,
            Refusal::Overloaded(_) | Refusal::Panicked(_) => {
                unreachable!("a chunk waits in line and its panics are per item")
            }
        }
    }
}

/// `process_batch` and its timed and cancellable forms: runs `inputs` cut
/// into `chunks` chunks and returns one outcome per input, in input order.
///
/// Each chunk is offered like a `process` call (to a parked worker, or in
/// line, oldest caller first) and the caller waits only until a worker has
/// **accepted** it before offering the next, so several workers run chunks of
/// the batch at once while the caller never holds more than one chunk in
/// line (back-pressure as for `process`). Then it collects the replies in
/// order. A reply may hand back the chunk's unstarted rest (its worker was
/// retired or could not be rebuilt): those items are offered again.
///
/// Giving up (pool closed, `deadline` passed on the pool's clock, `token`
/// cancelled) stops the offers: a chunk in line leaves it, and every item not
/// offered yet gets the matching error. When the deadline or token ends the
/// batch, the chunks still held by workers are abandoned like a timed-out
/// `process` job (their items get the error, the running item is
/// interrupted, the worker stops between items); replies already delivered
/// are kept. A closed pool lets running items finish and deliver.
///
/// Invariant: every index of `results` is written exactly once, by the reply
/// that ran its input or by the end of a call holding it ([`ChunkReply`]
/// covers its chunk exactly).
pub(crate) fn batch<W: Worker>(
    inner: &Inner<W>,
    inputs: Vec<W::Input>,
    chunks: usize,
    deadline: Option<Duration>,
    token: Option<&CancelToken>,
) -> Vec<Result<W::Output, ProcessError>> {
    let mut results: Vec<Option<Result<W::Output, ProcessError>>> =
        std::iter::repeat_with(|| None).take(inputs.len()).collect();
    let fail = |results: &mut Vec<Option<_>>, start: usize, n: usize, why: GaveUp| {
        for result in &mut results[start..start + n] {
            *result = Some(Err(why.error()));
        }
    };
    let mut pending = split(inputs, chunks);
    // Set once; a closed pool stays closed, a deadline stays passed, a token
    // stays cancelled.
    let mut gave_up: Option<GaveUp> = None;
    while !pending.is_empty() {
        let mut accepted = Vec::with_capacity(pending.len());
        while let Some((start, items)) = pending.pop_front() {
            if let Some(why) = gave_up {
                fail(&mut results, start, items.len(), why);
                continue;
            }
            let len = items.len();
            match offer_chunk(inner, items, deadline, token) {
                Ok(call) => accepted.push((start, len, call)),
                Err(why) => {
                    gave_up = Some(why);
                    fail(&mut results, start, len, why);
                }
            }
        }
        for (start, len, call) in accepted {
            // Returns at once once the deadline passed or the token fired:
            // a chunk not done by then is abandoned.
            match wait_for(inner, &call, Until::Done, deadline, token) {
                Ok(Some(Reply::Chunk(reply))) => {
                    let ran = reply.outputs.len();
                    for (result, outcome) in
                        results[start..start + ran].iter_mut().zip(reply.outputs)
                    {
                        *result = Some(outcome.map_err(|p| ProcessError::Panicked(p.into())));
                    }
                    if !reply.rest.is_empty() {
                        pending.push_back((start + ran, reply.rest));
                    }
                }
                Err(refusal) => {
                    let why = GaveUp::of(&refusal);
                    gave_up = Some(why);
                    fail(&mut results, start, len, why);
                }
                Ok(_) => unreachable!("an accepted chunk gets a chunk reply"),
            }
            inner.calls.put(call);
        }
    }
    results
        .into_iter()
        .map(|r| r.expect("every item of a batch gets exactly one outcome"))
        .collect()
}

/// Offers one chunk and waits until a worker accepts it. On refusal (pool
/// closed, deadline passed, token cancelled, before or while it waited in
/// line; or right after a worker took it, which abandons it), says why.
fn offer_chunk<W: Worker>(
    inner: &Inner<W>,
    items: Vec<W::Input>,
    deadline: Option<Duration>,
    token: Option<&CancelToken>,
) -> Result<Arc<CallOf<W>>, GaveUp> {
    if token.is_some_and(CancelToken::is_cancelled) {
        return Err(GaveUp::Cancelled);
    }
    if deadline.is_some_and(|d| inner.clock.now() >= d) {
        return Err(GaveUp::TimedOut);
    }
    let (call, offered) = offer(
        inner,
        Payload::Chunk(items),
        Mode::AcceptThenReply,
        Admit::Block,
    )
    .map_err(|refusal| GaveUp::of(&refusal))?;
    if offered == Offered::Queued {
        wait_for(inner, &call, Until::Accepted, deadline, token)
            .map_err(|refusal| GaveUp::of(&refusal))?;
    }
    Ok(call)
}
