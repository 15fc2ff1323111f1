//! Unit tests of the rows, the selection, the plan and its rounds, the
//! harness, and one tiny iteration of every planned case.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use taskpool::{InlinePool, TaskPool};
use taskpool_catalog::PoolKind;

use crate::calibration::Calibration;
use crate::extra::Extra;
use crate::harness::{self, Floor, Latch};
use crate::measure::{self, latency, Prepared};
use crate::out::{self, Percentiles, Regime};
use crate::plan::{plan, probes};
use crate::raw::RawPool;
use crate::rows::{pool_names, rows_for, Raw, Row, RowKind, FLOOR, INLINE, VEC_FLOOR};
use crate::selection::{
    Selection, ENV_CAPACITY, ENV_POOLS, ENV_PROFILE, ENV_ROUNDS, ENV_TASKS, ENV_WORKLOADS,
};
use crate::sizes::{Profile, Sizes, PER_TASK_BUILDS};
use crate::workload::Workload;

/// Runs `body` on a thread and fails if it does not finish within 60 s.
pub(crate) fn watchdog<T: Send + 'static>(body: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(body());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("test body did not finish within 60 s (hang)")
}

fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |key| map.get(key).cloned()
}

#[test]
fn empty_environment_is_the_whole_quick_matrix() {
    let sel = Selection::from_lookup(lookup(&[])).unwrap();
    assert_eq!(sel, Selection::new(Profile::Quick));
    assert!(!sel.is_custom());
    assert_eq!(sel.rounds(), 3);
    assert_eq!(Selection::new(Profile::Full).rounds(), 5);
}

#[test]
fn selection_round_trips_through_the_environment() {
    let sel = Selection::from_lookup(lookup(&[
        (ENV_PROFILE, "full"),
        (ENV_POOLS, &format!("ants,{FLOOR},{VEC_FLOOR},rayon+tls")),
        (ENV_WORKLOADS, "w1, S2"),
        (ENV_CAPACITY, "3"),
        (ENV_TASKS, "50"),
        (ENV_ROUNDS, "2"),
    ]))
    .unwrap();
    assert_eq!(sel.profile, Profile::Full);
    assert!(sel.is_custom());
    assert_eq!(sel.rounds(), 2);
    let env: Vec<(&str, String)> = sel.to_env();
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(Selection::from_lookup(lookup(&pairs)).unwrap(), sel);
}

#[test]
fn bad_selections_are_typed_errors_naming_the_culprit() {
    let err = Selection::from_lookup(lookup(&[(ENV_POOLS, "nosuchpool")])).unwrap_err();
    assert!(err.0.contains("unknown pool `nosuchpool`"), "{err}");
    assert!(err.0.contains(INLINE), "lists the valid names: {err}");
    let err = Selection::from_lookup(lookup(&[(ENV_WORKLOADS, "W10")])).unwrap_err();
    assert!(err.0.contains("unknown workload `W10`"), "{err}");
    let err = Selection::from_lookup(lookup(&[(ENV_CAPACITY, "0")])).unwrap_err();
    assert!(err.0.contains("capacity must be at least 1"), "{err}");
    let err = Selection::from_lookup(lookup(&[(ENV_TASKS, "many")])).unwrap_err();
    assert!(
        err.0.contains("tasks must be a positive whole number"),
        "{err}"
    );
    let err = Selection::from_lookup(lookup(&[(ENV_ROUNDS, "0")])).unwrap_err();
    assert!(err.0.contains("rounds must be at least 1"), "{err}");
    let err = Selection::from_lookup(lookup(&[(ENV_PROFILE, "slow")])).unwrap_err();
    assert!(err.0.contains("unknown profile"), "{err}");
    // Absurd sizes are refused before anything runs.
    let err = Selection::from_lookup(lookup(&[(ENV_CAPACITY, "99999999")])).unwrap_err();
    assert!(err.0.contains("capacity must be at most 4096"), "{err}");
    let err = Selection::from_lookup(lookup(&[(ENV_TASKS, "100000000000")])).unwrap_err();
    assert!(err.0.contains("tasks must be at most 10000000"), "{err}");
    let err = Selection::from_lookup(lookup(&[(ENV_ROUNDS, "1000")])).unwrap_err();
    assert!(err.0.contains("rounds must be at most 100"), "{err}");
    assert!(Selection::from_lookup(lookup(&[(ENV_CAPACITY, "4096")])).is_ok());
}

#[test]
fn sizes_follow_the_spec_and_the_overrides() {
    let full = Selection::new(Profile::Full);
    assert_eq!(full.sizes(Workload::W1).tasks, 100_000);
    assert_eq!(full.sizes(Workload::W1).capacities, vec![2, 64]);
    assert_eq!(full.sizes(Workload::W2).capacities, vec![100]);
    assert_eq!(full.sizes(Workload::W5).submitters, vec![4]);
    assert_eq!(full.sizes(Workload::S1).capacities, vec![1, 2, 8, 64, 1024]);
    assert_eq!(full.sizes(Workload::S1).tasks, 10_000);
    assert_eq!(full.sizes(Workload::W7).tasks, 10_000);
    assert_eq!(full.sizes(Workload::W3).tasks, 20_000);
    assert_eq!(full.sizes(Workload::S2).submitters, vec![1, 2, 4, 8]);
    assert_eq!(full.sizes(Workload::W9).tasks, 1_000_000);
    assert_eq!(full.sizes(Workload::W8).idle_calls, Some(2_000));
    for &w in Workload::ALL {
        assert_eq!(full.sizes(w).rounds, 5, "{w}");
        assert_eq!(Selection::new(Profile::Quick).sizes(w).rounds, 3, "{w}");
    }
    let mut custom = Selection::new(Profile::Quick);
    custom.capacity = Some(5);
    custom.tasks = Some(7);
    custom.rounds = Some(1);
    assert_eq!(custom.sizes(Workload::W1).capacities, vec![5]);
    assert_eq!(custom.sizes(Workload::W1).tasks, 7);
    assert_eq!(custom.sizes(Workload::W1).rounds, 1);
    // The capacity curve keeps its axis; W8 keeps its call count.
    assert_eq!(
        custom.sizes(Workload::S1).capacities,
        vec![1, 2, 8, 64, 1024]
    );
    assert_eq!(custom.sizes(Workload::W8).tasks, 2_000);
    // Sizes recorded before rounds read as one round; W9's `runs` were rounds.
    let old: Sizes =
        serde_json::from_str(r#"{"tasks": 1000000, "capacities": [2], "submitters": [1]}"#)
            .unwrap();
    assert_eq!(old.rounds, 1);
    let old: Sizes = serde_json::from_str(
        r#"{"tasks": 1000000, "capacities": [2], "submitters": [1], "runs": 5}"#,
    )
    .unwrap();
    assert_eq!(old.rounds, 5);
}

#[test]
fn pathological_rows_run_smaller_batches() {
    for profile in [Profile::Quick, Profile::Full] {
        let sel = Selection::new(profile);
        let s1 = sel.sizes(Workload::S1);
        let tpt = Row::Pool(PoolKind::ThreadPerTask);
        let ants = Row::Pool(PoolKind::Ants);
        assert_eq!(s1.tasks_for(&ants, 2), s1.tasks);
        assert!(s1.tasks_for(&ants, 1024) < s1.tasks);
        assert!(s1.tasks_for(&tpt, 2) < s1.tasks);
        let w1 = sel.sizes(Workload::W1);
        assert!(w1.tasks_for(&tpt, 2) < w1.tasks);
        assert_eq!(w1.tasks_for(&Row::Raw(Raw::Rayon), 2), w1.tasks);
        let w7 = sel.sizes(Workload::W7);
        assert!(w7.reduced.iter().any(|r| r.applies_to == PER_TASK_BUILDS));
        assert!(w7.tasks_for(&ants, 4) < w7.tasks, "{profile}");
        assert_eq!(w7.tasks_for(&Row::PoolTls(PoolKind::Ants), 4), w7.tasks);
        assert_eq!(
            w7.tasks_for(&Row::Extra(Extra::TunnyBatch), 4),
            w7.tasks,
            "{profile}"
        );
        // The planned cases carry the reduced batch.
        let cases = plan(&sel, 1);
        let case = cases
            .iter()
            .find(|c| c.workload == Workload::S1 && c.capacity == 1024 && c.row == ants)
            .unwrap();
        assert_eq!(case.tasks, s1.tasks_for(&ants, 1024));
    }
}

#[test]
fn every_row_name_is_accepted_by_pools_and_selects_that_row() {
    let names = pool_names();
    let unique: HashSet<&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "row names are unique");
    for row in Row::all() {
        let name = row.name();
        assert_eq!(Row::parse(&name), Some(row), "{name}");
        if !row.is_standard() {
            // Measured on a user's own workload only; not a `--pools` name.
            assert!(
                matches!(row, Row::Extra(Extra::AntsNonblocking | Extra::TunnyWorker)),
                "{name} runs in no workload"
            );
            assert!(Selection::parse_pools(&name).is_err(), "{name}");
            continue;
        }
        let set = Selection::parse_pools(&name).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut sel = Selection::new(Profile::Quick);
        sel.pools = Some(set);
        assert!(sel.wants_row(&row), "--pools {name} selects it");
        let selected = plan(&sel, 1).iter().any(|c| c.row == row)
            || probes(&sel, 1).iter().any(|p| p.row == name);
        assert!(selected, "--pools {name} plans no case of it");
    }
}

#[test]
fn families_select_raw_and_strategy_rows_but_not_other_pools() {
    let mut sel = Selection::new(Profile::Quick);
    sel.pools = Some(Selection::parse_pools("channel,ants").unwrap());
    let rows: BTreeSet<String> = plan(&sel, 1).iter().map(|c| c.row.name()).collect();
    for expected in [
        "channel",
        "crossbeam-raw",
        "channel+tls",
        "ants",
        "ants-func",
        "ants-native",
        "ants-multi",
        "ants-multi-rr",
        "ants+tls",
        INLINE,
        FLOOR,
    ] {
        assert!(rows.contains(expected), "{expected} missing from {rows:?}");
    }
    for unexpected in ["rayon", "rayon-raw", "tunny", "workerpool-bounded"] {
        assert!(!rows.contains(unexpected), "{unexpected} selected");
    }
}

#[test]
fn rows_have_definitions_kinds_and_the_raw_pairs() {
    for row in Row::all() {
        let info = row.info();
        assert_eq!(info.name, row.name());
        assert!(!info.api.is_empty() && !info.code.is_empty(), "{info:?}");
        let first = info.code.split([' ', ';']).next().unwrap();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(first);
        assert!(path.exists(), "{}: {} does not exist", info.name, first);
        if let Row::Extra(e) = row {
            if !e.is_dyn() {
                assert!(info.api.starts_with("strategy-specific"), "{info:?}");
            }
        }
    }
    assert_eq!(Row::Raw(Raw::Crossbeam).family(), "channel");
    assert_eq!(Row::Raw(Raw::Rayon).kind(), RowKind::Raw);
    assert_eq!(Row::Floor.kind(), RowKind::Reference);
    assert_eq!(Row::Extra(Extra::AntsNative).kind(), RowKind::Native);
    assert_eq!(
        Row::Extra(Extra::WorkerpoolBounded).kind(),
        RowKind::Contract
    );
    for raw in Raw::ALL {
        assert!(rows_for(Workload::W1).contains(&Row::Pool(raw.wrapped())));
    }
}

#[test]
fn raw_rows_and_the_floor_run_where_the_issue_asks() {
    for w in [
        Workload::W1,
        Workload::W2,
        Workload::W3,
        Workload::W4,
        Workload::W5,
        Workload::W8,
        Workload::W9,
        Workload::S1,
        Workload::S2,
    ] {
        for raw in Raw::ALL {
            assert!(rows_for(w).contains(&Row::Raw(*raw)), "{raw:?} in {w}");
        }
    }
    for w in [Workload::W1, Workload::W3, Workload::W8, Workload::S1] {
        assert!(rows_for(w).contains(&Row::Floor), "floor in {w}");
        assert!(rows_for(w).contains(&Row::Inline), "inline in {w}");
    }
    assert!(rows_for(Workload::W8).contains(&Row::Extra(Extra::AntsNative)));
    assert!(rows_for(Workload::W8).contains(&Row::Extra(Extra::TunnyProcess)));
    assert_eq!(
        rows_for(Workload::W9)
            .iter()
            .filter(|r| r.is_reference())
            .collect::<Vec<_>>(),
        [&Row::VecFloor]
    );
}

#[test]
fn each_round_runs_every_case_once_in_an_order_of_its_own() {
    let sel = Selection::new(Profile::Full);
    let orders: Vec<Vec<String>> = (1..=5)
        .map(|round| plan(&sel, round).iter().map(|c| c.id()).collect())
        .collect();
    let first: BTreeSet<&String> = orders[0].iter().collect();
    assert_eq!(first.len(), orders[0].len(), "ids are unique");
    for (i, order) in orders.iter().enumerate() {
        let set: BTreeSet<&String> = order.iter().collect();
        assert_eq!(set, first, "round {} runs the same cases", i + 1);
        // Workloads stay in report order (one criterion group each).
        let groups: Vec<&str> = order
            .iter()
            .map(|id| id.split('/').next().unwrap())
            .collect();
        let mut deduped = groups.clone();
        deduped.dedup();
        let expected: Vec<&str> = Workload::ALL
            .iter()
            .filter(|w| w.is_criterion() || **w == Workload::W8)
            .map(|w| w.group())
            .collect();
        assert_eq!(deduped, expected);
        for other in &orders[..i] {
            assert_ne!(order, other, "round {} repeats an earlier order", i + 1);
        }
    }
    // The same round always gives the same order.
    let again: Vec<String> = plan(&sel, 3).iter().map(|c| c.id()).collect();
    assert_eq!(again, orders[2]);
    let w9: Vec<Vec<String>> = (1..=3)
        .map(|r| probes(&sel, r).into_iter().map(|p| p.row).collect())
        .collect();
    assert_ne!(w9[0], w9[1]);
    assert_eq!(
        w9[0].iter().collect::<BTreeSet<_>>(),
        w9[2].iter().collect::<BTreeSet<_>>()
    );
}

#[test]
fn plan_narrows_and_keeps_the_references() {
    let mut narrow = Selection::new(Profile::Quick);
    narrow.workloads = Some([Workload::W1].into_iter().collect());
    narrow.pools = Some([INLINE.to_owned()].into_iter().collect());
    let mut ids: Vec<String> = plan(&narrow, 1).iter().map(|c| c.id()).collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "W1_trivial/closure loop (floor)/cap=2",
            "W1_trivial/closure loop (floor)/cap=64",
            "W1_trivial/inline/cap=2",
            "W1_trivial/inline/cap=64"
        ]
    );
    assert!(probes(&narrow, 1).is_empty());
    // Only pools that do not queue: W9 has nothing to measure, floor included.
    let mut blocking = Selection::new(Profile::Quick);
    blocking.pools = Some(["ants".to_owned()].into_iter().collect());
    assert!(probes(&blocking, 1).is_empty());
}

#[test]
fn latch_opens_after_the_last_count_down() {
    watchdog(|| {
        let latch = Latch::leak();
        latch.arm(0);
        latch.wait();
        latch.arm(3);
        let handles: Vec<_> = (0..3)
            .map(|_| thread::spawn(|| latch.count_down()))
            .collect();
        latch.wait();
        for h in handles {
            h.join().unwrap();
        }
    });
}

#[test]
fn every_batch_runs_every_task_on_the_inline_pool_and_the_floor() {
    watchdog(|| {
        let pool = InlinePool::new();
        let dyn_pool: &dyn TaskPool = &pool;
        let latch = Latch::leak();
        harness::trivial_batch(dyn_pool, latch, 100);
        harness::submit_only_batch(dyn_pool, latch, 100);
        harness::contended_batch(dyn_pool, latch, 101, 4);
        harness::cpu_batch(dyn_pool, latch, 3);
        harness::sleep_batch(dyn_pool, latch, 2);
        harness::round_trip(dyn_pool);
        assert_eq!(pool.stats().completed, 100 + 100 + 101 + 3 + 2 + 1);
        let build = || -> Box<dyn TaskPool> { Box::new(InlinePool::new()) };
        harness::lifecycle(&build, latch, 10);
        harness::stateful_run(&build, latch, 5, 1, harness::ResourceMode::PerTask);
        harness::stateful_run(&build, latch, 5, 1, harness::ResourceMode::ThreadLocal);
        // The floor runs each task at once: the latch is open when the loop ends.
        harness::trivial_batch(&Floor, latch, 100);
        harness::cpu_batch(&Floor, latch, 3);
        harness::channel_round_trip(&Floor);
    });
}

#[test]
fn a_batch_makes_and_runs_each_task_once_whoever_submits() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use harness::Submitters;

    watchdog(|| {
        let pool = RawPool::build(Raw::Crossbeam, 3).unwrap();
        for submitters in [
            Submitters::Caller,
            Submitters::Threads(1),
            Submitters::Threads(4),
        ] {
            // Each index is made once and its task runs once.
            let ran: Arc<Vec<AtomicUsize>> =
                Arc::new((0..103).map(|_| AtomicUsize::new(0)).collect());
            let made = AtomicUsize::new(0);
            let observed = AtomicUsize::new(0);
            let make = |i: usize| {
                made.fetch_add(1, Ordering::Relaxed);
                let ran = Arc::clone(&ran);
                move || {
                    ran[i].fetch_add(1, Ordering::Relaxed);
                }
            };
            let observe = || {
                observed.fetch_add(1, Ordering::Relaxed);
            };
            let time =
                harness::observed_batch(&pool, Latch::leak(), 103, submitters, &make, &observe);
            assert!(time.submitted <= time.total, "{submitters:?}: {time:?}");
            assert_eq!(made.load(Ordering::Relaxed), 103);
            assert_eq!(observed.load(Ordering::Relaxed), 103);
            assert!(
                ran.iter().all(|n| n.load(Ordering::Relaxed) == 1),
                "{submitters:?}"
            );

            // Awaited: every call returns after its task ran, and is timed.
            let ran: Arc<Vec<AtomicUsize>> =
                Arc::new((0..41).map(|_| AtomicUsize::new(0)).collect());
            let make = |i: usize| {
                let ran = Arc::clone(&ran);
                move || {
                    ran[i].fetch_add(1, Ordering::Relaxed);
                }
            };
            let call = |task| harness::channel_call(&pool, task);
            let (time, calls) = harness::awaited_batch(&call, 41, submitters, &make, &|| {});
            assert_eq!(calls.len(), 41);
            assert_eq!(time.submitted, time.total);
            assert!(
                ran.iter().all(|n| n.load(Ordering::Relaxed) == 1),
                "{submitters:?}"
            );
        }
    });
}

/// Refuses every other submit as overloaded, handing the task back, and
/// runs the others inline.
struct Refusing {
    inner: InlinePool,
    calls: std::sync::atomic::AtomicUsize,
}

impl TaskPool for Refusing {
    fn name(&self) -> &str {
        "refusing"
    }
    fn submit(&self, task: taskpool::Task) -> Result<(), taskpool::SubmitError> {
        use std::sync::atomic::Ordering;
        if self.calls.fetch_add(1, Ordering::Relaxed).is_multiple_of(2) {
            return Err(taskpool::SubmitError::overloaded(task));
        }
        self.inner.submit(task)
    }
    fn stop(&self) {
        self.inner.stop();
    }
    fn stop_wait(&self) {
        self.inner.stop_wait();
    }
    fn is_stopped(&self) -> bool {
        self.inner.is_stopped()
    }
    fn stats(&self) -> taskpool::PoolStats {
        self.inner.stats()
    }
    fn try_submit(&self, task: taskpool::Task) -> Result<(), taskpool::SubmitError> {
        self.submit(task)
    }
    fn wait_idle(&self) {
        self.inner.wait_idle();
    }
}

#[test]
fn submit_counting_counts_each_refusal_before_the_pool_takes_the_task() {
    let pool = Refusing {
        inner: InlinePool::new(),
        calls: Default::default(),
    };
    assert_eq!(harness::submit_counting(&pool, Box::new(|| {})), 1);
    assert_eq!(harness::submit_counting(&pool, Box::new(|| {})), 1);
    assert_eq!(pool.stats().completed, 2);
    let channel = taskpool_catalog::build(PoolKind::Channel, 1).unwrap();
    assert_eq!(harness::submit_counting(&*channel, Box::new(|| {})), 0);
    channel.stop_wait();
    let nonblocking = measure::build_named(Row::Extra(Extra::AntsNonblocking), 1).unwrap();
    assert_eq!(nonblocking.name(), "ants");
    nonblocking.stop_wait();
}

#[test]
fn raw_pools_run_every_task_and_shut_down() {
    watchdog(|| {
        for raw in Raw::ALL {
            let pool = RawPool::build(*raw, 2).unwrap();
            let latch = Latch::leak();
            harness::trivial_batch(&pool, latch, 1_000);
            harness::contended_batch(&pool, latch, 1_001, 3);
            harness::channel_round_trip(&pool);
            drop(pool);
        }
        assert!(RawPool::build(Raw::Crossbeam, 0).is_err());
    });
}

#[test]
fn percentiles_use_nearest_rank() {
    let samples: Vec<f64> = (1..=1000).map(f64::from).collect();
    let p = Percentiles::from_samples("x", 4, Regime::AfterIdle, 2, &samples).unwrap();
    assert_eq!(
        (p.min_ns, p.p25_ns, p.p50_ns, p.p75_ns, p.p90_ns, p.p99_ns),
        (1.0, Some(250.0), 500.0, Some(750.0), 900.0, 990.0)
    );
    assert_eq!((p.p999_ns, p.max_ns), (Some(999.0), 1000.0));
    assert_eq!((p.regime, p.round, p.samples), (Regime::AfterIdle, 2, 1000));
    // Below 1,000 samples p99.9 is the slowest call.
    let few: Vec<f64> = (1..=250).map(f64::from).collect();
    let p = Percentiles::from_samples("x", 4, Regime::BackToBack, 1, &few).unwrap();
    assert_eq!(p.p999_ns, Some(250.0));
    let one = Percentiles::from_samples("x", 4, Regime::BackToBack, 1, &[7.0]).unwrap();
    assert_eq!((one.p50_ns, one.p99_ns), (7.0, 7.0));
    assert!(Percentiles::from_samples("x", 4, Regime::BackToBack, 1, &[]).is_none());
    // Files written before regimes and rounds read as back to back, round 1.
    let old: Percentiles = serde_json::from_str(
        r#"{"row":"a","capacity":4,"samples":3,"min_ns":1,"p50_ns":2,"p90_ns":3,"p99_ns":3,"max_ns":3}"#,
    )
    .unwrap();
    assert_eq!(
        (old.regime, old.round, old.p999_ns),
        (Regime::BackToBack, 1, None)
    );
}

#[test]
fn every_planned_case_runs_one_tiny_iteration() {
    watchdog(|| {
        let mut sel = Selection::new(Profile::Quick);
        sel.tasks = Some(16);
        let calibration = Calibration {
            sleep_1ms_ns: 1e6,
            cpu_task_ns: 1e4,
            resource_passes: 1,
            resource_build_ns: 1e4,
            cores: 2,
        };
        let mut ran = 0;
        let mut trips = 0;
        for case in plan(&sel, 1) {
            let prepared = match measure::prepare(&case, &calibration) {
                Ok(p) => p,
                // The catalog's word for a strategy crate not wired in yet.
                Err(e) if e.contains("not available yet") => continue,
                Err(e) => panic!("{case}: {e}"),
            };
            match prepared {
                Prepared::Batches(mut batches) => {
                    assert!(batches.run(1) > Duration::ZERO, "{case}");
                    batches.finish();
                }
                Prepared::RoundTrips(mut trip) => {
                    assert_eq!(case.workload, Workload::W8);
                    for (regime, samples) in [
                        (
                            Regime::BackToBack,
                            latency::record(&mut *trip, Regime::BackToBack, 3),
                        ),
                        (
                            Regime::AfterIdle,
                            latency::record(&mut *trip, Regime::AfterIdle, 2),
                        ),
                    ] {
                        assert_eq!(
                            samples.len(),
                            if regime == Regime::BackToBack { 3 } else { 2 }
                        );
                        assert!(samples.iter().all(|s| *s > 0.0), "{case}");
                    }
                    trip.finish();
                    trips += 1;
                }
            }
            ran += 1;
        }
        assert!(ran > 100, "only {ran} cases ran");
        assert_eq!(
            trips,
            rows_for(Workload::W8).len(),
            "every W8 row has a round trip"
        );
    });
}

#[test]
fn output_files_are_named_per_row_regime_and_capacity() {
    let dir = std::path::Path::new("/raw/round-2");
    assert_eq!(out::round_dir(std::path::Path::new("/raw"), 2), dir);
    assert_eq!(
        out::latency_file(dir, "closure loop (floor)", 4, Regime::AfterIdle),
        dir.join("latency/closure_loop__floor__after-idle_cap4.json")
    );
    assert_eq!(
        out::memory_file(dir, VEC_FLOOR, 2),
        dir.join("memory/Vec_Task___floor__cap2.json")
    );
}
