//! Unit tests of the entry points: the watchdog, the report types, and
//! `verify` on a pool that is not capacity-bounded.

use std::time::{Duration, Instant};

use taskpool::{Admission, InlinePool};

use crate::watchdog::{watch, Watched};
use crate::{verify_all, Config, Property, Rule};

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
    // It also reports a capacity of its own (1) whatever it was built
    // with, a second broken rule: find-all mode reports both.
    let config = Config::default()
        .with_cases(200)
        .with_seed(7)
        .with_find_all(true)
        .with_properties(&[Property::Capacity]);
    let findings = verify_all(|_| InlinePool::new(), Admission::Queue, &config);
    let violation = findings
        .violation_of(Rule::Capacity)
        .expect("InlinePool ignores the capacity")
        .clone();
    assert!(findings.violation_of(Rule::Stats).is_some());
    assert_eq!(violation.property, Some(Property::Capacity));
    assert_eq!(violation.pool, "inline");
    assert_eq!(violation.seed, 7);
    let shown = violation.to_string();
    assert!(shown.contains("rule 1"), "{shown}");
    assert!(shown.contains("minimal script: capacity "), "{shown}");
    assert!(shown.contains("taskpool_conformance::replay("), "{shown}");
}
