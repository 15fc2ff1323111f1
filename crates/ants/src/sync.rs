//! The only module that names the synchronisation primitives, atomics and
//! threads; under `--cfg tp_loom` it switches to loom's models of them.

#[cfg(not(tp_loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
#[cfg(not(tp_loom))]
pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard};
#[cfg(not(tp_loom))]
pub(crate) use std::thread;

#[cfg(tp_loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
#[cfg(tp_loom)]
pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
#[cfg(tp_loom)]
pub(crate) use loom::thread;

use std::sync::PoisonError;
use std::time::Duration;

/// Shared immutable configuration (panic handler, clock). Always std's `Arc`:
/// it is never part of a synchronisation protocol, and loom's `Arc` cannot
/// hold a `dyn` value on stable Rust.
pub(crate) type Shared<T> = std::sync::Arc<T>;

/// A plain std mutex for state outside every pool protocol (the manual clock).
pub(crate) type PlainMutex<T> = std::sync::Mutex<T>;

/// How many times a thread that waits for a hand-off polls (with a spin
/// hint) before it sleeps on a condition variable. Polling is what makes a
/// hand-off to a worker that has just finished its previous task cost no
/// system call. Measured on the (shared, loaded) 2-core machine: yielding
/// instead of spinning cost about one involuntary context switch per task at
/// capacity 2 in W1; 512 spins halved W2's efficiency against 64 (idle
/// workers burning the cores the sleeping ones need to wake on). A submitter
/// waiting in line polls longer, for [`LINE_POLL`]: an earlier measurement
/// found that costing W3 its CPU, but against the 64-spin poll it made W3
/// 1.3x faster (the README has the runs). Zero under loom, where a polling
/// loop only multiplies the interleavings.
#[cfg(not(tp_loom))]
pub(crate) const SPIN_LIMIT: u32 = 64;
#[cfg(tp_loom)]
pub(crate) const SPIN_LIMIT: u32 = 0;

/// Polls `ready` up to `SPIN_LIMIT` times; returns whether it became true.
// Under loom the limit is zero, so the loop is empty on purpose.
#[cfg_attr(tp_loom, allow(clippy::reversed_empty_ranges))]
pub(crate) fn poll_until(mut ready: impl FnMut() -> bool) -> bool {
    for _ in 0..SPIN_LIMIT {
        if ready() {
            return true;
        }
        std::hint::spin_loop();
    }
    ready()
}

/// How long a submitter waiting in line polls for a worker to take its job
/// before it sleeps. A worker coming back takes the job from the line
/// directly; if the submitter is asleep by then, the worker pays a wake-up
/// (a system call: 5–20 µs on the project's 2-vCPU virtual machine, where
/// waking a thread on an idle vCPU also costs an inter-processor interrupt)
/// and the submitter its own wake-up latency, once per task. Polling for
/// about the cost of that sleep-and-wake pair bounds the loss either way (the
/// ski-rental rule); the crate's README gives the measurements. Zero under
/// loom.
#[cfg(not(tp_loom))]
pub(crate) const LINE_POLL: Duration = Duration::from_micros(10);
#[cfg(tp_loom)]
pub(crate) const LINE_POLL: Duration = Duration::ZERO;

/// Polls `ready` (with spin hints, reading the clock every [`SPIN_LIMIT`]
/// polls) until it is true or `limit` has passed; returns whether it became
/// true. Polls at least `SPIN_LIMIT` times.
pub(crate) fn poll_for(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    if poll_until(&mut ready) {
        return true;
    }
    if limit.is_zero() {
        return false;
    }
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if poll_until(&mut ready) {
            return true;
        }
    }
    false
}

/// Locks `m`, ignoring poisoning: no code of this crate panics while holding a
/// lock (tasks and handlers run outside every lock).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Locks a [`PlainMutex`], ignoring poisoning.
pub(crate) fn lock_plain<T>(m: &PlainMutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Waits on `cv`, ignoring poisoning.
pub(crate) fn wait<'a, T>(cv: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    cv.wait(guard).unwrap_or_else(PoisonError::into_inner)
}

/// Waits on `cv` for at most `dur` of real time, ignoring poisoning. Callers
/// re-check their condition and their deadline (read from the pool's clock)
/// after every return.
pub(crate) fn wait_timeout<'a, T>(
    cv: &Condvar,
    guard: MutexGuard<'a, T>,
    dur: Duration,
) -> MutexGuard<'a, T> {
    match cv.wait_timeout(guard, dur) {
        Ok((g, _)) => g,
        Err(poisoned) => poisoned.into_inner().0,
    }
}

/// A process-wide unique number for each pool, so a thread can tell which pool
/// it is a worker of. Not part of any protocol: plain std atomics.
pub(crate) fn next_pool_id() -> usize {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

#[cfg(not(tp_loom))]
std::thread_local! {
    /// The id of the pool this thread is a worker of (0: none).
    static CURRENT_POOL: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}
#[cfg(tp_loom)]
loom::thread_local! {
    /// The id of the pool this thread is a worker of (0: none).
    static CURRENT_POOL: std::cell::Cell<usize> = std::cell::Cell::new(0);
}

/// Marks the calling thread as a worker of pool `id`.
pub(crate) fn set_current_pool(id: usize) {
    CURRENT_POOL.with(|c| c.set(id));
}

/// True when the calling thread is a worker of pool `id`.
pub(crate) fn is_current_pool(id: usize) -> bool {
    CURRENT_POOL.with(|c| c.get() == id)
}
