//! Strategy-specific checks for taskpool-tunny, with the suite's `Probe`:
//! the cap holds across `set_size` (grow and shrink, with submitters
//! blocked), retired worker threads have really exited when `set_size` and
//! `close` return, and the typed `Pool<W>` keeps the same guarantees as its
//! `TaskPool` face.

use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use taskpool::{Admission, TaskPool};
use taskpool_conformance::{run_with_watchdog, verify_build, Config, Probe};
use taskpool_tunny::{Interrupt, Pool, Worker};

const WATCHDOG: Duration = Duration::from_secs(60);

fn spin(n: u32) {
    let mut x = 0x2545_f491u32;
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
    }
    std::hint::black_box(x);
}

#[test]
fn the_callback_pool_passes_the_suite_from_its_own_builder() {
    let config = Config::from_env();
    let summary = verify_build(
        |capacity| {
            Ok(Box::new(Pool::callback_builder().capacity(capacity).build()?) as Box<dyn TaskPool>)
        },
        Admission::Block,
        &config,
    )
    .unwrap_or_else(|v| panic!("{v}"));
    assert_eq!(summary.pool, "tunny");
}

#[test]
fn the_cap_follows_set_size_with_submitters_blocked() {
    run_with_watchdog("cap across set_size", WATCHDOG, || {
        let pool = Arc::new(Pool::callback(4));
        for n in [4, 1, 3, 2, 1, 4, 2] {
            pool.set_size(n).unwrap();
            let probe = Probe::new();
            let submitters: Vec<_> = (0..4)
                .map(|_| {
                    let (pool, probe) = (Arc::clone(&pool), probe.clone());
                    thread::spawn(move || {
                        probe.exclude_current_thread();
                        for i in 0..60 {
                            pool.submit(probe.task(move || spin(200 + i * 10))).unwrap();
                        }
                    })
                })
                .collect();
            for s in submitters {
                s.join().unwrap();
            }
            pool.wait_idle();
            assert_eq!(probe.finished(), 240);
            assert!(
                probe.max_concurrency() <= n,
                "size {n}: {} tasks ran at once",
                probe.max_concurrency()
            );
        }
    });
}

#[test]
fn retired_threads_have_exited_when_set_size_and_close_return() {
    run_with_watchdog("thread exit on shrink", WATCHDOG, || {
        let pool = Pool::callback(3);
        let probe = Probe::new();
        probe.exclude_current_thread();
        // Make every worker run a task: three tasks that wait for each other.
        let barrier = Arc::new(std::sync::Barrier::new(3));
        let (tx, rx) = mpsc::channel();
        for _ in 0..3 {
            let (barrier, tx) = (Arc::clone(&barrier), tx.clone());
            pool.submit(probe.task(move || {
                barrier.wait();
                tx.send(()).unwrap();
            }))
            .unwrap();
        }
        for _ in 0..3 {
            rx.recv().unwrap();
        }
        pool.wait_idle();
        assert_eq!(probe.threads().len(), 3);
        pool.set_size(1).unwrap();
        // No grace period: set_size joined the retired threads.
        assert_eq!(probe.live_threads().len(), 1);
        pool.stop_wait();
        assert!(
            probe.live_threads().is_empty(),
            "{:?}",
            probe.live_threads()
        );
    });
}

/// A typed worker instrumented with the probe.
struct Probed {
    probe: Probe,
}

impl Worker for Probed {
    type Input = u32;
    type Output = u32;
    fn process(&mut self, n: u32, _: &Interrupt) -> u32 {
        let _running = self.probe.enter();
        spin(n);
        n
    }
}

#[test]
fn the_typed_pool_keeps_the_cap_and_its_threads_exit_on_close() {
    run_with_watchdog("typed pool", WATCHDOG, || {
        const WORKERS: usize = 3;
        let probe = Probe::new();
        let pool = {
            let probe = probe.clone();
            Pool::new(WORKERS, move || Probed {
                probe: probe.clone(),
            })
        };
        let callers: Vec<_> = (0..8)
            .map(|t| {
                let (pool, probe) = (pool.clone(), probe.clone());
                thread::spawn(move || {
                    probe.exclude_current_thread();
                    for i in 0..100 {
                        let n = 100 + t * 7 + i;
                        assert_eq!(pool.process(n), Ok(n));
                    }
                })
            })
            .collect();
        for c in callers {
            c.join().unwrap();
        }
        assert_eq!(probe.finished(), 800);
        assert!(probe.max_concurrency() <= WORKERS);
        pool.close();
        assert!(
            probe.live_threads().is_empty(),
            "{:?}",
            probe.live_threads()
        );
    });
}
