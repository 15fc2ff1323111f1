//! Loom models of [`InlinePool`](crate::InlinePool)'s shutdown: a task
//! running on another thread is waited for, and a stop never misses its end.
//!
//! Run with `cargo xtask loom --crate taskpool`.

use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::Arc;
use loom::thread;

use crate::{InlinePool, TaskPool};

/// `stop` on one thread while another submits: either the submit is refused,
/// or its task has finished when `stop` returns (rules 3 and 4).
#[test]
fn stop_waits_for_a_task_running_on_another_thread() {
    loom::model(|| {
        let pool = InlinePool::new();
        let ran = Arc::new(AtomicBool::new(false));
        let submitter = {
            let (pool, ran) = (pool.clone(), Arc::clone(&ran));
            thread::spawn(move || {
                pool.submit(Box::new(move || ran.store(true, Ordering::SeqCst)))
                    .is_ok()
            })
        };
        pool.stop();
        let ran_at_return = ran.load(Ordering::SeqCst);
        let accepted = submitter.join().unwrap();
        assert_eq!(ran_at_return, accepted);
    });
}
