//! What to run (profile, pools, workloads, size overrides, rounds), and how
//! `cargo xtask bench` passes it to the bench binary through environment
//! variables.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::rows::{pool_names, Row};
use crate::sizes::{self, Profile, Sizes};
use crate::workload::Workload;

/// Environment variable naming the profile: `quick` (default) or `full`.
pub const ENV_PROFILE: &str = "TASKPOOL_BENCH_PROFILE";
/// Environment variable narrowing the pools: comma-separated row names.
pub const ENV_POOLS: &str = "TASKPOOL_BENCH_POOLS";
/// Environment variable narrowing the workloads: comma-separated ids (`W1,S2`).
pub const ENV_WORKLOADS: &str = "TASKPOOL_BENCH_WORKLOADS";
/// Environment variable overriding the pool capacity of the workloads.
pub const ENV_CAPACITY: &str = "TASKPOOL_BENCH_CAPACITY";
/// Environment variable overriding the number of tasks per batch.
pub const ENV_TASKS: &str = "TASKPOOL_BENCH_TASKS";
/// Environment variable overriding the number of rounds.
pub const ENV_ROUNDS: &str = "TASKPOOL_BENCH_ROUNDS";
/// Environment variable naming the round this process measures (from 1;
/// it seeds the order of the rows).
pub const ENV_ROUND: &str = "TASKPOOL_BENCH_ROUND";
/// Environment variable naming the directory for the figures criterion
/// cannot hold (calibration, W8 percentiles).
pub const ENV_OUT: &str = "TASKPOOL_BENCH_OUT";
/// When set to `1`, the bench binary prints one `taskpool-bench: case i/n id`
/// line to stderr before each case (read by `cargo xtask bench` for its
/// progress bar).
pub const ENV_PROGRESS: &str = "TASKPOOL_BENCH_PROGRESS";
/// The start of that progress line (`taskpool-bench: case 3/57 W1_trivial/ants/cap=2`),
/// written by the bench binary and the custom rounds, read by `cargo xtask bench`.
pub const PROGRESS_PREFIX: &str = "taskpool-bench: case ";

/// The largest `--capacity` a run accepts: the pools' own limit
/// ([`taskpool::MAX_CAPACITY`]); every pool would refuse more.
pub const MAX_CAPACITY: usize = taskpool::MAX_CAPACITY;
/// The largest `--tasks` a run accepts: ten million tasks per batch. W9
/// queues a whole batch at once (tens of bytes per task, a few hundred MB at
/// this bound), and a batch this long already takes seconds per sample.
pub const MAX_TASKS: usize = 10_000_000;
/// The largest `--rounds` a run accepts: each round is a full bench process
/// over the selection.
pub const MAX_ROUNDS: usize = 100;

/// A bad selection: unknown name, zero or absurd size, malformed environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectionError(pub String);

impl fmt::Display for SelectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SelectionError {}

/// What to run: the profile, and optional narrowing and size overrides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// Quick or full.
    pub profile: Profile,
    /// Row names to run (`None` = all). A catalog pool's name selects its
    /// raw, strategy-specific and `+tls` rows too (`ants` selects
    /// `ants-func`, `channel` selects `crossbeam-raw`). The reference rows
    /// always run.
    pub pools: Option<BTreeSet<String>>,
    /// Workloads to run (`None` = all).
    pub workloads: Option<BTreeSet<Workload>>,
    /// Replaces the capacity of every workload except the S1 curve (whose axis
    /// is the capacity).
    pub capacity: Option<usize>,
    /// Replaces the tasks per batch of every workload except W8.
    pub tasks: Option<usize>,
    /// Replaces the profile's number of rounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounds: Option<usize>,
}

impl Selection {
    /// The whole matrix at `profile`.
    pub fn new(profile: Profile) -> Self {
        Selection {
            profile,
            pools: None,
            workloads: None,
            capacity: None,
            tasks: None,
            rounds: None,
        }
    }

    /// True when the selection narrows or resizes the matrix (such runs are
    /// reported apart from the standard profiles).
    pub fn is_custom(&self) -> bool {
        self.pools.is_some()
            || self.workloads.is_some()
            || self.capacity.is_some()
            || self.tasks.is_some()
            || self.rounds.is_some()
    }

    /// The rounds this selection runs.
    pub fn rounds(&self) -> usize {
        self.rounds.unwrap_or_else(|| self.profile.rounds())
    }

    /// Parses a comma-separated list of row names, checking every name.
    pub fn parse_pools(list: &str) -> Result<BTreeSet<String>, SelectionError> {
        let known = pool_names();
        let mut out = BTreeSet::new();
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if !known.iter().any(|k| k == name) {
                return Err(SelectionError(format!(
                    "unknown pool `{name}` (valid: {})",
                    known.join(", ")
                )));
            }
            out.insert(name.to_owned());
        }
        if out.is_empty() {
            return Err(SelectionError("empty pool list".into()));
        }
        Ok(out)
    }

    /// Parses a comma-separated workload list (`W1,W3,S1`).
    pub fn parse_workloads(list: &str) -> Result<BTreeSet<Workload>, SelectionError> {
        let out = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Workload::from_str(s).map_err(|e| SelectionError(e.to_string())))
            .collect::<Result<BTreeSet<_>, _>>()?;
        if out.is_empty() {
            return Err(SelectionError("empty workload list".into()));
        }
        Ok(out)
    }

    /// Parses a positive count (`what` names it in the error), at most
    /// [`MAX_CAPACITY`] for `capacity`, [`MAX_TASKS`] for `tasks` and
    /// [`MAX_ROUNDS`] for `rounds` and `round`.
    pub fn parse_count(what: &str, value: &str) -> Result<usize, SelectionError> {
        let max = match what {
            "capacity" => MAX_CAPACITY,
            "tasks" => MAX_TASKS,
            "rounds" | "round" => MAX_ROUNDS,
            _ => usize::MAX,
        };
        match value.trim().parse::<usize>() {
            Ok(0) => Err(SelectionError(format!("{what} must be at least 1, got 0"))),
            Ok(n) if n > max => Err(SelectionError(format!(
                "{what} must be at most {max}, got {n}"
            ))),
            Ok(n) => Ok(n),
            Err(_) => Err(SelectionError(format!(
                "{what} must be a positive whole number, got `{value}`"
            ))),
        }
    }

    /// Reads the selection from the `TASKPOOL_BENCH_*` variables.
    pub fn from_env() -> Result<Self, SelectionError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads the selection through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SelectionError> {
        let profile = match lookup(ENV_PROFILE) {
            Some(p) => p.parse().map_err(|e: sizes::UnknownProfile| {
                SelectionError(format!("{ENV_PROFILE}: {e}"))
            })?,
            None => Profile::Quick,
        };
        let mut sel = Selection::new(profile);
        if let Some(p) = lookup(ENV_POOLS) {
            sel.pools = Some(Self::parse_pools(&p)?);
        }
        if let Some(w) = lookup(ENV_WORKLOADS) {
            sel.workloads = Some(Self::parse_workloads(&w)?);
        }
        if let Some(c) = lookup(ENV_CAPACITY) {
            sel.capacity = Some(Self::parse_count("capacity", &c)?);
        }
        if let Some(t) = lookup(ENV_TASKS) {
            sel.tasks = Some(Self::parse_count("tasks", &t)?);
        }
        if let Some(r) = lookup(ENV_ROUNDS) {
            sel.rounds = Some(Self::parse_count("rounds", &r)?);
        }
        Ok(sel)
    }

    /// The environment variables that make the bench binary see this selection.
    pub fn to_env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![(ENV_PROFILE, self.profile.as_str().to_owned())];
        if let Some(p) = &self.pools {
            env.push((ENV_POOLS, p.iter().cloned().collect::<Vec<_>>().join(",")));
        }
        if let Some(w) = &self.workloads {
            env.push((
                ENV_WORKLOADS,
                w.iter().map(|w| w.id()).collect::<Vec<_>>().join(","),
            ));
        }
        if let Some(c) = self.capacity {
            env.push((ENV_CAPACITY, c.to_string()));
        }
        if let Some(t) = self.tasks {
            env.push((ENV_TASKS, t.to_string()));
        }
        if let Some(r) = self.rounds {
            env.push((ENV_ROUNDS, r.to_string()));
        }
        env
    }

    /// True when `workload` is selected.
    pub fn wants_workload(&self, workload: Workload) -> bool {
        self.workloads
            .as_ref()
            .is_none_or(|set| set.contains(&workload))
    }

    /// True when `row` is selected: its family or its own name was named, or
    /// no pools were named. The reference rows are always selected.
    pub fn wants_row(&self, row: &Row) -> bool {
        row.is_reference()
            || self
                .pools
                .as_ref()
                .is_none_or(|set| set.contains(&row.family()) || set.contains(&row.name()))
    }

    /// True when `--pools` names `row` itself (not only its family).
    pub fn names(&self, row: &Row) -> bool {
        self.pools
            .as_ref()
            .is_some_and(|set| set.contains(&row.name()))
    }

    /// The sizes `workload` runs with under this selection.
    pub fn sizes(&self, workload: Workload) -> Sizes {
        let mut sizes = sizes::standard(self.profile, workload);
        if let (false, Some(t)) = (workload == Workload::W8, self.tasks) {
            sizes.tasks = t;
        }
        if let (false, Some(c)) = (workload == Workload::S1, self.capacity) {
            sizes.capacities = vec![c];
        }
        sizes.rounds = self.rounds();
        sizes
    }
}

/// The round this process measures, from [`ENV_ROUND`] (1 when unset).
pub fn round_from_env() -> Result<usize, SelectionError> {
    match std::env::var(ENV_ROUND) {
        Ok(v) => Selection::parse_count("round", &v),
        Err(_) => Ok(1),
    }
}
