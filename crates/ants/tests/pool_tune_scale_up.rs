//! Mirrors upstream's TestPoolTuneScaleUp: growing the capacity lets one more
//! task in at once and wakes every blocked submitter; plus the shrinking side
//! (lazy: running tasks finish, surplus workers retire, the new bound holds).

use std::sync::Arc;
use std::thread;

use taskpool_ants::{Pool, TuneError};
use taskpool_conformance::testkit::{wait_until, watchdog, Latch, Meter, WATCHDOG};

#[test]
fn pool_tune_scale_up() {
    watchdog("pool_tune_scale_up", || {
        let latch = Latch::new();
        let pool = Pool::new(2);
        for _ in 0..2 {
            let g = latch.clone();
            pool.submit(move || g.wait()).unwrap();
        }
        assert_eq!(pool.running(), 2);

        pool.tune(3).unwrap();
        let g = latch.clone();
        pool.submit(move || g.wait())
            .expect("one more place after tune(3)");
        assert_eq!(pool.running(), 3);

        let submitters: Vec<_> = (0..5)
            .map(|_| {
                let p = pool.clone();
                let g = latch.clone();
                thread::spawn(move || p.submit(move || g.wait()))
            })
            .collect();
        wait_until("five submitters are blocked", || pool.waiting() == 5);
        pool.tune(8).unwrap();
        for s in submitters {
            s.join()
                .unwrap()
                .expect("tune(8) let every blocked submitter in");
        }
        assert_eq!(pool.running(), 8);
        assert_eq!(pool.workers(), 8);
        latch.open();
        pool.release_timeout(WATCHDOG).unwrap();
    });
}

#[test]
fn pool_with_func_tune_scale_up() {
    watchdog("pool_with_func_tune_scale_up", || {
        let latch = Latch::new();
        let pool = taskpool_ants::PoolWithFunc::new(1, |g: Latch| g.wait());
        pool.invoke(latch.clone()).unwrap();
        let p = pool.clone();
        let g = latch.clone();
        let blocked = thread::spawn(move || p.invoke(g).is_ok());
        wait_until("one invoker is blocked", || pool.waiting() == 1);
        pool.tune(2).unwrap();
        assert!(blocked.join().unwrap());
        assert_eq!(pool.running(), 2);
        latch.open();
        pool.release_wait();
    });
}

#[test]
fn tune_down_is_lazy_and_then_binds() {
    watchdog("tune_down_is_lazy", || {
        let meter = Meter::new();
        let pool = Pool::new(4);
        let gates: Vec<Latch> = (0..4).map(|_| Latch::new()).collect();
        for g in &gates {
            let (g, m) = (g.clone(), Arc::clone(&meter));
            pool.submit(move || {
                m.enter();
                g.wait();
                m.exit();
            })
            .unwrap();
        }
        assert_eq!(pool.running(), 4);

        pool.tune(2).unwrap();
        assert_eq!(pool.cap(), Some(2));
        assert_eq!(pool.running(), 4, "shrinking interrupts no running task");
        assert!(pool.try_submit(|| ()).unwrap_err().is_overloaded());

        // One task finishes: 3 still busy, above the new capacity, so the
        // returning worker retires and nothing new may start.
        gates[0].open();
        wait_until("the first worker retired", || pool.workers() == 3);
        assert_eq!(pool.running(), 3);
        assert!(pool.try_submit(|| ()).unwrap_err().is_overloaded());

        gates[1].open();
        gates[2].open();
        wait_until("one task left", || pool.running() == 1);
        // Now one task runs and the capacity is 2: exactly one more fits.
        meter.reset_max();
        let extra = Latch::new();
        let (g, m) = (extra.clone(), Arc::clone(&meter));
        pool.try_submit(move || {
            m.enter();
            g.wait();
            m.exit();
        })
        .expect("one place is free under the new capacity");
        assert!(pool.try_submit(|| ()).unwrap_err().is_overloaded());
        gates[3].open();
        extra.open();
        pool.wait_idle();
        assert!(meter.max() <= 2, "after the shrink at most 2 ran at once");
        assert!(pool.workers() <= 2, "surplus workers retired");
    });
}

#[test]
fn tune_refuses_zero_and_unlimited() {
    let pool = Pool::new(2);
    assert_eq!(pool.tune(0), Err(TuneError::Zero));
    assert_eq!(pool.cap(), Some(2));
    let unlimited = Pool::builder().unlimited().build().unwrap();
    assert_eq!(unlimited.tune(3), Err(TuneError::Unlimited));
    assert_eq!(unlimited.cap(), None);
}

#[test]
fn tune_shrink_stops_surplus_idle_workers_now() {
    watchdog("tune_shrink_idle", || {
        let pool = Pool::builder().capacity(4).purge(false).build().unwrap();
        let latch = Latch::new();
        for _ in 0..4 {
            let g = latch.clone();
            pool.submit(move || g.wait()).unwrap();
        }
        latch.open();
        pool.wait_idle();
        assert_eq!(pool.idle_workers(), 4);
        pool.tune(1).unwrap();
        assert_eq!(pool.idle_workers(), 1);
        wait_until("three idle workers exited", || pool.workers() == 1);
    });
}
