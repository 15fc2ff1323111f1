//! Unit tests of the selection, the plan and the harness.

use std::collections::HashMap;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use taskpool::{InlinePool, TaskPool};

use crate::harness::{self, Latch};
use crate::out::Percentiles;
use crate::plan::{memory_plan, plan};
use crate::rows::{Row, INLINE};
use crate::spec::{
    Profile, Selection, Workload, ENV_CAPACITY, ENV_POOLS, ENV_PROFILE, ENV_TASKS, ENV_WORKLOADS,
};

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
}

#[test]
fn selection_round_trips_through_the_environment() {
    let first_pool = crate::rows::pool_names()[0].clone();
    let sel = Selection::from_lookup(lookup(&[
        (ENV_PROFILE, "full"),
        (ENV_POOLS, &format!("{first_pool},inline")),
        (ENV_WORKLOADS, "w1, S2"),
        (ENV_CAPACITY, "3"),
        (ENV_TASKS, "50"),
    ]))
    .unwrap();
    assert_eq!(sel.profile, Profile::Full);
    assert!(sel.is_custom());
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
    let err = Selection::from_lookup(lookup(&[(ENV_PROFILE, "slow")])).unwrap_err();
    assert!(err.0.contains("unknown profile"), "{err}");
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
    let mut custom = Selection::new(Profile::Quick);
    custom.capacity = Some(5);
    custom.tasks = Some(7);
    assert_eq!(custom.sizes(Workload::W1).capacities, vec![5]);
    assert_eq!(custom.sizes(Workload::W1).tasks, 7);
    // The capacity curve keeps its axis; W8 keeps its sample count.
    assert_eq!(
        custom.sizes(Workload::S1).capacities,
        vec![1, 2, 8, 64, 1024]
    );
    assert_eq!(custom.sizes(Workload::W8).tasks, 2_000);
}

#[test]
fn plan_covers_every_workload_and_pool_and_narrows() {
    let all = plan(&Selection::new(Profile::Quick));
    for &w in Workload::ALL {
        if w != Workload::W9 {
            assert!(all.iter().any(|c| c.workload == w), "{w} missing");
        }
    }
    for &kind in taskpool_catalog::PoolKind::ALL {
        assert!(all.iter().any(|c| c.row == Row::Pool(kind)));
        assert!(all
            .iter()
            .any(|c| c.row == Row::PoolTls(kind) && c.workload == Workload::W7));
    }
    assert!(all
        .iter()
        .any(|c| c.row == Row::Inline && c.workload == Workload::W1));
    assert!(!all
        .iter()
        .any(|c| c.row == Row::Inline && c.workload == Workload::W2));
    let ids: std::collections::HashSet<String> = all.iter().map(|c| c.id()).collect();
    assert_eq!(ids.len(), all.len(), "benchmark ids are unique");

    let mut narrow = Selection::new(Profile::Quick);
    narrow.workloads = Some([Workload::W1].into_iter().collect());
    narrow.pools = Some([INLINE.to_owned()].into_iter().collect());
    let cases = plan(&narrow);
    let ids: Vec<String> = cases.iter().map(|c| c.id()).collect();
    assert_eq!(ids, ["W1_trivial/inline/cap=2", "W1_trivial/inline/cap=64"]);
    assert!(memory_plan(&narrow).is_empty());
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
fn every_batch_runs_every_task_on_the_inline_pool() {
    watchdog(|| {
        let pool = InlinePool::new();
        let latch = Latch::leak();
        harness::trivial_batch(&pool, latch, 100);
        harness::submit_only_batch(&pool, latch, 100);
        harness::contended_batch(&pool, latch, 101, 4);
        harness::cpu_batch(&pool, latch, 3);
        harness::sleep_batch(&pool, latch, 2);
        harness::round_trip(&pool);
        assert_eq!(pool.stats().completed, 100 + 100 + 101 + 3 + 2 + 1);
        let build = || -> Box<dyn TaskPool> { Box::new(InlinePool::new()) };
        harness::lifecycle(&build, latch, 10);
        harness::stateful_run(&build, latch, 5, 1, harness::ResourceMode::PerTask);
        harness::stateful_run(&build, latch, 5, 1, harness::ResourceMode::ThreadLocal);
    });
}

#[test]
fn percentiles_use_nearest_rank() {
    let samples: Vec<f64> = (1..=100).map(f64::from).collect();
    let p = Percentiles::from_samples("x", 4, &samples).unwrap();
    assert_eq!(
        (p.min_ns, p.p50_ns, p.p90_ns, p.p99_ns, p.max_ns),
        (1.0, 50.0, 90.0, 99.0, 100.0)
    );
    let one = Percentiles::from_samples("x", 4, &[7.0]).unwrap();
    assert_eq!((one.p50_ns, one.p99_ns), (7.0, 7.0));
    assert!(Percentiles::from_samples("x", 4, &[]).is_none());
}

#[test]
fn queued_memory_counts_every_task_on_a_queueing_pool() {
    watchdog(|| {
        for row in crate::memory::queueing_rows() {
            let result = crate::memory::measure(&row.name(), 2, 1_000).unwrap();
            assert_eq!(result.tasks, 1_000);
            // No check that the high-water mark grew: with 1,000 tasks the
            // growth is ~48 KiB, other tests of this process allocate and
            // free at the same time, and recent kernels report VmHWM from
            // approximate per-CPU counters, so it can even read lower
            // (seen in CI). The real W9 runs a million tasks alone in a
            // fresh process.
        }
        let err = crate::memory::measure("no-such-pool", 2, 10).unwrap_err();
        assert!(err.contains("not a queueing pool"), "{err}");
    });
}

#[test]
fn every_planned_case_runs_one_tiny_iteration() {
    watchdog(|| {
        let mut sel = Selection::new(Profile::Quick);
        sel.tasks = Some(16);
        let calibration = crate::harness::Calibration {
            sleep_1ms_ns: 1e6,
            cpu_task_ns: 1e4,
            resource_passes: 1,
            resource_build_ns: 1e4,
            cores: 2,
        };
        let out =
            std::env::temp_dir().join(format!("taskpool-benches-test-{}", std::process::id()));
        let mut ran = 0;
        for mut case in plan(&sel) {
            // Keep W8's sample count small too.
            case.tasks = case.tasks.min(16);
            let mut prepared = match crate::plan::prepare(&case, &calibration) {
                Ok(p) => p,
                // The catalog's word for a strategy crate not wired in yet.
                Err(e) if e.contains("not available yet") => continue,
                Err(e) => panic!("{case}: {e}"),
            };
            let elapsed = prepared.run(1);
            assert!(elapsed > Duration::ZERO, "{case}");
            prepared
                .finish(&out)
                .unwrap_or_else(|e| panic!("{case}: {e}"));
            ran += 1;
        }
        assert!(ran > 50, "only {ran} cases ran");
        // W8 rows wrote their percentiles.
        let tunny = crate::out::row_file(&out, crate::out::LATENCY_DIR, "tunny-process");
        let p: Percentiles =
            serde_json::from_str(&std::fs::read_to_string(tunny).unwrap()).unwrap();
        assert_eq!(p.samples, 16);
        std::fs::remove_dir_all(&out).unwrap();
    });
}
