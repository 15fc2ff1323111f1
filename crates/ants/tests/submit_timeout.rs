//! submit_timeout (asked for upstream, never built there): a bounded wait for
//! a worker, then Overloaded with the task handed back.

use std::thread;
use std::time::Duration;

use taskpool_ants::Pool;
use taskpool_conformance::testkit::{wait_until, watchdog, Latch, WATCHDOG};

#[test]
fn submit_timeout_gives_up_on_a_full_pool() {
    watchdog("submit_timeout_gives_up", || {
        let pool = Pool::new(1);
        let latch = Latch::new();
        let g = latch.clone();
        pool.submit(move || g.wait()).unwrap();
        // The only worker cannot come back while the latch is shut.
        let err = pool
            .submit_timeout(|| (), Duration::from_millis(5))
            .unwrap_err();
        assert!(err.is_overloaded());
        assert_eq!(
            pool.waiting(),
            0,
            "the timed-out caller is no longer counted"
        );
        latch.open();
    });
}

#[test]
fn submit_timeout_succeeds_when_a_worker_returns() {
    watchdog("submit_timeout_succeeds", || {
        let pool = Pool::new(1);
        let latch = Latch::new();
        let g = latch.clone();
        pool.submit(move || g.wait()).unwrap();
        let p = pool.clone();
        let waiter = thread::spawn(move || p.submit_timeout(|| (), WATCHDOG));
        wait_until("the caller waits", || pool.waiting() == 1);
        latch.open();
        waiter.join().unwrap().expect("a worker came back in time");
        pool.wait_idle();
        assert_eq!(pool.stats().completed, 2);
    });
}

#[test]
fn submit_timeout_respects_nonblocking() {
    let pool = Pool::builder()
        .capacity(1)
        .nonblocking(true)
        .build()
        .unwrap();
    let latch = Latch::new();
    let g = latch.clone();
    pool.submit(move || g.wait()).unwrap();
    assert!(pool
        .submit_timeout(|| (), WATCHDOG)
        .unwrap_err()
        .is_overloaded());
    latch.open();
}
