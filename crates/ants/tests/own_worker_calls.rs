//! Calls made from inside one of the pool's own tasks must not deadlock
//! (upstream documents that a nested Submit on a full pool blocks forever):
//! submit refuses with Overloaded instead, stop and wait_idle do not wait for
//! the calling task, and dropping the last handle there is safe.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;

use taskpool::{TaskPool, WaitError};
use taskpool_ants::Pool;
use taskpool_conformance::testkit::{wait_until, watchdog, Latch};

#[test]
fn nested_submit_on_a_full_pool_is_refused_not_deadlocked() {
    watchdog("nested_submit_full", || {
        let pool = Pool::new(1);
        let (tx, rx) = mpsc::channel();
        let p = pool.clone();
        pool.submit(move || {
            assert!(p.is_worker_thread());
            let refused = p.submit(|| ());
            let waited = TaskPool::submit_wait(&p, Box::new(|| ()));
            tx.send((
                matches!(refused, Err(ref e) if e.is_overloaded()),
                matches!(waited, Err(WaitError::Rejected(ref e)) if e.is_overloaded()),
            ))
            .unwrap();
        })
        .unwrap();
        assert_eq!(rx.recv().unwrap(), (true, true));
        pool.wait_idle();
    });
}

#[test]
fn nested_submit_with_room_is_accepted() {
    watchdog("nested_submit_room", || {
        let pool = Pool::new(2);
        let (tx, rx) = mpsc::channel();
        let p = pool.clone();
        pool.submit(move || {
            let tx2 = tx.clone();
            p.submit(move || tx2.send("inner").unwrap()).unwrap();
            tx.send("outer").unwrap();
        })
        .unwrap();
        let mut got = vec![rx.recv().unwrap(), rx.recv().unwrap()];
        got.sort_unstable();
        assert_eq!(got, ["inner", "outer"]);
    });
}

#[test]
fn stop_from_inside_a_task_does_not_wait_for_itself() {
    watchdog("stop_inside", || {
        let pool = Pool::new(3);
        let latch = Latch::new();
        let finished = Arc::new(AtomicUsize::new(0));
        for _ in 0..2 {
            let (g, f) = (latch.clone(), Arc::clone(&finished));
            pool.submit(move || {
                g.wait();
                f.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        let (tx, rx) = mpsc::channel();
        let p = pool.clone();
        let g = latch.clone();
        let f = Arc::clone(&finished);
        pool.submit(move || {
            g.open();
            TaskPool::stop(&p);
            // The other two tasks finished before stop returned.
            tx.send(f.load(Ordering::SeqCst)).unwrap();
        })
        .unwrap();
        assert_eq!(rx.recv().unwrap(), 2);
        wait_until("the stopping worker exits too", || pool.workers() == 0);
        assert!(pool.is_stopped());
    });
}

#[test]
fn wait_idle_from_inside_a_task_does_not_count_itself() {
    watchdog("wait_idle_inside", || {
        let pool = Pool::new(2);
        let (tx, rx) = mpsc::channel();
        let p = pool.clone();
        pool.submit(move || {
            p.wait_idle();
            tx.send(()).unwrap();
        })
        .unwrap();
        rx.recv().unwrap();
    });
}

#[test]
fn dropping_the_last_handle_inside_a_task() {
    watchdog("drop_last_inside", || {
        let ran = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel();
        {
            let pool = Pool::new(2);
            let r = Arc::clone(&ran);
            pool.submit(move || {
                r.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
            let p = pool.clone();
            let r = Arc::clone(&ran);
            pool.submit(move || {
                // Wait until the test thread dropped its handle, so this
                // task's clone is the last one.
                rx.recv().unwrap();
                r.fetch_add(1, Ordering::SeqCst);
                drop(p);
            })
            .unwrap();
        }
        tx.send(()).unwrap();
        wait_until("both tasks ran", || ran.load(Ordering::SeqCst) == 2);
    });
}

#[test]
fn two_tasks_stopping_at_once_do_not_wait_for_each_other() {
    watchdog("two_stops_inside", || {
        let pool = Pool::new(3);
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let (tx, rx) = mpsc::channel();
        for _ in 0..2 {
            let (p, b, tx) = (pool.clone(), Arc::clone(&barrier), tx.clone());
            pool.submit(move || {
                b.wait();
                TaskPool::stop_wait(&p);
                tx.send(()).unwrap();
            })
            .unwrap();
        }
        rx.recv().unwrap();
        rx.recv().unwrap();
        TaskPool::stop(&pool);
        assert_eq!(pool.workers(), 0);
    });
}

#[test]
fn wait_idle_inside_a_task_does_not_wait_for_submitters_blocked_on_it() {
    watchdog("wait_idle_inside_blocked", || {
        let pool = Pool::new(1);
        let latch = Latch::new();
        let (tx, rx) = mpsc::channel();
        let (p, g) = (pool.clone(), latch.clone());
        pool.submit(move || {
            g.wait();
            p.wait_idle();
            tx.send(()).unwrap();
        })
        .unwrap();
        let p = pool.clone();
        let blocked = std::thread::spawn(move || p.submit(|| ()));
        wait_until("a submitter is blocked", || pool.waiting() == 1);
        latch.open();
        rx.recv().unwrap();
        blocked.join().unwrap().unwrap();
        pool.wait_idle();
        assert_eq!(pool.stats().completed, 2);
    });
}
