//! [`Config`] and the [`Property`] list: how much `verify` runs.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::Rule;

/// One property-based check; each generates its own family of scripts.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Property {
    /// Scripts of tasks (quick, sleeping, spinning, submitting further tasks)
    /// from 1 to 4 submitters on pools of 1 to 4 workers (one case in four
    /// larger, up to [`Config::max_capacity`]), then `stop_wait` or drop:
    /// rules 1, 2, 6.
    Capacity,
    /// Pools above the small sizes (5 to [`Config::max_capacity`] workers)
    /// with more submitters than workers, each handing over sleeping tasks,
    /// while the test samples `stats()`: rules 1, 2, 6 and the stats.
    /// Runs a quarter of [`Config::cases`].
    Saturation,
    /// One pool lives through 3 to 6 waves of hundreds of tasks each
    /// (thousands in all), with a quiescent point (exact stats) and an idle
    /// gap after each wave: exactly-once and the stats over a long life.
    /// Runs a sixteenth of [`Config::cases`].
    LongLife,
    /// Scripts with `stop`, `stop_wait` and `wait_idle` at random points,
    /// submits racing them, `stop`/`stop_wait` from inside tasks, a few
    /// panicking tasks: rules 2, 3, 4, 5, 6, 7, refusals and `wait_idle`.
    Shutdown,
    /// Scripts with panicking tasks, then a quiescent point (the panic count
    /// and the other stats exact), then `capacity` tasks that must all run at
    /// once: rule 5.
    Panics,
    /// Every worker busy with a task that calls the pool from inside:
    /// `submit_wait`, a blocking `submit`, or `spawn(..).join()`. The pool
    /// may refuse with a typed error, run the task inline, or queue it, but
    /// must not hang: rule 7.
    Nested,
    /// Every worker held on a gate while another thread calls `try_submit`
    /// (and, for a rejecting pool, `submit`): the call must return before
    /// the gate opens. Runs a quarter of [`Config::cases`].
    NonBlocking,
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
        Property::Saturation,
        Property::LongLife,
        Property::Shutdown,
        Property::Panics,
        Property::Nested,
        Property::NonBlocking,
        Property::ConcurrentStop,
        Property::Drop,
    ];

    /// Short stable name, e.g. "capacity".
    pub fn name(self) -> &'static str {
        match self {
            Property::Capacity => "capacity",
            Property::Saturation => "saturation",
            Property::LongLife => "long-life",
            Property::Shutdown => "shutdown",
            Property::Panics => "panics",
            Property::Nested => "nested",
            Property::NonBlocking => "nonblocking",
            Property::ConcurrentStop => "concurrent-stop",
            Property::Drop => "drop",
        }
    }

    /// The cases this property runs under `config`: [`Config::cases`], or
    /// a share of it for the properties whose cases are long.
    pub fn cases(self, config: &Config) -> u32 {
        let share = match self {
            Property::LongLife => 16,
            Property::Saturation | Property::NonBlocking => 4,
            _ => 1,
        };
        (config.cases / share).max(1)
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
            Property::Saturation => &[
                Rule::Capacity,
                Rule::ExactlyOnceOnStopWait,
                Rule::ThreadsExited,
                Rule::Stats,
            ],
            Property::LongLife => &[Rule::ExactlyOnceOnStopWait, Rule::WaitIdle, Rule::Stats],
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
            Property::Panics => &[Rule::PanicsSurvived, Rule::Capacity, Rule::Stats],
            Property::Nested => &[Rule::StopIdempotentAndReentrant, Rule::RefusalHandsBackTask],
            Property::NonBlocking => &[Rule::NonBlocking, Rule::RefusalHandsBackTask],
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
/// fields (the struct is non-exhaustive). Every field's default is given in
/// its docs; the environment variables that [`Config::from_env`] reads are
/// listed there.
///
/// ```
/// let mut config = taskpool_conformance::Config::default();
/// config.cases = 8;
/// config.seed = 42;
/// assert_eq!(config.cases, 8);
/// assert_eq!(config.max_capacity, 16);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Generated cases per property (each case builds a fresh pool); the
    /// long-case properties run a share of it (see [`Property::cases`]).
    /// Default [`DEFAULT_CASES`] (128); `TASKPOOL_CONFORMANCE_CASES`.
    pub cases: u32,
    /// The largest pool capacity generated. Most cases use 1 to 4 workers;
    /// one in four `capacity` cases and every `saturation` case draws from
    /// 5 to this. Default 16; `TASKPOOL_CONFORMANCE_MAX_CAPACITY`.
    pub max_capacity: usize,
    /// Submitter threads per step are drawn from `1..=max_submitters`
    /// (`saturation` uses more: capacity + 1 to capacity + 3). Default 4.
    pub max_submitters: usize,
    /// Operations per submitter thread are drawn from `1..=max_ops`.
    /// Default 8.
    pub max_ops: usize,
    /// Watchdog: a case that has not finished after this long is a failed
    /// property, labelled by what was blocked (the hung pool and its threads
    /// are leaked, not joined). Default 30 s; `TASKPOOL_CONFORMANCE_TIMEOUT_SECS`.
    pub timeout: Duration,
    /// The watchdog while shrinking a failure: shorter than `timeout`, so a
    /// pool that hangs can still be shrunk to a small script in
    /// `max_shrink_time` (a false alarm here only makes the script less
    /// small). Default 5 s.
    pub shrink_timeout: Duration,
    /// How long `capacity` tasks may take to all be running at once (the
    /// capacity check after panics, filling the pool for `nested` and
    /// `nonblocking`), and how long a `try_submit` may take to return while
    /// every worker is held. Default 10 s.
    pub barrier_timeout: Duration,
    /// How long a thread that ran tasks may take to finish exiting after a
    /// `stop` returned (for pools that signal their threads instead of
    /// joining them). Zero makes the thread check strict. Default zero;
    /// `TASKPOOL_CONFORMANCE_EXIT_GRACE_MS`.
    pub exit_grace: Duration,
    /// Seed of the generated scripts; reuse the one in a
    /// [`Violation`](crate::Violation) to replay the run. Default: random
    /// per run; `TASKPOOL_CONFORMANCE_SEED`.
    pub seed: u64,
    /// Upper bound on shrinking runs after a failure. Default 512.
    pub max_shrink_iters: u32,
    /// Upper bound on time spent shrinking after a failure. Default 30 s.
    pub max_shrink_time: Duration,
    /// While shrinking, a smaller script that passes is run this many more
    /// times before it is believed to pass (a race may need several runs to
    /// show again). Default 3; `TASKPOOL_CONFORMANCE_SHRINK_RERUNS`.
    pub shrink_reruns: u32,
    /// Find every broken rule instead of stopping at the first: each
    /// property keeps running after a violation (with the rules already
    /// found excused) and each broken rule is reported once, with its own
    /// minimal script, by [`verify_all`](crate::verify_all) (`verify` still
    /// returns the first). Default false; `TASKPOOL_CONFORMANCE_FIND_ALL=1`.
    pub find_all: bool,
    /// The properties to run, in order. Default [`Property::ALL`].
    pub properties: Vec<Property>,
}

/// Cases per property when nothing else is said: small enough that the whole
/// CI suite (every catalog pool) stays within a few minutes on 2 cores.
pub const DEFAULT_CASES: u32 = 128;

impl Default for Config {
    fn default() -> Self {
        Config {
            cases: DEFAULT_CASES,
            max_capacity: 16,
            max_submitters: 4,
            max_ops: 8,
            timeout: Duration::from_secs(30),
            shrink_timeout: Duration::from_secs(5),
            barrier_timeout: Duration::from_secs(10),
            exit_grace: Duration::ZERO,
            seed: random_seed(),
            max_shrink_iters: 512,
            max_shrink_time: Duration::from_secs(30),
            shrink_reruns: 3,
            find_all: false,
            properties: Property::ALL.to_vec(),
        }
    }
}

/// The environment variables [`Config::from_env`] reads, with what each sets.
pub const ENV_VARS: &[(&str, &str)] = &[
    (
        "TASKPOOL_CONFORMANCE_CASES",
        "cases per property (whole number, at least 1)",
    ),
    ("TASKPOOL_CONFORMANCE_SEED", "the seed (whole number)"),
    (
        "TASKPOOL_CONFORMANCE_MAX_CAPACITY",
        "the largest capacity generated",
    ),
    (
        "TASKPOOL_CONFORMANCE_TIMEOUT_SECS",
        "the watchdog per case, in seconds",
    ),
    (
        "TASKPOOL_CONFORMANCE_EXIT_GRACE_MS",
        "the thread-exit grace, in milliseconds",
    ),
    (
        "TASKPOOL_CONFORMANCE_SHRINK_RERUNS",
        "extra runs of a passing candidate while shrinking",
    ),
    (
        "TASKPOOL_CONFORMANCE_FIND_ALL",
        "1 (or true) to find every broken rule",
    ),
];

impl Config {
    /// The defaults, overridden by environment variables when set (see
    /// [`ENV_VARS`]): `TASKPOOL_CONFORMANCE_CASES` (cases per property),
    /// `TASKPOOL_CONFORMANCE_SEED`, `TASKPOOL_CONFORMANCE_MAX_CAPACITY`,
    /// `TASKPOOL_CONFORMANCE_TIMEOUT_SECS` (watchdog),
    /// `TASKPOOL_CONFORMANCE_EXIT_GRACE_MS` (thread-exit grace),
    /// `TASKPOOL_CONFORMANCE_SHRINK_RERUNS` and
    /// `TASKPOOL_CONFORMANCE_FIND_ALL` (`1`/`true` or `0`/`false`). A value
    /// that does not parse is ignored with a message on stderr.
    pub fn from_env() -> Self {
        Config::default().with_env_from(|name| std::env::var(name).ok())
    }

    /// The same configuration with the values `lookup` gives for the names in
    /// [`ENV_VARS`] applied (what [`Config::from_env`] does with the process
    /// environment).
    pub fn with_env_from(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let number = |name: &str| lookup(name).and_then(|raw| parse_number(name, &raw));
        if let Some(v) = number("TASKPOOL_CONFORMANCE_CASES") {
            self.cases = u32::try_from(v).unwrap_or(u32::MAX).max(1);
        }
        if let Some(v) = number("TASKPOOL_CONFORMANCE_SEED") {
            self.seed = v;
        }
        if let Some(v) = number("TASKPOOL_CONFORMANCE_MAX_CAPACITY") {
            self.max_capacity = usize::try_from(v).unwrap_or(usize::MAX).max(1);
        }
        if let Some(v) = number("TASKPOOL_CONFORMANCE_TIMEOUT_SECS") {
            self.timeout = Duration::from_secs(v.max(1));
        }
        if let Some(v) = number("TASKPOOL_CONFORMANCE_EXIT_GRACE_MS") {
            self.exit_grace = Duration::from_millis(v);
        }
        if let Some(v) = number("TASKPOOL_CONFORMANCE_SHRINK_RERUNS") {
            self.shrink_reruns = u32::try_from(v).unwrap_or(u32::MAX);
        }
        if let Some(raw) = lookup("TASKPOOL_CONFORMANCE_FIND_ALL") {
            match raw.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" => self.find_all = true,
                "0" | "false" | "no" | "" => self.find_all = false,
                _ => eprintln!(
                    "taskpool-conformance: ignoring TASKPOOL_CONFORMANCE_FIND_ALL={raw:?}: \
                     expected 1/true or 0/false"
                ),
            }
        }
        self
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

    /// The same configuration in find-all mode (see [`Config::find_all`]).
    pub fn with_find_all(mut self, find_all: bool) -> Self {
        self.find_all = find_all;
        self
    }
}

fn parse_number(name: &str, raw: &str) -> Option<u64> {
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
