//! Unit tests of the shared types, on [`InlinePool`] and a hand-driven task.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use crate::*;

#[test]
fn submit_error_hands_the_task_back() {
    let ran = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&ran);
    let err = SubmitError::Stopped(Box::new(move || {
        r.fetch_add(1, Ordering::SeqCst);
    }));
    assert!(err.is_stopped() && !err.is_overloaded());
    assert_eq!(format!("{err:?}"), "Stopped(..)");
    assert!(err.to_string().contains("stopped"));
    err.into_task()();
    assert_eq!(ran.load(Ordering::SeqCst), 1);
}

#[test]
fn stopped_pool_refuses_and_returns_the_task() {
    let pool = InlinePool::new();
    pool.stop();
    assert!(pool.is_stopped());
    let ran = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&ran);
    let err = pool
        .submit(Box::new(move || {
            r.fetch_add(1, Ordering::SeqCst);
        }))
        .unwrap_err();
    assert!(err.is_stopped());
    assert_eq!(ran.load(Ordering::SeqCst), 0, "a refused task must not run");
    err.into_task()();
    assert_eq!(ran.load(Ordering::SeqCst), 1);
}

#[test]
fn handle_returns_value() {
    let pool = InlinePool::new();
    let h = pool.spawn(|| vec![1, 2, 3]).unwrap();
    assert!(h.is_finished());
    assert_eq!(h.join().unwrap(), vec![1, 2, 3]);
}

#[test]
fn handle_returns_panic_as_error_and_pool_counts_it() {
    let pool = InlinePool::new();
    let h = pool.spawn(|| -> u32 { panic!("boom") }).unwrap();
    let err = h.join().unwrap_err();
    assert_eq!(err.panic_message(), Some("boom"));
    assert_eq!(pool.stats().panicked, 1);
    // The pool survives.
    assert_eq!(pool.spawn(|| 1).unwrap().join().unwrap(), 1);
}

#[test]
fn submit_wait_reports_panics_and_refusals() {
    let pool = InlinePool::new();
    let err = pool.submit_wait(Box::new(|| panic!("inside"))).unwrap_err();
    assert!(matches!(err, WaitError::Panicked(_)));
    assert_eq!(err.panic_message(), Some("inside"));
    assert!(pool.submit_wait(Box::new(|| {})).is_ok());
    pool.stop_wait();
    let err = pool.submit_wait(Box::new(|| {})).unwrap_err();
    assert!(matches!(err, WaitError::Rejected(SubmitError::Stopped(_))));
}

#[test]
fn refused_wrapped_task_reraises_the_original_panic() {
    let pool = InlinePool::new();
    pool.stop();
    let WaitError::Rejected(refused) = pool
        .submit_wait(Box::new(|| panic!("original")))
        .unwrap_err()
    else {
        panic!("expected a rejection")
    };
    let payload =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(refused.into_task())).unwrap_err();
    assert_eq!(panic_message(payload.as_ref()), Some("original"));
}

#[test]
fn dropped_task_abandons_its_handle() {
    let (task, handle) = task_with_handle(|| 5);
    drop(task);
    assert!(handle.is_finished());
    assert!(matches!(handle.join(), Err(JoinError::Abandoned)));
}

#[test]
fn join_timeout_hands_the_handle_back_then_succeeds() {
    let (task, handle) = task_with_handle(|| 9);
    let handle = match handle.join_timeout(Duration::from_millis(1)) {
        Err(JoinTimeoutError::TimedOut(h)) => h,
        other => panic!("expected a timeout, got {other:?}"),
    };
    let t = thread::spawn(task);
    assert_eq!(handle.join_timeout(Duration::from_secs(60)).unwrap(), 9);
    t.join().unwrap();
}

#[test]
fn join_wakes_when_the_task_finishes_on_another_thread() {
    let (task, handle) = task_with_handle(|| "done");
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let t = thread::spawn(move || {
        go_rx.recv().unwrap();
        task();
    });
    assert!(!handle.is_finished());
    go_tx.send(()).unwrap();
    assert_eq!(handle.join().unwrap(), "done");
    t.join().unwrap();
}

#[test]
fn wait_idle_on_an_idle_pool_returns() {
    let pool = InlinePool::new();
    pool.wait_idle();
    pool.submit(Box::new(|| {})).unwrap();
    pool.wait_idle();
    assert_eq!(pool.stats().running, 0);
}

#[test]
fn stop_inside_a_task_does_not_deadlock() {
    let pool = InlinePool::new();
    let p = pool.clone();
    pool.submit(Box::new(move || p.stop_wait())).unwrap();
    assert!(pool.is_stopped());
}

#[test]
fn forwarding_impls_reach_the_pool() {
    let pool = Arc::new(InlinePool::new());
    let as_dyn: Box<dyn TaskPool> = Box::new(Arc::clone(&pool));
    as_dyn.submit(Box::new(|| {})).unwrap();
    let by_ref: &dyn TaskPool = &*pool;
    by_ref.submit(Box::new(|| {})).unwrap();
    assert_eq!(pool.stats().completed, 2);
    assert_eq!(as_dyn.name(), "inline");
}

#[test]
fn build_error_has_message_and_source() {
    use std::error::Error as _;
    let io = std::io::Error::other("no threads");
    let err = BuildError::with_source("could not spawn a worker", io);
    assert_eq!(err.to_string(), "could not spawn a worker");
    assert!(err.source().is_some());
    assert_eq!(
        BuildError::zero("capacity").message(),
        "capacity must be at least 1, got 0"
    );
}

#[test]
fn admission_words() {
    assert_eq!(Admission::Queue.to_string(), "queue");
    assert_eq!(Admission::Block.as_str(), "block");
    assert_eq!(Admission::Reject.as_str(), "reject");
}
