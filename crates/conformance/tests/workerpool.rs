//! Strategy-specific checks for taskpool-workerpool, with the suite's
//! `Probe`: idle reaping really ends the worker threads (seen by the threads
//! themselves, not the pool's counters), down to zero, with a driven clock and
//! with the real one; the cap holds while workers are reaped and restarted;
//! and the non-default configurations (bounded queue that blocks or rejects,
//! a short idle timeout) pass the whole suite too.

use std::thread;
use std::time::Duration;

use taskpool::{Admission, TaskPool};
use taskpool_conformance::{run_with_watchdog, verify_build, Config, Probe};
use taskpool_workerpool::{FullPolicy, ManualClock, WorkerPool};

const WATCHDOG: Duration = Duration::from_secs(60);

#[test]
fn reaping_with_a_driven_clock_ends_every_worker_thread() {
    run_with_watchdog("driven reaping", WATCHDOG, || {
        let probe = Probe::new();
        probe.exclude_current_thread();
        let clock = ManualClock::new();
        let period = Duration::from_secs(2);
        let pool = WorkerPool::builder()
            .capacity(4)
            .idle_timeout(period)
            .clock(clock.clone())
            .build()
            .unwrap();
        probe.occupy_workers(&pool, 4).unwrap();
        assert_eq!(probe.threads().len(), 4);
        for left in (0..4).rev() {
            clock.advance(period);
            assert!(
                probe.wait_until(WATCHDOG, |p| p.live_threads().len() == left),
                "after a period, {left} worker thread(s) should be alive; alive: {:?}",
                probe.live_threads()
            );
        }
        // Zero threads, the pool not stopped and still usable.
        assert_eq!(pool.stats().workers, 0);
        assert!(!pool.is_stopped());
        pool.submit_wait(probe.task(|| {})).unwrap();
        pool.stop_wait();
        probe.wait_threads_exited(WATCHDOG).unwrap();
    });
}

#[test]
fn an_idle_pool_drops_to_zero_threads_on_the_real_clock() {
    run_with_watchdog("real-clock reaping", WATCHDOG, || {
        let probe = Probe::new();
        probe.exclude_current_thread();
        let pool = WorkerPool::builder()
            .capacity(3)
            .idle_timeout(Duration::from_millis(5))
            .build()
            .unwrap();
        probe.occupy_workers(&pool, 3).unwrap();
        // Without any stop: the threads themselves exit.
        probe.wait_threads_exited(WATCHDOG).unwrap();
        assert_eq!(pool.stats().workers, 0);
        assert!(!pool.is_stopped());
    });
}

#[test]
fn the_cap_holds_while_workers_are_reaped_and_restarted() {
    run_with_watchdog("cap under reaping", WATCHDOG, || {
        let probe = Probe::new();
        let clock = ManualClock::new();
        let period = Duration::from_millis(10);
        let pool = WorkerPool::builder()
            .capacity(3)
            .idle_timeout(period)
            .clock(clock.clone())
            .build()
            .unwrap();
        let ticker = {
            let clock = clock.clone();
            thread::spawn(move || {
                for _ in 0..300 {
                    clock.advance(period);
                }
            })
        };
        for round in 0..300 {
            for _ in 0..(round % 7) {
                pool.submit(probe.task(thread::yield_now)).unwrap();
            }
            if round % 5 == 0 {
                pool.wait_idle();
            }
        }
        ticker.join().unwrap();
        pool.stop_wait();
        assert!(
            probe.max_concurrency() <= 3,
            "cap 3 exceeded: {}",
            probe.max_concurrency()
        );
        assert_eq!(probe.started(), probe.finished());
        probe.wait_threads_exited(WATCHDOG).unwrap();
    });
}

#[test]
fn bounded_blocking_configuration_passes_the_suite() {
    let config = Config::from_env();
    let summary = verify_build(
        |capacity| {
            Ok(Box::new(
                WorkerPool::builder()
                    .capacity(capacity)
                    .max_queued(2)
                    .when_full(FullPolicy::Block)
                    .build()?,
            ) as Box<dyn TaskPool>)
        },
        Admission::Block,
        &config,
    )
    .unwrap_or_else(|v| panic!("workerpool, bounded blocking:\n{v}"));
    println!("workerpool bounded block: {summary}");
}

#[test]
fn bounded_rejecting_configuration_passes_the_suite() {
    let config = Config::from_env();
    let summary = verify_build(
        |capacity| {
            Ok(Box::new(
                WorkerPool::builder()
                    .capacity(capacity)
                    .max_queued(1)
                    .when_full(FullPolicy::Reject)
                    .build()?,
            ) as Box<dyn TaskPool>)
        },
        Admission::Reject,
        &config,
    )
    .unwrap_or_else(|v| panic!("workerpool, bounded rejecting:\n{v}"));
    println!("workerpool bounded reject: {summary}");
}

#[test]
fn constant_reaping_configuration_passes_the_suite() {
    // A 1 ms idle timeout: workers are retired and restarted throughout the
    // generated scripts.
    let config = Config::from_env();
    let summary = verify_build(
        |capacity| {
            Ok(Box::new(
                WorkerPool::builder()
                    .capacity(capacity)
                    .idle_timeout(Duration::from_millis(1))
                    .build()?,
            ) as Box<dyn TaskPool>)
        },
        Admission::Queue,
        &config,
    )
    .unwrap_or_else(|v| panic!("workerpool, constant reaping:\n{v}"));
    println!("workerpool constant reaping: {summary}");
}
