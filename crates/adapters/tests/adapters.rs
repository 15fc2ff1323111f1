//! What the adapters add, on every adapter: capacity 0 refused, the counts,
//! and a shutdown shared by every stop (a stop from inside a task leaves it
//! to the next stop from outside, which waits).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use taskpool::TaskPool;
use taskpool_adapters::Adapter;

#[test]
fn every_adapter_refuses_capacity_zero_and_counts_what_ran() {
    for &adapter in Adapter::ALL {
        assert!(adapter.build(0).is_err(), "{}", adapter.name());
        let pool = adapter.build(2).unwrap();
        assert_eq!(pool.name(), adapter.name());
        pool.submit_wait(Box::new(|| {})).unwrap();
        pool.submit(Box::new(|| {})).unwrap();
        pool.stop_wait();
        assert!(pool.is_stopped(), "{}", adapter.name());
        assert_eq!(pool.stats().completed, 2, "{}", adapter.name());
        assert!(pool.submit(Box::new(|| {})).unwrap_err().is_stopped());
    }
}

#[test]
fn a_stop_from_inside_a_task_leaves_the_wait_to_the_next_stop_from_outside() {
    for &adapter in Adapter::ALL {
        let pool: Arc<Box<dyn TaskPool>> = Arc::new(adapter.build(1).unwrap());
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let (stopped_tx, stopped_rx) = mpsc::channel();
        let inner = Arc::clone(&pool);
        pool.submit(Box::new(move || {
            go_rx.recv().unwrap();
            inner.stop();
            stopped_tx.send(()).unwrap();
        }))
        .unwrap();
        // Queued behind the stopping task, accepted before any stop.
        let ran = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&ran);
        pool.submit(Box::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        }))
        .unwrap();
        go_tx.send(()).unwrap();
        stopped_rx.recv().unwrap();
        assert!(pool.is_stopped(), "{}", adapter.name());
        // The stop inside did not wait; this one does, for the queued task.
        pool.stop_wait();
        assert_eq!(ran.load(Ordering::SeqCst), 1, "{}", adapter.name());
    }
}
