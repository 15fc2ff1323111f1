//! [`PoolKind`], its names, its feature table, and parsing.

use std::error::Error;
use std::fmt;
use std::str::FromStr;

use taskpool::Admission;

/// Every pool in the workspace that [`build`](crate::build) can make.
///
/// ```
/// use taskpool_catalog::PoolKind;
/// assert_eq!(PoolKind::Rayon.name(), "rayon");
/// assert_eq!("thread-per-task".parse::<PoolKind>().unwrap(), PoolKind::ThreadPerTask);
/// assert_eq!(PoolKind::ALL.len(), 7);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PoolKind {
    /// `taskpool-workerpool`: gammazero/workerpool (dispatcher, unbounded FIFO queue).
    WorkerPool,
    /// `taskpool-ants`: panjf2000/ants v2 (no queue, worker stack, blocking submit here).
    Ants,
    /// `taskpool-tunny`: Jeffail/tunny (fixed stateful workers, blocking callers).
    Tunny,
    /// `taskpool-baselines::RayonPool`: `rayon::ThreadPool::spawn`.
    Rayon,
    /// `taskpool-baselines::ThreadpoolPool`: the `threadpool` crate.
    ThreadPool,
    /// `taskpool-baselines::ChannelPool`: threads on one crossbeam channel.
    Channel,
    /// `taskpool-baselines::ThreadPerTask`: a new thread per task, behind a semaphore.
    ThreadPerTask,
}

/// What a kind does, for reports and docs: the differences that matter when
/// choosing.
///
/// ```
/// use taskpool::Admission;
/// use taskpool_catalog::PoolKind;
/// let f = PoolKind::Tunny.features();
/// assert_eq!(f.admission, Admission::Block);
/// assert!(f.per_worker_state);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Features {
    /// What `submit` does when every worker is busy, as built by [`build`](crate::build).
    pub admission: Admission,
    /// The capacity can change while the pool runs (on the concrete type).
    pub resizable: bool,
    /// Idle workers are retired after a while and started again on demand.
    pub reaps_idle: bool,
    /// Each worker owns state built once and reused for every task it runs.
    pub per_worker_state: bool,
}

impl PoolKind {
    /// Every kind, strategies first, in a stable order.
    pub const ALL: &'static [PoolKind] = &[
        PoolKind::WorkerPool,
        PoolKind::Ants,
        PoolKind::Tunny,
        PoolKind::Rayon,
        PoolKind::ThreadPool,
        PoolKind::Channel,
        PoolKind::ThreadPerTask,
    ];

    /// The short stable name used on command lines and in reports; equal to
    /// the built pool's [`TaskPool::name`](taskpool::TaskPool::name).
    ///
    /// ```
    /// use taskpool_catalog::PoolKind;
    /// let names: Vec<_> = PoolKind::ALL.iter().map(|k| k.name()).collect();
    /// assert_eq!(names, ["workerpool", "ants", "tunny", "rayon", "threadpool", "channel", "thread-per-task"]);
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            PoolKind::WorkerPool => "workerpool",
            PoolKind::Ants => "ants",
            PoolKind::Tunny => "tunny",
            PoolKind::Rayon => "rayon",
            PoolKind::ThreadPool => "threadpool",
            PoolKind::Channel => "channel",
            PoolKind::ThreadPerTask => "thread-per-task",
        }
    }

    /// True for the three Go strategies rebuilt in this workspace, false for
    /// the baselines.
    ///
    /// ```
    /// use taskpool_catalog::PoolKind;
    /// assert!(PoolKind::Ants.is_strategy());
    /// assert!(!PoolKind::Rayon.is_strategy());
    /// ```
    pub fn is_strategy(self) -> bool {
        matches!(
            self,
            PoolKind::WorkerPool | PoolKind::Ants | PoolKind::Tunny
        )
    }

    /// The kind's feature row, as [`build`](crate::build) configures it.
    ///
    /// ```
    /// use taskpool::Admission;
    /// use taskpool_catalog::PoolKind;
    /// assert_eq!(PoolKind::WorkerPool.features().admission, Admission::Queue);
    /// assert!(PoolKind::Ants.features().resizable);
    /// ```
    pub fn features(self) -> Features {
        let (admission, resizable, reaps_idle, per_worker_state) = match self {
            // Unbounded waiting queue; workers reaped after the idle timeout.
            PoolKind::WorkerPool => (Admission::Queue, false, true, false),
            // The catalog builds ants in blocking mode; `tune` resizes; purge reaps.
            PoolKind::Ants => (Admission::Block, true, true, false),
            // Callers block for a worker; `set_size` resizes; workers are stateful.
            PoolKind::Tunny => (Admission::Block, true, false, true),
            PoolKind::Rayon => (Admission::Queue, false, false, false),
            PoolKind::ThreadPool => (Admission::Queue, false, false, false),
            PoolKind::Channel => (Admission::Queue, false, false, false),
            // No queue and no idle workers: each task's thread ends with it.
            PoolKind::ThreadPerTask => (Admission::Block, false, false, false),
        };
        Features {
            admission,
            resizable,
            reaps_idle,
            per_worker_state,
        }
    }

    /// One line saying what the kind is.
    ///
    /// ```
    /// use taskpool_catalog::PoolKind;
    /// assert!(PoolKind::Tunny.description().contains("stateful"));
    /// ```
    pub fn description(self) -> &'static str {
        match self {
            PoolKind::WorkerPool => {
                "gammazero/workerpool: a dispatcher thread, an unbounded FIFO queue, workers started lazily and reaped when idle"
            }
            PoolKind::Ants => {
                "panjf2000/ants v2: no queue, tasks go straight to an idle worker from a stack; submit blocks when all are busy"
            }
            PoolKind::Tunny => {
                "Jeffail/tunny: a fixed set of stateful workers; the caller blocks until a worker is ready"
            }
            PoolKind::Rayon => "rayon::ThreadPool::spawn: work-stealing threads, tasks queued in rayon's deques",
            PoolKind::ThreadPool => "the threadpool crate: fixed threads sharing one queue behind a mutex",
            PoolKind::Channel => {
                "the hand-written pool: fixed threads pulling from one unbounded crossbeam channel"
            }
            PoolKind::ThreadPerTask => {
                "a new OS thread per task behind a counting semaphore; submit blocks when full"
            }
        }
    }
}

impl fmt::Display for PoolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PoolKind {
    type Err = ParseKindError;

    /// Parses a [`PoolKind::name`] exactly (case-sensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PoolKind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == s)
            .ok_or_else(|| ParseKindError {
                given: s.to_owned(),
            })
    }
}

/// The name given to [`PoolKind::from_str`] is not a pool kind.
///
/// Its message lists the valid names:
///
/// ```
/// use taskpool_catalog::PoolKind;
/// let err = "tokio".parse::<PoolKind>().unwrap_err();
/// assert_eq!(err.given(), "tokio");
/// assert!(err.to_string().contains("workerpool, ants, tunny, rayon, threadpool, channel, thread-per-task"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseKindError {
    given: String,
}

impl ParseKindError {
    /// The name that was not recognised.
    pub fn given(&self) -> &str {
        &self.given
    }
}

impl fmt::Display for ParseKindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown pool kind {:?}; valid names: ", self.given)?;
        for (i, kind) in PoolKind::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(kind.name())?;
        }
        Ok(())
    }
}

impl Error for ParseKindError {}

/// The feature table of every kind, as a Markdown table (one row per kind in
/// [`PoolKind::ALL`] order), for reports and docs.
///
/// ```
/// let table = taskpool_catalog::features_markdown();
/// assert!(table.starts_with("| pool |"));
/// assert!(table.contains("| tunny | block | yes | no | yes |"));
/// ```
pub fn features_markdown() -> String {
    fn yes(b: bool) -> &'static str {
        if b {
            "yes"
        } else {
            "no"
        }
    }
    let mut out = String::from(
        "| pool | when busy | resizable | reaps idle workers | per-worker state | what it is |\n\
         |---|---|---|---|---|---|\n",
    );
    for kind in PoolKind::ALL {
        let f = kind.features();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            kind.name(),
            f.admission,
            yes(f.resizable),
            yes(f.reaps_idle),
            yes(f.per_worker_state),
            kind.description()
        ));
    }
    out
}
