//! Mirrors upstream's TestRebootNewPool, TestRebootNewPoolCalc and
//! TestRebootNewPoolWithPreAllocCalc: after release_timeout a pool refuses
//! with Stopped; reboot makes it fully usable again (also pre-allocated).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use taskpool_ants::{Pool, PoolBuilder};
use taskpool_conformance::testkit::{watchdog, WATCHDOG};

const RUNS: usize = 1000;

fn sum_on(pool: &Pool) -> usize {
    let sum = Arc::new(AtomicUsize::new(0));
    for i in 0..RUNS {
        let s = Arc::clone(&sum);
        pool.submit(move || {
            s.fetch_add(i, Ordering::SeqCst);
        })
        .unwrap();
    }
    pool.wait_idle();
    sum.load(Ordering::SeqCst)
}

fn reboot_calc(builder: PoolBuilder) {
    let pool = builder.build().unwrap();
    assert_eq!(sum_on(&pool), 499_500);
    pool.release_timeout(WATCHDOG).unwrap();
    assert!(pool.submit(|| ()).unwrap_err().is_stopped());
    pool.reboot();
    assert!(!pool.is_closed());
    assert_eq!(sum_on(&pool), 499_500);
    // And once more, to be sure a reboot leaves no stale state behind.
    pool.release_timeout(WATCHDOG).unwrap();
    pool.reboot();
    assert_eq!(sum_on(&pool), 499_500);
    assert_eq!(pool.stats().completed, 3 * RUNS as u64);
}

#[test]
fn reboot_new_pool_calc() {
    watchdog("reboot_new_pool_calc", || {
        reboot_calc(Pool::builder().capacity(10));
    });
}

#[test]
fn reboot_new_pool_with_prealloc_calc() {
    watchdog("reboot_prealloc_calc", || {
        reboot_calc(Pool::builder().capacity(10).prealloc(true));
    });
}

#[test]
fn reboot_new_pool_with_func() {
    watchdog("reboot_new_pool_with_func", || {
        let sum = Arc::new(AtomicUsize::new(0));
        let s = Arc::clone(&sum);
        let pool = taskpool_ants::PoolWithFunc::new(10, move |n: usize| {
            s.fetch_add(n, Ordering::SeqCst);
        });
        pool.invoke(1).unwrap();
        pool.release_timeout(WATCHDOG).unwrap();
        assert_eq!(pool.invoke(5).unwrap_err().into_inner(), 5);
        pool.reboot();
        pool.invoke(2).unwrap();
        pool.wait_idle();
        assert_eq!(sum.load(Ordering::SeqCst), 3);
    });
}

#[test]
fn reboot_on_open_pool_does_nothing() {
    let pool = Pool::new(1);
    pool.reboot();
    assert!(!pool.is_closed());
    pool.submit(|| ()).unwrap();
}
