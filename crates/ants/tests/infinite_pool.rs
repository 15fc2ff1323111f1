//! Mirrors upstream's TestInfinitePool: an unlimited pool starts a worker for
//! every task that finds none idle (so a task may submit to its own pool
//! without blocking), reports no capacity, cannot be tuned or pre-allocated.

use taskpool_ants::{Pool, TuneError};
use taskpool_conformance::testkit::{wait_until, watchdog, Latch};

#[test]
fn infinite_pool() {
    watchdog("infinite_pool", || {
        let pool = Pool::builder().unlimited().build().unwrap();
        let latch = Latch::new();
        let (p, g) = (pool.clone(), latch.clone());
        pool.submit(move || {
            let g2 = g.clone();
            p.submit(move || g2.wait())
                .expect("an unlimited pool never blocks");
            g.wait();
        })
        .unwrap();
        wait_until("both tasks run", || pool.running() == 2);
        assert_eq!(pool.free(), None);
        assert_eq!(pool.cap(), None);
        assert_eq!(pool.tune(10), Err(TuneError::Unlimited));
        assert_eq!(pool.cap(), None);
        assert_eq!(pool.stats().capacity, usize::MAX);
        latch.open();
        pool.wait_idle();
        assert!(Pool::builder().unlimited().prealloc(true).build().is_err());
    });
}
