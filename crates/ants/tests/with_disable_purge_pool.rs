//! Mirrors upstream's TestWithDisablePurgePool (and the variant with a short
//! expiry): with purging disabled, idle workers are kept however long they
//! idle, and release_timeout still stops them all.

use std::thread;
use std::time::Duration;

use taskpool_ants::Pool;
use taskpool_conformance::testkit::{watchdog, Latch, WATCHDOG};

const WORKERS: usize = 10;

fn check(pool: &Pool) {
    let latch = Latch::new();
    for _ in 0..WORKERS {
        let g = latch.clone();
        pool.submit(move || g.wait()).unwrap();
    }
    assert_eq!(pool.running(), WORKERS);
    assert_eq!(pool.free(), Some(0));
    latch.open();
    pool.wait_idle();
    // Several expiry periods pass; with no purge thread nobody is stopped.
    // (Whatever the timing, a working pool keeps its workers.)
    thread::sleep(Duration::from_millis(30));
    assert_eq!(pool.workers(), WORKERS);
    assert_eq!(pool.idle_workers(), WORKERS);
    assert_eq!(pool.free(), Some(WORKERS));

    pool.release_timeout(WATCHDOG).unwrap();
    assert_eq!(pool.workers(), 0);
    assert_eq!(pool.running(), 0);
}

#[test]
fn with_disable_purge_pool() {
    watchdog("with_disable_purge_pool", || {
        check(
            &Pool::builder()
                .capacity(WORKERS)
                .purge(false)
                .build()
                .unwrap(),
        );
    });
}

#[test]
fn with_disable_purge_and_with_expiration_pool() {
    watchdog("with_disable_purge_and_expiration", || {
        check(
            &Pool::builder()
                .capacity(WORKERS)
                .purge(false)
                .expiry(Duration::from_millis(1))
                .build()
                .unwrap(),
        );
    });
}
