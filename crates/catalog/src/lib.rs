//! Choose a pool by name at run time: [`PoolKind`], [`build`], and a feature table.
//!
//! ```
//! use taskpool::{TaskPool, TaskPoolExt};
//! use taskpool_catalog::{build, PoolKind};
//!
//! let kind: PoolKind = "channel".parse()?;
//! let pool = build(kind, 4)?;
//! assert_eq!(pool.spawn(|| 6 * 7).unwrap().join().unwrap(), 42);
//! pool.stop_wait();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every pool in the workspace, strategy or baseline, is one [`PoolKind`];
//! [`build`] turns a kind and a capacity into a `Box<dyn TaskPool>` with the
//! kind's default configuration, so benchmarks, the conformance suite and
//! programs can loop over [`PoolKind::ALL`]. Each kind also describes itself
//! ([`PoolKind::features`], [`PoolKind::description`]) so reports and docs can
//! print what differs between them; [`features_markdown`] renders the table.
//!
//! **Choose it** when the pool is picked at run time (a flag, a config
//! file, a benchmark loop) and `Box<dyn TaskPool>` is all the code needs.
//! **Look elsewhere** when you know the pool at compile time, or need what
//! only its own API offers (ants' `tune`, tunny's typed `process`,
//! workerpool's `pause`): depend on that crate. `docs/choosing-a-pool.md` in
//! the repository says which kind fits which workload, and
//! `comparisons/REPORT.md` has the measurements.
//!
//! [`build`] never panics on bad input: capacity 0, a capacity above
//! [`MAX_CAPACITY`](taskpool::MAX_CAPACITY) ([`build_with_limit`] takes
//! another limit), and any setting a pool's builder refuses are a
//! [`BuildError`](taskpool::BuildError), before any thread starts.
#![forbid(unsafe_code)]

mod build;
mod kind;

pub use build::{build, build_with_limit};
pub use kind::{features_markdown, Features, ParseKindError, PoolKind};
