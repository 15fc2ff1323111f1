//! Mirrors upstream's TestMultiPool: accounting across pools and per index,
//! index errors, release_timeout then Stopped, reboot, both strategies.

use std::time::Duration;

use taskpool_ants::{LoadBalancing, MultiPool, Pool, TaskPool};
use taskpool_conformance::testkit::{watchdog, Latch, WATCHDOG};

fn exercise(mp: &MultiPool) {
    let latch = Latch::new();
    for _ in 0..50 {
        let g = latch.clone();
        mp.submit(move || g.wait()).unwrap();
    }
    assert_eq!(mp.waiting(), 0);
    assert_eq!(mp.running(), 50);
    assert_eq!(mp.free(), Some(0));
    assert_eq!(mp.cap(), Some(50));
    assert!(!mp.is_closed());
    for i in 0..10 {
        assert_eq!(mp.waiting_at(i), Ok(0));
        assert_eq!(mp.running_at(i), Ok(5), "pool {i} got its share");
        assert_eq!(mp.free_at(i), Ok(Some(0)));
    }
    for bad in [10, 11, usize::MAX] {
        assert_eq!(mp.running_at(bad).unwrap_err().index(), bad);
        assert!(mp.waiting_at(bad).is_err());
        assert!(mp.free_at(bad).is_err());
        assert!(mp.pool(bad).is_none());
    }
    // Full everywhere: a nonblocking try is refused.
    assert!(mp.try_submit(|| ()).unwrap_err().is_overloaded());

    latch.open();
    mp.release_timeout(WATCHDOG).unwrap();
    assert!(mp.is_closed());
    assert!(mp.submit(|| ()).unwrap_err().is_stopped());
    assert_eq!(mp.running(), 0);
    assert_eq!(mp.workers(), 0);
}

#[test]
fn multi_pool() {
    watchdog("multi_pool", || {
        assert!(MultiPool::with_builder(
            0,
            Pool::builder().capacity(10),
            LoadBalancing::RoundRobin
        )
        .is_err());
        assert!(MultiPool::with_builder(
            10,
            Pool::builder().capacity(0),
            LoadBalancing::RoundRobin
        )
        .is_err());
        assert!(MultiPool::with_builder(
            10,
            Pool::builder().expiry(Duration::ZERO),
            LoadBalancing::RoundRobin
        )
        .is_err());

        for strategy in [LoadBalancing::RoundRobin, LoadBalancing::LeastTasks] {
            let mp = MultiPool::new(10, 5, strategy);
            assert_eq!(mp.strategy(), strategy);
            exercise(&mp);
            mp.reboot();
            exercise(&mp);
            mp.reboot();
            mp.tune(10).unwrap();
            assert_eq!(mp.cap(), Some(100));
            assert!(mp.tune(0).is_err());
        }
    });
}

#[test]
fn multi_pool_round_robin_refuses_only_when_every_pool_is_full() {
    watchdog("multi_pool_fallback", || {
        let builder = Pool::builder().capacity(1).nonblocking(true);
        let mp = MultiPool::with_builder(2, builder, LoadBalancing::RoundRobin).unwrap();
        let latch = Latch::new();
        let g = latch.clone();
        mp.submit(move || g.wait()).unwrap(); // pool 0
        let g = latch.clone();
        // Pool 1, directly. Next in turn is pool 1 (full); pool 0 is full too.
        mp.pool(1).unwrap().submit(move || g.wait()).unwrap();
        assert!(mp.submit(|| ()).unwrap_err().is_overloaded());
        latch.open();
        mp.wait_idle();
        // Round-robin now points at pool 0 again; both are free.
        mp.submit(|| ()).unwrap();
        mp.wait_idle();
        assert_eq!(mp.stats().completed, 3);
    });
}

#[test]
fn multi_pool_passes_a_full_pool_by_instead_of_waiting() {
    watchdog("multi_pool_pass_by", || {
        for strategy in [LoadBalancing::RoundRobin, LoadBalancing::LeastTasks] {
            let mp = MultiPool::new(2, 1, strategy);
            let latch = Latch::new();
            let g = latch.clone();
            // Pool 0 is full; round-robin's first turn is pool 0 all the same.
            mp.pool(0).unwrap().submit(move || g.wait()).unwrap();
            let (tx, rx) = std::sync::mpsc::channel();
            // Upstream would wait on pool 0 until the latch opens; this must
            // run on pool 1 while pool 0 is still blocked.
            mp.submit(move || tx.send(()).unwrap()).unwrap();
            rx.recv_timeout(WATCHDOG)
                .expect("the task ran on the free pool while the other was full");
            assert_eq!(mp.running_at(0), Ok(1), "{strategy:?}");
            // Both full: a try is refused and hands the task back.
            let g = latch.clone();
            mp.pool(1).unwrap().submit(move || g.wait()).unwrap();
            assert!(mp.try_submit(|| ()).unwrap_err().is_overloaded());
            latch.open();
            mp.wait_idle();
            assert_eq!(mp.stats().completed, 3, "{strategy:?}");
        }
    });
}

#[test]
fn multi_pool_as_task_pool() {
    watchdog("multi_pool_task_pool", || {
        let mp = MultiPool::new(2, 2, LoadBalancing::LeastTasks);
        let pool: &dyn TaskPool = &mp;
        assert_eq!(pool.name(), "ants-multi");
        for _ in 0..20 {
            pool.submit(Box::new(|| ())).unwrap();
        }
        pool.stop_wait();
        assert!(pool.is_stopped());
        assert_eq!(pool.stats().completed, 20);
        assert_eq!(pool.stats().workers, 0);
    });
}
