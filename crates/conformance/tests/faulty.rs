//! The suite must catch broken pools, and must not accuse a correct one.
//!
//! `support::FaultyPool` is a simple correct pool with one switchable fault.
//! With `Fault::None` it must pass `verify` under every admission; with any
//! other fault, `verify` must fail and name the rule the fault breaks. Each
//! test prints a Markdown row with the cases the suite needed (the crate
//! README's table is copied from this output:
//! `cargo test -p taskpool-conformance --test faulty -- --nocapture --test-threads 1`).

mod support;

use std::time::{Duration, Instant};

use support::{Fault, FaultyPool};
use taskpool::Admission;
use taskpool_conformance::{verify_build, verify_with, Config, Rule};

/// Cases per property for a faulty pool: generous, since a run stops at the
/// first failure (a caught fault costs only the cases it needed).
const HUNT_CASES: u32 = 400;

fn hunting_config() -> Config {
    let mut config = Config::from_env();
    config.cases = HUNT_CASES;
    // Faulty pools that hang cost a watchdog period per shrink step: keep
    // both short. The label is fixed by the first failure (under `timeout`);
    // a false alarm while shrinking only makes the script less small.
    config.timeout = Duration::from_secs(4);
    config.shrink_timeout = Duration::from_secs(1);
    config.barrier_timeout = Duration::from_secs(2);
    config.max_shrink_time = Duration::from_secs(5);
    config.exit_grace = Duration::from_millis(500);
    config
}

fn catches(fault: Fault, admission: Admission, expected: &[Rule]) {
    let config = hunting_config();
    let started = Instant::now();
    let result = if fault == Fault::AcceptsZeroCapacity {
        verify_build(
            move |capacity| {
                FaultyPool::build(capacity, admission, fault)
                    .map(|p| Box::new(p) as Box<dyn taskpool::TaskPool>)
            },
            admission,
            &config,
        )
    } else {
        verify_with(
            move |capacity| FaultyPool::boxed(capacity, admission, fault),
            admission,
            &config,
        )
    };
    let violation = match result {
        Ok(summary) => panic!("verify passed a pool with fault {fault:?}:\n{summary}"),
        Err(v) => v,
    };
    let rule = match violation.rule.number() {
        Some(n) => format!("{n} ({:?})", violation.rule),
        None => format!("{:?}", violation.rule),
    };
    println!(
        "| {fault:?} | {admission} | {rule} | {} | {} | {} | {:.1?} |",
        violation.property.map_or("-", |p| p.name()),
        violation.cases_to_fail,
        violation.shrink_runs,
        started.elapsed()
    );
    println!("    {}", violation.to_string().replace('\n', "\n    "));
    // A hang is labelled by what was blocked (see the crate docs), so a
    // hang must carry an expected rule too.
    assert!(
        expected.is_empty() || expected.contains(&violation.rule),
        "fault {fault:?} was caught, but as {:?} instead of {expected:?}:\n{violation}",
        violation.rule
    );
}

fn passes(admission: Admission) {
    let mut config = Config::from_env();
    // Twice the CI default: a correct pool must never be accused.
    config.cases *= 2;
    let summary = verify_with(
        move |capacity| FaultyPool::boxed(capacity, admission, Fault::None),
        admission,
        &config,
    )
    .unwrap_or_else(|v| panic!("the reference pool ({admission}) was accused:\n{v}"));
    println!("{summary}");
    assert!(summary.cases() >= u64::from(config.cases));
    assert!(summary.tasks_run() > 0);
}

#[test]
fn reference_pool_passes_with_queue_admission() {
    passes(Admission::Queue);
}

#[test]
fn reference_pool_passes_with_block_admission() {
    passes(Admission::Block);
}

#[test]
fn reference_pool_passes_with_reject_admission() {
    passes(Admission::Reject);
}

// The task `stop` kept back is neither run nor dropped until the next call to
// the pool, so whichever waiter of that task the script has hangs first, and
// the suite names the hang by the property and call it hung in: rule 3, 7,
// 4 (its submit raced the stop), 5 (inside the panics property) or liveness
// have all been seen. Catching it is what this test asserts; the label is
// printed but not checked.
#[test]
fn catches_a_task_started_after_stop() {
    catches(Fault::StartsAfterStop, Admission::Queue, &[]);
}

macro_rules! caught {
    ($($test:ident: $fault:ident, $admission:ident => [$($rule:ident),+];)*) => {$(
        #[test]
        fn $test() {
            catches(Fault::$fault, Admission::$admission, &[$(Rule::$rule),+]);
        }
    )*};
}

caught! {
    catches_an_extra_task_under_contention: ExtraTaskUnderContention, Queue => [Capacity];
    catches_a_dropped_last_task_on_stop_wait: DropsLastOnStopWait, Queue
        => [ExactlyOnceOnStopWait, DropIsStopWait];
    catches_a_submit_accepted_after_stop: AcceptsAfterStop, Queue => [RefusedAfterShutdown];
    // A lost worker also loses the tasks queued for it: when the panic comes
    // during a shutdown (the `shutdown` property has a few), the suite sees
    // those lost tasks first (rules 2, 7, 8) or a hang after the panic (5).
    catches_a_worker_lost_on_panic: WorkerLostOnPanic, Queue
        => [PanicsSurvived, ExactlyOnceOnStopWait, StopIdempotentAndReentrant, DropIsStopWait];
    catches_a_thread_left_running_after_stop: ThreadLeftRunning, Queue
        => [ThreadsExited, StopIdempotentAndReentrant];
    // The task stuck in its own `stop` is found by whichever shutdown comes
    // next: a `stop` (rule 7) or, when the script ends by dropping the last
    // handle, that drop (rule 8; seen in CI with the stuck `StopInside` task
    // named as the one pending).
    catches_a_deadlock_on_stop_inside_a_task: DeadlockStopInTask, Queue
        => [StopIdempotentAndReentrant, DropIsStopWait];
    catches_a_second_stop_returning_early: SecondStopReturnsEarly, Queue
        => [StopIdempotentAndReentrant];
    catches_a_deadlock_on_drop_inside_a_task: DeadlockDropOnWorker, Queue => [DropIsStopWait];
    catches_wait_idle_returning_early: WaitIdleEarly, Queue => [WaitIdle];
    catches_a_substitute_handed_back_on_refusal: SubstituteOnRefusal, Reject
        => [RefusalHandsBackTask];
    catches_a_zero_capacity_accepted: AcceptsZeroCapacity, Queue => [BadConfigRejected];
    catches_a_worker_lost_on_panic_in_a_blocking_pool: WorkerLostOnPanic, Block
        => [PanicsSurvived, ExactlyOnceOnStopWait, StopIdempotentAndReentrant, DropIsStopWait];
    catches_a_submit_accepted_after_stop_in_a_rejecting_pool: AcceptsAfterStop, Reject
        => [RefusedAfterShutdown];
    // The classes the small, short cases never reached.
    catches_an_extra_worker_on_large_pools: ExtraWorkerAboveEight, Queue => [Capacity];
    catches_a_task_dropped_after_a_long_life: DropsTaskAfterMany, Queue
        => [ExactlyOnceOnStopWait];
    catches_a_nested_submit_wait_that_deadlocks: NestedWaitDeadlocks, Queue
        => [StopIdempotentAndReentrant];
    catches_a_nested_blocking_submit_that_deadlocks: NestedSubmitBlocks, Block
        => [StopIdempotentAndReentrant];
    catches_a_try_submit_that_waits: TrySubmitWaits, Block => [NonBlocking];
    catches_stats_that_lie: StatsMiscount, Queue => [Stats];
    catches_a_lost_wakeup: LostWakeup, Queue => [Liveness];
    // The task that slips in after the shutdown drained sits in the queue
    // unrun: the suite sees either the acceptance itself (rule 4) or the
    // stopped pool still counting it as waiting (stats).
    catches_a_check_then_act_submit: CheckThenActSubmit, Queue => [RefusedAfterShutdown, Stats];
}

/// The same fault gets the same label whatever the seed: hangs are labelled
/// by what was blocked, not by a guess.
#[test]
fn a_hang_gets_the_same_label_over_seeds() {
    let threads: Vec<_> = [
        Fault::LostWakeup,
        Fault::NestedWaitDeadlocks,
        Fault::DeadlockStopInTask,
    ]
    .into_iter()
    .map(|fault| {
        std::thread::spawn(move || {
            let mut rules = Vec::new();
            for seed in 0..4 {
                let mut config = hunting_config().with_seed(seed);
                config.max_shrink_iters = 0;
                config.timeout = Duration::from_secs(2);
                let v = verify_with(
                    move |capacity| FaultyPool::boxed(capacity, Admission::Queue, fault),
                    Admission::Queue,
                    &config,
                )
                .expect_err("the fault is caught");
                rules.push(v.rule);
            }
            (fault, rules)
        })
    })
    .collect();
    for t in threads {
        let (fault, rules) = t.join().expect("a hunt panicked");
        println!("{fault:?}: {rules:?}");
        assert!(
            rules.windows(2).all(|w| w[0] == w[1]),
            "{fault:?} got different labels over seeds 0..4: {rules:?}"
        );
    }
}

#[test]
fn every_fault_has_a_test() {
    // Keeps the list above honest: a new fault without a test fails here.
    assert_eq!(Fault::ALL_FAULTS.len(), 20);
}

/// How many cases each fault needs in the default run (`DEFAULT_CASES` per
/// property, every property), over several seeds (no shrinking), and the
/// labels it got: the spread behind the single figures of the tests above.
/// Prints Markdown rows; a seed whose default run passed the faulty pool is
/// counted as missed.
#[test]
#[ignore = "slow (several minutes on 2 cores): run to see how reliably each fault is caught with \
            `cargo test -p taskpool-conformance --test faulty -- --ignored --nocapture`"]
fn cases_needed_over_many_seeds() {
    const SEEDS: u64 = 10;
    let faults: Vec<(Fault, Admission)> = Fault::ALL_FAULTS
        .iter()
        .filter(|&&f| f != Fault::AcceptsZeroCapacity)
        .map(|&f| {
            let admission = match f {
                Fault::SubstituteOnRefusal => Admission::Reject,
                // Only a blocking pool can block a nested submit or a
                // try_submit.
                Fault::NestedSubmitBlocks | Fault::TrySubmitWaits => Admission::Block,
                _ => Admission::Queue,
            };
            (f, admission)
        })
        .collect();
    let threads: Vec<_> = faults
        .into_iter()
        .map(|(fault, admission)| {
            std::thread::spawn(move || {
                let mut needed = Vec::new();
                let mut labels: Vec<String> = Vec::new();
                let mut missed = 0;
                for seed in 0..SEEDS {
                    let mut config = hunting_config().with_seed(seed);
                    config.cases = taskpool_conformance::DEFAULT_CASES;
                    config.max_shrink_iters = 0;
                    let result = verify_with(
                        move |capacity| FaultyPool::boxed(capacity, admission, fault),
                        admission,
                        &config,
                    );
                    match result {
                        Ok(_) => missed += 1,
                        Err(v) => {
                            needed.push((v.cases_to_fail, v.property.map_or("-", |p| p.name())));
                            labels.push(v.rule.short_name().to_owned());
                        }
                    }
                }
                needed.sort_unstable();
                (fault, needed, labels, missed)
            })
        })
        .collect();
    println!("| fault | caught | missed | fewest cases | median | most | caught by | labels |");
    println!("|---|---|---|---|---|---|---|---|");
    for t in threads {
        let (fault, needed, labels, missed) = t.join().expect("a fault's hunt panicked");
        let mut by: Vec<&str> = needed.iter().map(|&(_, p)| p).collect();
        by.sort_unstable();
        by.dedup();
        let mut distinct = labels.clone();
        distinct.sort_unstable();
        distinct.dedup();
        let labels: Vec<String> = distinct
            .iter()
            .map(|l| format!("{l} ×{}", labels.iter().filter(|x| *x == l).count()))
            .collect();
        let cases = |i: usize| needed.get(i).map_or("-".to_owned(), |n| n.0.to_string());
        println!(
            "| {fault:?} | {} | {missed} | {} | {} | {} | {} | {} |",
            needed.len(),
            cases(0),
            cases(needed.len() / 2),
            cases(needed.len().saturating_sub(1)),
            by.join(", "),
            labels.join(", ")
        );
    }
}
