//! [`Config`] and the [`Property`] list: how much `verify` runs.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::Rule;

/// One property-based check; each generates its own family of scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Property {
    /// Scripts of tasks (quick, sleeping, spinning, submitting further tasks)
    /// from 1 to 4 submitters, then `stop_wait` or drop: rules 1, 2, 6.
    Capacity,
    /// Scripts with `stop`, `stop_wait` and `wait_idle` at random points,
    /// submits racing them, `stop`/`stop_wait` from inside tasks, a few
    /// panicking tasks: rules 2, 3, 4, 5, 6, 7, refusals and `wait_idle`.
    Shutdown,
    /// Scripts with panicking tasks, then `capacity` tasks that must all run
    /// at once, then the panic count: rule 5.
    Panics,
    /// Several threads call `stop`/`stop_wait` at once while submits race:
    /// rule 7.
    ConcurrentStop,
    /// The last handle is dropped, on the test's thread or inside one of the
    /// pool's own tasks: rule 8.
    Drop,
}

impl Property {
    /// Every property, in the order `verify` runs them.
    pub const ALL: &'static [Property] = &[
        Property::Capacity,
        Property::Shutdown,
        Property::Panics,
        Property::ConcurrentStop,
        Property::Drop,
    ];

    /// Short stable name, e.g. "capacity".
    pub fn name(self) -> &'static str {
        match self {
            Property::Capacity => "capacity",
            Property::Shutdown => "shutdown",
            Property::Panics => "panics",
            Property::ConcurrentStop => "concurrent-stop",
            Property::Drop => "drop",
        }
    }

    /// The rules this property is built to exercise (every property checks
    /// every rule it can observe).
    pub fn rules(self) -> &'static [Rule] {
        match self {
            Property::Capacity => &[
                Rule::Capacity,
                Rule::ExactlyOnceOnStopWait,
                Rule::ThreadsExited,
                Rule::Liveness,
            ],
            Property::Shutdown => &[
                Rule::ExactlyOnceOnStopWait,
                Rule::NothingStartsAfterStop,
                Rule::RefusedAfterShutdown,
                Rule::PanicsSurvived,
                Rule::ThreadsExited,
                Rule::StopIdempotentAndReentrant,
                Rule::WaitIdle,
                Rule::RefusalHandsBackTask,
            ],
            Property::Panics => &[Rule::PanicsSurvived, Rule::Capacity],
            Property::ConcurrentStop => &[
                Rule::StopIdempotentAndReentrant,
                Rule::RefusedAfterShutdown,
                Rule::ThreadsExited,
            ],
            Property::Drop => &[Rule::DropIsStopWait, Rule::ThreadsExited],
        }
    }
}

/// How much [`verify_with`](crate::verify_with) runs, and its patience.
///
/// Build it with [`Config::default`] or [`Config::from_env`], then assign the
/// fields (the struct is non-exhaustive):
///
/// ```
/// let mut config = taskpool_conformance::Config::default();
/// config.cases = 8;
/// config.seed = 42;
/// assert_eq!(config.cases, 8);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Generated cases per property (each case builds a fresh pool).
    pub cases: u32,
    /// Pool capacities are drawn from `1..=max_capacity`.
    pub max_capacity: usize,
    /// Submitter threads per case are drawn from `1..=max_submitters`.
    pub max_submitters: usize,
    /// Operations per submitter thread are drawn from `1..=max_ops`.
    pub max_ops: usize,
    /// Watchdog: a case that has not finished after this long is a failed
    /// property (the hung pool and its threads are leaked, not joined).
    pub timeout: Duration,
    /// The watchdog while shrinking a failure: shorter than `timeout`, so a
    /// pool that hangs can still be shrunk to a small script in
    /// `max_shrink_time` (a false alarm here only makes the script less small).
    pub shrink_timeout: Duration,
    /// How long `capacity` tasks may take to all be running at once in the
    /// capacity-after-panics check before the pool is judged to have lost
    /// capacity.
    pub barrier_timeout: Duration,
    /// How long a thread that ran tasks may take to finish exiting after a
    /// `stop` returned (for pools that signal their threads instead of
    /// joining them). Zero makes the thread check strict.
    pub exit_grace: Duration,
    /// Seed of the generated scripts; reuse the one in a [`Violation`](crate::Violation)
    /// to replay it.
    pub seed: u64,
    /// Upper bound on shrinking runs after a failure.
    pub max_shrink_iters: u32,
    /// Upper bound on time spent shrinking after a failure.
    pub max_shrink_time: Duration,
    /// The properties to run, in order.
    pub properties: Vec<Property>,
}

/// Cases per property when nothing else is said: small enough that the whole
/// CI suite (every catalog pool) stays within a few minutes on 2 cores.
pub const DEFAULT_CASES: u32 = 128;

impl Default for Config {
    fn default() -> Self {
        Config {
            cases: DEFAULT_CASES,
            max_capacity: 4,
            max_submitters: 4,
            max_ops: 8,
            timeout: Duration::from_secs(30),
            shrink_timeout: Duration::from_secs(5),
            barrier_timeout: Duration::from_secs(10),
            exit_grace: Duration::ZERO,
            seed: random_seed(),
            max_shrink_iters: 512,
            max_shrink_time: Duration::from_secs(30),
            properties: Property::ALL.to_vec(),
        }
    }
}

impl Config {
    /// The defaults, overridden by environment variables when set:
    /// `TASKPOOL_CONFORMANCE_CASES` (cases per property),
    /// `TASKPOOL_CONFORMANCE_SEED`, `TASKPOOL_CONFORMANCE_MAX_CAPACITY`,
    /// `TASKPOOL_CONFORMANCE_TIMEOUT_SECS` (watchdog). A value that does not
    /// parse is ignored with a message on stderr.
    pub fn from_env() -> Self {
        let mut config = Config::default();
        if let Some(v) = env_number("TASKPOOL_CONFORMANCE_CASES") {
            config.cases = u32::try_from(v).unwrap_or(u32::MAX).max(1);
        }
        if let Some(v) = env_number("TASKPOOL_CONFORMANCE_SEED") {
            config.seed = v;
        }
        if let Some(v) = env_number("TASKPOOL_CONFORMANCE_MAX_CAPACITY") {
            config.max_capacity = usize::try_from(v).unwrap_or(usize::MAX).max(1);
        }
        if let Some(v) = env_number("TASKPOOL_CONFORMANCE_TIMEOUT_SECS") {
            config.timeout = Duration::from_secs(v.max(1));
        }
        config
    }

    /// The same configuration with `cases` cases per property.
    pub fn with_cases(mut self, cases: u32) -> Self {
        self.cases = cases;
        self
    }

    /// The same configuration with a fixed seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The same configuration running only `properties`.
    pub fn with_properties(mut self, properties: &[Property]) -> Self {
        self.properties = properties.to_vec();
        self
    }
}

fn env_number(name: &str) -> Option<u64> {
    let raw = std::env::var(name).ok()?;
    match raw.trim().parse::<u64>() {
        Ok(v) => Some(v),
        Err(_) => {
            eprintln!("taskpool-conformance: ignoring {name}={raw:?}: not a whole number");
            None
        }
    }
}

/// A fresh seed from the process's hash randomness.
pub(crate) fn random_seed() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    );
    h.finish()
}

/// Mixes a base seed with a number (SplitMix64 finaliser).
pub(crate) fn mix(seed: u64, n: u64) -> u64 {
    let mut z = seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
