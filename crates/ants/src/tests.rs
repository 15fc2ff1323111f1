//! Unit tests of the pool's choices that the integration tests cannot see
//! from outside: which idle worker is reused, configuration checks, Debug.

use std::sync::mpsc;
use std::time::Duration;

use taskpool_conformance::testkit::Latch;

use crate::{InvokeError, ManualClock, MultiPool, Pool, TimedOut, TuneError};

/// Starts `n` workers at once (each held until all started), then lets
/// them go idle.
fn warm(pool: &Pool, n: usize) {
    let latch = Latch::default();
    for _ in 0..n {
        let g = latch.clone();
        pool.submit(move || g.wait()).unwrap();
    }
    assert_eq!(pool.workers(), n);
    latch.open();
    pool.wait_idle();
    assert_eq!(pool.idle_workers(), n);
}

/// Which worker thread runs each of `n` tasks submitted one after another.
fn names_of_sequential_tasks(pool: &Pool, n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let (tx, rx) = mpsc::channel();
            pool.submit(move || {
                tx.send(std::thread::current().name().unwrap().to_owned())
                    .unwrap();
            })
            .unwrap();
            let name = rx.recv_timeout(Duration::from_secs(60)).unwrap();
            pool.wait_idle();
            name
        })
        .collect()
}

#[test]
fn the_stack_reuses_the_most_recently_used_worker() {
    let pool = Pool::builder().capacity(4).purge(false).build().unwrap();
    warm(&pool, 4);
    let names = names_of_sequential_tasks(&pool, 6);
    assert!(
        names.windows(2).all(|w| w[0] == w[1]),
        "one hot worker takes every sequential task: {names:?}"
    );
}

#[test]
fn the_prealloc_ring_reuses_the_least_recently_used_worker() {
    let pool = Pool::builder()
        .capacity(4)
        .prealloc(true)
        .purge(false)
        .build()
        .unwrap();
    warm(&pool, 4);
    let names = names_of_sequential_tasks(&pool, 8);
    let mut first_four = names[..4].to_vec();
    first_four.sort();
    first_four.dedup();
    assert_eq!(
        first_four.len(),
        4,
        "FIFO rotates through every worker: {names:?}"
    );
    assert_eq!(names[..4], names[4..], "in the same order each round");
}

#[test]
fn builder_errors_name_the_setting() {
    let msg = |b: crate::PoolBuilder| b.build().unwrap_err().to_string();
    assert!(msg(Pool::builder().capacity(0)).contains("capacity"));
    assert!(msg(Pool::builder().expiry(Duration::ZERO)).contains("expiry"));
    assert!(msg(Pool::builder().unlimited().prealloc(true)).contains("pre-allocation"));
    assert!(msg(Pool::builder().max_blocking_tasks(0)).contains("max_blocking_tasks"));
    assert!(msg(Pool::builder().capacity(taskpool::MAX_CAPACITY + 1)).contains("at most 4096"));
    assert!(msg(Pool::builder().thread_name("a\0b")).contains("NUL"));
    assert!(Pool::builder()
        .capacity(0)
        .build_with_func(|_: u8| ())
        .is_err());
}

#[test]
fn unlimited_prealloc_check_comes_before_any_thread() {
    // A refused configuration starts no purge thread and no worker.
    let err = Pool::builder()
        .unlimited()
        .prealloc(true)
        .build()
        .unwrap_err();
    assert!(err.message().contains("unlimited"));
}

#[test]
fn errors_display_and_debug() {
    assert!(TimedOut::new(2).to_string().contains("2 worker"));
    assert_eq!(
        format!("{:?}", InvokeError::stopped(3)),
        "InvokeError { kind: Stopped, .. }"
    );
    assert!(InvokeError::overloaded(()).to_string().contains("capacity"));
    assert!(TuneError::Unlimited.to_string().contains("unlimited"));
    let pool = Pool::new(2);
    let dbg = format!("{pool:?}");
    assert!(dbg.contains("capacity") && dbg.contains("running"), "{dbg}");
    let builder = format!("{:?}", Pool::builder().panic_handler(|_| ()));
    assert!(builder.contains("panic_handler"), "{builder}");
    let mp = MultiPool::new(1, 1, crate::LoadBalancing::LeastTasks);
    assert!(format!("{mp:?}").contains("LeastTasks"));
}

#[test]
fn manual_clock_clones_share_time() {
    use crate::Clock;
    let a = ManualClock::new();
    let b = a.clone();
    let t0 = b.now();
    a.advance(Duration::from_millis(7));
    assert_eq!(b.now() - t0, Duration::from_millis(7));
}

#[test]
fn release_timeout_deadline_follows_the_pool_clock() {
    // With a frozen manual clock and a zero timeout, the deadline has
    // already passed: a busy worker makes it time out at once.
    let clock = ManualClock::new();
    let pool = Pool::builder()
        .capacity(1)
        .purge(false)
        .clock(clock)
        .build()
        .unwrap();
    let latch = Latch::default();
    let g = latch.clone();
    pool.submit(move || g.wait()).unwrap();
    assert_eq!(pool.release_timeout(Duration::ZERO), Err(TimedOut::new(1)));
    latch.open();
    pool.release_timeout(Duration::from_secs(3600))
        .unwrap_or_else(|e| {
            // A frozen clock never reaches the deadline; the wait ends because
            // the worker exits.
            panic!("{e}")
        });
    assert_eq!(pool.workers(), 0);
}

#[test]
fn stats_keep_running_and_workers_apart() {
    let pool = Pool::builder().capacity(3).purge(false).build().unwrap();
    warm(&pool, 3);
    let s = pool.stats();
    assert_eq!((s.workers, s.running, s.capacity), (3, 0, 3));
    assert_eq!(pool.free(), Some(3));
}
