//! Benchmarks of every pool on the workloads of `shared/workloads.md`.
//!
//! The criterion harness (`benches/workloads.rs`) and `cargo xtask bench`
//! share this library: the workloads and their sizes ([`spec`]), the rows
//! ([`rows`], [`extras`]), the matrix ([`plan`]), the measured batches
//! ([`harness`]), W9's memory measurement ([`memory`]) and the JSON files
//! written beside criterion's output ([`out`]).
//!
//! ```
//! use taskpool_benches::harness::{trivial_batch, Latch};
//! use taskpool::InlinePool;
//!
//! let latch = Latch::leak();
//! let elapsed = trivial_batch(&InlinePool::new(), latch, 1_000);
//! assert!(elapsed.as_nanos() > 0);
//! ```
#![forbid(unsafe_code)]

pub mod extras;
pub mod harness;
pub mod memory;
pub mod out;
pub mod plan;
pub mod rows;
pub mod spec;
#[cfg(test)]
mod tests;
