//! Mirrors upstream's TestNonblockingSubmit and TestNonblockingSubmitWithFunc:
//! a full nonblocking pool refuses with Overloaded, hands the task back, and
//! accepts again once a worker is free.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use taskpool_ants::{Pool, PoolWithFunc};
use taskpool_conformance::testkit::{watchdog, Latch};

const SIZE: usize = 10;

#[test]
fn nonblocking_submit() {
    watchdog("nonblocking_submit", || {
        let pool = Pool::builder()
            .capacity(SIZE)
            .nonblocking(true)
            .build()
            .unwrap();
        let latch = Latch::new();
        for _ in 0..SIZE {
            let g = latch.clone();
            pool.submit(move || g.wait())
                .expect("a pool with room accepts");
        }
        assert_eq!(pool.running(), SIZE);
        assert_eq!(pool.free(), Some(0));

        // Full: refused at once, and the task comes back intact.
        let ran = Arc::new(AtomicUsize::new(0));
        let r = Arc::clone(&ran);
        let err = pool
            .submit(move || {
                r.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap_err();
        assert!(err.is_overloaded());
        assert_eq!(pool.waiting(), 0, "nonblocking submit never waits");
        err.into_task()();
        assert_eq!(
            ran.load(Ordering::SeqCst),
            1,
            "the handed-back task is the one submitted"
        );

        // Recovery: free the workers and the pool accepts again.
        latch.open();
        pool.wait_idle();
        let r = Arc::clone(&ran);
        pool.submit(move || {
            r.fetch_add(1, Ordering::SeqCst);
        })
        .expect("a worker is free again");
        pool.wait_idle();
        assert_eq!(ran.load(Ordering::SeqCst), 2);
        assert_eq!(pool.stats().completed, SIZE as u64 + 1);
    });
}

#[test]
fn nonblocking_submit_with_func() {
    watchdog("nonblocking_submit_with_func", || {
        let latch = Latch::new();
        let g = latch.clone();
        let pool = Pool::builder()
            .capacity(SIZE)
            .nonblocking(true)
            .build_with_func(move |_: usize| g.wait())
            .unwrap();
        for i in 0..SIZE {
            pool.invoke(i).unwrap();
        }
        let err = pool.invoke(99).unwrap_err();
        assert!(err.is_overloaded());
        assert_eq!(err.into_inner(), 99, "the argument comes back");
        latch.open();
        pool.wait_idle();
        pool.invoke(100).unwrap();
        pool.wait_idle();
        assert_eq!(pool.stats().completed, SIZE as u64 + 1);
    });
}

#[test]
fn try_submit_refuses_on_a_blocking_pool_too() {
    watchdog("try_submit_blocking_pool", || {
        let pool = Pool::new(1);
        let latch = Latch::new();
        let g = latch.clone();
        pool.submit(move || g.wait()).unwrap();
        assert!(pool.try_submit(|| ()).unwrap_err().is_overloaded());
        let func = PoolWithFunc::new(1, |g: Latch| g.wait());
        func.invoke(latch.clone()).unwrap();
        assert!(func.try_invoke(latch.clone()).unwrap_err().is_overloaded());
        latch.open();
    });
}
