//! W9 of `docs/workloads.md`: memory per queued task. Two workers are blocked,
//! then 1,000,000 trivial tasks are submitted and wait in the queue; the growth
//! of the process's peak resident set, divided by the task count, is the cost
//! of one queued task (the pool's queue slot plus the boxed closure).
//!
//! `cargo run --release -p taskpool-workerpool --example queued_memory [arc|zst]`
//!
//! `arc` (default) queues closures that capture an `Arc` (8-byte boxes, as in
//! W1); `zst` queues closures that capture nothing (no allocation per task),
//! which shows the pool's own share. Linux only (reads `/proc/self/status`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use taskpool_workerpool::WorkerPool;

const TASKS: usize = 1_000_000;

static RAN: AtomicUsize = AtomicUsize::new(0);

/// Peak resident set size in bytes (`VmHWM`).
fn peak_rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM line");
    let kib: usize = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("VmHWM value");
    kib * 1024
}

fn main() {
    let zst = std::env::args().nth(1).as_deref() == Some("zst");
    let pool = WorkerPool::new(2);
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = Arc::new(std::sync::Mutex::new(release_rx));
    let (started_tx, started_rx) = mpsc::channel();
    for _ in 0..2 {
        let (rx, started) = (Arc::clone(&release_rx), started_tx.clone());
        pool.submit(move || {
            started.send(()).unwrap();
            let _ = rx.lock().unwrap().recv();
        })
        .unwrap();
    }
    for _ in 0..2 {
        started_rx.recv().unwrap();
    }
    let counter = Arc::new(AtomicUsize::new(0));
    let before = peak_rss();
    for _ in 0..TASKS {
        if zst {
            pool.submit(|| {
                RAN.fetch_add(1, Ordering::Relaxed);
            })
            .unwrap();
        } else {
            let counter = Arc::clone(&counter);
            pool.submit(move || {
                counter.fetch_add(1, Ordering::Relaxed);
            })
            .unwrap();
        }
    }
    // Wait until the dispatcher has moved everything into its queue.
    while pool.stats().waiting < TASKS {
        std::thread::yield_now();
    }
    let after = peak_rss();
    drop(release_tx);
    pool.stop_wait();
    let ran = counter.load(Ordering::Relaxed) + RAN.load(Ordering::Relaxed);
    assert_eq!(ran, TASKS);
    let per_task = (after - before) as f64 / TASKS as f64;
    println!(
        "W9 queued memory ({} closures): {per_task:.1} bytes per queued task (peak RSS +{} KiB for {TASKS} tasks)",
        if zst { "zero-sized" } else { "Arc-capturing" },
        (after - before) / 1024
    );
}
