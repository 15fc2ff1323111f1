//! Project automation behind `cargo xtask`: run the benchmarks and write the
//! report ([`bench`](mod@bench), [`report`]), run the loom models ([`loom`]), the soak
//! ([`soak`]) and the conformance verdict ([`conformance`]).
//!
//! The report pipeline is: criterion's JSON and the benchmarks' own files →
//! [`results::Results`] (`results.json`) → [`analysis`] tables → `REPORT.md`
//! and SVG [`charts`]. Everything after the measurement is a pure function of
//! `results.json`, which is what `cargo xtask report` re-renders.
//!
//! ```
//! assert_eq!(xtask::machine::format_utc(0), "1970-01-01T00:00:00Z");
//! ```
#![forbid(unsafe_code)]

pub mod analysis;
pub mod bench;
pub mod charts;
pub mod conformance;
pub mod error;
pub mod features;
pub mod loom;
pub mod machine;
pub mod paths;
pub mod report;
pub mod results;
pub mod soak;
