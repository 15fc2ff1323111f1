//! The soak entry point on a small budget: the reference pool passes, and a
//! pool that drops a task on `stop_wait` is caught.

mod support;

use std::time::Duration;

use support::{Fault, FaultyPool};
use taskpool::Admission;
use taskpool_conformance::{stress, Rule, StressConfig};

fn small() -> StressConfig {
    let mut config = StressConfig::default();
    config.tasks = 40_000;
    config.rounds = 8;
    config.timeout = Duration::from_secs(60);
    config
}

#[test]
fn the_reference_pool_survives_a_small_soak() {
    for admission in [Admission::Queue, Admission::Block, Admission::Reject] {
        let config = small();
        let report = stress(
            move |capacity| FaultyPool::boxed(capacity, admission, Fault::None),
            admission,
            &config,
        )
        .unwrap_or_else(|v| panic!("the reference pool ({admission}) failed the soak:\n{v}"));
        println!("{admission}: {report}");
        assert_eq!(report.round_seeds.len(), 8);
        assert_eq!(report.violations, 0);
        assert!(report.run > 0);
        assert!(report.max_concurrency <= config.capacity);
        assert!(report.run <= report.accepted, "refused tasks never run");
    }
}

#[test]
fn the_soak_catches_a_task_dropped_on_stop_wait() {
    let mut config = small();
    // Enough rounds that some end in stop_wait or drop with a queue, and one
    // worker behind eight submitters, so that the queue is rarely short when
    // the stopper strikes (the fault drops a task only from a queue of two).
    config.rounds = 24;
    config.capacity = 1;
    let outcome = stress(
        |capacity| FaultyPool::boxed(capacity, Admission::Queue, Fault::DropsLastOnStopWait),
        Admission::Queue,
        &config,
    );
    let violation = match outcome {
        Ok(report) => panic!("the soak passed a pool that drops a task on stop_wait: {report}"),
        Err(v) => v,
    };
    println!("{violation}");
    assert!(
        matches!(
            violation.rule,
            Rule::ExactlyOnceOnStopWait | Rule::DropIsStopWait
        ),
        "{violation}"
    );
}
