//! Mirrors upstream's TestReleaseWhenRunningPool(WithFunc): two submitters
//! keep a one-worker pool full; release wakes the blocked one with Stopped and
//! its task; every accepted task ran exactly once, no refused task ran.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use taskpool_ants::Pool;
use taskpool_conformance::testkit::{wait_until, watchdog, Latch, WATCHDOG};

#[test]
fn release_when_running_pool() {
    watchdog("release_when_running_pool", || {
        let pool = Pool::new(1);
        let latch = Latch::new();
        let ran = Arc::new(AtomicUsize::new(0));
        let submitters: Vec<_> = (0..2)
            .map(|_| {
                let (pool, latch, ran) = (pool.clone(), latch.clone(), Arc::clone(&ran));
                thread::spawn(move || {
                    let (mut accepted, mut stopped) = (0, 0);
                    for _ in 0..30 {
                        let (g, r) = (latch.clone(), Arc::clone(&ran));
                        match pool.submit(move || {
                            g.wait();
                            r.fetch_add(1, Ordering::SeqCst);
                        }) {
                            Ok(()) => accepted += 1,
                            Err(e) if e.is_stopped() => stopped += 1,
                            Err(e) => panic!("unexpected {e:?}"),
                        }
                    }
                    (accepted, stopped)
                })
            })
            .collect();
        // One task holds the only worker, the other submitter is blocked.
        wait_until("a submitter is blocked", || {
            pool.waiting() >= 1 && pool.running() == 1
        });
        pool.release();
        latch.open();
        let mut accepted = 0;
        for s in submitters {
            let (a, st) = s.join().unwrap();
            assert_eq!(a + st, 30);
            accepted += a;
        }
        assert!(accepted >= 1);
        assert_eq!(pool.waiting(), 0);
        pool.release_timeout(WATCHDOG).unwrap();
        assert_eq!(
            ran.load(Ordering::SeqCst),
            accepted,
            "exactly the accepted tasks ran"
        );
        assert_eq!(pool.workers(), 0);
    });
}

#[test]
fn release_when_running_pool_with_func() {
    watchdog("release_when_running_pool_with_func", || {
        let latch = Latch::new();
        let pool = taskpool_ants::PoolWithFunc::new(1, |g: Latch| g.wait());
        pool.invoke(latch.clone()).unwrap();
        let p = pool.clone();
        let g = latch.clone();
        let blocked = thread::spawn(move || p.invoke(g));
        wait_until("an invoker is blocked", || pool.waiting() == 1);
        pool.release();
        let err = blocked.join().unwrap().unwrap_err();
        assert!(err.is_stopped(), "a blocked invoker is woken with Stopped");
        latch.open();
        pool.release_timeout(WATCHDOG).unwrap();
        assert_eq!(pool.stats().completed, 1);
    });
}
