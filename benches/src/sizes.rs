//! How large and how long: the profiles, the sizes of every workload per
//! profile (with the smaller batches of the pathological rows), the rounds,
//! and criterion's settings. `docs/workloads.md` lists the same figures.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use taskpool_catalog::PoolKind;

use crate::rows::Row;
use crate::workload::Workload;

/// How long and how large the measurements are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Small batches and short measurements in each of three rounds: the
    /// whole matrix in a few minutes, for a first look.
    Quick,
    /// The sizes of `docs/workloads.md`, longer measurements, five rounds:
    /// the committed report.
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

    /// Rounds per row: each round a fresh bench process with the rows in an
    /// order of its own. The quick profile takes fewer samples per round,
    /// never fewer rounds than three.
    pub fn rounds(self) -> usize {
        match self {
            Profile::Quick => 3,
            Profile::Full => 5,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown profile name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownProfile(pub String);

impl fmt::Display for UnknownProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown profile `{}` (expected `quick` or `full`)",
            self.0
        )
    }
}

impl std::error::Error for UnknownProfile {}

impl FromStr for Profile {
    type Err = UnknownProfile;
    fn from_str(s: &str) -> Result<Self, UnknownProfile> {
        match s.trim() {
            "quick" => Ok(Profile::Quick),
            "full" => Ok(Profile::Full),
            other => Err(UnknownProfile(other.to_owned())),
        }
    }
}

/// A smaller batch for some rows or sizes of a workload, where the standard
/// batch would take minutes without telling more (the per-task cost of those
/// rows does not depend on the batch length).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reduced {
    /// Which rows or sizes, in words (`"thread-per-task"`, `"cap=1024"`).
    pub applies_to: String,
    /// Their tasks per batch.
    pub tasks: usize,
}

/// The sizes one workload runs with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sizes {
    /// Tasks per measured batch (W8: back-to-back calls recorded per row and
    /// round; W9: tasks queued).
    pub tasks: usize,
    /// Pool capacities, one benchmark each.
    pub capacities: Vec<usize>,
    /// Submitter thread counts, one benchmark each (1 where the workload has one).
    pub submitters: Vec<usize>,
    /// Rounds per row, each in a fresh process. Files written before rounds
    /// existed call this `runs` (W9's probe processes) or lack it (one round).
    #[serde(alias = "runs", default = "one_round")]
    pub rounds: usize,
    /// Smaller batches for pathological rows or sizes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reduced: Vec<Reduced>,
    /// W8: calls recorded per row and round after an idle gap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_calls: Option<usize>,
}

/// The rounds of sizes recorded before rounds existed.
fn one_round() -> usize {
    1
}

/// W8's idle gap: long enough for every pool's workers to stop spinning and
/// park before the next call (their spin-then-park windows are microseconds
/// to a few hundred microseconds).
pub const IDLE_GAP: Duration = Duration::from_millis(2);

/// Round trips run before the recorded ones of each W8 regime.
pub const W8_WARM_UP_CALLS: usize = 200;

/// The sizes of `workload` at `profile`, before any override.
pub fn standard(profile: Profile, workload: Workload) -> Sizes {
    let full = profile == Profile::Full;
    let pick = |full_n: usize, quick_n: usize| if full { full_n } else { quick_n };
    let (tasks, capacities, submitters) = match workload {
        Workload::W1 => (pick(100_000, 2_000), vec![2, 64], vec![1]),
        Workload::W2 => (pick(10_000, 1_000), vec![100], vec![1]),
        Workload::W3 => (pick(20_000, 2_000), vec![cores()], vec![1]),
        Workload::W4 => (pick(100_000, 2_000), vec![2], vec![1]),
        Workload::W5 => (pick(100_000, 2_000), vec![2], vec![4]),
        Workload::W6 => (1_000, vec![8], vec![1]),
        Workload::W7 => (pick(10_000, 200), vec![4], vec![1]),
        Workload::W8 => (pick(20_000, 2_000), vec![4], vec![1]),
        Workload::W9 => (pick(1_000_000, 200_000), vec![2], vec![1]),
        // A tenth of W1's batch even in the full profile: at capacity
        // 1024 on 2 cores some pools need ~0.1 ms per task.
        Workload::S1 => (pick(10_000, 1_000), vec![1, 2, 8, 64, 1024], vec![1]),
        Workload::S2 => (pick(100_000, 2_000), vec![2], vec![1, 2, 4, 8]),
    };
    let mut reduced = Vec::new();
    if matches!(
        workload,
        Workload::W1 | Workload::W3 | Workload::W4 | Workload::W5 | Workload::S1 | Workload::S2
    ) {
        // One thread start per task (~70 µs here): a small batch tells the same.
        reduced.push(Reduced {
            applies_to: PoolKind::ThreadPerTask.name().to_owned(),
            tasks: pick(2_000, 200),
        });
    }
    if workload == Workload::S1 {
        // 1024 threads on 2 cores: rayon's idle threads spin looking for
        // work, and some pools need ~0.1 ms per task.
        reduced.push(Reduced {
            applies_to: "cap=1024".to_owned(),
            tasks: pick(2_000, 250),
        });
    }
    if workload == Workload::W7 {
        // Every task builds the 1 ms resource: tasks × 1 ms / cores per batch.
        reduced.push(Reduced {
            applies_to: PER_TASK_BUILDS.to_owned(),
            tasks: pick(400, 20),
        });
    }
    Sizes {
        tasks,
        capacities,
        submitters,
        rounds: profile.rounds(),
        reduced,
        idle_calls: (workload == Workload::W8).then(|| pick(2_000, 250)),
    }
}

/// The W7 rows that build the resource in every task.
pub const PER_TASK_BUILDS: &str = "rows that build the resource per task";

impl Sizes {
    /// Tasks per batch of `row` at `capacity`: [`Sizes::tasks`], or the
    /// smallest [`Reduced`] batch that applies.
    pub fn tasks_for(&self, row: &Row, capacity: usize) -> usize {
        let applies = |r: &Reduced| {
            (matches!(row, Row::Pool(_))
                && (r.applies_to == row.family() || r.applies_to == PER_TASK_BUILDS))
                || r.applies_to == format!("cap={capacity}")
        };
        self.reduced
            .iter()
            .filter(|r| applies(r))
            .map(|r| r.tasks)
            .fold(self.tasks, usize::min)
    }
}

/// Criterion's settings for one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Samples per case (criterion's minimum is 10).
    pub samples: usize,
    /// Warm-up time.
    pub warm_up: Duration,
    /// Target measurement time (stretched when one batch is long).
    pub measurement: Duration,
}

/// Criterion's settings per profile and workload.
pub fn timing(profile: Profile, workload: Workload) -> Timing {
    let ms = Duration::from_millis;
    let (samples, warm_up, measurement) = match (profile, workload) {
        (Profile::Quick, _) => (10, ms(40), ms(120)),
        (Profile::Full, Workload::W2 | Workload::W7) => (10, ms(300), ms(1_500)),
        (Profile::Full, _) => (20, ms(300), ms(1_000)),
    };
    Timing {
        samples,
        warm_up,
        measurement,
    }
}

/// The number of cores this process may use (W3's capacity).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
