//! A user's workload on real threads, with tiny sizes: every row runs every
//! task, the outcome holds what was asked for, and bad input or a panicking
//! task is a typed error. Nothing here asserts a speed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use taskpool_benches::rows::FLOOR;
use taskpool_measure::table::{CUSTOM_LATENCY, CUSTOM_TIME};
use taskpool_measure::{MeasureError, Workload};
use taskpool_tunny::{Interrupt, Worker};

/// Runs `body` on a thread and fails if it does not finish within 120 s.
fn watchdog<T: Send + 'static>(body: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(body());
    });
    rx.recv_timeout(Duration::from_secs(120))
        .expect("the measurement did not finish within 120 s (hang)")
}

static RAN: AtomicUsize = AtomicUsize::new(0);
static MADE: AtomicUsize = AtomicUsize::new(0);

#[test]
fn every_row_runs_every_task_of_every_batch_and_round() {
    let outcome = watchdog(|| {
        Workload::new(|i| {
            MADE.fetch_add(1, Ordering::Relaxed);
            move || {
                std::hint::black_box(i);
                RAN.fetch_add(1, Ordering::Relaxed);
            }
        })
        .tasks(50)
        .submitters(2)
        .capacities([1, 3])
        .rounds(2)
        .samples(2)
        .run()
        .unwrap()
    });
    // 11 rows at 2 capacities and the floor once, in 2 rounds of a warm-up
    // batch and 2 timed ones, 50 tasks each.
    let cases = 11 * 2 + 1;
    assert_eq!(outcome.records.rows.len(), cases * 2);
    assert_eq!(MADE.load(Ordering::Relaxed), cases * 2 * 3 * 50);
    assert_eq!(RAN.load(Ordering::Relaxed), cases * 2 * 3 * 50);
    let time_tables: Vec<_> = outcome
        .tables
        .iter()
        .filter(|t| t.workload == CUSTOM_TIME)
        .collect();
    assert_eq!(time_tables.len(), 2);
    for t in &time_tables {
        assert_eq!(t.rows.len(), 12, "{}", t.label());
        assert_eq!(t.floor.as_deref(), Some(FLOOR));
        assert!(t.rows.iter().all(|r| r.rounds.len() == 2));
    }
    // No latency without awaited submits, no memory without a counter.
    assert_eq!(outcome.tables.len(), 2);
    assert!(outcome.recommendation.verdict.is_some());
    assert!(!outcome.leaders().is_empty());
    let summary = outcome.summary("ants-nonblocking", 1).unwrap();
    assert!(summary.refusals_per_task.is_some());
    assert!(summary.submits_done.is_some() && summary.latency.is_none());
    let md = outcome.markdown();
    for needle in [
        "## Recommendation",
        "## Which pool at each capacity",
        "### Time per task at capacity 3",
        "| `closure loop (floor)` (reference) |",
        "The rounds ran one after the other in the calling process",
        "The heap was not counted",
    ] {
        assert!(md.contains(needle), "lacks {needle:?}:\n{md}");
    }
}

#[test]
fn awaited_submits_record_every_call_and_narrowing_keeps_the_floor() {
    let outcome = watchdog(|| {
        Workload::new(|_| || thread::yield_now())
            .tasks(40)
            .capacities([2])
            .await_results(true)
            .rounds(2)
            .samples(1)
            .pools(["channel", "ants"])
            .run()
            .unwrap()
    });
    let rows: Vec<&str> = outcome.tables[0]
        .rows
        .iter()
        .map(|r| r.row.as_str())
        .collect();
    let mut sorted = rows.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "ants",
            "ants-nonblocking",
            "channel",
            FLOOR,
            "crossbeam-raw"
        ]
    );
    let latency = outcome
        .tables
        .iter()
        .find(|t| t.workload == CUSTOM_LATENCY)
        .expect("a latency table");
    assert!(latency.rows.iter().all(|r| r.figure("p99").is_some()));
    for r in &outcome.records.rows {
        assert_eq!(r.calls.unwrap().calls, 40, "{}", r.row);
    }
    let s = outcome.summary("channel", 2).unwrap();
    assert!(s.latency.is_some() && s.submits_done.is_none());
    assert!(outcome
        .recommendation
        .reasons
        .iter()
        .any(|r| r.fact.starts_with("every submit waited for its task")));
}

static BUILT: AtomicUsize = AtomicUsize::new(0);
static PROCESSED: AtomicUsize = AtomicUsize::new(0);

/// A typed tunny worker whose state is built once per worker.
struct Counter {
    base: usize,
}

impl Worker for Counter {
    type Input = usize;
    type Output = usize;
    fn process(&mut self, i: usize, _: &Interrupt) -> usize {
        if self.base == 0 {
            panic!("the worker cannot take this input");
        }
        PROCESSED.fetch_add(1, Ordering::Relaxed);
        self.base + i
    }
}

#[test]
fn a_typed_worker_builds_its_state_once_per_worker_and_runs_every_input() {
    let outcome = watchdog(|| {
        Workload::new(|i| {
            move || {
                std::hint::black_box(i);
            }
        })
        .tunny_worker(|| {
            BUILT.fetch_add(1, Ordering::Relaxed);
            Counter { base: 1 }
        })
        .tasks(30)
        .submitters(2)
        .capacities([1, 3])
        .rounds(2)
        .samples(2)
        .pools(["tunny"])
        .run()
        .unwrap()
    });
    // One pool per capacity and round, each of `capacity` workers.
    assert_eq!(BUILT.load(Ordering::Relaxed), (1 + 3) * 2);
    // A warm-up and 2 timed batches of 30 inputs, at 2 capacities, 2 rounds.
    assert_eq!(PROCESSED.load(Ordering::Relaxed), 3 * 30 * 2 * 2);
    let s = outcome.summary("tunny-worker", 3).unwrap();
    assert_eq!(s.rounds, 2);
    assert!(outcome
        .recommendation
        .reasons
        .iter()
        .any(|r| r.fact.starts_with("`tunny-worker` (your worker")));
}

#[test]
fn a_panicking_task_stops_the_measurement_with_its_message() {
    let err = watchdog(|| {
        Workload::new(|i| {
            move || {
                if i == 7 {
                    panic!("task seven is broken");
                }
            }
        })
        .tasks(20)
        .capacities([2])
        .rounds(1)
        .samples(1)
        .pools(["rayon"])
        .run()
        .unwrap_err()
    });
    match err {
        MeasureError::TaskPanicked { message, .. } => {
            assert_eq!(message.as_deref(), Some("task seven is broken"));
        }
        other => panic!("{other:?}"),
    }
    // A typed worker's panic too: tunny replaces the worker, the run stops.
    let err = watchdog(|| {
        Workload::new(|_| || {})
            .tunny_worker(|| Counter { base: 0 })
            .tasks(5)
            .capacities([1])
            .rounds(1)
            .samples(1)
            .pools(["tunny-worker"])
            .run()
            .unwrap_err()
    });
    assert_eq!(
        err,
        MeasureError::TaskPanicked {
            row: "tunny-worker".into(),
            message: Some("the worker cannot take this input".into())
        }
    );
}

#[test]
fn bad_workloads_are_typed_errors_before_anything_runs() {
    let task = |_: usize| || {};
    let err = |w: Workload<_>| w.run().unwrap_err();
    assert_eq!(
        err(Workload::new(task).tasks(0)),
        MeasureError::Zero { what: "tasks" }
    );
    assert_eq!(
        err(Workload::new(task).submitters(0)),
        MeasureError::Zero { what: "submitters" }
    );
    assert_eq!(
        err(Workload::new(task).rounds(0)),
        MeasureError::Zero { what: "rounds" }
    );
    assert_eq!(
        err(Workload::new(task).samples(0)),
        MeasureError::Zero { what: "samples" }
    );
    assert_eq!(
        err(Workload::new(task).capacities([])),
        MeasureError::NoCapacity
    );
    assert_eq!(
        err(Workload::new(task).capacities([4, 0])),
        MeasureError::Zero { what: "a capacity" }
    );
    let unknown = err(Workload::new(task).pools(["channel", "tokio"]));
    assert!(
        matches!(&unknown, MeasureError::UnknownPool { name, valid } if name == "tokio" && valid.contains(&"ants-nonblocking".to_owned())),
        "{unknown:?}"
    );
    assert_eq!(
        unknown.to_string().split(" (valid").next(),
        Some("unknown pool `tokio`")
    );
    assert_eq!(
        err(Workload::new(task).pools(Vec::<String>::new())),
        MeasureError::Zero { what: "pools" }
    );
    let nothing = err(Workload::new(task).pools(["tunny-worker"]));
    assert!(
        matches!(&nothing, MeasureError::NothingMeasured { reasons } if reasons[0].contains("Workload::tunny_worker")),
        "{nothing:?}"
    );
}
