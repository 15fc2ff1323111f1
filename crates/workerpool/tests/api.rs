//! The public face's rules: `new` panics on bad input and the builder
//! returns a `BuildError`; capacities are bounded (and the bound can be
//! raised); durations and sizes at their extremes; closures in, errors out
//! through `?` into `anyhow`.

use std::error::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use taskpool::MAX_CAPACITY;
use taskpool_conformance::testkit::watchdog;
use taskpool_workerpool::{FullPolicy, SubmitError, WaitError, WorkerPool};

fn via_anyhow<E: Error + Send + Sync + 'static>(e: E) -> anyhow::Result<()> {
    Err(e)?
}

fn via_box<E: Error + Send + Sync + 'static>(e: E) -> Result<(), Box<dyn Error + Send + Sync>> {
    Err(e)?
}

#[test]
#[should_panic(expected = "capacity must be at least 1, got 0")]
fn new_panics_on_zero() {
    let _ = WorkerPool::new(0);
}

#[test]
#[should_panic(expected = "capacity must be at most 4096")]
fn new_panics_above_the_limit() {
    let _ = WorkerPool::new(99_999_999);
}

#[test]
fn builder_returns_build_errors_naming_the_setting() {
    let msg = |b: taskpool_workerpool::Builder| b.build().unwrap_err().to_string();
    assert_eq!(
        msg(WorkerPool::builder().capacity(0)),
        "capacity must be at least 1, got 0"
    );
    assert!(msg(WorkerPool::builder().capacity(MAX_CAPACITY + 1))
        .starts_with("capacity must be at most 4096, got 4097"));
    assert!(msg(WorkerPool::builder().idle_timeout(Duration::ZERO)).contains("reap_idle(false)"));
    assert!(msg(WorkerPool::builder().max_queued(0)).contains("max_queued"));
    assert!(msg(WorkerPool::builder().when_full(FullPolicy::Reject)).contains("max_queued"));
    assert!(msg(WorkerPool::builder().thread_name("a\0b")).contains("NUL"));
}

#[test]
fn the_limit_can_be_raised() {
    watchdog("capacity limit", || {
        let pool = WorkerPool::builder()
            .capacity(MAX_CAPACITY * 4)
            .capacity_limit(MAX_CAPACITY * 4)
            .build()
            .unwrap();
        assert_eq!(pool.max_workers(), MAX_CAPACITY * 4);
        assert_eq!(pool.stats().workers, 0, "workers start on demand");
        pool.stop_wait();
    });
}

#[test]
fn huge_durations_and_bounds_work() {
    watchdog("huge settings", || {
        let pool = WorkerPool::builder()
            .capacity(2)
            .idle_timeout(Duration::MAX)
            .max_queued(usize::MAX)
            .build()
            .unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..100 {
            let ran = Arc::clone(&ran);
            pool.submit(move || {
                ran.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        pool.wait_idle();
        assert_eq!(ran.load(Ordering::SeqCst), 100);
        pool.stop_wait();
        assert_eq!(pool.stats().workers, 0);

        let keep = WorkerPool::builder()
            .capacity(1)
            .reap_idle(false)
            .build()
            .unwrap();
        keep.submit_wait(|| ()).unwrap();
        keep.stop_wait();
    });
}

#[test]
fn native_calls_take_closures() {
    watchdog("closures", || {
        let pool = WorkerPool::new(2);
        let ran = Arc::new(AtomicUsize::new(0));
        let r = Arc::clone(&ran);
        pool.submit(move || {
            r.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
        let r = Arc::clone(&ran);
        pool.try_submit(move || {
            r.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
        let r = Arc::clone(&ran);
        pool.submit_wait(move || {
            r.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
        pool.stop_wait();
        assert_eq!(ran.load(Ordering::SeqCst), 3);
    });
}

#[test]
fn errors_go_into_anyhow() {
    watchdog("anyhow", || {
        let pool = WorkerPool::new(1);
        let err = pool.submit_wait(|| panic!("boom")).unwrap_err();
        let err = via_anyhow(err).unwrap_err();
        assert!(err.downcast::<WaitError>().unwrap().is_panic());
        pool.stop_wait();
        let err = pool.submit(|| ()).unwrap_err();
        let err = via_anyhow(err).unwrap_err();
        assert!(err.downcast::<SubmitError>().unwrap().is_stopped());
        assert!(via_box(pool.try_submit(|| ()).unwrap_err()).is_err());
        assert!(via_box(WorkerPool::builder().capacity(0).build().unwrap_err()).is_err());
    });
}
