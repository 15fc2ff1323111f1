//! The rules every report of the workspace follows, as a library: the
//! statistics of rounds ([`stats`]: the median of rounds, the unstable flag,
//! a winner or a tie), the numbers ([`fmt`]), the tables and the verdict on
//! each ([`table`]), the verdicts in words ([`words`]) and a table as
//! Markdown ([`markdown`]). `cargo xtask bench` renders its report with
//! them.
//!
//! ```
//! use taskpool_measure::stats::{verdict, Candidate, Verdict};
//!
//! let rounds = |name: &str, values: &[f64]| Candidate { name: name.into(), values: values.to_vec() };
//! let v = verdict(&[rounds("a", &[10.0, 11.0, 12.0]), rounds("b", &[20.0, 21.0, 19.0])]).unwrap();
//! assert_eq!(v.winner(), Some("a"));
//! ```
#![forbid(unsafe_code)]

pub mod fmt;
pub mod markdown;
pub mod stats;
pub mod table;
pub mod words;
