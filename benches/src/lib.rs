//! Benchmarks of every pool on the workloads of `docs/workloads.md`.
//!
//! The criterion harness (`benches/workloads.rs`), the W9 probe
//! (`src/bin/queued_memory.rs`) and `cargo xtask bench` share this library.
//! Its modules, each depending only on those listed before it:
//!
//! - [`workload`]: the workloads, their units and timed regions;
//! - [`extra`], [`rows`]: every row (catalog pools, raw rows, strategy-specific
//!   rows, references), its name, family, kind and definition;
//! - [`sizes`]: the profiles, sizes per workload, rounds, criterion's settings;
//! - [`selection`]: what a run measures, passed through the environment;
//! - [`order`], [`plan`]: the cases of one round, in that round's order;
//! - [`harness`], [`calibration`], [`raw`]: the task bodies and batches, the
//!   machine's calibration, the raw executors;
//! - [`out`]: the files written beside criterion's output;
//! - [`measure`]: how each case is prepared and measured;
//! - [`memory`]: W9, bytes per queued task.
//!
//! ```
//! use taskpool::{InlinePool, TaskPool};
//! use taskpool_benches::harness::{trivial_batch, Floor, Latch};
//!
//! let latch = Latch::leak();
//! let pool: &dyn TaskPool = &InlinePool::new();
//! assert!(trivial_batch(pool, latch, 1_000).as_nanos() > 0);
//! assert!(trivial_batch(&Floor, latch, 1_000).as_nanos() > 0);
//! ```
#![forbid(unsafe_code)]

pub mod calibration;
pub mod extra;
pub mod harness;
pub mod measure;
pub mod memory;
pub mod order;
pub mod out;
pub mod plan;
pub mod raw;
pub mod rows;
pub mod selection;
pub mod sizes;
#[cfg(test)]
mod tests;
pub mod workload;
