//! Loom models of the [`Completion`] hand-off (no polling under loom, so
//! every model exercises registration and parking).
//!
//! The waiter is always a spawned thread and the main thread only sets and
//! joins: loom treats an unpark that reaches a thread blocked in `join` as a
//! broken notification, and a setter's unpark may legitimately arrive after
//! its waiter stopped waiting.

use loom::sync::Arc;
use loom::thread;

use super::Completion;

#[test]
fn a_waiter_always_gets_the_value() {
    loom::model(|| {
        let slot = Arc::new(Completion::new());
        let waiter = Arc::clone(&slot);
        let t = thread::spawn(move || waiter.wait());
        slot.set(1u8);
        assert_eq!(t.join().unwrap(), 1);
    });
}

#[test]
fn a_waiter_that_registered_before_still_gets_the_value() {
    // A wait that timed out leaves the slot PARKED with the waiter's handle
    // (under loom a deadline wait is a plain wait, so the model registers by
    // hand); the next wait finds PARKED and only re-registers.
    loom::model(|| {
        let slot = Arc::new(Completion::new());
        let waiter = Arc::clone(&slot);
        let t = thread::spawn(move || {
            waiter.register();
            waiter.wait()
        });
        slot.set(2u8);
        assert_eq!(t.join().unwrap(), 2);
    });
}
