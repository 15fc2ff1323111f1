//! The scripts `verify` generates: what the test's threads do, what tasks
//! do, how the case ends.
//!
//! Every type here is public with public fields so that a failing script can
//! be printed as Rust code ([`Script::to_rust`]) and replayed against your
//! own pool with [`replay`](crate::replay):
//!
//! ```
//! use taskpool::Admission;
//! use taskpool_baselines::ChannelPool;
//! use taskpool_conformance::script::*;
//!
//! let script = Script {
//!     capacity: 1,
//!     steps: vec![Step::Threads(vec![vec![Op::Task(How::Submit, Work::Leaf(Leaf::Quick))]])],
//!     finish: Finish::StopWait,
//! };
//! // One submitter on a correct pool: nothing breaks.
//! let pool = ChannelPool::new;
//! taskpool_conformance::replay(pool, Admission::Queue, &script, 3).unwrap();
//! assert!(script.to_rust().contains("Step::Threads"));
//! ```

use std::fmt::{self, Write as _};

/// One generated case: a fresh pool of `capacity`, the `steps` in order,
/// then the `finish`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    /// The capacity the factory is asked for.
    pub capacity: usize,
    /// What the test does, one step after the other.
    pub steps: Vec<Step>,
    /// How the case ends, after the last step.
    pub finish: Finish,
}

/// One step of a [`Script`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// One thread per list of operations; they start together and the step
    /// ends when all have finished. While they run, the test samples
    /// `stats()` (`running <= capacity`, and `capacity` as built, unless a
    /// stop may be under way).
    Threads(Vec<Vec<Op>>),
    /// The test calls `wait_idle`; nothing else is running, so `stats()` must
    /// then be exact: `completed` and `panicked` as recorded, `running` and
    /// `waiting` zero, `capacity` as built.
    Quiesce,
    /// The test sleeps this many milliseconds with the pool idle (a pool that
    /// reaps idle workers may retire some; the next step restarts them).
    IdleMs(u8),
    /// After `wait_idle`, `capacity` tasks must all run at once (checks that
    /// panics did not lower the capacity).
    CapacityCheck,
    /// Fills the pool with `capacity` tasks that meet, then each calls the
    /// pool from inside with `how` (`Submit`, `SubmitWait` or `SpawnJoin` of
    /// a quick task) while every worker is busy. No pool can keep a nested
    /// `join` from waiting on a child it queued behind the joining task (and
    /// a blocking pool with a bounded queue queues too), so for `SpawnJoin`
    /// one worker holds until every nested spawn has returned instead.
    /// Starts with `wait_idle`, so that every worker is free to be filled.
    NestedWhileFull(How),
    /// Holds every worker on a gate, then calls `try_submit` (and a rejecting
    /// pool's `submit`) from another thread: each must return before the gate
    /// opens.
    TryWhileFull,
}

/// What a submitter thread does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Hands one task to the pool.
    Task(How, Work),
    /// Submits this many tasks of one kind with `submit`, back to back.
    Burst(u16, Leaf),
    /// Calls `stop`.
    Stop,
    /// Calls `stop_wait`.
    StopWait,
    /// Calls `wait_idle`.
    WaitIdle,
}

/// How a task is handed to the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// `submit`.
    Submit,
    /// `try_submit`.
    TrySubmit,
    /// `submit_wait`.
    SubmitWait,
    /// `spawn`, joined when the submitter's list is over.
    Spawn,
    /// `spawn`, joined at once.
    SpawnJoin,
}

/// What a task does when it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Work {
    /// Submits nothing.
    Leaf(Leaf),
    /// Submits further tasks from inside the task.
    Nested(Via, Vec<Leaf>),
    /// Calls `stop` (`false`) or `stop_wait` (`true`) from inside the task.
    StopInside(bool),
}

/// A task that submits nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leaf {
    /// Returns at once.
    Quick,
    /// Sleeps this many milliseconds.
    SleepMs(u8),
    /// Busy-loops this many rounds of arithmetic.
    Spin(u16),
    /// Panics.
    Panic,
}

/// How a task submits its children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// `submit` (only generated where a blocking submit from a worker cannot
    /// wait on itself).
    Submit,
    /// `try_submit`.
    TrySubmit,
}

/// How the case ends, after the last step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finish {
    /// `stop_wait`, then the checks after a stop.
    StopWait,
    /// `stop`, then the checks after a stop.
    Stop,
    /// The test drops its handle (usually the last one).
    Drop,
    /// The last handle is handed to a task and dropped on a worker thread.
    DropOnWorker,
    /// These threads call `stop_wait` (`true`) or `stop` (`false`) at once,
    /// racing submits from `racers` more threads; then the test's own thread
    /// calls `stop_wait`.
    Concurrent {
        /// One entry per stopping thread.
        stoppers: Vec<bool>,
        /// Threads submitting while the stops run.
        racers: usize,
    },
}

impl Script {
    /// Tasks the script hands to the pool directly (bursts counted in full;
    /// nested children, capacity-check and gate tasks not counted).
    pub fn direct_tasks(&self) -> usize {
        self.steps
            .iter()
            .map(|step| match step {
                Step::Threads(threads) => threads
                    .iter()
                    .flatten()
                    .map(|op| match op {
                        Op::Task(..) => 1,
                        Op::Burst(n, _) => usize::from(*n),
                        _ => 0,
                    })
                    .sum(),
                _ => 0,
            })
            .sum()
    }

    /// The script as a Rust expression, for pasting into a test that calls
    /// [`replay`](crate::replay) (needs `use taskpool_conformance::script::*;`).
    pub fn to_rust(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Script {{");
        let _ = writeln!(out, "    capacity: {},", self.capacity);
        let _ = writeln!(out, "    steps: vec![");
        for step in &self.steps {
            match step {
                Step::Threads(threads) => {
                    let _ = writeln!(out, "        Step::Threads(vec![");
                    for ops in threads {
                        let _ = writeln!(out, "            vec![");
                        for op in ops {
                            let _ = writeln!(out, "                {},", Rust(op));
                        }
                        let _ = writeln!(out, "            ],");
                    }
                    let _ = writeln!(out, "        ]),");
                }
                other => {
                    let _ = writeln!(out, "        {},", Rust(other));
                }
            }
        }
        let _ = writeln!(out, "    ],");
        let _ = writeln!(out, "    finish: {},", Rust(&self.finish));
        out.push('}');
        out
    }
}

/// Prints a script value as the Rust expression that builds it.
struct Rust<'a, T>(&'a T);

impl fmt::Display for Rust<'_, Step> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Step::Threads(threads) => {
                f.write_str("Step::Threads(vec![")?;
                for (i, ops) in threads.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str("vec![")?;
                    for (k, op) in ops.iter().enumerate() {
                        if k > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{}", Rust(op))?;
                    }
                    f.write_str("]")?;
                }
                f.write_str("])")
            }
            Step::Quiesce => f.write_str("Step::Quiesce"),
            Step::IdleMs(ms) => write!(f, "Step::IdleMs({ms})"),
            Step::CapacityCheck => f.write_str("Step::CapacityCheck"),
            Step::NestedWhileFull(how) => write!(f, "Step::NestedWhileFull(How::{how:?})"),
            Step::TryWhileFull => f.write_str("Step::TryWhileFull"),
        }
    }
}

impl fmt::Display for Rust<'_, Op> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Op::Task(how, work) => write!(f, "Op::Task(How::{how:?}, {})", Rust(work)),
            Op::Burst(n, leaf) => write!(f, "Op::Burst({n}, {})", Rust(leaf)),
            Op::Stop => f.write_str("Op::Stop"),
            Op::StopWait => f.write_str("Op::StopWait"),
            Op::WaitIdle => f.write_str("Op::WaitIdle"),
        }
    }
}

impl fmt::Display for Rust<'_, Work> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Work::Leaf(leaf) => write!(f, "Work::Leaf({})", Rust(leaf)),
            Work::Nested(via, leaves) => {
                write!(f, "Work::Nested(Via::{via:?}, vec![")?;
                for (i, leaf) in leaves.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", Rust(leaf))?;
                }
                f.write_str("])")
            }
            Work::StopInside(wait) => write!(f, "Work::StopInside({wait})"),
        }
    }
}

impl fmt::Display for Rust<'_, Leaf> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Leaf::Quick => f.write_str("Leaf::Quick"),
            Leaf::SleepMs(ms) => write!(f, "Leaf::SleepMs({ms})"),
            Leaf::Spin(n) => write!(f, "Leaf::Spin({n})"),
            Leaf::Panic => f.write_str("Leaf::Panic"),
        }
    }
}

impl fmt::Display for Rust<'_, Finish> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Finish::StopWait => f.write_str("Finish::StopWait"),
            Finish::Stop => f.write_str("Finish::Stop"),
            Finish::Drop => f.write_str("Finish::Drop"),
            Finish::DropOnWorker => f.write_str("Finish::DropOnWorker"),
            Finish::Concurrent { stoppers, racers } => write!(
                f,
                "Finish::Concurrent {{ stoppers: vec!{stoppers:?}, racers: {racers} }}"
            ),
        }
    }
}

/// One line per step: the compact form used in messages.
impl fmt::Display for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "capacity {}", self.capacity)?;
        for step in &self.steps {
            write!(f, "; {}", Rust(step))?;
        }
        write!(f, "; then {}", Rust(&self.finish))
    }
}
