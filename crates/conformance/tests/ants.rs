//! Strategy-specific checks for taskpool-ants, with the suite's `Probe`: the
//! purge really ends the worker threads (seen by the threads themselves),
//! with a driven clock and with the real one; the cap holds while `tune`
//! races with submitters and after a shrink; and the non-default
//! configurations (nonblocking, pre-allocated ring, constant purging, a
//! `MultiPool`) pass the whole suite too.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use taskpool::{Admission, TaskPool};
use taskpool_ants::{LoadBalancing, ManualClock, MultiPool, Pool};
use taskpool_conformance::{run_with_watchdog, verify_build, Config, Probe};

const WATCHDOG: Duration = Duration::from_secs(60);

#[test]
fn purge_with_a_driven_clock_ends_every_worker_thread() {
    run_with_watchdog("driven purge", WATCHDOG, || {
        let probe = Probe::new();
        probe.exclude_current_thread();
        let clock = ManualClock::new();
        let expiry = Duration::from_secs(1);
        let pool = Pool::builder()
            .capacity(4)
            .expiry(expiry)
            .purge(false)
            .clock(clock.clone())
            .build()
            .unwrap();
        probe.occupy_workers(&pool, 4).unwrap();
        assert_eq!(probe.threads().len(), 4);
        clock.advance(expiry / 2);
        assert_eq!(pool.purge_expired(), 0);
        clock.advance(expiry / 2);
        assert_eq!(pool.purge_expired(), 4);
        probe
            .wait_threads_exited(WATCHDOG)
            .unwrap_or_else(|alive| panic!("purged workers still alive: {alive:?}"));
        // Zero threads, the pool open and usable.
        assert_eq!(pool.stats().workers, 0);
        assert!(!pool.is_stopped());
        pool.submit_wait(probe.task(|| {})).unwrap();
        pool.stop_wait();
        probe.wait_threads_exited(WATCHDOG).unwrap();
    });
}

#[test]
fn an_idle_pool_drops_to_zero_threads_on_the_real_clock() {
    run_with_watchdog("real purge", WATCHDOG, || {
        let probe = Probe::new();
        probe.exclude_current_thread();
        let pool = Pool::builder()
            .capacity(3)
            .expiry(Duration::from_millis(10))
            .build()
            .unwrap();
        probe.occupy_workers(&pool, 3).unwrap();
        probe
            .wait_threads_exited(WATCHDOG)
            .unwrap_or_else(|alive| panic!("idle workers never purged: {alive:?}"));
        assert!(!pool.is_stopped());
        pool.stop_wait();
    });
}

#[test]
fn the_cap_holds_while_tune_races_with_submitters() {
    run_with_watchdog("tune race", WATCHDOG, || {
        let probe = Probe::new();
        probe.exclude_current_thread();
        let pool = Pool::new(2);
        let stop = Arc::new(AtomicBool::new(false));
        let tuner = {
            let (pool, stop) = (pool.clone(), Arc::clone(&stop));
            thread::spawn(move || {
                let mut n = 0usize;
                while !stop.load(Ordering::SeqCst) {
                    pool.tune(1 + n % 4).unwrap();
                    n += 1;
                    thread::yield_now();
                }
                pool.tune(1).unwrap();
            })
        };
        let submitters: Vec<_> = (0..3)
            .map(|_| {
                let (pool, probe) = (pool.clone(), probe.clone());
                thread::spawn(move || {
                    probe.exclude_current_thread();
                    for _ in 0..500 {
                        pool.submit(probe.task(|| {
                            for _ in 0..100 {
                                std::hint::spin_loop();
                            }
                        }))
                        .unwrap();
                    }
                })
            })
            .collect();
        for s in submitters {
            s.join().unwrap();
        }
        stop.store(true, Ordering::SeqCst);
        tuner.join().unwrap();
        pool.wait_idle();
        assert!(
            probe.max_concurrency() <= 4,
            "{} ran at once; the largest capacity set was 4",
            probe.max_concurrency()
        );
        assert_eq!(probe.finished(), 1500);

        // Settled at 1: tasks now run one at a time.
        let after = Probe::new();
        after.exclude_current_thread();
        for _ in 0..50 {
            pool.submit(after.task(|| {})).unwrap();
        }
        pool.stop_wait();
        assert_eq!(after.max_concurrency(), 1);
        assert_eq!(after.finished(), 50);
        probe.wait_threads_exited(WATCHDOG).unwrap();
    });
}

fn suite(
    what: &str,
    admission: Admission,
    build: impl Fn(usize) -> Result<Box<dyn TaskPool>, taskpool::BuildError> + Send + Sync + 'static,
) {
    let config = Config::from_env();
    let summary =
        verify_build(build, admission, &config).unwrap_or_else(|v| panic!("ants, {what}:\n{v}"));
    println!("ants {what}: {summary}");
}

#[test]
fn nonblocking_configuration_passes_the_suite() {
    suite("nonblocking", Admission::Reject, |capacity| {
        Ok(Box::new(
            Pool::builder()
                .capacity(capacity)
                .nonblocking(true)
                .build()?,
        ))
    });
}

#[test]
fn preallocated_ring_configuration_passes_the_suite() {
    suite("prealloc", Admission::Block, |capacity| {
        Ok(Box::new(
            Pool::builder().capacity(capacity).prealloc(true).build()?,
        ))
    });
}

#[test]
fn constant_purging_configuration_passes_the_suite() {
    // A 1 ms expiry: workers are purged and restarted throughout the scripts.
    suite("constant purging", Admission::Block, |capacity| {
        Ok(Box::new(
            Pool::builder()
                .capacity(capacity)
                .expiry(Duration::from_millis(1))
                .build()?,
        ))
    });
}

#[test]
fn multi_pool_passes_the_suite() {
    // One pool of one worker per unit of capacity, balanced by fewest tasks.
    suite("multi-pool", Admission::Block, |capacity| {
        Ok(Box::new(MultiPool::with_builder(
            capacity,
            Pool::builder().capacity(1),
            LoadBalancing::LeastTasks,
        )?))
    });
}
