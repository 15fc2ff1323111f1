//! The public face's rules: `new` panics on bad input and the builder
//! returns a `BuildError`; capacities are bounded (and the bound can be
//! raised); durations and sizes at their extremes; closures in, errors out
//! through `?` into `anyhow`.

use std::error::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use taskpool::{TaskPool, MAX_CAPACITY};
use taskpool_ants::{
    IndexOutOfRange, InvokeError, LoadBalancing, MultiPool, Pool, PoolWithFunc, SubmitError,
    TimedOut, TuneError,
};
use taskpool_conformance::testkit::watchdog;

fn via_anyhow<E: Error + Send + Sync + 'static>(e: E) -> anyhow::Result<()> {
    Err(e)?
}

fn via_box<E: Error + Send + Sync + 'static>(e: E) -> Result<(), Box<dyn Error + Send + Sync>> {
    Err(e)?
}

#[test]
#[should_panic(expected = "capacity must be at least 1, got 0")]
fn new_panics_on_zero() {
    let _ = Pool::new(0);
}

#[test]
#[should_panic(expected = "capacity must be at most 4096")]
fn new_panics_above_the_limit() {
    let _ = Pool::new(MAX_CAPACITY + 1);
}

#[test]
#[should_panic(expected = "capacity must be at least 1, got 0")]
fn pool_with_func_new_panics_on_zero() {
    let _ = PoolWithFunc::new(0, |_: u8| ());
}

#[test]
#[should_panic(expected = "number of pools must be at least 1, got 0")]
fn multi_pool_new_panics_on_zero_pools() {
    let _ = MultiPool::new(0, 1, LoadBalancing::RoundRobin);
}

#[test]
fn builders_return_build_errors_naming_the_setting() {
    let msg = |b: taskpool_ants::PoolBuilder| b.build().unwrap_err().to_string();
    assert_eq!(
        msg(Pool::builder().capacity(0)),
        "capacity must be at least 1, got 0"
    );
    assert!(msg(Pool::builder().capacity(99_999_999)).starts_with("capacity must be at most 4096"));
    assert!(msg(Pool::builder().expiry(Duration::ZERO)).contains("expiry"));
    assert!(Pool::builder()
        .capacity(0)
        .build_with_func(|_: u8| ())
        .is_err());
    // The total of a multi-pool is bounded, not each pool alone.
    let err = MultiPool::with_builder(
        64,
        Pool::builder().capacity(MAX_CAPACITY / 2),
        LoadBalancing::RoundRobin,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("total capacity of the multi-pool must be at most 4096"),
        "{err}"
    );
    // Unlimited pools each start a purge thread: their number is bounded too.
    assert!(MultiPool::with_builder(
        MAX_CAPACITY + 1,
        Pool::builder().unlimited(),
        LoadBalancing::RoundRobin
    )
    .is_err());
}

#[test]
fn the_limit_can_be_raised_and_binds_tune() {
    watchdog("capacity limit", || {
        let pool = Pool::builder()
            .capacity(MAX_CAPACITY + 1)
            .capacity_limit(MAX_CAPACITY * 2)
            .build()
            .unwrap();
        assert_eq!(pool.cap(), Some(MAX_CAPACITY + 1));
        assert_eq!(pool.workers(), 0, "workers start on demand");
        pool.tune(MAX_CAPACITY * 2).unwrap();
        assert_eq!(
            pool.tune(MAX_CAPACITY * 2 + 1),
            Err(TuneError::TooLarge {
                requested: MAX_CAPACITY * 2 + 1,
                limit: MAX_CAPACITY * 2
            })
        );
        assert_eq!(
            pool.cap(),
            Some(MAX_CAPACITY * 2),
            "a refused tune changes nothing"
        );
        pool.release_wait();

        let mp = MultiPool::new(2, 2, LoadBalancing::RoundRobin);
        assert!(matches!(
            mp.tune(MAX_CAPACITY),
            Err(TuneError::TooLarge { requested, .. }) if requested == 2 * MAX_CAPACITY
        ));
        assert_eq!(mp.cap(), Some(4));
        mp.release_wait();
    });
}

#[test]
fn huge_durations_and_bounds_mean_practically_never() {
    watchdog("huge settings", || {
        let pool = Pool::builder()
            .capacity(2)
            .expiry(Duration::MAX)
            .max_blocking_tasks(usize::MAX)
            .build()
            .unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..10 {
            let ran = Arc::clone(&ran);
            pool.submit(move || {
                ran.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        pool.submit_timeout(|| (), Duration::MAX).unwrap();
        pool.wait_idle();
        assert_eq!(ran.load(Ordering::SeqCst), 10);
        assert_eq!(
            pool.purge_expired(),
            0,
            "nothing expires after Duration::MAX"
        );
        pool.release_timeout(Duration::MAX).unwrap();
        assert_eq!(pool.workers(), 0);
    });
}

#[test]
fn release_wait_runs_every_accepted_task_then_joins() {
    watchdog("release_wait", || {
        let pool = Pool::new(2);
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..20 {
            let ran = Arc::clone(&ran);
            pool.submit(move || {
                std::thread::yield_now();
                ran.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        pool.release_wait();
        assert_eq!(ran.load(Ordering::SeqCst), 20);
        assert_eq!(pool.workers(), 0);
        assert!(pool.is_closed() && pool.submit(|| ()).unwrap_err().is_stopped());
        pool.release_wait(); // idempotent

        let func = PoolWithFunc::new(1, |_: u8| ());
        func.invoke(1).unwrap();
        func.release_wait();
        assert_eq!(func.workers(), 0);
    });
}

#[test]
fn a_refused_task_resubmitted_is_not_boxed_again() {
    watchdog("resubmit", || {
        let pool = Pool::builder()
            .capacity(1)
            .nonblocking(true)
            .build()
            .unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        pool.submit(move || {
            let _ = rx.recv();
        })
        .unwrap();
        let refused = pool.try_submit(|| ()).unwrap_err();
        let task = refused.into_task();
        let address = &*task as *const (dyn FnOnce() + Send) as *const u8;
        let again = pool.try_submit(task).unwrap_err().into_task();
        assert_eq!(
            address,
            &*again as *const (dyn FnOnce() + Send) as *const u8
        );
        drop(tx);
        pool.release_wait();
    });
}

#[test]
fn every_error_goes_into_anyhow() {
    watchdog("anyhow", || {
        let pool = Pool::new(1);
        assert!(via_anyhow(pool.tune(0).unwrap_err()).is_err());
        pool.release();
        let err = via_anyhow(pool.submit(|| ()).unwrap_err()).unwrap_err();
        assert!(err.downcast::<SubmitError>().unwrap().is_stopped());

        // A non-Sync argument still makes a Sync error.
        let func = PoolWithFunc::new(1, |_: std::cell::Cell<u8>| ());
        func.release();
        let err = func.invoke(std::cell::Cell::new(7)).unwrap_err();
        let err = via_anyhow(err).unwrap_err();
        let back = err.downcast::<InvokeError<std::cell::Cell<u8>>>().unwrap();
        assert_eq!(back.into_inner().get(), 7);

        assert!(via_box(TimedOut::new(1)).is_err());
        let mp = MultiPool::new(1, 1, LoadBalancing::RoundRobin);
        let err: IndexOutOfRange = mp.running_at(3).unwrap_err();
        assert!(via_anyhow(err).is_err());
        assert!(via_box(TuneError::Unlimited).is_err());
        TaskPool::stop_wait(&mp);
    });
}

#[test]
fn thread_names_are_a_prefix() {
    watchdog("thread names", || {
        let pool = Pool::builder()
            .capacity(1)
            .thread_name("io")
            .build()
            .unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        pool.submit(move || {
            tx.send(std::thread::current().name().map(str::to_owned))
                .unwrap();
        })
        .unwrap();
        assert_eq!(rx.recv().unwrap().as_deref(), Some("io-0"));
        assert!(Pool::builder().thread_name("a\0b").build().is_err());
    });
}
