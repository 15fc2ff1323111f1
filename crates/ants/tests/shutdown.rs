//! TaskPool shutdown: stop_wait runs every accepted task, blocked submitters
//! get Stopped with their task, stop is idempotent and safe from many
//! threads, dropping the last handle behaves like stop_wait.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use taskpool::TaskPool;
use taskpool_ants::Pool;
use taskpool_conformance::testkit::{wait_until, watchdog, Latch};

#[test]
fn stop_wait_runs_every_accepted_task_and_refuses_blocked_ones() {
    watchdog("stop_wait_blocked", || {
        let pool = Pool::new(2);
        let latch = Latch::new();
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..2 {
            let (g, r) = (latch.clone(), Arc::clone(&ran));
            pool.submit(move || {
                g.wait();
                r.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        let blocked: Vec<_> = (0..3)
            .map(|_| {
                let (p, r) = (pool.clone(), Arc::clone(&ran));
                thread::spawn(move || {
                    p.submit(move || {
                        r.fetch_add(100, Ordering::SeqCst);
                    })
                })
            })
            .collect();
        wait_until("three submitters blocked", || pool.waiting() == 3);
        let stopper = {
            let p = pool.clone();
            thread::spawn(move || TaskPool::stop_wait(&p))
        };
        wait_until("the pool is stopped", || pool.is_stopped());
        for b in blocked {
            match b.join().unwrap() {
                Err(e) if e.is_stopped() => {}
                other => panic!("a blocked submitter must get Stopped, got {other:?}"),
            }
        }
        latch.open();
        stopper.join().unwrap();
        assert_eq!(
            ran.load(Ordering::SeqCst),
            2,
            "accepted ran, refused did not"
        );
        assert_eq!(pool.workers(), 0);
        assert!(pool.submit(|| ()).unwrap_err().is_stopped());
    });
}

#[test]
fn stop_is_idempotent_and_concurrent() {
    watchdog("stop_concurrent", || {
        let pool = Pool::new(4);
        for _ in 0..100 {
            pool.submit(|| ()).unwrap();
        }
        let stoppers: Vec<_> = (0..4)
            .map(|i| {
                let p = pool.clone();
                thread::spawn(move || {
                    if i % 2 == 0 {
                        TaskPool::stop(&p);
                    } else {
                        TaskPool::stop_wait(&p);
                    }
                    p.workers()
                })
            })
            .collect();
        for s in stoppers {
            assert_eq!(
                s.join().unwrap(),
                0,
                "every stop returns after the workers exited"
            );
        }
        TaskPool::stop(&pool);
        assert_eq!(pool.stats().completed, 100);
    });
}

#[test]
fn drop_behaves_like_stop_wait() {
    watchdog("drop_like_stop_wait", || {
        let ran = Arc::new(AtomicUsize::new(0));
        {
            let pool = Pool::new(3);
            for _ in 0..300 {
                let r = Arc::clone(&ran);
                pool.submit(move || {
                    r.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap();
            }
        }
        assert_eq!(ran.load(Ordering::SeqCst), 300);
        assert_eq!(
            Arc::strong_count(&ran),
            1,
            "no task closure is left anywhere"
        );
    });
}

#[test]
fn task_pool_object() {
    watchdog("task_pool_object", || {
        let pool: Box<dyn TaskPool> = Box::new(Pool::new(2));
        assert_eq!(pool.name(), "ants");
        let h = taskpool::TaskPoolExt::spawn(&*pool, || 6 * 7).unwrap();
        assert_eq!(h.join().unwrap(), 42);
        pool.wait_idle();
        let s = pool.stats();
        assert_eq!(
            (s.capacity, s.running, s.waiting, s.completed),
            (2, 0, 0, 1)
        );
        pool.stop_wait();
        assert!(pool.is_stopped());
    });
}
