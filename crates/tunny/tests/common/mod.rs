//! The check, shared by the integration tests, that each stateful worker kept
//! its own state. (Watchdogs and waits come from
//! `taskpool_conformance::testkit`.)

#![allow(dead_code)]

/// Checks that per-worker state was kept: `per_worker` maps a worker's serial
/// (0..`workers`) to the job counts its state reported, and each worker's
/// counts must be exactly 1, 2, 3, ... (no gap: no state lost to a rebuild;
/// no repeat: no state shared). Returns the number of jobs seen.
pub(crate) fn assert_each_state_advanced(
    per_worker: std::collections::BTreeMap<usize, Vec<u64>>,
    workers: usize,
) -> usize {
    let mut total = 0;
    for (serial, mut seen) in per_worker {
        assert!(serial < workers, "worker serial {serial} out of range");
        seen.sort_unstable();
        let expected: Vec<u64> = (1..=seen.len() as u64).collect();
        assert_eq!(seen, expected, "worker {serial} lost or repeated state");
        total += seen.len();
    }
    total
}
