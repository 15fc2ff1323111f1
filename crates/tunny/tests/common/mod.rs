//! Helpers shared by the integration tests: a watchdog for every wait that could hang,
//! and the check that each worker's state was kept.

#![allow(dead_code)]

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// How long any single test body may take before we call it a hang.
pub(crate) const WATCHDOG: Duration = Duration::from_secs(60);

/// Runs `body` on its own thread and fails with a clear message if it does
/// not finish within [`WATCHDOG`]; a panic in `body` is passed on.
pub(crate) fn watchdog<T: Send + 'static>(
    what: &str,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    let runner = thread::Builder::new()
        .name(format!("watchdog: {what}"))
        .spawn(move || {
            let value = body();
            let _ = tx.send(());
            value
        })
        .expect("spawn the test body");
    match rx.recv_timeout(WATCHDOG) {
        Ok(()) => runner.join().expect("the test body finished"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match runner.join() {
            Ok(_) => unreachable!("the body sends before it returns"),
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: did not finish within {WATCHDOG:?}; it looks like a deadlock")
        }
    }
}

/// Polls `cond` until it holds (yielding in between); fails after [`WATCHDOG`].
/// Used only to wait for a state another thread is known to be heading to.
pub(crate) fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(start.elapsed() < WATCHDOG, "{what}: never happened");
        thread::yield_now();
    }
}

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
