//! Loom models of the floor's protocols: a waiter subscribed to a manual
//! clock racing an advance (no wake-up lost), and the worker mark staying on
//! the thread that set it. Run with
//! `RUSTFLAGS="--cfg tp_loom" cargo test -p taskpool-utils --lib --release -- loom_tests`.

use std::time::Duration;

use crate::clock::{Clock, ManualClock};
use crate::sync::{lock, thread, wait, Arc, Condvar, Mutex};
use crate::worker_mark::PoolId;

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(f);
}

/// A waiter with a deadline on a manual clock, the way the pools wait:
/// subscribe a hook that notifies under the waiter's lock, then look at the
/// clock under that lock before every sleep. An advance past the deadline
/// racing all of that must wake it (loom reports a deadlock otherwise).
#[test]
fn loom_tests_an_advance_always_reaches_a_subscribed_waiter() {
    model(|| {
        let manual = ManualClock::new();
        let clock = Clock::Manual(manual.clone());
        let deadline = Duration::from_secs(1);
        let waiter = thread::spawn(move || {
            let state = Arc::new((Mutex::new(()), Condvar::new()));
            let hook_state = Arc::clone(&state);
            let _subscription = clock
                .subscribe(move || {
                    let (lock_, cv) = &*hook_state;
                    drop(lock(lock_));
                    cv.notify_all();
                })
                .expect("a manual clock notifies");
            let (lock_, cv) = &*state;
            let mut guard = lock(lock_);
            while clock.now() < deadline {
                assert_eq!(clock.sleep_for(deadline), None);
                guard = wait(cv, guard);
            }
        });
        manual.advance(deadline);
        waiter.join().unwrap();
        assert_eq!(manual.subscribers(), 0);
    });
}

/// Two advances race: the time is their sum, whatever the order.
#[test]
fn loom_tests_concurrent_advances_add_up() {
    model(|| {
        let clock = ManualClock::new();
        let other = {
            let clock = clock.clone();
            thread::spawn(move || clock.advance(Duration::from_secs(1)))
        };
        clock.advance(Duration::from_secs(2));
        other.join().unwrap();
        assert_eq!(clock.now(), Duration::from_secs(3));
    });
}

/// A mark set on one modelled thread is seen there only.
#[test]
fn loom_tests_the_worker_mark_stays_on_its_thread() {
    model(|| {
        let pool = PoolId::new();
        let worker = thread::spawn(move || {
            pool.mark_current_thread(1);
            pool.current_thread_index()
        });
        assert!(!pool.owns_current_thread());
        assert_eq!(worker.join().unwrap(), Some(1));
        assert!(!pool.owns_current_thread());
    });
}
