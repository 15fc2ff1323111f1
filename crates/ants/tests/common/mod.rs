//! Helpers shared by the integration tests: a watchdog, a gate tasks can
//! wait on, a polling wait guarded by a deadline, and a concurrency meter.
#![allow(dead_code, unreachable_pub)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long any test may block before it is declared hung.
pub const WATCHDOG: Duration = Duration::from_secs(60);

/// Runs `body` on its own thread and fails the test if it does not finish
/// within [`WATCHDOG`]; a panic inside `body` fails the test with its message.
pub fn watchdog<F: FnOnce() + Send + 'static>(name: &str, body: F) {
    let (tx, rx) = mpsc::channel();
    let handle = thread::Builder::new()
        .name(format!("test-{name}"))
        .spawn(move || {
            body();
            let _ = tx.send(());
        })
        .unwrap();
    match rx.recv_timeout(WATCHDOG) {
        Ok(()) => handle.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(payload) = handle.join() {
                std::panic::resume_unwind(payload);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("test {name} hung: no progress within {WATCHDOG:?}")
        }
    }
}

/// Polls `cond` until it holds; panics (with `what`) after [`WATCHDOG`].
/// For conditions reached by other threads with no event to wait on (a
/// submitter being blocked inside the pool, a worker thread exiting).
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + WATCHDOG;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

/// A gate tasks block on until it is opened.
#[derive(Clone, Default)]
pub struct Gate {
    inner: Arc<(Mutex<bool>, Condvar)>,
}

impl Gate {
    pub fn new() -> Self {
        Gate::default()
    }

    pub fn wait(&self) {
        let (open, cv) = &*self.inner;
        let mut open = open.lock().unwrap();
        while !*open {
            open = cv.wait(open).unwrap();
        }
    }

    pub fn open(&self) {
        let (open, cv) = &*self.inner;
        *open.lock().unwrap() = true;
        cv.notify_all();
    }
}

/// Counts tasks entering and leaving; remembers the most ever inside at once.
#[derive(Default)]
pub struct Meter {
    now: AtomicUsize,
    max: AtomicUsize,
    total: AtomicUsize,
}

impl Meter {
    pub fn new() -> Arc<Self> {
        Arc::new(Meter::default())
    }

    pub fn enter(&self) {
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(n, Ordering::SeqCst);
        self.total.fetch_add(1, Ordering::SeqCst);
    }

    pub fn exit(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }

    pub fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }

    pub fn now(&self) -> usize {
        self.now.load(Ordering::SeqCst)
    }

    pub fn total(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }

    pub fn reset_max(&self) {
        self.max.store(self.now(), Ordering::SeqCst);
    }
}
