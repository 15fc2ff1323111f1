//! Unit tests of the probe: concurrency peaks and thread exits.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use super::Probe;

#[test]
fn counts_the_peak_of_overlapping_tasks() {
    let probe = Probe::new();
    let meet = Arc::new(Barrier::new(3));
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let (probe, meet) = (probe.clone(), Arc::clone(&meet));
            thread::spawn(move || {
                let _running = probe.enter();
                meet.wait();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(probe.max_concurrency(), 3);
    assert_eq!(probe.started(), 3);
    assert_eq!(probe.finished(), 3);
    assert_eq!(probe.running(), 0);
}

#[test]
fn sees_a_thread_exit_only_when_it_has_exited() {
    let probe = Probe::new();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let (ran_tx, ran_rx) = std::sync::mpsc::channel::<()>();
    let task = probe.task(move || ran_tx.send(()).unwrap());
    let worker = thread::spawn(move || {
        task();
        go_rx.recv().unwrap();
    });
    ran_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the task ran");
    assert_eq!(probe.live_threads().len(), 1, "the thread is still parked");
    go_tx.send(()).unwrap();
    worker.join().unwrap();
    assert!(
        probe.live_threads().is_empty(),
        "join waits for thread-local destructors"
    );
    assert_eq!(probe.threads().len(), 1);
    assert!(probe.threads()[0].exited_at.is_some());
}

#[test]
fn excluded_threads_are_not_expected_to_exit() {
    let probe = Probe::new();
    probe.exclude_current_thread();
    probe.task(|| {})();
    assert!(probe.threads().is_empty());
    assert_eq!(probe.finished(), 1);
    assert!(probe.wait_threads_exited(Duration::ZERO).is_ok());
}
