//! The floor under the taskpool crates, as crossbeam-utils is under
//! crossbeam-channel: machinery every pool needs and none should keep a copy
//! of.
//!
//! - [`sync`]: the loom switch, the one place that names `Mutex`, `Condvar`,
//!   atomics, `Arc`, threads and thread-locals (loom's under
//!   `--cfg tp_loom`, so the loom models of every crate explore the real
//!   code), and the poison-ignoring lock and wait helpers.
//! - [`completion`]: [`Completion`](completion::Completion), the one-shot
//!   slot every "wait for this one task" is built on: it polls before it
//!   parks, and its setter wakes only a parked waiter.
//! - [`notifier`]: [`Notifier`](notifier::Notifier), a condition variable
//!   that counts its waiters, so that a pool can signal "something changed"
//!   after every task and pay a system call only when someone waits.
//! - [`clock`]: where a pool reads the time, real or a [`ManualClock`] that
//!   tests advance; pools learn of an advance through a hook they subscribe
//!   ([`subscribe`]).
//! - [`worker_mark`]: "is the calling thread one of this pool's own?"
//! - [`poll`]: how long a thread polls before it sleeps, as an explicit,
//!   per-call-site [`PollPolicy`], and a [`CappedPoll`] that lets only a
//!   few of a pool's idle threads poll long at once.
//! - [`spares`]: [`Spares`](spares::Spares), hand-off records kept for
//!   reuse, so that a stream of hand-offs allocates (and frees across
//!   threads) nothing.
//! - [`exclusive`]: [`Exclusive`](exclusive::Exclusive), a value reached
//!   only by value or through `&mut`, so that an error holding a refused
//!   task is `Sync` without `unsafe`.
//!
//! This crate is internal to the workspace: its API serves the pool crates
//! and may change with them. It knows no pool.
//!
//! ```
//! use taskpool_utils::sync::{lock, Mutex};
//!
//! let m = Mutex::new(1);
//! *lock(&m) += 1;
//! assert_eq!(*lock(&m), 2);
//! ```
//!
//! [`ManualClock`]: clock::ManualClock
//! [`PollPolicy`]: poll::PollPolicy
//! [`CappedPoll`]: poll::CappedPoll
#![forbid(unsafe_code)]

pub mod clock;
pub mod completion;
pub mod exclusive;
pub mod notifier;
pub mod poll;
pub mod spares;
pub mod subscribe;
pub mod sync;
pub mod worker_mark;

#[cfg(all(test, tp_loom))]
mod loom_tests;
#[cfg(all(test, not(tp_loom)))]
mod tests;
