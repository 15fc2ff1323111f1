//! Helpers shared by the integration tests: a watchdog for anything that could
//! hang, and a bounded wait for a condition another thread makes true.
#![allow(dead_code, unreachable_pub)]

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Longest any test body may take before it counts as hung.
pub const WATCHDOG: Duration = Duration::from_secs(60);

/// Runs `body` on its own thread and fails the test with a clear message if it
/// has not finished within [`WATCHDOG`]. A panic in `body` is re-raised here.
pub fn watchdog<F: FnOnce() + Send + 'static>(what: &str, body: F) {
    let (done_tx, done_rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        body();
        let _ = done_tx.send(());
    });
    match done_rx.recv_timeout(WATCHDOG) {
        Ok(()) => handle.join().expect("test body"),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(payload) = handle.join() {
                std::panic::resume_unwind(payload);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("watchdog: `{what}` did not finish within {WATCHDOG:?}: the pool hung")
        }
    }
}

/// Waits until `cond` holds (it is made true by other threads), failing with
/// `what` after [`WATCHDOG`]. Polls every millisecond: the result never depends
/// on how fast the machine is, only the time taken does.
pub fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + WATCHDOG;
    while !cond() {
        assert!(
            Instant::now() < deadline,
            "timed out after {WATCHDOG:?} waiting until {what}"
        );
        thread::sleep(Duration::from_millis(1));
    }
}

/// A one-shot latch: tasks block on `wait` until `open` is called.
#[derive(Clone, Default)]
pub struct Latch {
    inner: std::sync::Arc<(std::sync::Mutex<bool>, std::sync::Condvar)>,
}

impl Latch {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn open(&self) {
        *self.inner.0.lock().unwrap() = true;
        self.inner.1.notify_all();
    }

    pub fn wait(&self) {
        let mut open = self.inner.0.lock().unwrap();
        while !*open {
            open = self.inner.1.wait(open).unwrap();
        }
    }
}
