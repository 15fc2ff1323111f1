//! Mirrors upstream's TestPanicHandler, TestPanicHandlerPreMalloc and
//! TestPoolPanicWithoutHandler: the handler is called exactly once per panic
//! with the payload; the pool survives with its capacity and workers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use taskpool::panic_message;
use taskpool_ants::{Pool, PoolBuilder, TaskPool};
use taskpool_conformance::testkit::watchdog;

fn counting(builder: PoolBuilder) -> (PoolBuilder, Arc<AtomicUsize>, Arc<Mutex<Vec<String>>>) {
    let count = Arc::new(AtomicUsize::new(0));
    let messages = Arc::new(Mutex::new(Vec::new()));
    let (c, m) = (Arc::clone(&count), Arc::clone(&messages));
    let builder = builder.panic_handler(move |payload| {
        c.fetch_add(1, Ordering::SeqCst);
        m.lock()
            .unwrap()
            .push(panic_message(payload.as_ref()).unwrap_or("?").to_owned());
    });
    (builder, count, messages)
}

fn check_pool(builder: PoolBuilder) {
    let (builder, count, messages) = counting(builder.capacity(10));
    let pool = builder.build().unwrap();
    pool.submit(|| panic!("Oops!")).unwrap();
    pool.wait_idle();
    assert_eq!(count.load(Ordering::SeqCst), 1, "called exactly once");
    assert_eq!(messages.lock().unwrap().as_slice(), ["Oops!"]);
    assert_eq!(pool.running(), 0);
    assert_eq!(pool.workers(), 1, "the worker survives the panic");
    assert_eq!(pool.cap(), Some(10), "the capacity is unchanged");
    let stats = pool.stats();
    assert_eq!((stats.panicked, stats.completed), (1, 0));

    // Many panics, all counted once, and the pool still runs everything.
    for i in 0..50 {
        pool.submit(move || {
            if i % 2 == 0 {
                panic!("even {i}");
            }
        })
        .unwrap();
    }
    pool.wait_idle();
    assert_eq!(count.load(Ordering::SeqCst), 26);
    let stats = pool.stats();
    assert_eq!((stats.panicked, stats.completed), (26, 25));
}

#[test]
fn panic_handler() {
    watchdog("panic_handler", || check_pool(Pool::builder()));
}

#[test]
fn panic_handler_pre_malloc() {
    watchdog("panic_handler_pre_malloc", || {
        check_pool(Pool::builder().prealloc(true));
    });
}

#[test]
fn panic_handler_with_func() {
    watchdog("panic_handler_with_func", || {
        let (builder, count, messages) = counting(Pool::builder().capacity(2));
        let pool = builder.build_with_func(|s: String| panic!("{s}")).unwrap();
        pool.invoke("Oops!".to_owned()).unwrap();
        pool.wait_idle();
        assert_eq!(count.load(Ordering::SeqCst), 1);
        assert_eq!(messages.lock().unwrap().as_slice(), ["Oops!"]);
        assert_eq!(pool.stats().panicked, 1);
    });
}

#[test]
fn pool_panic_without_handler() {
    watchdog("pool_panic_without_handler", || {
        let pool = Pool::new(1);
        pool.submit(|| panic!("Oops!")).unwrap();
        pool.wait_idle();
        assert_eq!(pool.stats().panicked, 1);
        // Still one worker, still usable.
        let (tx, rx) = std::sync::mpsc::channel();
        pool.submit(move || tx.send(7).unwrap()).unwrap();
        assert_eq!(rx.recv().unwrap(), 7);
    });
}

#[test]
fn panicking_handler_does_not_kill_the_worker() {
    watchdog("panicking_handler", || {
        let pool = Pool::builder()
            .capacity(1)
            .panic_handler(|_| panic!("the handler panics too"))
            .build()
            .unwrap();
        pool.submit(|| panic!("task")).unwrap();
        pool.wait_idle();
        pool.submit(|| ()).unwrap();
        pool.wait_idle();
        assert_eq!((pool.stats().panicked, pool.stats().completed), (1, 1));
        assert_eq!(pool.workers(), 1);
    });
}

#[test]
fn submit_wait_reports_the_panic() {
    watchdog("submit_wait_panic", || {
        let pool = Pool::new(2);
        let err = TaskPool::submit_wait(&pool, Box::new(|| panic!("inside"))).unwrap_err();
        assert_eq!(err.panic_message(), Some("inside"));
        pool.wait_idle();
        assert_eq!(
            pool.stats().panicked,
            1,
            "the forwarded panic is still counted"
        );
    });
}
