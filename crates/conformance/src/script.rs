//! The generated scripts: what submitters do, what tasks do, how the case
//! ends, and the proptest strategies that build them per property.

use proptest::collection::vec;
use proptest::prelude::*;
use taskpool::Admission;

use crate::{Config, Property};

/// One generated case. Its Debug print is the "script" of a violation.
#[derive(Clone, Debug)]
pub(crate) struct Script {
    /// The capacity the factory is asked for.
    pub(crate) capacity: usize,
    /// One list of operations per submitter thread; they start together.
    pub(crate) submitters: Vec<Vec<Op>>,
    /// After the submitters finished: check that `capacity` tasks can still
    /// run at once (after panics).
    pub(crate) capacity_check: bool,
    /// How the case ends.
    pub(crate) finish: Finish,
}

/// What a submitter thread does next.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    /// Hands a task to the pool.
    Task(How, Work),
    /// Calls `stop`.
    Stop,
    /// Calls `stop_wait`.
    StopWait,
    /// Calls `wait_idle`.
    WaitIdle,
}

/// How a task is handed to the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum How {
    Submit,
    TrySubmit,
    SubmitWait,
    /// `spawn`, joined when the submitter's script is over.
    Spawn,
    /// `spawn`, joined at once.
    SpawnJoin,
}

/// What a task does when it runs.
#[derive(Clone, Debug)]
pub(crate) enum Work {
    Leaf(Leaf),
    /// Submits further tasks from inside the task.
    Nested(Via, Vec<Leaf>),
    /// Calls `stop` (`false`) or `stop_wait` (`true`) from inside the task.
    StopInside(bool),
}

/// A task that submits nothing.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Leaf {
    Quick,
    SleepMs(u8),
    /// Busy-loops this many rounds of arithmetic.
    Spin(u16),
    Panic,
}

/// How a task submits its children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Via {
    Submit,
    TrySubmit,
}

/// How the case ends, after every submitter finished.
#[derive(Clone, Debug)]
pub(crate) enum Finish {
    StopWait,
    Stop,
    /// The test drops its handle (usually the last one).
    Drop,
    /// The last handle is handed to a task and dropped on a worker thread.
    DropOnWorker,
    /// These extra threads call `stop_wait` (`true`) or `stop` (`false`) at
    /// once, racing submits from `racers` more threads; then the test's own
    /// thread calls `stop_wait`.
    Concurrent {
        stoppers: Vec<bool>,
        racers: usize,
    },
}

/// Leaves, with a panic in `panic_weight` of every 10 + `panic_weight`.
fn leaf(panic_weight: u32) -> BoxedStrategy<Leaf> {
    let base = prop_oneof![
        4 => Just(Leaf::Quick),
        3 => (0u8..=2).prop_map(Leaf::SleepMs),
        3 => (1u16..=2000).prop_map(Leaf::Spin),
    ];
    if panic_weight > 0 {
        prop_oneof![10 => base, panic_weight => Just(Leaf::Panic)].boxed()
    } else {
        base.boxed()
    }
}

/// Nested submits only where they cannot deadlock: a blocking pool's tasks
/// use `try_submit` (a blocking submit from a worker can wait on itself).
fn via(admission: Admission) -> BoxedStrategy<Via> {
    match admission {
        Admission::Block => Just(Via::TrySubmit).boxed(),
        Admission::Queue | Admission::Reject => {
            prop_oneof![Just(Via::Submit), Just(Via::TrySubmit)].boxed()
        }
    }
}

fn work(admission: Admission, panics: u32, stop_inside: bool) -> BoxedStrategy<Work> {
    let leaf_work = leaf(panics).prop_map(Work::Leaf);
    let nested = (via(admission), vec(leaf(panics), 1..=3)).prop_map(|(v, c)| Work::Nested(v, c));
    if stop_inside {
        prop_oneof![
            6 => leaf_work,
            2 => nested,
            1 => any::<bool>().prop_map(Work::StopInside),
        ]
        .boxed()
    } else {
        prop_oneof![6 => leaf_work, 2 => nested].boxed()
    }
}

fn how() -> impl Strategy<Value = How> {
    prop_oneof![
        4 => Just(How::Submit),
        2 => Just(How::TrySubmit),
        1 => Just(How::SubmitWait),
        1 => Just(How::Spawn),
        1 => Just(How::SpawnJoin),
    ]
}

fn task_op(admission: Admission, panics: u32, stop_inside: bool) -> BoxedStrategy<Op> {
    (how(), work(admission, panics, stop_inside))
        .prop_map(|(h, w)| Op::Task(h, w))
        .boxed()
}

fn submitters(config: &Config, op: BoxedStrategy<Op>) -> BoxedStrategy<Vec<Vec<Op>>> {
    let ops = config.max_ops.max(1);
    let threads = config.max_submitters.max(1);
    vec(vec(op, 1..=ops), 1..=threads).boxed()
}

/// The scripts of one property for a pool with this admission.
pub(crate) fn strategy(
    property: Property,
    admission: Admission,
    config: &Config,
) -> BoxedStrategy<Script> {
    let capacity = 1..=config.max_capacity.max(1);
    match property {
        Property::Capacity => (
            capacity,
            submitters(config, task_op(admission, 0, false)),
            prop_oneof![3 => Just(Finish::StopWait), 1 => Just(Finish::Drop)],
        )
            .prop_map(|(capacity, submitters, finish)| Script {
                capacity,
                submitters,
                capacity_check: false,
                finish,
            })
            .boxed(),
        Property::Shutdown => {
            let op = prop_oneof![
                16 => task_op(admission, 1, true),
                1 => Just(Op::Stop),
                1 => Just(Op::StopWait),
                3 => Just(Op::WaitIdle),
            ]
            .boxed();
            (
                capacity,
                submitters(config, op),
                prop_oneof![
                    2 => Just(Finish::StopWait),
                    2 => Just(Finish::Stop),
                    1 => Just(Finish::Drop),
                ],
            )
                .prop_map(|(capacity, submitters, finish)| Script {
                    capacity,
                    submitters,
                    capacity_check: false,
                    finish,
                })
                .boxed()
        }
        Property::Panics => {
            let op = prop_oneof![
                6 => task_op(admission, 7, false),
                1 => Just(Op::WaitIdle),
            ]
            .boxed();
            (
                capacity,
                submitters(config, op),
                prop_oneof![Just(Finish::StopWait), Just(Finish::Stop)],
            )
                .prop_map(|(capacity, submitters, finish)| Script {
                    capacity,
                    submitters,
                    capacity_check: true,
                    finish,
                })
                .boxed()
        }
        Property::ConcurrentStop => (
            capacity,
            submitters(config, task_op(admission, 0, false)),
            vec(any::<bool>(), 1..=3),
            0usize..=2,
        )
            .prop_map(|(capacity, submitters, stoppers, racers)| Script {
                capacity,
                submitters,
                capacity_check: false,
                finish: Finish::Concurrent { stoppers, racers },
            })
            .boxed(),
        Property::Drop => (
            capacity,
            submitters(config, task_op(admission, 0, false)),
            prop_oneof![Just(Finish::Drop), Just(Finish::DropOnWorker)],
        )
            .prop_map(|(capacity, submitters, finish)| Script {
                capacity,
                submitters,
                capacity_check: false,
                finish,
            })
            .boxed(),
    }
}
