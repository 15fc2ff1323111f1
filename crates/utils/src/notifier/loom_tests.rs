//! Loom models of the [`Notifier`] protocol.

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::{Arc, Mutex};
use loom::thread;

use super::Notifier;

/// Two tasks finish (an atomic decrement each, then `notify`) while a waiter
/// waits for the count to reach zero: the waiter always returns.
#[test]
fn an_atomic_change_wakes_a_waiter() {
    loom::model(|| {
        let shared = Arc::new((Mutex::new(()), Notifier::new(), AtomicUsize::new(2)));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let s = Arc::clone(&shared);
                thread::spawn(move || {
                    s.2.fetch_sub(1, Ordering::SeqCst);
                    s.1.notify(&s.0);
                })
            })
            .collect();
        let (m, n, left) = &*shared;
        drop(n.wait_until(crate::sync::lock(m), |_| left.load(Ordering::SeqCst) == 0));
        for w in workers {
            w.join().unwrap();
        }
    });
}

/// A change made under the mutex, then notified, wakes a waiter.
#[test]
fn a_change_under_the_mutex_wakes_a_waiter() {
    loom::model(|| {
        let shared = Arc::new((Mutex::new(false), Notifier::new()));
        let s = Arc::clone(&shared);
        let t = thread::spawn(move || {
            *crate::sync::lock(&s.0) = true;
            s.1.notify(&s.0);
        });
        let (m, n) = &*shared;
        drop(n.wait_until(crate::sync::lock(m), |done| *done));
        t.join().unwrap();
    });
}
