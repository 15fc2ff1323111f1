//! Unit tests of the entry points: the watchdog, the report types, and
//! `verify` on a pool that is not capacity-bounded.

use std::time::{Duration, Instant};

use taskpool::{Admission, InlinePool};

use crate::watchdog::{watch, Watched};
use crate::{verify_with, Config, Property, Rule};

#[test]
fn the_watchdog_gives_up_on_a_hung_body_and_leaks_it() {
    let started = Instant::now();
    let (_keep, parked) = std::sync::mpsc::channel::<()>();
    let outcome = watch("test-hang", Duration::from_millis(50), move || {
        // Blocks until the sender is dropped, i.e. past the watchdog.
        let _ = parked.recv();
    });
    assert!(matches!(outcome, Watched::Hung));
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn the_watchdog_reports_a_panic_as_a_value() {
    let outcome = watch("test-panic", Duration::from_secs(60), || -> u8 {
        std::panic::resume_unwind(Box::new("boom"))
    });
    match outcome {
        Watched::Panicked(msg) => assert_eq!(msg, "boom"),
        other => panic!("expected a panic, got {other:?}"),
    }
}

#[test]
fn rules_are_numbered_as_in_the_design() {
    let numbered: Vec<u8> = Rule::ALL.iter().filter_map(|r| r.number()).collect();
    assert_eq!(numbered, (1..=9).collect::<Vec<u8>>());
    assert!(Rule::Capacity.to_string().starts_with("rule 1 ("));
}

#[test]
fn an_unbounded_pool_is_caught_breaking_the_capacity_rule() {
    // InlinePool runs each task on its submitter: with several submitters it
    // runs more tasks at once than the capacity it was asked for.
    let config = Config::default()
        .with_cases(200)
        .with_seed(7)
        .with_properties(&[Property::Capacity]);
    let violation = verify_with(|_| Box::new(InlinePool::new()), Admission::Queue, &config)
        .expect_err("InlinePool ignores the capacity");
    assert_eq!(violation.rule, Rule::Capacity);
    assert_eq!(violation.property, Some(Property::Capacity));
    assert_eq!(violation.pool, "inline");
    assert_eq!(violation.seed, 7);
    let shown = violation.to_string();
    assert!(shown.contains("rule 1"), "{shown}");
    assert!(shown.contains("minimal script: Script {"), "{shown}");
}
