//! Mirrors upstream's TestMaxBlockingSubmit(WithFunc): with a bound of one
//! blocked submitter, a second submitter on a full pool is refused with
//! Overloaded while the first waits, and the first succeeds once a worker
//! comes back.

use std::thread;

use taskpool_ants::Pool;
use taskpool_conformance::testkit::{wait_until, watchdog, Latch};

const SIZE: usize = 10;

#[test]
fn max_blocking_submit() {
    watchdog("max_blocking_submit", || {
        let pool = Pool::builder()
            .capacity(SIZE)
            .max_blocking_tasks(1)
            .build()
            .unwrap();
        let latch = Latch::new();
        for _ in 0..SIZE {
            let g = latch.clone();
            pool.submit(move || g.wait()).unwrap();
        }
        let p = pool.clone();
        let blocked = thread::spawn(move || p.submit(|| ()));
        wait_until("one submitter is blocked", || pool.waiting() == 1);

        let err = pool.submit(|| ()).unwrap_err();
        assert!(
            err.is_overloaded(),
            "the bound on blocked submitters is reached"
        );
        assert_eq!(pool.waiting(), 1);

        latch.open();
        blocked
            .join()
            .unwrap()
            .expect("the blocked submit succeeds once a worker is free");
        pool.wait_idle();
        assert_eq!(pool.stats().completed, SIZE as u64 + 1);
    });
}

#[test]
fn max_blocking_submit_with_func() {
    watchdog("max_blocking_submit_with_func", || {
        let latch = Latch::new();
        let pool = Pool::builder()
            .capacity(2)
            .max_blocking_tasks(1)
            .build_with_func(|g: Latch| g.wait())
            .unwrap();
        pool.invoke(latch.clone()).unwrap();
        pool.invoke(latch.clone()).unwrap();
        let p = pool.clone();
        let g = latch.clone();
        let blocked = thread::spawn(move || p.invoke(g).is_ok());
        wait_until("one invoker is blocked", || pool.waiting() == 1);
        let err = pool.invoke(latch.clone()).unwrap_err();
        assert!(err.is_overloaded());
        latch.open();
        assert!(blocked.join().unwrap());
        pool.wait_idle();
        assert_eq!(pool.stats().completed, 3);
    });
}
