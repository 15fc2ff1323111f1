//! The proptest strategies that build each property's [`Script`]s.

use proptest::collection::vec;
use proptest::prelude::*;
use taskpool::Admission;

use crate::script::{Finish, How, Leaf, Op, Script, Step, Via, Work};
use crate::{Config, Property};

/// The capacities most cases use: small pools, where interleavings are few
/// enough to be hit often.
const SMALL: usize = 4;

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
/// use `try_submit` (a blocking submit from a worker can wait on itself; the
/// `nested` property asks for exactly that, on purpose).
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

fn threads(config: &Config, op: BoxedStrategy<Op>) -> BoxedStrategy<Vec<Vec<Op>>> {
    let ops = config.max_ops.max(1);
    let threads = config.max_submitters.max(1);
    vec(vec(op, 1..=ops), 1..=threads).boxed()
}

/// Mostly small capacities; one case in four from above the small range up
/// to `config.max_capacity`.
fn capacity(config: &Config) -> BoxedStrategy<usize> {
    let max = config.max_capacity.max(1);
    let small = 1..=max.min(SMALL);
    if max > SMALL {
        prop_oneof![3 => small, 1 => (SMALL + 1)..=max].boxed()
    } else {
        small.boxed()
    }
}

/// A capacity above the small range (or the largest allowed).
fn large_capacity(config: &Config) -> BoxedStrategy<usize> {
    let max = config.max_capacity.max(1);
    if max > SMALL {
        ((SMALL + 1)..=max).boxed()
    } else {
        Just(max).boxed()
    }
}

fn script(
    capacity: BoxedStrategy<usize>,
    steps: BoxedStrategy<Vec<Step>>,
    finish: BoxedStrategy<Finish>,
) -> BoxedStrategy<Script> {
    (capacity, steps, finish)
        .prop_map(|(capacity, steps, finish)| Script {
            capacity,
            steps,
            finish,
        })
        .boxed()
}

/// The scripts of one property for a pool with this admission.
pub(crate) fn strategy(
    property: Property,
    admission: Admission,
    config: &Config,
) -> BoxedStrategy<Script> {
    match property {
        Property::Capacity => script(
            capacity(config),
            threads(config, task_op(admission, 0, false))
                .prop_map(|t| vec![Step::Threads(t)])
                .boxed(),
            prop_oneof![3 => Just(Finish::StopWait), 1 => Just(Finish::Drop)].boxed(),
        ),
        Property::Saturation => {
            // More submitters than workers, each handing over a few tasks
            // that sleep, so that every worker is busy at once.
            let burst = (1u16..=3, (1u8..=2).prop_map(Leaf::SleepMs))
                .prop_map(|(n, leaf)| Op::Burst(n, leaf));
            large_capacity(config)
                .prop_flat_map(move |capacity| {
                    let submitters = (capacity + 1)..=(capacity + 3);
                    (
                        Just(capacity),
                        vec(vec(burst.clone(), 1..=2), submitters),
                        prop_oneof![3 => Just(Finish::StopWait), 1 => Just(Finish::Stop)],
                    )
                })
                .prop_map(|(capacity, threads, finish)| Script {
                    capacity,
                    steps: vec![Step::Threads(threads), Step::Quiesce],
                    finish,
                })
                .boxed()
        }
        Property::LongLife => {
            // One pool through several waves of bursts, each followed by a
            // quiescent point (stats exact) and an idle gap.
            let burst_leaf = prop_oneof![
                3 => Just(Leaf::Quick),
                1 => (1u16..=200).prop_map(Leaf::Spin),
            ];
            let wave_threads = vec(
                vec(
                    (100u16..=400, burst_leaf).prop_map(|(n, l)| Op::Burst(n, l)),
                    1..=2,
                ),
                1..=3,
            );
            let wave = (wave_threads, 0u8..=3).prop_map(|(threads, idle)| {
                vec![Step::Threads(threads), Step::Quiesce, Step::IdleMs(idle)]
            });
            script(
                (1..=config.max_capacity.clamp(1, SMALL)).boxed(),
                vec(wave, 3..=6)
                    .prop_map(|waves| waves.into_iter().flatten().collect())
                    .boxed(),
                Just(Finish::StopWait).boxed(),
            )
        }
        Property::Shutdown => {
            let op = prop_oneof![
                16 => task_op(admission, 1, true),
                1 => Just(Op::Stop),
                1 => Just(Op::StopWait),
                3 => Just(Op::WaitIdle),
            ]
            .boxed();
            script(
                capacity(config),
                threads(config, op)
                    .prop_map(|t| vec![Step::Threads(t)])
                    .boxed(),
                prop_oneof![
                    2 => Just(Finish::StopWait),
                    2 => Just(Finish::Stop),
                    1 => Just(Finish::Drop),
                ]
                .boxed(),
            )
        }
        Property::Panics => {
            let op = prop_oneof![
                6 => task_op(admission, 7, false),
                1 => Just(Op::WaitIdle),
            ]
            .boxed();
            script(
                (1..=config.max_capacity.clamp(1, SMALL)).boxed(),
                threads(config, op)
                    .prop_map(|t| vec![Step::Threads(t), Step::Quiesce, Step::CapacityCheck])
                    .boxed(),
                prop_oneof![Just(Finish::StopWait), Just(Finish::Stop)].boxed(),
            )
        }
        Property::Nested => {
            let nested = prop_oneof![
                Just(How::Submit),
                Just(How::SubmitWait),
                Just(How::SpawnJoin)
            ];
            let before = prop_oneof![
                2 => Just(Vec::new()),
                1 => threads(config, task_op(admission, 0, false)).prop_map(|t| vec![Step::Threads(t)]),
            ];
            script(
                (1..=config.max_capacity.clamp(1, SMALL)).boxed(),
                (before, nested)
                    .prop_map(|(mut steps, how)| {
                        steps.push(Step::NestedWhileFull(how));
                        steps.push(Step::Quiesce);
                        steps
                    })
                    .boxed(),
                prop_oneof![3 => Just(Finish::StopWait), 1 => Just(Finish::Drop)].boxed(),
            )
        }
        Property::NonBlocking => script(
            capacity(config),
            Just(vec![Step::TryWhileFull, Step::Quiesce]).boxed(),
            Just(Finish::StopWait).boxed(),
        ),
        Property::ConcurrentStop => (
            capacity(config),
            threads(config, task_op(admission, 0, false)),
            vec(any::<bool>(), 1..=3),
            0usize..=2,
        )
            .prop_map(|(capacity, threads, stoppers, racers)| Script {
                capacity,
                steps: vec![Step::Threads(threads)],
                finish: Finish::Concurrent { stoppers, racers },
            })
            .boxed(),
        Property::Drop => script(
            capacity(config),
            threads(config, task_op(admission, 0, false))
                .prop_map(|t| vec![Step::Threads(t)])
                .boxed(),
            prop_oneof![Just(Finish::Drop), Just(Finish::DropOnWorker)].boxed(),
        ),
    }
}
