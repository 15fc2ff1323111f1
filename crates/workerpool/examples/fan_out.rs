//! Bounded fan-out with back-pressure: a fast producer fans 2,000 jobs out to
//! 4 workers, and `submit` blocks whenever 16 jobs are already waiting, so the
//! producer runs at the speed of the workers instead of filling memory.
//!
//! `cargo run -p taskpool-workerpool --example fan_out`
//!
//! It also shows the non-blocking variant: `try_submit` hands a refused job
//! straight back (a `SubmitError` of kind `Overloaded`) for the caller to retry or shed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use taskpool_workerpool::{FullPolicy, WorkerPool};

fn work(n: u64) -> u64 {
    // A little arithmetic so jobs take a moment.
    (0..2_000).fold(n, |acc, i| {
        acc.wrapping_mul(6364136223846793005).wrapping_add(i)
    })
}

fn main() {
    let pool = WorkerPool::builder()
        .capacity(4)
        .max_queued(16)
        .when_full(FullPolicy::Block)
        .build()
        .expect("valid configuration");
    let done = Arc::new(AtomicUsize::new(0));
    let mut most_waiting = 0;
    for n in 0..2_000u64 {
        let done = Arc::clone(&done);
        // Blocks while 16 jobs wait: that is the back-pressure.
        pool.submit(move || {
            std::hint::black_box(work(n));
            done.fetch_add(1, Ordering::Relaxed);
        })
        .expect("the pool is running");
        most_waiting = most_waiting.max(pool.waiting_queue_size());
    }
    pool.wait_idle();
    println!(
        "blocking submit: {} jobs done, never more than {most_waiting} waiting (bound 16)",
        done.load(Ordering::Relaxed)
    );
    assert!(most_waiting <= 16);

    // Shedding instead of waiting: refuse when full, retry a little later.
    let (mut shed_retries, mut accepted) = (0, 0);
    for n in 0..500u64 {
        let mut job: taskpool::Task = Box::new(move || {
            std::hint::black_box(work(n));
        });
        loop {
            match pool.try_submit(job) {
                Ok(()) => {
                    accepted += 1;
                    break;
                }
                Err(refused) if refused.is_overloaded() => {
                    shed_retries += 1;
                    job = refused.into_task(); // the job is handed back intact
                    std::thread::sleep(Duration::from_micros(50));
                }
                Err(other) => panic!("unexpected: {other}"),
            }
        }
    }
    pool.stop_wait();
    println!("try_submit: {accepted} jobs accepted after {shed_retries} refusals while full");
}
