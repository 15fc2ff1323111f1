//! The `TaskPool` face (`Pool<CallbackWorker>`): blocking hand-off, refusal,
//! shutdown from outside and inside, drop, panics, stats.
// Real threads: under `--cfg tp_loom` the pool runs on loom's primitives,
// which only work inside a loom model (see src/loom_tests.rs).
#![cfg(not(tp_loom))]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;

use crossbeam_channel::{bounded, unbounded};
use taskpool::{TaskPool, TaskPoolExt, WaitError};
use taskpool_conformance::testkit::{wait_until, watchdog};
use taskpool_tunny::Pool;

#[test]
fn zero_capacity_is_a_build_error() {
    let err = Pool::callback_builder().capacity(0).build().unwrap_err();
    assert_eq!(err.to_string(), "capacity must be at least 1, got 0");
}

#[test]
#[should_panic(expected = "capacity must be at least 1, got 0")]
fn callback_of_zero_panics() {
    let _ = Pool::callback(0);
}

#[test]
fn submit_blocks_until_a_worker_accepts_and_try_submit_refuses() {
    watchdog("blocking submit", || {
        let pool = Arc::new(Pool::callback(1));
        assert_eq!(pool.name(), "tunny");
        let (release_tx, release_rx) = bounded::<()>(0);
        pool.submit(Box::new(move || {
            let _ = release_rx.recv();
        }))
        .unwrap();
        wait_until("the task runs", || pool.stats().running == 1);

        // No worker is parked: try_submit hands the task back.
        let ran = Arc::new(AtomicUsize::new(0));
        let r = Arc::clone(&ran);
        let refused = pool
            .try_submit(Box::new(move || {
                r.fetch_add(1, Ordering::SeqCst);
            }))
            .unwrap_err();
        assert!(refused.is_overloaded());
        refused.into_task()();
        assert_eq!(ran.load(Ordering::SeqCst), 1);

        // submit blocks (waiting counts it) until the worker frees up.
        let (returned_tx, returned_rx) = unbounded();
        let submitter = {
            let (pool, ran) = (Arc::clone(&pool), Arc::clone(&ran));
            thread::spawn(move || {
                let r = pool.submit(Box::new(move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                }));
                returned_tx.send(()).unwrap();
                r
            })
        };
        wait_until("the submitter waits", || pool.stats().waiting == 1);
        assert!(returned_rx.try_recv().is_err(), "submit returned early");
        release_tx.send(()).unwrap();
        submitter.join().unwrap().unwrap();
        pool.stop_wait();
        assert_eq!(ran.load(Ordering::SeqCst), 2);
        let stats = pool.stats();
        assert_eq!((stats.completed, stats.workers, stats.running), (2, 0, 0));
    });
}

#[test]
fn a_submitter_blocked_at_stop_gets_its_task_back() {
    watchdog("blocked submitter at stop", || {
        let pool = Arc::new(Pool::callback(1));
        let (release_tx, release_rx) = bounded::<()>(0);
        pool.submit(Box::new(move || {
            let _ = release_rx.recv();
        }))
        .unwrap();
        wait_until("the task runs", || pool.stats().running == 1);
        let submitter = {
            let pool = Arc::clone(&pool);
            thread::spawn(move || pool.submit(Box::new(|| panic!("must never run"))))
        };
        wait_until("the submitter waits", || pool.stats().waiting == 1);
        let stopper = {
            let pool = Arc::clone(&pool);
            thread::spawn(move || pool.stop())
        };
        let refused = submitter.join().unwrap().unwrap_err();
        assert!(refused.is_stopped());
        assert!(pool.is_stopped());
        release_tx.send(()).unwrap();
        stopper.join().unwrap();
        assert_eq!(pool.stats().workers, 0);
        assert!(pool.submit(Box::new(|| ())).unwrap_err().is_stopped());
        assert!(matches!(
            pool.submit_wait(Box::new(|| ())),
            Err(WaitError::Rejected(ref e)) if e.is_stopped()
        ));
    });
}

#[test]
fn submit_wait_reports_panics_and_the_pool_keeps_its_capacity() {
    watchdog("submit_wait panic", || {
        let pool = Pool::callback(2);
        let err = pool
            .submit_wait(Box::new(|| panic!("task blew up")))
            .unwrap_err();
        assert_eq!(err.panic_message(), Some("task blew up"));
        let handle = pool.spawn(|| panic!("spawned blew up")).unwrap();
        assert_eq!(
            handle.join().unwrap_err().panic_message(),
            Some("spawned blew up")
        );
        assert_eq!(pool.spawn(|| 5).unwrap().join().unwrap(), 5);
        pool.wait_idle();
        let stats = pool.stats();
        assert_eq!((stats.panicked, stats.capacity, stats.workers), (2, 2, 2));
    });
}

#[test]
fn stop_from_inside_a_task_does_not_wait_for_that_task() {
    watchdog("stop from inside", || {
        let pool = Arc::new(Pool::callback(2));
        let (tx, rx) = mpsc::channel();
        let inner = Arc::clone(&pool);
        pool.submit(Box::new(move || {
            inner.stop_wait();
            // The other worker has exited; this one leaves after returning.
            tx.send((inner.is_stopped(), inner.stats().workers))
                .unwrap();
        }))
        .unwrap();
        assert_eq!(rx.recv().unwrap(), (true, 1));
        pool.stop_wait();
        assert_eq!(pool.stats().workers, 0);
    });
}

#[test]
fn submit_from_inside_a_task_refuses_instead_of_waiting_for_itself() {
    watchdog("submit from inside", || {
        let pool = Arc::new(Pool::callback(1));
        let (tx, rx) = mpsc::channel();
        let inner = Arc::clone(&pool);
        pool.submit(Box::new(move || {
            let nested = inner.submit(Box::new(|| ()));
            let waited = inner.submit_wait(Box::new(|| ()));
            tx.send((
                nested.unwrap_err().is_overloaded(),
                matches!(waited, Err(WaitError::Rejected(ref e)) if e.is_overloaded()),
            ))
            .unwrap();
        }))
        .unwrap();
        assert_eq!(rx.recv().unwrap(), (true, true));
    });
}

#[test]
fn dropping_the_last_handle_inside_a_task_does_not_deadlock() {
    watchdog("drop inside", || {
        let pool = Pool::callback(2);
        let (tx, rx) = mpsc::channel();
        let done = Arc::new(AtomicUsize::new(0));
        for _ in 0..4 {
            let done = Arc::clone(&done);
            pool.submit(Box::new(move || {
                done.fetch_add(1, Ordering::SeqCst);
            }))
            .unwrap();
        }
        let last = pool.clone();
        drop(pool);
        let (release_tx, release_rx) = bounded::<()>(0);
        // The task owns the last handle and drops it on the worker thread.
        last.clone()
            .submit(Box::new(move || {
                let _ = release_rx.recv();
                drop(last);
                tx.send(()).unwrap();
            }))
            .unwrap();
        release_tx.send(()).unwrap();
        rx.recv().unwrap();
        assert_eq!(done.load(Ordering::SeqCst), 4);
    });
}

#[test]
fn dropping_the_last_handle_runs_every_accepted_task() {
    watchdog("drop = stop_wait", || {
        let done = Arc::new(AtomicUsize::new(0));
        let pool = Pool::callback(3);
        for _ in 0..100 {
            let done = Arc::clone(&done);
            pool.submit(Box::new(move || {
                done.fetch_add(1, Ordering::SeqCst);
            }))
            .unwrap();
        }
        drop(pool);
        assert_eq!(done.load(Ordering::SeqCst), 100);
    });
}

#[test]
fn wait_idle_waits_for_running_tasks() {
    watchdog("wait_idle", || {
        let pool = Arc::new(Pool::callback(2));
        let (release_tx, release_rx) = bounded::<()>(0);
        pool.submit(Box::new(move || {
            let _ = release_rx.recv();
        }))
        .unwrap();
        let (idle_tx, idle_rx) = unbounded();
        let waiter = {
            let pool = Arc::clone(&pool);
            thread::spawn(move || {
                pool.wait_idle();
                idle_tx.send(()).unwrap();
            })
        };
        wait_until("the task runs", || pool.stats().running == 1);
        assert!(idle_rx.try_recv().is_err());
        release_tx.send(()).unwrap();
        waiter.join().unwrap();
        assert_eq!(pool.stats().running, 0);
    });
}

/// Found by the conformance suite: two tasks that stop the pool from inside
/// at the same time must not wait for each other.
#[test]
fn two_tasks_stopping_from_inside_do_not_wait_for_each_other() {
    watchdog("two stops from inside", || {
        let pool = Arc::new(Pool::callback(3));
        let both = Arc::new(std::sync::Barrier::new(2));
        let (tx, rx) = mpsc::channel();
        for graceful in [false, true] {
            let (inner, both, tx) = (Arc::clone(&pool), Arc::clone(&both), tx.clone());
            pool.submit(Box::new(move || {
                both.wait();
                if graceful {
                    inner.stop_wait();
                } else {
                    inner.stop();
                }
                inner.wait_idle();
                tx.send(()).unwrap();
            }))
            .unwrap();
        }
        rx.recv().unwrap();
        rx.recv().unwrap();
        pool.stop_wait();
        assert_eq!(pool.stats().workers, 0);
    });
}
