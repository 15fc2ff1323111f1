//! The loom switch: the only module of the workspace's pool crates that names
//! synchronisation primitives, atomics, threads and thread-locals.
//!
//! Under `--cfg tp_loom` every primitive comes from loom (never the bare
//! `cfg(loom)`, which would also flip cfgs inside dependencies); otherwise
//! from std. Pool crates import from here, never from `std::sync` directly,
//! so their loom models explore the real code.

#[cfg(not(tp_loom))]
pub use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
#[cfg(not(tp_loom))]
pub use std::sync::{Arc, Condvar, Mutex, MutexGuard};
#[cfg(not(tp_loom))]
pub use std::thread;
#[cfg(not(tp_loom))]
pub use std::thread_local;

#[cfg(tp_loom)]
pub use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
#[cfg(tp_loom)]
pub use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
#[cfg(tp_loom)]
pub use loom::thread;
#[cfg(tp_loom)]
pub use loom::thread_local;

/// Pads and aligns a value to the cache-line size of the target (128 bytes
/// on x86-64 and aarch64, where the prefetcher pulls lines in pairs), so a
/// field written on every call shares no line with another hot field.
pub use crossbeam_utils::CachePadded;

use std::sync::PoisonError;

/// Marks the middle of a store-then-load pair of `SeqCst` operations on two
/// different atomics (the Dekker pattern: "I wrote mine, now I read yours").
///
/// Rust's memory model puts all `SeqCst` operations in one total order, so
/// with both sides written as a `SeqCst` write followed by a `SeqCst` read,
/// at least one side sees the other's write: no fence is needed, and outside
/// loom this is a no-op. Loom treats `SeqCst` accesses as `AcqRel` (a
/// documented gap in its model, which makes it report lost wake-ups that
/// cannot happen) but models `fence(SeqCst)` faithfully; under loom this is
/// that fence, so the models check the same ordering the real code relies on.
#[inline(always)]
pub fn dekker_point() {
    #[cfg(tp_loom)]
    loom::sync::atomic::fence(Ordering::SeqCst);
}
use std::time::Duration;

/// An `Arc` for values that are never written once shared: a configuration,
/// a panic handler, a clock hook. Always std's, also under loom: it is part
/// of no protocol a model must explore, and loom's `Arc` cannot hold a `dyn`
/// value on stable Rust.
pub type StdArc<T> = std::sync::Arc<T>;

/// Locks `m`, ignoring poison: no pool code panics while holding one of its
/// locks (user code always runs outside them), and a poisoned lock must
/// never become a second panic inside a pool.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Waits on `cv`, ignoring poison (see [`lock`]).
pub fn wait<'a, T>(cv: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    cv.wait(guard).unwrap_or_else(PoisonError::into_inner)
}

/// Waits on `cv` for at most `dur` of real time, ignoring poison. Callers
/// re-check their condition (and any deadline) after every return. Loom
/// ignores the duration and waits for a notification.
pub fn wait_timeout<'a, T>(
    cv: &Condvar,
    guard: MutexGuard<'a, T>,
    dur: Duration,
) -> MutexGuard<'a, T> {
    match cv.wait_timeout(guard, dur) {
        Ok((guard, _)) => guard,
        Err(poison) => poison.into_inner().0,
    }
}
