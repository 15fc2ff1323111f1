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
    let err = SubmitError::stopped(Box::new(move || {
        r.fetch_add(1, Ordering::SeqCst);
    }));
    assert!(err.is_stopped() && !err.is_overloaded());
    assert_eq!(err.kind(), SubmitErrorKind::Stopped);
    assert_eq!(format!("{err:?}"), "SubmitError { kind: Stopped, .. }");
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
    assert!(matches!(err, WaitError::Rejected(ref e) if e.is_stopped()));
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
fn join_error_tells_a_panic_and_hands_its_payload_back() {
    let pool = InlinePool::new();
    let err = pool
        .spawn(|| -> u8 { panic!("{}", String::from("owned message")) })
        .unwrap()
        .join()
        .unwrap_err();
    assert!(err.is_panic() && !err.is_abandoned());
    assert_eq!(err.panic_message(), Some("owned message"));
    assert_eq!(format!("{err:?}"), "Panicked(\"owned message\")");
    let payload = err.into_panic();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("owned message")
    );

    let (task, handle) = task_with_handle(|| 1);
    drop(task);
    let abandoned = handle.join().unwrap_err();
    assert!(abandoned.is_abandoned() && !abandoned.is_panic());
    assert!(abandoned.try_into_panic().unwrap_err().is_abandoned());
}

#[test]
#[should_panic(expected = "not a panic")]
fn into_panic_of_an_abandoned_task_panics() {
    let (task, handle) = task_with_handle(|| 1);
    drop(task);
    let _ = handle.join().unwrap_err().into_panic();
}

#[test]
fn wait_error_predicates_and_payloads() {
    let pool = InlinePool::new();
    let err = pool
        .submit_wait(Box::new(|| std::panic::panic_any(17_u32)))
        .unwrap_err();
    assert!(err.is_panic() && !err.is_rejected() && !err.is_abandoned());
    assert_eq!(err.panic_message(), None);
    assert_eq!(err.to_string(), "task panicked");
    let payload = err.try_into_panic().unwrap();
    assert_eq!(payload.downcast_ref::<u32>(), Some(&17));

    pool.stop();
    let ran = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&ran);
    let err = pool
        .submit_wait(Box::new(move || {
            r.fetch_add(1, Ordering::SeqCst);
        }))
        .unwrap_err();
    assert!(err.is_rejected());
    assert!(std::error::Error::source(&err).is_some());
    err.into_task().expect("a rejection holds the task")();
    assert_eq!(ran.load(Ordering::SeqCst), 1);
    assert!(WaitError::Abandoned.into_task().is_none());
}

/// Every public error can cross threads and be shared: `Send + Sync +
/// 'static + Error`, the bound of `anyhow::Error` and of
/// `Box<dyn Error + Send + Sync>`.
#[test]
fn every_error_is_send_sync_static() {
    fn shareable<E: std::error::Error + Send + Sync + 'static>() {}
    shareable::<SubmitError>();
    shareable::<WaitError>();
    shareable::<JoinError>();
    shareable::<BuildError>();
    shareable::<JoinTimeoutError<String>>();
    fn sync<T: Send + Sync + 'static>() {}
    sync::<PanicPayload>();
    sync::<TaskHandle<Vec<u8>>>();
}

#[test]
fn capacity_checks_name_the_setting_and_the_limit() {
    assert_eq!(check_capacity("capacity", 1, MAX_CAPACITY).unwrap(), 1);
    assert_eq!(
        check_capacity("capacity", MAX_CAPACITY, MAX_CAPACITY).unwrap(),
        MAX_CAPACITY
    );
    assert_eq!(
        check_capacity("size", 0, MAX_CAPACITY)
            .unwrap_err()
            .to_string(),
        "size must be at least 1, got 0"
    );
    let err = check_capacity("capacity", 99_999_999, MAX_CAPACITY).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("capacity must be at most 4096, got 99999999"),
        "{err}"
    );
    assert!(check_capacity("capacity", usize::MAX, usize::MAX).is_ok());
}

#[test]
fn into_task_boxes_a_task_only_once() {
    let ran = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&ran);
    let task: Task = Box::new(move || {
        r.fetch_add(1, Ordering::SeqCst);
    });
    let address = &*task as *const (dyn FnOnce() + Send) as *const u8;
    let again = into_task(task);
    let same = &*again as *const (dyn FnOnce() + Send) as *const u8;
    assert_eq!(address, same, "a Task must pass through without a new box");
    again();
    let r = Arc::clone(&ran);
    into_task(move || {
        r.fetch_add(1, Ordering::SeqCst);
    })();
    assert_eq!(ran.load(Ordering::SeqCst), 2);
}

#[test]
fn execute_boxes_a_closure_for_any_pool() {
    let pool: Box<dyn TaskPool> = Box::new(InlinePool::new());
    let ran = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&ran);
    pool.execute(move || {
        r.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();
    let r = Arc::clone(&ran);
    pool.try_execute(move || {
        r.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 2);
    pool.stop_wait();
    let r = Arc::clone(&ran);
    let refused = pool
        .execute(move || {
            r.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap_err();
    assert!(refused.is_stopped());
    assert_eq!(ran.load(Ordering::SeqCst), 2);
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
    let io = std::io::Error::new(std::io::ErrorKind::Other, "no threads");
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
