//! Graceful shutdown on Ctrl-C: stop taking new work, finish what was
//! accepted, and exit; a second Ctrl-C drops the queued work instead.
//!
//! `cargo run -p taskpool-workerpool --example graceful_shutdown`
//!
//! So that it runs unattended (and in CI) without a signal-handling
//! dependency, the "Ctrl-C presses" come from a thread that sets the same
//! flag a signal handler would: after 200 ms, and once more 100 ms later with `--twice`. In a
//! real program, set `INTERRUPTS` from the handler (for example with the
//! `ctrlc` crate: `ctrlc::set_handler(|| { INTERRUPTS.fetch_add(1, SeqCst); })`).

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use taskpool_workerpool::WorkerPool;

/// Ctrl-C presses so far; what a signal handler would increment.
static INTERRUPTS: AtomicUsize = AtomicUsize::new(0);

fn main() {
    let twice = std::env::args().any(|a| a == "--twice");
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(200));
        println!("^C (stop accepting, finish the accepted jobs)");
        INTERRUPTS.fetch_add(1, SeqCst);
        if twice {
            thread::sleep(Duration::from_millis(100));
            println!("^C again (drop the queued jobs)");
            INTERRUPTS.fetch_add(1, SeqCst);
        }
    });

    let pool = WorkerPool::new(4);
    let finished = Arc::new(AtomicUsize::new(0));
    let mut accepted = 0;
    // The service loop: keep producing jobs until interrupted.
    while INTERRUPTS.load(SeqCst) == 0 {
        let finished = Arc::clone(&finished);
        pool.submit(move || {
            thread::sleep(Duration::from_millis(20)); // a job of work
            finished.fetch_add(1, SeqCst);
        })
        .expect("the pool is running");
        accepted += 1;
        thread::sleep(Duration::from_millis(1));
    }
    println!(
        "interrupted: {accepted} jobs accepted, {} waiting",
        pool.waiting_queue_size()
    );

    // Drain, watching for a second interrupt. Nothing is submitted any more,
    // so an empty queue with nothing running means every accepted job ran.
    loop {
        let stats = pool.stats();
        if stats.waiting == 0 && stats.running == 0 {
            pool.stop_wait(); // graceful: nothing left to run; joins the threads
            break;
        }
        if INTERRUPTS.load(SeqCst) > 1 {
            pool.stop(); // impatient: drop the queue, wait for the running jobs
            break;
        }
        thread::sleep(Duration::from_millis(1));
    }
    let finished = finished.load(SeqCst);
    println!("shut down: {finished} of {accepted} accepted jobs finished, no threads left");
    assert_eq!(pool.stats().workers, 0);
    if !twice {
        assert_eq!(
            finished, accepted,
            "a graceful shutdown finishes every accepted job"
        );
    }
}
