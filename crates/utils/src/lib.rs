//! The floor under the taskpool crates, as crossbeam-utils is under
//! crossbeam-channel: machinery every pool needs and none should keep a copy
//! of.
//!
//! - [`sync`]: the one place that names `Mutex`, `Condvar`, atomics, `Arc`
//!   and `thread`; under `--cfg tp_loom` it switches to loom's models of
//!   them, so the loom models of every crate explore the real code. It also
//!   holds the poison-ignoring lock and wait helpers.
//! - [`completion`]: [`Completion`](completion::Completion), the one-shot
//!   slot every "wait for this one task" is built on: it polls before it
//!   parks, and its setter wakes only a parked waiter.
//! - [`notifier`]: [`Notifier`](notifier::Notifier), a condition variable
//!   that counts its waiters, so that a pool can signal "something changed"
//!   after every task and pay a system call only when someone waits.
//!
//! This crate is internal to the workspace: its API serves the pool crates
//! and may change with them.
//!
//! ```
//! use taskpool_utils::sync::{lock, Mutex};
//!
//! let m = Mutex::new(1);
//! *lock(&m) += 1;
//! assert_eq!(*lock(&m), 2);
//! ```
#![forbid(unsafe_code)]

pub mod completion;
pub mod notifier;
pub mod sync;
