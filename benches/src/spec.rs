//! The workloads of `shared/workloads.md`, their sizes per profile, and the
//! selection (profile, pools, workloads, sizes) passed from `cargo xtask bench`
//! to the bench binary through environment variables.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Environment variable naming the profile: `quick` (default) or `full`.
pub const ENV_PROFILE: &str = "TASKPOOL_BENCH_PROFILE";
/// Environment variable narrowing the pools: comma-separated pool names.
pub const ENV_POOLS: &str = "TASKPOOL_BENCH_POOLS";
/// Environment variable narrowing the workloads: comma-separated ids (`W1,S2`).
pub const ENV_WORKLOADS: &str = "TASKPOOL_BENCH_WORKLOADS";
/// Environment variable overriding the pool capacity of the workloads.
pub const ENV_CAPACITY: &str = "TASKPOOL_BENCH_CAPACITY";
/// Environment variable overriding the number of tasks per batch.
pub const ENV_TASKS: &str = "TASKPOOL_BENCH_TASKS";
/// Environment variable naming the directory for the figures criterion
/// cannot hold (calibrations, W8 percentiles).
pub const ENV_OUT: &str = "TASKPOOL_BENCH_OUT";
/// When set to `1`, the bench binary prints one `taskpool-bench: case i/n id`
/// line to stderr before each benchmark (read by `cargo xtask bench` for its
/// progress bar).
pub const ENV_PROGRESS: &str = "TASKPOOL_BENCH_PROGRESS";

/// How long and how large the measurements are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Short measurement times and small batches (2,000 trivial tasks
    /// instead of 100,000; see [`Selection::sizes`]): the whole matrix in a
    /// few minutes, for a first look.
    Quick,
    /// The sizes of `workloads.md` and longer measurements: the committed report.
    Full,
}

impl Profile {
    /// `"quick"` or `"full"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Quick => "quick",
            Profile::Full => "full",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Profile {
    type Err = SelectionError;
    fn from_str(s: &str) -> Result<Self, SelectionError> {
        match s.trim() {
            "quick" => Ok(Profile::Quick),
            "full" => Ok(Profile::Full),
            other => Err(SelectionError(format!(
                "unknown profile `{other}` (expected `quick` or `full`)"
            ))),
        }
    }
}

/// One workload (W1–W9) or scaling curve (S1, S2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Workload {
    /// Trivial tasks: one atomic operation each.
    W1,
    /// Tasks that sleep 1 ms.
    W2,
    /// ~10 µs of fixed arithmetic per task.
    W3,
    /// The submit loop of W1 timed alone.
    W4,
    /// Four submitter threads.
    W5,
    /// Build, use and stop a pool.
    W6,
    /// Tasks needing an expensive per-worker resource.
    W7,
    /// Round trip of one `submit_wait`.
    W8,
    /// Memory per queued task (separate process, peak RSS).
    W9,
    /// W1 at capacities 1, 2, 8, 64, 1024.
    S1,
    /// W1 with 1, 2, 4, 8 submitter threads.
    S2,
}

impl Workload {
    /// Every workload, in report order.
    pub const ALL: &'static [Workload] = &[
        Workload::W1,
        Workload::W2,
        Workload::W3,
        Workload::W4,
        Workload::W5,
        Workload::W6,
        Workload::W7,
        Workload::W8,
        Workload::W9,
        Workload::S1,
        Workload::S2,
    ];

    /// The short id: `"W1"` … `"S2"`.
    pub fn id(self) -> &'static str {
        match self {
            Workload::W1 => "W1",
            Workload::W2 => "W2",
            Workload::W3 => "W3",
            Workload::W4 => "W4",
            Workload::W5 => "W5",
            Workload::W6 => "W6",
            Workload::W7 => "W7",
            Workload::W8 => "W8",
            Workload::W9 => "W9",
            Workload::S1 => "S1",
            Workload::S2 => "S2",
        }
    }

    /// The criterion group name, e.g. `"W1_trivial"`.
    pub fn group(self) -> &'static str {
        match self {
            Workload::W1 => "W1_trivial",
            Workload::W2 => "W2_sleep",
            Workload::W3 => "W3_cpu",
            Workload::W4 => "W4_submit",
            Workload::W5 => "W5_contended",
            Workload::W6 => "W6_lifecycle",
            Workload::W7 => "W7_stateful",
            Workload::W8 => "W8_latency",
            Workload::W9 => "W9_queued_memory",
            Workload::S1 => "S1_capacity",
            Workload::S2 => "S2_submitters",
        }
    }

    /// The workload whose criterion group is `group`.
    pub fn from_group(group: &str) -> Option<Workload> {
        Workload::ALL.iter().copied().find(|w| w.group() == group)
    }

    /// A few words for headings.
    pub fn title(self) -> &'static str {
        match self {
            Workload::W1 => "trivial tasks",
            Workload::W2 => "sleeping tasks (1 ms)",
            Workload::W3 => "CPU-bound tasks (~10 µs)",
            Workload::W4 => "cost of one submit call",
            Workload::W5 => "contended submit (4 submitter threads)",
            Workload::W6 => "pool lifecycle",
            Workload::W7 => "expensive per-worker state",
            Workload::W8 => "round-trip latency of submit_wait",
            Workload::W9 => "memory per queued task",
            Workload::S1 => "scaling with capacity",
            Workload::S2 => "scaling with submitter threads",
        }
    }

    /// What the timed region contains, for the report.
    pub fn timed_region(self) -> &'static str {
        match self {
            Workload::W1 | Workload::S1 => {
                "from the first `submit` until a completion latch saw the last task finish; \
                 each task is one atomic read-modify-write on the shared latch counter. \
                 The pool is built before and stopped after the timed region."
            }
            Workload::W2 => {
                "from the first `submit` until the completion latch opens; each task calls \
                 `thread::sleep(1 ms)`. Efficiency = ideal / measured, where ideal = \
                 ceil(tasks / capacity) × the measured length of one `sleep(1 ms)` here."
            }
            Workload::W3 => {
                "from the first `submit` until the completion latch opens; each task runs a \
                 fixed-count xorshift loop (~10 µs). Efficiency = inline time / cores / measured."
            }
            Workload::W4 => {
                "only the producer loop of W1: from the first `submit` call until the last \
                 one returns; waiting for the tasks happens after the clock stopped."
            }
            Workload::W5 | Workload::S2 => {
                "the submitter threads are started before the clock and released together \
                 by a barrier; the clock runs until the completion latch opens after the \
                 last of all their tasks."
            }
            Workload::W6 => {
                "everything: build the pool, submit the batch of trivial tasks, `stop_wait`, drop."
            }
            Workload::W7 => {
                "everything: build the pool (stateful workers build their resource here), \
                 run the tasks, `stop_wait`. Rows named `pool` build the 1 ms resource in \
                 every task; rows named `pool+tls` keep one per thread in a thread-local."
            }
            Workload::W8 => {
                "one `submit_wait` of an empty task on an idle, warm pool; p50/p99 come from \
                 separately recorded per-call samples."
            }
            Workload::W9 => {
                "not timed: a separate process blocks every worker, queues the tasks with \
                 `try_submit`, and reports the growth of its peak RSS (VmHWM) divided by the \
                 number of tasks. Every pool runs several times, each run in a fresh process \
                 (runs interleaved across the pools); the figure is the median run, the spread \
                 the lowest and highest. The `Vec<Task> (floor)` reference row measures the \
                 same boxed tasks held in a `Vec` with exact capacity, the same way: no \
                 container of `Task` can use less, so \"over the floor\" is a pool's own \
                 overhead per queued task."
            }
        }
    }

    /// The unit the report uses for this workload's main figure.
    pub fn unit(self) -> &'static str {
        match self {
            Workload::W1 | Workload::W3 | Workload::W5 | Workload::S1 | Workload::S2 => "ns/task",
            Workload::W2 | Workload::W7 => "ms/batch",
            Workload::W4 => "ns/submit",
            Workload::W6 => "µs/pool life",
            Workload::W8 => "µs/call",
            Workload::W9 => "bytes/task",
        }
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Workload {
    type Err = SelectionError;
    fn from_str(s: &str) -> Result<Self, SelectionError> {
        let wanted = s.trim();
        Workload::ALL
            .iter()
            .copied()
            .find(|w| w.id().eq_ignore_ascii_case(wanted) || w.group() == wanted)
            .ok_or_else(|| {
                let valid: Vec<&str> = Workload::ALL.iter().map(|w| w.id()).collect();
                SelectionError(format!(
                    "unknown workload `{wanted}` (valid: {})",
                    valid.join(", ")
                ))
            })
    }
}

/// The sizes one workload runs with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sizes {
    /// Tasks per measured batch (W8: per-call samples recorded for the percentiles).
    pub tasks: usize,
    /// Pool capacities, one benchmark each.
    pub capacities: Vec<usize>,
    /// Submitter thread counts, one benchmark each (1 where the workload has one).
    pub submitters: Vec<usize>,
    /// Separate runs per row, each in a fresh process (W9, whose one run is
    /// one sample); 1 for the criterion workloads, where criterion takes the
    /// samples. Absent from files written before W9 ran several times: 1.
    #[serde(default = "one_run")]
    pub runs: usize,
}

/// The `runs` of sizes recorded before W9 repeated its probe.
fn one_run() -> usize {
    1
}

/// A bad selection: unknown name, zero size, malformed environment variable.
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
    /// Pool names to run (`None` = all). A name selects the pool's extra rows
    /// too (`ants` selects `ants-func`). The `inline` reference row always runs.
    pub pools: Option<BTreeSet<String>>,
    /// Workloads to run (`None` = all).
    pub workloads: Option<BTreeSet<Workload>>,
    /// Replaces the capacity of every workload except the S1 curve (whose axis
    /// is the capacity).
    pub capacity: Option<usize>,
    /// Replaces the tasks per batch of every workload except W8.
    pub tasks: Option<usize>,
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
        }
    }

    /// True when the selection narrows or resizes the matrix (such runs are
    /// reported apart from the standard profiles).
    pub fn is_custom(&self) -> bool {
        self.pools.is_some()
            || self.workloads.is_some()
            || self.capacity.is_some()
            || self.tasks.is_some()
    }

    /// Parses a comma-separated pool list, checking every name against the
    /// known rows.
    pub fn parse_pools(list: &str) -> Result<BTreeSet<String>, SelectionError> {
        let known = crate::rows::pool_names();
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
            .map(Workload::from_str)
            .collect::<Result<BTreeSet<_>, _>>()?;
        if out.is_empty() {
            return Err(SelectionError("empty workload list".into()));
        }
        Ok(out)
    }

    /// Parses a positive count (`what` names it in the error).
    pub fn parse_count(what: &str, value: &str) -> Result<usize, SelectionError> {
        match value.trim().parse::<usize>() {
            Ok(0) => Err(SelectionError(format!("{what} must be at least 1, got 0"))),
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
            Some(p) => p.parse()?,
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
        env
    }

    /// True when `workload` is selected.
    pub fn wants_workload(&self, workload: Workload) -> bool {
        self.workloads
            .as_ref()
            .is_none_or(|set| set.contains(&workload))
    }

    /// True when `row` is selected: its pool (or its own name) was named, or
    /// no pools were named. The inline reference rows are always selected.
    pub fn wants_row(&self, row: &crate::rows::Row) -> bool {
        row.is_inline()
            || self
                .pools
                .as_ref()
                .is_none_or(|set| set.contains(row.family()) || set.contains(&row.name()))
    }

    /// The sizes `workload` runs with under this selection.
    pub fn sizes(&self, workload: Workload) -> Sizes {
        let full = self.profile == Profile::Full;
        let pick = |full_n: usize, quick_n: usize| if full { full_n } else { quick_n };
        let (tasks, capacities, submitters) = match workload {
            Workload::W1 => (pick(100_000, 2_000), vec![2, 64], vec![1]),
            Workload::W2 => (pick(10_000, 1_000), vec![100], vec![1]),
            Workload::W3 => (pick(20_000, 2_000), vec![cores()], vec![1]),
            Workload::W4 => (pick(100_000, 2_000), vec![2], vec![1]),
            Workload::W5 => (pick(100_000, 2_000), vec![2], vec![4]),
            Workload::W6 => (1_000, vec![8], vec![1]),
            Workload::W7 => (pick(10_000, 100), vec![4], vec![1]),
            Workload::W8 => (pick(20_000, 2_000), vec![4], vec![1]),
            Workload::W9 => (pick(1_000_000, 200_000), vec![2], vec![1]),
            // A tenth of W1's batch even in the full profile: at capacity
            // 1024 on 2 cores some pools need ~1 ms per task (rayon's 1024
            // threads spin looking for work), and criterion takes at least
            // 11 batches per benchmark.
            Workload::S1 => (pick(10_000, 1_000), vec![1, 2, 8, 64, 1024], vec![1]),
            Workload::S2 => (pick(100_000, 2_000), vec![2], vec![1, 2, 4, 8]),
        };
        let tasks = match (workload, self.tasks) {
            (Workload::W8, _) | (_, None) => tasks,
            (_, Some(t)) => t,
        };
        let capacities = match (workload, self.capacity) {
            (Workload::S1, _) | (_, None) => capacities,
            (_, Some(c)) => vec![c],
        };
        // W9's figure is one process's peak RSS: a single run can catch a
        // pool at an unlucky moment (workerpool's dispatcher falling behind
        // leaves tasks in its channel at the high-water mark), so it repeats.
        let runs = match workload {
            Workload::W9 => pick(5, 3),
            _ => 1,
        };
        Sizes {
            tasks,
            capacities,
            submitters,
            runs,
        }
    }
}

/// The number of cores this process may use (W3's capacity).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
