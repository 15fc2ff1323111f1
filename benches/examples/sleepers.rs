//! Where the time goes when one submitter feeds a pool of sleeping tasks
//! (the shape of the benchmarks' W2): 10,000 tasks that each sleep 1 ms,
//! capacity 100, one submitting thread.
//!
//! A pool with no queue hands every task to a worker at the moment of
//! `submit`, so the submitter has to keep up with the workers: at capacity
//! 100 and 1 ms per task it must place one task about every 11 µs or
//! workers sit idle. This prints, for `ants::Pool` and for the `channel`
//! baseline (100 threads pulling from one crossbeam channel) measured in the
//! same run: the batch time and its efficiency against the ideal
//! (`tasks / capacity` sleeps), how long the `submit` calls took, and how
//! many tasks the ants pool was running, sampled every millisecond.
//!
//! ```text
//! cargo run --release -p taskpool-benches --example sleepers
//! ```
//!
//! Run it on an otherwise idle machine; the figures move with the machine's
//! load (and with how expensive waking a thread is there).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use taskpool::TaskPool;
use taskpool_ants::Pool;
use taskpool_catalog::{build, PoolKind};

const TASKS: usize = 10_000;
const CAPACITY: usize = 100;
const BATCHES: usize = 3;

fn sleeper() {
    thread::sleep(Duration::from_millis(1));
}

/// The `q`-quantile (0.0..=1.0) of `sorted`.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}

/// The median length of `thread::sleep(1 ms)` here.
fn one_sleep() -> Duration {
    let mut v: Vec<Duration> = (0..50)
        .map(|_| {
            let t = Instant::now();
            sleeper();
            t.elapsed()
        })
        .collect();
    v.sort();
    v[v.len() / 2]
}

/// What one batch measured.
struct Batch {
    elapsed: Duration,
    /// Each `submit` call's length, in µs.
    submits: Vec<f64>,
    /// `running()` of `sampled` every millisecond (empty without one).
    running: Vec<usize>,
}

/// One batch on `pool`, sampling `sampled.running()` meanwhile if given.
fn batch(pool: &dyn TaskPool, sampled: Option<Pool>) -> Batch {
    let done = Arc::new(AtomicBool::new(false));
    let sampler = sampled.map(|ants| {
        let done = Arc::clone(&done);
        thread::spawn(move || {
            let mut samples = Vec::new();
            while !done.load(Ordering::Relaxed) {
                samples.push(ants.running());
                thread::sleep(Duration::from_millis(1));
            }
            samples
        })
    });
    let mut submits = Vec::with_capacity(TASKS);
    let start = Instant::now();
    for _ in 0..TASKS {
        let t = Instant::now();
        pool.submit(Box::new(sleeper))
            .expect("an open pool accepts");
        submits.push(t.elapsed().as_secs_f64() * 1e6);
    }
    pool.wait_idle();
    let elapsed = start.elapsed();
    done.store(true, Ordering::Relaxed);
    let running = sampler.map_or_else(Vec::new, |s| s.join().expect("the sampler does not panic"));
    Batch {
        elapsed,
        submits,
        running,
    }
}

fn report(name: &str, batch: &Batch, ideal: Duration) {
    let mut s = batch.submits.clone();
    s.sort_by(f64::total_cmp);
    let total_ms: f64 = s.iter().sum::<f64>() / 1e3;
    let slow_ms: f64 = s.iter().filter(|&&us| us >= 30.0).sum::<f64>() / 1e3;
    println!(
        "{name:>7}: {:>6.1} ms, efficiency {:.3} | submit µs p50 {:.1} p90 {:.1} p99 {:.1}; \
         {:.0} ms in submit calls, {:.0} ms of it in calls of 30 µs or more",
        batch.elapsed.as_secs_f64() * 1e3,
        ideal.as_secs_f64() / batch.elapsed.as_secs_f64(),
        quantile(&s, 0.5),
        quantile(&s, 0.9),
        quantile(&s, 0.99),
        total_ms,
        slow_ms,
    );
    if !batch.running.is_empty() {
        let mut r: Vec<f64> = batch.running.iter().map(|&n| n as f64).collect();
        r.sort_by(f64::total_cmp);
        let full = batch.running.iter().filter(|&&n| n >= CAPACITY).count();
        println!(
            "         running() every ms: min {} p10 {} median {} p90 {}; at capacity in {} of {} samples",
            r[0],
            quantile(&r, 0.1),
            quantile(&r, 0.5),
            quantile(&r, 0.9),
            full,
            r.len()
        );
    }
}

fn main() {
    let sleep = one_sleep();
    let ideal = sleep * (TASKS / CAPACITY) as u32;
    println!(
        "{TASKS} tasks of sleep(1 ms), capacity {CAPACITY}, one submitter; one sleep(1 ms) here \
         takes {:.3} ms, so the ideal batch is {:.1} ms",
        sleep.as_secs_f64() * 1e3,
        ideal.as_secs_f64() * 1e3
    );
    let ants = Pool::new(CAPACITY);
    let channel = build(PoolKind::Channel, CAPACITY).expect("a valid capacity");
    // Warm up: start every thread once.
    batch(&ants, None);
    batch(&*channel, None);
    for i in 1..=BATCHES {
        println!("batch {i}:");
        report("ants", &batch(&ants, Some(ants.clone())), ideal);
        report("channel", &batch(&*channel, None), ideal);
    }
}
