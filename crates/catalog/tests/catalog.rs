//! The catalog's promises: names round-trip, bad input is a typed error, every available kind builds.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use taskpool::TaskPoolExt;
use taskpool_catalog::{build, features_markdown, PoolKind};

#[test]
fn all_lists_every_kind_once_with_distinct_names() {
    let kinds: HashSet<_> = PoolKind::ALL.iter().collect();
    assert_eq!(kinds.len(), 7);
    let names: HashSet<_> = PoolKind::ALL.iter().map(|k| k.name()).collect();
    assert_eq!(names.len(), 7);
    assert_eq!(PoolKind::ALL.iter().filter(|k| k.is_strategy()).count(), 3);
}

#[test]
fn names_round_trip_through_display_and_from_str() {
    for &kind in PoolKind::ALL {
        assert_eq!(kind.to_string(), kind.name());
        assert_eq!(kind.name().parse::<PoolKind>().unwrap(), kind);
    }
}

#[test]
fn unknown_name_is_an_error_listing_valid_names() {
    for bad in ["", "Rayon", "tokio", "thread_per_task", " rayon"] {
        let err = bad.parse::<PoolKind>().unwrap_err();
        assert_eq!(err.given(), bad);
        let msg = err.to_string();
        for kind in PoolKind::ALL {
            assert!(msg.contains(kind.name()), "{msg:?} lacks {}", kind.name());
        }
    }
}

#[test]
fn zero_capacity_is_a_build_error_for_every_kind() {
    for &kind in PoolKind::ALL {
        let err = build(kind, 0)
            .err()
            .unwrap_or_else(|| panic!("{kind}: capacity 0 built a pool"));
        assert!(err.to_string().contains("capacity"), "{kind}: {err}");
    }
}

/// Every kind builds a working pool with its own name and the asked
/// capacity.
#[test]
fn every_kind_builds_and_runs() {
    for &kind in PoolKind::ALL {
        let pool = build(kind, 2).unwrap_or_else(|e| panic!("{kind} failed to build: {e}"));
        assert_eq!(pool.name(), kind.name());
        assert_eq!(pool.stats().capacity, 2, "{kind}");
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..20 {
            let ran = ran.clone();
            pool.submit(Box::new(move || {
                ran.fetch_add(1, Ordering::SeqCst);
            }))
            .unwrap();
        }
        assert_eq!(pool.spawn(move || 40 + 2).unwrap().join().unwrap(), 42);
        pool.stop_wait();
        assert_eq!(ran.load(Ordering::SeqCst), 20, "{kind}");
        assert!(pool.is_stopped());
    }
}

#[test]
fn feature_table_has_a_row_per_kind_matching_features() {
    let table = features_markdown();
    let rows: Vec<&str> = table.lines().skip(2).collect();
    assert_eq!(rows.len(), PoolKind::ALL.len());
    for (row, kind) in rows.iter().zip(PoolKind::ALL) {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        let f = kind.features();
        let yes = |b: bool| if b { "yes" } else { "no" };
        assert_eq!(
            cells[..5],
            [
                kind.name(),
                f.admission.as_str(),
                yes(f.resizable),
                yes(f.reaps_idle),
                yes(f.per_worker_state)
            ],
            "{row}"
        );
        assert_eq!(cells[5], kind.description());
    }
}

/// Every kind refuses an absurd capacity with a typed error before any
/// thread starts (`choose rayon 99999999` must not swamp the machine), and
/// the limit is the caller's to raise.
#[test]
fn every_kind_refuses_capacities_out_of_bounds() {
    for &kind in PoolKind::ALL {
        let err = build(kind, 99_999_999).err().expect("refused");
        assert_eq!(
            err.to_string(),
            "capacity must be at most 4096, got 99999999 (the limit is the builder's capacity_limit)",
            "{kind}"
        );
        let err = build(kind, 0).err().expect("refused");
        assert_eq!(
            err.to_string(),
            "capacity must be at least 1, got 0",
            "{kind}"
        );
        assert!(
            taskpool_catalog::build_with_limit(kind, 3, 2).is_err(),
            "{kind}"
        );
        let pool = taskpool_catalog::build_with_limit(kind, 2, 2).unwrap();
        assert_eq!(pool.stats().capacity, 2, "{kind}");
        pool.stop_wait();
    }
}

/// The catalog's own error composes like every other.
#[test]
fn parse_kind_error_goes_into_anyhow() {
    fn parse(name: &str) -> anyhow::Result<PoolKind> {
        Ok(name.parse::<PoolKind>()?)
    }
    let err = parse("tokio").unwrap_err();
    assert!(err.to_string().contains("unknown pool kind"), "{err}");
    fn build_any(kind: PoolKind, n: usize) -> anyhow::Result<()> {
        build(kind, n)?.stop_wait();
        Ok(())
    }
    assert!(build_any(PoolKind::Channel, 0).is_err());
}
