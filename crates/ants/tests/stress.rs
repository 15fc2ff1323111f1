//! Many threads at once: the capacity is never exceeded (also while tune
//! races with submitters), every accepted task runs exactly once, refused
//! tasks never run, and release racing with blocked submitters loses nothing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use taskpool_ants::{LoadBalancing, MultiPool, Pool};
use taskpool_conformance::testkit::{watchdog, Meter, WATCHDOG};

/// Scales every loop; raise it for a soak run.
const SCALE: usize = 1;

fn metered(meter: &Arc<Meter>, spin: usize) -> impl FnOnce() + Send + 'static {
    let m = Arc::clone(meter);
    move || {
        m.enter();
        for _ in 0..spin {
            std::hint::spin_loop();
        }
        m.exit();
    }
}

#[test]
fn many_submitters_never_exceed_the_capacity() {
    watchdog("stress_capacity", || {
        for prealloc in [false, true] {
            let meter = Meter::new();
            let pool = Pool::builder()
                .capacity(3)
                .prealloc(prealloc)
                .build()
                .unwrap();
            let start = Arc::new(Barrier::new(8));
            let submitters: Vec<_> = (0..8)
                .map(|i| {
                    let (pool, meter, start) =
                        (pool.clone(), Arc::clone(&meter), Arc::clone(&start));
                    thread::spawn(move || {
                        start.wait();
                        for _ in 0..1000 * SCALE {
                            pool.submit(metered(&meter, i * 10)).unwrap();
                        }
                    })
                })
                .collect();
            for s in submitters {
                s.join().unwrap();
            }
            pool.wait_idle();
            assert!(
                meter.max() <= 3,
                "ran {} at once with capacity 3",
                meter.max()
            );
            assert_eq!(meter.total(), 8000 * SCALE);
            assert_eq!(pool.stats().completed, 8000 * SCALE as u64);
            assert!(pool.workers() <= 3);
        }
    });
}

#[test]
fn tune_racing_with_submitters() {
    watchdog("stress_tune", || {
        let meter = Meter::new();
        let pool = Pool::new(2);
        let done = Arc::new(AtomicUsize::new(0));
        let submitters: Vec<_> = (0..4)
            .map(|_| {
                let (pool, meter, done) = (pool.clone(), Arc::clone(&meter), Arc::clone(&done));
                thread::spawn(move || {
                    for _ in 0..2000 * SCALE {
                        pool.submit(metered(&meter, 50)).unwrap();
                    }
                    done.fetch_add(1, Ordering::SeqCst);
                })
            })
            .collect();
        let tuner = {
            let pool = pool.clone();
            let done = Arc::clone(&done);
            thread::spawn(move || {
                let mut n = 0usize;
                while done.load(Ordering::SeqCst) < 4 {
                    pool.tune(1 + n % 6).unwrap();
                    n += 1;
                    thread::yield_now();
                }
                pool.tune(2).unwrap();
            })
        };
        for s in submitters {
            s.join().unwrap();
        }
        tuner.join().unwrap();
        pool.wait_idle();
        assert!(meter.max() <= 6, "never above the largest capacity set");
        assert_eq!(meter.total(), 8000 * SCALE);

        // Settled at 2: the bound is 2 again, and surplus workers are gone.
        meter.reset_max();
        let barrier = Arc::new(Barrier::new(4));
        let submitters: Vec<_> = (0..4)
            .map(|_| {
                let (pool, meter, barrier) =
                    (pool.clone(), Arc::clone(&meter), Arc::clone(&barrier));
                thread::spawn(move || {
                    barrier.wait();
                    for _ in 0..500 * SCALE {
                        pool.submit(metered(&meter, 50)).unwrap();
                    }
                })
            })
            .collect();
        for s in submitters {
            s.join().unwrap();
        }
        pool.wait_idle();
        assert!(
            meter.max() <= 2,
            "ran {} at once after tune(2)",
            meter.max()
        );
        assert!(pool.workers() <= 2);
    });
}

#[test]
fn nonblocking_storm_counts_match() {
    watchdog("stress_nonblocking", || {
        let pool = Pool::builder()
            .capacity(2)
            .nonblocking(true)
            .build()
            .unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let submitters: Vec<_> = (0..4)
            .map(|_| {
                let (pool, ran) = (pool.clone(), Arc::clone(&ran));
                thread::spawn(move || {
                    let mut accepted = 0;
                    for _ in 0..5000 * SCALE {
                        let r = Arc::clone(&ran);
                        match pool.submit(move || {
                            r.fetch_add(1, Ordering::SeqCst);
                        }) {
                            Ok(()) => accepted += 1,
                            Err(e) if e.is_overloaded() => {}
                            Err(e) => panic!("unexpected {e:?}"),
                        }
                    }
                    accepted
                })
            })
            .collect();
        let accepted: usize = submitters.into_iter().map(|s| s.join().unwrap()).sum();
        pool.wait_idle();
        assert!(accepted > 0);
        assert_eq!(ran.load(Ordering::SeqCst), accepted);
    });
}

#[test]
fn release_racing_with_blocked_submitters() {
    watchdog("stress_release", || {
        for round in 0..30 * SCALE {
            let pool = Pool::new(2);
            let ran = Arc::new(AtomicUsize::new(0));
            let start = Arc::new(Barrier::new(5));
            let submitters: Vec<_> = (0..4)
                .map(|_| {
                    let (pool, ran, start) = (pool.clone(), Arc::clone(&ran), Arc::clone(&start));
                    thread::spawn(move || {
                        start.wait();
                        let mut accepted = 0;
                        loop {
                            let r = Arc::clone(&ran);
                            match pool.submit(move || {
                                r.fetch_add(1, Ordering::SeqCst);
                            }) {
                                Ok(()) => accepted += 1,
                                Err(e) if e.is_stopped() => return accepted,
                                Err(e) => panic!("unexpected {e:?}"),
                            }
                        }
                    })
                })
                .collect();
            start.wait();
            for _ in 0..round * 100 {
                std::hint::spin_loop();
            }
            pool.release();
            let accepted: usize = submitters.into_iter().map(|s| s.join().unwrap()).sum();
            pool.release_timeout(WATCHDOG).unwrap();
            assert_eq!(ran.load(Ordering::SeqCst), accepted, "round {round}");
            assert_eq!(pool.workers(), 0);
        }
    });
}

#[test]
fn multi_pool_under_contention() {
    watchdog("stress_multi", || {
        for strategy in [LoadBalancing::RoundRobin, LoadBalancing::LeastTasks] {
            let meter = Meter::new();
            let mp = MultiPool::new(2, 1, strategy);
            let submitters: Vec<_> = (0..4)
                .map(|_| {
                    let (mp, meter) = (mp.clone(), Arc::clone(&meter));
                    thread::spawn(move || {
                        for _ in 0..1000 * SCALE {
                            mp.submit(metered(&meter, 10)).unwrap();
                        }
                    })
                })
                .collect();
            for s in submitters {
                s.join().unwrap();
            }
            mp.wait_idle();
            assert!(meter.max() <= 2);
            assert_eq!(mp.stats().completed, 4000 * SCALE as u64);
        }
    });
}
