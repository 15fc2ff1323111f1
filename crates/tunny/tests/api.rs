//! The public face's rules: `new`, `with_fn` and `callback` panic on bad
//! input and the builder returns a `BuildError`; the empty pool of Go's
//! `New(0, …)` only on request; sizes bounded at build and at `set_size`;
//! threads named by a prefix; errors out through `?` into `anyhow`.

use std::error::Error;
use std::time::Duration;

use taskpool::MAX_CAPACITY;
use taskpool_conformance::testkit::watchdog;
use taskpool_tunny::{FnWorker, Pool, ProcessError, ResizeError};

fn via_anyhow<E: Error + Send + Sync + 'static>(e: E) -> anyhow::Result<()> {
    Err(e)?
}

fn via_box<E: Error + Send + Sync + 'static>(e: E) -> Result<(), Box<dyn Error + Send + Sync>> {
    Err(e)?
}

fn doubler() -> FnWorker<fn(u32) -> u32, u32, u32> {
    FnWorker::new(|x| x * 2)
}

#[test]
#[should_panic(expected = "capacity must be at least 1, got 0")]
fn new_panics_on_zero() {
    let _ = Pool::new(0, doubler);
}

#[test]
#[should_panic(expected = "capacity must be at most 4096")]
fn with_fn_panics_above_the_limit() {
    let _ = Pool::with_fn(MAX_CAPACITY + 1, |x: u8| x);
}

#[test]
#[should_panic(expected = "capacity must be at least 1, got 0")]
fn callback_panics_on_zero() {
    let _ = Pool::callback(0);
}

#[test]
fn builder_returns_build_errors_and_builds_empty_only_on_request() {
    let err = Pool::builder(doubler).capacity(0).build().unwrap_err();
    assert_eq!(err.to_string(), "capacity must be at least 1, got 0");
    let err = Pool::builder(doubler)
        .capacity(99_999_999)
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("capacity must be at most 4096, got 99999999"),
        "{err}"
    );
    assert!(Pool::builder(doubler).thread_name("a\0b").build().is_err());

    watchdog("empty pool", || {
        let pool = Pool::builder(doubler)
            .capacity(0)
            .allow_empty(true)
            .build()
            .unwrap();
        assert_eq!(pool.size(), 0);
        assert_eq!(
            pool.process_timeout(1, Duration::ZERO),
            Err(ProcessError::TimedOut)
        );
        pool.set_size(1).unwrap();
        assert_eq!(pool.process(21), Ok(42));
    });
}

#[test]
fn set_size_keeps_the_limit() {
    watchdog("set_size limit", || {
        let pool = Pool::builder(doubler)
            .capacity(1)
            .capacity_limit(3)
            .build()
            .unwrap();
        pool.set_size(3).unwrap();
        let err = pool.set_size(4).unwrap_err();
        assert!(matches!(
            err,
            ResizeError::TooLarge {
                requested: 4,
                limit: 3
            }
        ));
        assert_eq!(
            err.to_string(),
            "size must be at most 3, got 4 (the pool's capacity_limit)"
        );
        assert_eq!(pool.size(), 3, "a refused resize changes nothing");
        assert!(via_anyhow(err).is_err());
        pool.set_size(0).unwrap(); // allowed at run time, as in Go
        pool.close();
    });
}

#[test]
fn huge_timeouts_wait_as_long_as_it_takes() {
    watchdog("huge timeouts", || {
        let pool = Pool::with_fn(1, |x: u32| x + 1);
        assert_eq!(pool.process_timeout(1, Duration::MAX), Ok(2));
        let outcomes = pool.process_batch_timeout(0..4, Duration::MAX);
        assert_eq!(outcomes, [Ok(1), Ok(2), Ok(3), Ok(4)]);
    });
}

#[test]
fn thread_names_are_a_prefix() {
    watchdog("thread names", || {
        let pool = Pool::builder(|| {
            FnWorker::new(|(): ()| std::thread::current().name().map(str::to_owned))
        })
        .capacity(1)
        .thread_name("table")
        .build()
        .unwrap();
        let name = pool.process(()).unwrap().unwrap();
        assert!(name.starts_with("table-"), "{name}");
        assert!(name["table-".len()..].parse::<u64>().is_ok(), "{name}");
    });
}

#[test]
fn errors_go_into_anyhow_with_their_payload() {
    watchdog("anyhow", || {
        let pool = Pool::with_fn(1, |x: u32| {
            if x > 9 {
                std::panic::panic_any(x);
            }
            x
        });
        let err = pool.process(10).unwrap_err();
        assert!(err.is_panic());
        let err = via_anyhow(err).unwrap_err();
        let back = err.downcast::<ProcessError>().unwrap();
        let payload = back.try_into_panic().unwrap();
        assert_eq!(payload.downcast_ref::<u32>(), Some(&10));
        pool.close();
        assert!(via_box(pool.process(1).unwrap_err()).is_err());
        assert!(via_box(pool.set_size(2).unwrap_err()).is_err());
    });
}
