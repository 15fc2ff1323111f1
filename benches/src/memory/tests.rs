//! Unit tests of W9's probes: the plan of runs, the floor row, the files.

use std::path::Path;

use taskpool::Admission;
use taskpool_catalog::PoolKind;

use super::{measure, probes, queueing_rows, FLOOR};
use crate::out;
use crate::rows::Row;
use crate::spec::{Profile, Selection, Sizes, Workload};
use crate::tests::watchdog;

#[test]
fn w9_repeats_per_profile_and_the_others_run_once() {
    assert_eq!(Selection::new(Profile::Full).sizes(Workload::W9).runs, 5);
    assert_eq!(Selection::new(Profile::Quick).sizes(Workload::W9).runs, 3);
    for &w in Workload::ALL {
        if w != Workload::W9 {
            assert_eq!(Selection::new(Profile::Full).sizes(w).runs, 1, "{w}");
        }
    }
    // Sizes recorded before W9 repeated its probe read as one run.
    let old: Sizes =
        serde_json::from_str(r#"{"tasks": 1000000, "capacities": [2], "submitters": [1]}"#)
            .unwrap();
    assert_eq!(old.runs, 1);
}

#[test]
fn probes_put_the_floor_first_then_every_queueing_pool() {
    for profile in [Profile::Quick, Profile::Full] {
        let sel = Selection::new(profile);
        let sizes = sel.sizes(Workload::W9);
        let found = probes(&sel);
        let names: Vec<&str> = found.iter().map(|p| p.row.as_str()).collect();
        let mut expected = vec![FLOOR.to_owned()];
        expected.extend(queueing_rows().iter().map(Row::name));
        assert_eq!(names, expected);
        for p in &found {
            assert_eq!(
                (p.capacity, p.tasks, p.runs),
                (sizes.capacities[0], sizes.tasks, sizes.runs)
            );
        }
        assert_eq!(found[0].id(), "W9_queued_memory/Vec<Task> (floor)/cap=2");
    }
}

#[test]
fn probes_follow_the_narrowing_and_skip_a_lonely_floor() {
    let mut no_w9 = Selection::new(Profile::Quick);
    no_w9.workloads = Some([Workload::W1].into_iter().collect());
    assert!(probes(&no_w9).is_empty());

    let queueing = queueing_rows()[0].name();
    let mut one = Selection::new(Profile::Quick);
    one.pools = Some([queueing.clone()].into_iter().collect());
    one.capacity = Some(3);
    let names: Vec<(String, usize)> = probes(&one)
        .into_iter()
        .map(|p| (p.row, p.capacity))
        .collect();
    assert_eq!(names, [(FLOOR.to_owned(), 3), (queueing, 3)]);

    // Only pools that do not queue: W9 has nothing to measure, floor included.
    if let Some(kind) = PoolKind::ALL
        .iter()
        .find(|k| k.features().admission != Admission::Queue)
    {
        let mut none = Selection::new(Profile::Quick);
        none.pools = Some([kind.name().to_owned()].into_iter().collect());
        assert!(probes(&none).is_empty(), "{kind:?}");
    }
}

#[test]
fn the_floor_holds_every_task_then_runs_it() {
    let result = watchdog(|| measure(FLOOR, 2, 10_000)).unwrap();
    assert_eq!(result.row, FLOOR);
    assert_eq!((result.capacity, result.tasks), (2, 10_000));
    assert!(result.hwm_after_kib >= result.hwm_before_kib);
    let growth = (result.hwm_after_kib - result.hwm_before_kib) as f64 * 1024.0;
    assert_eq!(result.bytes_per_task, growth / 10_000.0);

    let err = measure(FLOOR, 2, 0).unwrap_err();
    assert!(err.contains("at least one task"), "{err}");
    let err = measure("no-such-pool", 2, 10).unwrap_err();
    assert!(err.contains(FLOOR), "lists the floor among the rows: {err}");
}

#[test]
fn every_run_has_its_own_file_listed_in_run_order() {
    let dir = Path::new("/raw");
    let first = out::memory_file(dir, FLOOR, 2, 1);
    assert_eq!(
        first,
        Path::new("/raw/memory/Vec_Task___floor__cap2_run001.json")
    );
    let mut files = [
        out::memory_file(dir, "workerpool", 2, 10),
        out::memory_file(dir, "workerpool", 2, 2),
        out::memory_file(dir, "workerpool", 8, 1),
    ];
    files.sort();
    let names: Vec<&str> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "workerpool_cap2_run002.json",
            "workerpool_cap2_run010.json",
            "workerpool_cap8_run001.json"
        ]
    );
}
