//! The workloads of `docs/workloads.md` (W1–W9 and the scaling curves S1,
//! S2): their ids, criterion groups, titles, units and timed regions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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
    /// Round trip of one call, back to back and after an idle gap.
    W8,
    /// Memory per queued task (separate process).
    W9,
    /// W1 at capacities 1, 2, 8, 64, 1024.
    S1,
    /// W1 with 1, 2, 4, 8 submitter threads.
    S2,
}

/// An unknown workload name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownWorkload(pub String);

impl fmt::Display for UnknownWorkload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let valid: Vec<&str> = Workload::ALL.iter().map(|w| w.id()).collect();
        write!(
            f,
            "unknown workload `{}` (valid: {})",
            self.0,
            valid.join(", ")
        )
    }
}

impl std::error::Error for UnknownWorkload {}

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

    /// The criterion group name (and the prefix of every case id), e.g.
    /// `"W1_trivial"`.
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

    /// True for the workloads criterion times in batches; W8 records
    /// per-call samples itself and W9 runs in processes of its own.
    pub fn is_criterion(self) -> bool {
        !matches!(self, Workload::W8 | Workload::W9)
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
            Workload::W8 => "round-trip latency of one call",
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
                 The pool is built before and stopped after the timed region. The \
                 `closure loop (floor)` row builds the same boxed tasks and calls each on the \
                 calling thread."
            }
            Workload::W2 => {
                "from the first `submit` until the completion latch opens; each task calls \
                 `thread::sleep(1 ms)`. Efficiency = ideal / measured, where ideal = \
                 ceil(tasks / capacity) × the measured length of one `sleep(1 ms)` here."
            }
            Workload::W3 => {
                "from the first `submit` until the completion latch opens; each task runs a \
                 fixed-count xorshift loop (~10 µs). Efficiency = floor time / cores / measured \
                 (the floor: the same tasks in a loop on one thread)."
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
                 run the tasks, `stop_wait`; reported per task. Rows named after a pool \
                 build the 1 ms resource in every task (a smaller batch: their time is \
                 the builds); rows named `pool+tls` keep one per thread in a thread-local."
            }
            Workload::W8 => {
                "one call that runs an empty task and returns when it has run: \
                 `submit_wait` through the contract, the library's own round trip for \
                 the strategy rows (`tunny::Pool::process`, `ants::Pool::submit` of a \
                 closure that signals a one-shot channel), and a closure sending on a \
                 one-shot `crossbeam_channel::bounded(1)` that the caller waits on for \
                 the raw rows. Each call is timed alone: back to back (the next call \
                 right after the previous returned, workers still awake) and after an \
                 idle gap of 2 ms (workers parked), with exact nearest-rank percentiles \
                 of every recorded call."
            }
            Workload::W9 => {
                "not timed: a separate process blocks every worker, queues the tasks, and \
                 reports the growth of the bytes its heap holds (a counting global allocator: \
                 exact, every platform) and of its peak RSS (VmHWM, Linux), each divided by \
                 the number of tasks. The `Vec<Task> (floor)` reference row holds the same \
                 boxed tasks in a `Vec` of exact capacity: no container of `Task` can use \
                 less, so \"over the floor\" is a pool's own overhead per queued task."
            }
        }
    }

    /// The unit the report uses for this workload's main figure.
    pub fn unit(self) -> &'static str {
        match self {
            Workload::W1 | Workload::W3 | Workload::W5 | Workload::S1 | Workload::S2 => "ns/task",
            Workload::W2 => "ms/batch",
            Workload::W7 => "µs/task",
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
    type Err = UnknownWorkload;
    fn from_str(s: &str) -> Result<Self, UnknownWorkload> {
        let wanted = s.trim();
        Workload::ALL
            .iter()
            .copied()
            .find(|w| w.id().eq_ignore_ascii_case(wanted) || w.group() == wanted)
            .ok_or_else(|| UnknownWorkload(wanted.to_owned()))
    }
}
