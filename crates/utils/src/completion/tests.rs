//! Behaviour of [`Completion`] on real threads.

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use super::Completion;

#[test]
fn set_before_wait_is_taken_without_parking() {
    let slot = Completion::new();
    assert!(!slot.is_set());
    slot.set("ready");
    assert!(slot.is_set());
    assert_eq!(slot.wait(), "ready");
}

#[test]
fn take_is_none_until_set_and_once_after() {
    let slot = Completion::new();
    assert_eq!(slot.take(), None);
    slot.set(7);
    assert_eq!(slot.take(), Some(7));
    assert_eq!(slot.take(), None);
}

#[test]
fn a_parked_waiter_is_woken() {
    let slot = Arc::new(Completion::new());
    let setter = Arc::clone(&slot);
    let t = thread::spawn(move || {
        // Long past the poll budget: the waiter has parked by now.
        thread::sleep(Duration::from_millis(50));
        setter.set(5u64);
    });
    assert_eq!(slot.wait(), 5);
    t.join().unwrap();
}

#[test]
fn a_deadline_that_passes_returns_none_and_a_later_wait_on_another_thread_gets_the_value() {
    let slot = Arc::new(Completion::new());
    assert_eq!(
        slot.wait_deadline(Instant::now() + Duration::from_millis(5)),
        None
    );
    // The first waiter registered and timed out; a second thread waits now.
    let waiter_slot = Arc::clone(&slot);
    let waiter = thread::spawn(move || waiter_slot.wait());
    thread::sleep(Duration::from_millis(20));
    slot.set(String::from("late"));
    assert_eq!(waiter.join().unwrap(), "late");
}

#[test]
fn a_deadline_in_the_past_still_takes_a_set_value() {
    let slot = Completion::new();
    slot.set(1);
    assert_eq!(slot.wait_deadline(Instant::now()), Some(1));
}

#[test]
fn many_round_trips_between_two_threads_lose_nothing() {
    // Alternating short and long gaps drive both the polled and the parked
    // path; a lost wake-up hangs here.
    for i in 0..2_000u32 {
        let slot = Arc::new(Completion::new());
        let setter = Arc::clone(&slot);
        let t = thread::spawn(move || {
            if i % 50 == 0 {
                thread::sleep(Duration::from_micros(200));
            }
            setter.set(i);
        });
        assert_eq!(slot.wait(), i);
        t.join().unwrap();
    }
}
