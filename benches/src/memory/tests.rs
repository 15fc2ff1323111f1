//! Unit tests of W9's measurement without a counting allocator (this test
//! binary has none: `tests/queued_heap.rs` checks the heap figures).

use super::{measure, measure_floor, w9_rows};
use crate::out::MemoryResult;
use crate::rows::{Row, VEC_FLOOR};
use crate::tests::watchdog;

#[test]
fn the_floor_holds_every_task_then_runs_it() {
    let result = watchdog(|| measure(VEC_FLOOR, 2, 10_000, None)).unwrap();
    assert_eq!(result.row, VEC_FLOOR);
    assert_eq!((result.capacity, result.tasks), (2, 10_000));
    assert_eq!(
        result.heap_bytes_per_task, None,
        "no counter, no heap figure"
    );
    if let (Some(before), Some(after)) = (result.hwm_before_kib, result.hwm_after_kib) {
        let growth = after.saturating_sub(before) as f64 * 1024.0;
        assert_eq!(result.rss_bytes_per_task, Some(growth / 10_000.0));
    }

    let err = measure_floor(2, 0, None).unwrap_err();
    assert!(err.contains("at least one task"), "{err}");
    let err = measure("no-such-pool", 2, 10, None).unwrap_err();
    assert!(
        err.contains(VEC_FLOOR),
        "lists the floor among the rows: {err}"
    );
}

#[test]
fn every_w9_row_queues_and_runs_every_task() {
    watchdog(|| {
        for row in w9_rows() {
            let result = measure(&row.name(), 2, 1_000, None)
                .unwrap_or_else(|e| panic!("{}: {e}", row.name()));
            assert_eq!(result.tasks, 1_000);
            // No check that the high-water mark grew: with 1,000 tasks the
            // growth is ~48 KiB, other tests of this process allocate and
            // free at the same time, and recent kernels report VmHWM from
            // approximate per-CPU counters, so it can even read lower.
        }
        let err = measure("ants", 2, 10, None).unwrap_err();
        assert!(err.contains("not a W9 row"), "{err}");
    });
}

#[test]
fn w9_measures_queueing_pools_raw_rows_and_the_floor() {
    let names: Vec<String> = w9_rows().iter().map(Row::name).collect();
    for expected in [
        "workerpool",
        "channel",
        "rayon-raw",
        "crossbeam-raw",
        VEC_FLOOR,
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected}: {names:?}");
    }
    assert!(!names.iter().any(|n| n == "ants" || n == "tunny"));
}

#[test]
fn results_from_before_rounds_still_read() {
    let old: MemoryResult = serde_json::from_str(
        r#"{"row":"workerpool","capacity":2,"tasks":1000000,"hwm_before_kib":2048,
            "hwm_after_kib":54000,"bytes_per_task":53.3}"#,
    )
    .unwrap();
    assert_eq!(old.rss_bytes_per_task, Some(53.3));
    assert_eq!((old.round, old.heap_bytes_per_task), (0, None));
}
