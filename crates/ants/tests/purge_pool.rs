//! Mirrors upstream's TestPurgePool and TestPurgePreMallocPool: once every
//! task has finished and the expiry has passed, the purge stops every idle
//! worker. Expiry is driven by a manual clock; the real purge thread is
//! exercised with a short expiry.

use std::time::Duration;

use taskpool_ants::{ManualClock, Pool, PoolWithFunc};
use taskpool_conformance::testkit::{wait_until, watchdog, Latch};

const SIZE: usize = 50;
const EXPIRY: Duration = Duration::from_secs(1);

fn fill_then_idle(pool: &Pool) {
    let latch = Latch::new();
    for _ in 0..SIZE {
        let g = latch.clone();
        pool.submit(move || g.wait()).unwrap();
    }
    assert_eq!(pool.running(), SIZE);
    latch.open();
    pool.wait_idle();
    assert_eq!(pool.workers(), SIZE, "finished workers stay, idle");
    assert_eq!(pool.idle_workers(), SIZE);
}

#[test]
fn purge_pool() {
    watchdog("purge_pool", || {
        let clock = ManualClock::new();
        let pool = Pool::builder()
            .capacity(SIZE)
            .expiry(EXPIRY)
            .purge(false)
            .clock(clock.clone())
            .build()
            .unwrap();
        fill_then_idle(&pool);

        clock.advance(EXPIRY / 2);
        assert_eq!(
            pool.purge_expired(),
            0,
            "nobody has been idle for the expiry yet"
        );
        assert_eq!(pool.idle_workers(), SIZE);

        clock.advance(EXPIRY / 2);
        assert_eq!(pool.purge_expired(), SIZE);
        assert_eq!(pool.idle_workers(), 0);
        wait_until("every purged worker exited", || pool.workers() == 0);
        assert_eq!(pool.running(), 0);

        // The pool is still usable: a new worker starts.
        pool.submit(|| ()).unwrap();
        pool.wait_idle();
        assert_eq!(pool.workers(), 1);
    });
}

#[test]
fn purge_keeps_the_recently_used() {
    watchdog("purge_keeps_recent", || {
        let clock = ManualClock::new();
        let pool = Pool::builder()
            .capacity(2)
            .purge(false)
            .clock(clock.clone())
            .build()
            .unwrap();
        let latch = Latch::new();
        for _ in 0..2 {
            let g = latch.clone();
            pool.submit(move || g.wait()).unwrap();
        }
        latch.open();
        pool.wait_idle();
        clock.advance(EXPIRY);
        // One worker is used again now: only the other has expired.
        pool.submit(|| ()).unwrap();
        pool.wait_idle();
        assert_eq!(pool.purge_expired(), 1);
        assert_eq!(pool.idle_workers(), 1);
    });
}

#[test]
fn purge_thread_empties_an_idle_pool() {
    watchdog("purge_thread", || {
        let pool = Pool::builder()
            .capacity(8)
            .expiry(Duration::from_millis(20))
            .build()
            .unwrap();
        let latch = Latch::new();
        for _ in 0..8 {
            let g = latch.clone();
            pool.submit(move || g.wait()).unwrap();
        }
        latch.open();
        pool.wait_idle();
        wait_until("the purge thread stopped every idle worker", || {
            pool.workers() == 0
        });
        let func = Pool::builder()
            .capacity(4)
            .expiry(Duration::from_millis(20))
            .build_with_func(|_: u32| ())
            .unwrap();
        func.invoke(1).unwrap();
        wait_until("the func pool purged too", || func.workers() == 0);
    });
}

#[test]
fn purge_pre_malloc_pool() {
    watchdog("purge_pre_malloc_pool", || {
        let clock = ManualClock::new();
        let pool = Pool::builder()
            .capacity(10)
            .prealloc(true)
            .purge(false)
            .clock(clock.clone())
            .build()
            .unwrap();
        pool.submit(|| ()).unwrap();
        pool.wait_idle();
        clock.advance(EXPIRY);
        assert_eq!(pool.purge_expired(), 1);
        wait_until("purged", || pool.workers() == 0);

        let func = Pool::builder()
            .capacity(10)
            .prealloc(true)
            .purge(false)
            .clock(clock.clone())
            .build_with_func(|_: u8| ())
            .unwrap();
        func.invoke(1).unwrap();
        func.wait_idle();
        clock.advance(EXPIRY);
        assert_eq!(func.purge_expired(), 1);
        wait_until("purged", || func.workers() == 0);
        let _: &PoolWithFunc<u8> = &func;
    });
}
