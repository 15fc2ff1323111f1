//! Unit tests of the private pieces: the interrupt signal, and the
//! subscriptions behind `CancelToken` and `ManualClock`.

use std::time::Duration;

use taskpool_utils::clock::Clock;
use taskpool_utils::sync::{Arc, AtomicUsize, Ordering};

use crate::{CancelToken, Interrupt, ManualClock};

fn get(c: &AtomicUsize) -> usize {
    c.load(Ordering::SeqCst)
}

#[test]
fn interrupt_runs_each_callback_once_then_immediately_for_late_ones() {
    let interrupt = Interrupt::new();
    let c = Arc::new(AtomicUsize::new(0));
    for _ in 0..2 {
        let c = Arc::clone(&c);
        interrupt.on_interrupt(move || {
            c.fetch_add(1, Ordering::SeqCst);
        });
    }
    assert_eq!(get(&c), 0);
    interrupt.fire();
    interrupt.fire();
    assert_eq!(get(&c), 2, "each callback ran once");
    let late = Arc::clone(&c);
    interrupt.on_interrupt(move || {
        late.fetch_add(10, Ordering::SeqCst);
    });
    assert_eq!(
        get(&c),
        12,
        "a callback registered after the fire runs at once"
    );
    assert!(interrupt.is_interrupted());
}

#[test]
fn a_finished_job_is_never_interrupted_and_drops_its_callbacks() {
    let interrupt = Interrupt::new();
    let c = Arc::new(AtomicUsize::new(0));
    let held = Arc::clone(&c);
    interrupt.on_interrupt(move || {
        held.fetch_add(1, Ordering::SeqCst);
    });
    assert_eq!(Arc::strong_count(&c), 2);
    interrupt.finish();
    assert_eq!(Arc::strong_count(&c), 1, "the callback was dropped");
    interrupt.fire();
    assert!(!interrupt.is_interrupted());
    let late = Arc::clone(&c);
    interrupt.on_interrupt(move || {
        late.fetch_add(1, Ordering::SeqCst);
    });
    assert_eq!(get(&c), 0);
    assert_eq!(Arc::strong_count(&c), 1);
}

#[test]
fn a_panicking_callback_does_not_reach_the_firing_thread() {
    let interrupt = Interrupt::new();
    interrupt.on_interrupt(|| panic!("callback panics"));
    interrupt.fire();
    assert!(interrupt.is_interrupted());
}

#[test]
fn cancel_wakes_subscribers_once() {
    let token = CancelToken::new();
    let c = Arc::new(AtomicUsize::new(0));
    let subscription = {
        let c = Arc::clone(&c);
        token.subscribe(move || {
            c.fetch_add(1, Ordering::SeqCst);
        })
    };
    let clone = token.clone();
    clone.cancel();
    token.cancel();
    assert_eq!(get(&c), 1);
    assert!(token.is_cancelled());
    drop(subscription);
    assert_eq!(Arc::strong_count(&c), 1, "unsubscribing drops the hook");
}

#[test]
fn the_manual_clock_face_counts_its_sleepers() {
    // The clock itself (advance, saturation, hooks) is tested in
    // taskpool-utils; this is the face tunny's tests rely on.
    let clock = ManualClock::new();
    let subscription = Clock::Manual(clock.time.clone())
        .subscribe(|| ())
        .expect("a manual clock notifies");
    assert_eq!(clock.sleepers(), 1);
    clock.advance(Duration::from_millis(7));
    assert_eq!(clock.elapsed(), Duration::from_millis(7));
    drop(subscription);
    assert_eq!(clock.sleepers(), 0);
    assert!(format!("{clock:?}").contains("elapsed"));
}
