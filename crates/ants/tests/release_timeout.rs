//! Mirrors upstream's TestReleaseTimeout: release_timeout waits for running
//! tasks to finish and every worker to exit; if they do not in time it says
//! how many are left.

use std::time::Duration;

use taskpool_ants::Pool;
use taskpool_conformance::testkit::{watchdog, Latch, WATCHDOG};

#[test]
fn release_timeout() {
    watchdog("release_timeout", || {
        let pool = Pool::new(10);
        let latch = Latch::new();
        for _ in 0..5 {
            let g = latch.clone();
            pool.submit(move || g.wait()).unwrap();
        }
        assert_eq!(pool.running(), 5);
        // The tasks cannot finish while the latch is shut: a short wait times
        // out whatever the machine's speed.
        let err = pool.release_timeout(Duration::from_millis(10)).unwrap_err();
        assert_eq!(err.workers_left(), 5);
        assert!(pool.is_closed());
        assert!(pool.submit(|| ()).unwrap_err().is_stopped());

        latch.open();
        pool.release_timeout(WATCHDOG).unwrap();
        assert_eq!(pool.workers(), 0);
        assert_eq!(
            pool.stats().completed,
            5,
            "release_timeout let the running tasks finish"
        );
    });
}

#[test]
fn release_timeout_with_func() {
    watchdog("release_timeout_with_func", || {
        let latch = Latch::new();
        let pool = taskpool_ants::PoolWithFunc::new(10, |g: Latch| g.wait());
        for _ in 0..5 {
            pool.invoke(latch.clone()).unwrap();
        }
        assert!(pool.release_timeout(Duration::from_millis(10)).is_err());
        latch.open();
        pool.release_timeout(WATCHDOG).unwrap();
        assert_eq!(pool.workers(), 0);
    });
}
