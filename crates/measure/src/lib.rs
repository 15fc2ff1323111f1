//! Your workload, every pool: hand in your own tasks, get them measured
//! through every pool of the workspace and the crates called raw, in
//! repeated rounds, judged by the same rules as the report of
//! `cargo xtask bench`, and a recommendation that says why.
//!
//! ```
//! use std::hint::black_box;
//! use taskpool_measure::Workload;
//!
//! // Task `i` sums a buffer of its own (made by the submitter, as a request
//! // body would arrive with its request).
//! let outcome = Workload::new(|i| {
//!     let buffer = vec![i as u8; 4096];
//!     move || {
//!         black_box(buffer.iter().map(|&b| u64::from(b)).sum::<u64>());
//!     }
//! })
//! .describe("sum a 4 KiB buffer")
//! .tasks(200)
//! .capacities([2])
//! .rounds(2)
//! .samples(2)
//! .pools(["channel", "rayon"]) // and their raw rows; every pool when left out
//! .run()?;
//!
//! println!("{}", outcome.markdown());
//! for choice in outcome.leaders() {
//!     let s = outcome.summary(&choice.row, choice.capacity).unwrap();
//!     println!("{choice}: {:?} per task, {:.0} tasks/s", s.per_task, s.throughput);
//! }
//! # Ok::<(), taskpool_measure::MeasureError>(())
//! ```
//!
//! # What is measured
//!
//! [`Workload::run`] runs every catalog pool through `dyn TaskPool`,
//! `ants-nonblocking` (a full pool refuses; the producer retries, every
//! refusal counted), the baseline crates called raw (`rayon-raw`,
//! `threadpool-raw`, `crossbeam-raw`) and the floor (one thread running
//! every task in a plain loop), at every capacity given, through the very
//! loop the report's workloads run through
//! ([`taskpool_benches::harness::batch`]). Each row and round runs one
//! untimed warm-up batch, then timed batches, each from the first submit
//! until the last task has run; with [`Workload::await_results`], every
//! submit waits for its task and each call is timed alone. The rows run in
//! an order of the round's own, shuffled by the report's seeded order.
//!
//! The [`Outcome`] holds the tables ([`table::Table`], the report's), the
//! verdicts (a winner only where its slowest round beats the runner-up's
//! fastest, the tied rows otherwise: [`stats::verdict`]) and a
//! [`Recommendation`]: the winner or the tie across every capacity, by how
//! much and how sure, and the reasons from `docs/choosing-a-pool.md` the
//! measured facts show (when the producer was done with each pool, refusals
//! counted, the heap's peak, the speed-up over one thread).
//!
//! Peak memory needs a counting allocator as the process's global
//! allocator: install [`CountingAllocator`] and hand it to
//! [`Workload::heap`].
//!
//! # In your process, not in fresh ones
//!
//! `cargo xtask bench` runs each round in a fresh process; a library call
//! runs its rounds one after the other in the caller's process, so what one
//! row leaves behind (allocator caches grown, the CPU's caches and clock)
//! can touch the next. The rows change order every round so that it
//! touches a different row each time, and the report says which way it
//! ran. `cargo xtask bench --custom` measures a workload described by a
//! task profile ([`profile`]) in fresh processes, one per round.
//!
//! # Modules
//!
//! The report's rules, shared with `cargo xtask bench`: [`stats`], [`fmt`],
//! [`table`], [`words`], [`markdown`]. A user's workload, each module
//! depending only on those before it: [`error`], [`record`], [`rows`],
//! [`run`], [`stateful`], [`analyze`], [`recommend`], [`outcome`],
//! [`workload`], and the command-line form's [`profile`].
#![forbid(unsafe_code)]

pub mod analyze;
pub mod error;
pub mod fmt;
pub mod markdown;
pub mod outcome;
pub mod profile;
pub mod recommend;
pub mod record;
pub mod rows;
pub mod run;
pub mod stateful;
pub mod stats;
pub mod table;
pub mod words;
pub mod workload;

pub use error::MeasureError;
pub use outcome::{Latency, Outcome, RowSummary};
pub use recommend::{Choice, Reason, Recommendation};
pub use taskpool_benches::memory::HeapCounter;
pub use workload::Workload;

/// The README's example, run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// A counting global allocator: install it as `#[global_allocator]` and
/// hand it to [`Workload::heap`] for the peak-memory tables.
pub type CountingAllocator = cap::Cap<std::alloc::System>;
