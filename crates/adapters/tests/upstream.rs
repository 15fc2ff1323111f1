//! Direct, adapter-free reproductions of every rule the verdict
//! (`comparisons/CONFORMANCE.md`) says a third-party library breaks: each
//! test drives the library's own API only, so the finding is the library's,
//! not the adapter's.
//!
//! Thread exit is made observable without the clock: a thread-local whose
//! destructor (run as the worker thread exits) waits until the test lets it
//! go. If the library joined its threads, the call under test could not
//! return before that; it does.

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Long enough that a task which could run would have run: the bound of the
/// "it never runs" tests, not a speed assertion.
const NEVER: Duration = Duration::from_secs(2);

/// Installs, on the current (worker) thread, a destructor that reports the
/// thread's exit on `exited` only after `release` says so.
fn hold_exit(release: Arc<Mutex<Receiver<()>>>, exited: Sender<()>) {
    struct Hold(Arc<Mutex<Receiver<()>>>, Sender<()>);
    impl Drop for Hold {
        fn drop(&mut self) {
            let _ = self.0.lock().map(|r| r.recv());
            let _ = self.1.send(());
        }
    }
    thread_local! {
        static HOLD: std::cell::RefCell<Option<Hold>> = const { std::cell::RefCell::new(None) };
    }
    HOLD.with(|h| *h.borrow_mut() = Some(Hold(release, exited)));
}

/// A worker whose exit is held: (release sender, exit receiver, the job).
fn held_job() -> (Sender<()>, Receiver<()>, impl FnOnce() + Send + 'static) {
    let (release_tx, release_rx) = mpsc::channel();
    let (exited_tx, exited_rx) = mpsc::channel();
    let release = Arc::new(Mutex::new(release_rx));
    (release_tx, exited_rx, move || hold_exit(release, exited_tx))
}

#[test]
fn threadpool_never_joins_its_threads() {
    // Rule 6: threadpool has no shutdown; `join` waits for the jobs, and
    // dropping the pool returns while its thread is still exiting.
    let (release, exited, job) = held_job();
    let pool = threadpool::ThreadPool::new(1);
    pool.execute(job);
    pool.join();
    drop(pool);
    assert!(exited.try_recv().is_err(), "the thread has not exited yet");
    release.send(()).unwrap();
    exited.recv().unwrap();
}

#[test]
fn rusty_pool_shutdown_join_returns_before_its_threads_exit() {
    // Rule 6: `shutdown_join` waits until the workers are idle, not until
    // they have exited.
    let (release, exited, job) = held_job();
    let pool = rusty_pool::Builder::new().core_size(1).max_size(1).build();
    pool.execute(job);
    pool.shutdown_join();
    assert!(exited.try_recv().is_err(), "the thread has not exited yet");
    release.send(()).unwrap();
    exited.recv().unwrap();
}

#[test]
fn futures_thread_pool_never_joins_its_threads() {
    // Rule 6: dropping the last handle sends each thread a "close" message
    // and returns.
    let (release, exited, job) = held_job();
    let pool = futures_executor::ThreadPool::builder()
        .pool_size(1)
        .create()
        .unwrap();
    let (ran_tx, ran_rx) = mpsc::channel();
    pool.spawn_ok(async move {
        job();
        ran_tx.send(()).unwrap();
    });
    ran_rx.recv().unwrap();
    drop(pool);
    assert!(exited.try_recv().is_err(), "the thread has not exited yet");
    release.send(()).unwrap();
    exited.recv().unwrap();
}

#[test]
fn futures_thread_pool_loses_a_thread_to_a_panicking_task() {
    // Rule 5: the worker does not catch a task's panic; the thread unwinds
    // and is not replaced, so a pool of one runs nothing more.
    let pool = futures_executor::ThreadPool::builder()
        .pool_size(1)
        .create()
        .unwrap();
    let (ran_tx, ran_rx) = mpsc::channel();
    pool.spawn_ok(async { std::panic::resume_unwind(Box::new("task panic")) });
    pool.spawn_ok(async move { ran_tx.send(()).unwrap() });
    assert!(
        ran_rx.recv_timeout(NEVER).is_err(),
        "a task after the panic never runs: the only thread is gone"
    );
}

#[test]
fn rusty_pool_task_waiting_for_a_task_on_a_full_pool_deadlocks() {
    // Rule 7: `evaluate(..).await_complete()` from inside a task, with every
    // worker busy the same way, waits for a child queued behind itself.
    let pool = rusty_pool::Builder::new().core_size(1).max_size(1).build();
    let (child_tx, child_rx) = mpsc::channel();
    let inner = pool.clone();
    pool.execute(move || {
        let handle = inner.evaluate(move || child_tx.send(()).unwrap());
        handle.await_complete();
    });
    assert!(
        child_rx.recv_timeout(NEVER).is_err(),
        "the child never runs: its only worker waits for it"
    );
}
