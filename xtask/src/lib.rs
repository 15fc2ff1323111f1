//! Project automation behind `cargo xtask`: run the benchmarks and write the
//! report ([`bench`](mod@bench), [`report`]), measure a workload described by a
//! task profile ([`custom`]), run the loom models ([`loom`]), the soak
//! ([`soak`]) and the conformance verdict ([`conformance`]).
//!
//! The report pipeline: one raw directory per run, one `round-<k>/` per
//! round → [`collect`] → [`results::Results`] (`results.json`) →
//! [`analysis`] tables (by the rules of [`stats`]) and the contract [`tax`]
//! → `REPORT.md` ([`report`]), SVG [`charts`], and the strategy READMEs'
//! generated blocks ([`readme`]). Everything after the measurement is a
//! pure function of `results.json`, which is what `cargo xtask report`
//! re-renders. Modules depend only on those before them in that list.
//! The rules ([`stats`]), the numbers ([`fmt`]), the tables, the verdicts'
//! words and the Markdown tables are `taskpool-measure`'s, shared with a
//! user's own workload.
//!
//! ```
//! assert_eq!(xtask::machine::format_utc(0), "1970-01-01T00:00:00Z");
//! ```
#![forbid(unsafe_code)]

pub mod analysis;
pub mod bench;
pub mod charts;
pub mod collect;
pub mod conformance;
pub mod custom;
pub mod error;
pub mod features;
pub mod loom;
pub mod machine;
pub mod paths;
pub mod readme;
pub mod report;
pub mod results;
pub mod soak;
pub mod tax;

pub use taskpool_measure::{fmt, stats};
