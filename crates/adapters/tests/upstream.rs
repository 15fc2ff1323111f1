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

#[test]
fn threadpool_task_waiting_for_a_task_on_a_full_pool_deadlocks() {
    // Rule 7: a job that waits for a job it queued, on a pool whose only
    // thread is the waiting one: the child is queued behind its waiter.
    let pool = threadpool::ThreadPool::new(1);
    let (child_tx, child_rx) = mpsc::channel();
    let (waited_tx, waited_rx) = mpsc::channel::<()>();
    let inner = pool.clone();
    pool.execute(move || {
        inner.execute(move || child_tx.send(()).unwrap());
        // The wait `submit_wait` makes: until the child has run (bounded
        // here only so that the test's thread is not leaked for ever).
        let _ = waited_rx.recv_timeout(NEVER * 2);
    });
    assert!(
        child_rx.recv_timeout(NEVER).is_err(),
        "the child never runs: its only thread waits for it"
    );
    drop(waited_tx);
}

#[test]
fn futures_thread_pool_task_blocking_on_a_task_on_a_full_pool_deadlocks() {
    // Rule 7 (through misuse the library warns against): a task that blocks
    // its thread until a task it spawned has run, on a pool of one thread.
    let pool = futures_executor::ThreadPool::builder()
        .pool_size(1)
        .create()
        .unwrap();
    let (child_tx, child_rx) = mpsc::channel();
    let (waited_tx, waited_rx) = mpsc::channel::<()>();
    let inner = pool.clone();
    pool.spawn_ok(async move {
        inner.spawn_ok(async move { child_tx.send(()).unwrap() });
        let _ = waited_rx.recv_timeout(NEVER * 2);
    });
    assert!(
        child_rx.recv_timeout(NEVER).is_err(),
        "the child never runs: the only thread is blocked waiting for it"
    );
    drop(waited_tx);
}

#[test]
fn tokio_blocking_task_waiting_for_a_blocking_task_on_a_full_pool_deadlocks() {
    // Rule 7: a `spawn_blocking` task that waits for a `spawn_blocking` task
    // it spawned, when the blocking pool is at `max_blocking_threads`: the
    // child is queued behind its waiter.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let handle = runtime.handle().clone();
    let (child_tx, child_rx) = mpsc::channel();
    let (waited_tx, waited_rx) = mpsc::channel::<()>();
    drop(runtime.spawn_blocking(move || {
        drop(handle.spawn_blocking(move || child_tx.send(()).unwrap()));
        let _ = waited_rx.recv_timeout(NEVER * 2);
    }));
    assert!(
        child_rx.recv_timeout(NEVER).is_err(),
        "the child never runs: the only blocking thread waits for it"
    );
    drop(waited_tx);
    runtime.shutdown_background();
}

#[test]
fn scheduled_thread_pool_never_joins_its_threads() {
    // Rule 6: the library has no shutdown; dropping the pool tells its
    // threads to run the pending jobs and exit, and returns.
    let (release, exited, job) = held_job();
    let pool = scheduled_thread_pool::ScheduledThreadPool::new(1);
    let (ran_tx, ran_rx) = mpsc::channel();
    pool.execute(move || {
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
fn scheduled_thread_pool_job_waiting_for_a_job_on_a_full_pool_deadlocks() {
    // Rule 7: a job that waits for a job it queued, on a pool whose only
    // thread is the waiting one.
    let pool = Arc::new(scheduled_thread_pool::ScheduledThreadPool::new(1));
    let (child_tx, child_rx) = mpsc::channel();
    let (waited_tx, waited_rx) = mpsc::channel::<()>();
    let inner = Arc::clone(&pool);
    pool.execute(move || {
        inner.execute(move || child_tx.send(()).unwrap());
        let _ = waited_rx.recv_timeout(NEVER * 2);
    });
    assert!(
        child_rx.recv_timeout(NEVER).is_err(),
        "the child never runs: its only thread waits for it"
    );
    drop(waited_tx);
}
