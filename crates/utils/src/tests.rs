//! Unit tests of the floor: poison-ignoring locks, the polling policies, the
//! worker mark (with its exit hook), subscriptions and the clocks.

use std::cell::Cell;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::clock::{Clock, ManualClock};
use crate::poll::{CappedPoll, PollPolicy};
use crate::subscribe::Subscribers;
use crate::sync::{lock, thread, Arc, AtomicUsize, Mutex, Ordering};
use crate::worker_mark::PoolId;

#[test]
fn lock_ignores_poison() {
    let m = Arc::new(Mutex::new(5));
    let m2 = Arc::clone(&m);
    let _ = thread::spawn(move || {
        let _g = lock(&m2);
        panic!("poison the lock on purpose");
    })
    .join();
    assert!(m.is_poisoned());
    assert_eq!(*lock(&m), 5);
}

/// How many times `policy` looks at a condition that never holds.
fn looks(policy: PollPolicy) -> usize {
    let n = Cell::new(0);
    let ready = policy.poll_until(|| {
        n.set(n.get() + 1);
        false
    });
    assert!(!ready);
    n.get()
}

#[test]
fn spins_look_n_plus_one_times_and_off_never_looks() {
    assert_eq!(looks(PollPolicy::Off), 0);
    assert_eq!(looks(PollPolicy::Spins(0)), 1);
    assert_eq!(looks(PollPolicy::Spins(64)), 65);
    assert!(looks(PollPolicy::Backoff) > 1);
    assert!(!PollPolicy::Off.polls());
    assert!(PollPolicy::Spins(0).polls());
}

const CAPPED: CappedPoll = CappedPoll {
    long: PollPolicy::Spins(99),
    short: PollPolicy::Spins(9),
    cap: 2,
};

/// How many times `capped` looks at a condition that never holds, from a
/// thread that finds `already` threads polling, and the count afterwards.
fn capped_looks(capped: CappedPoll, already: usize) -> (usize, usize) {
    let polling = AtomicUsize::new(already);
    let n = Cell::new(0);
    let ready = capped.poll_until(&polling, || {
        n.set(n.get() + 1);
        // While it polls, the thread counts itself in.
        assert_eq!(polling.load(Ordering::Relaxed), already + 1);
        false
    });
    assert!(!ready);
    (n.get(), polling.load(Ordering::Relaxed))
}

#[test]
fn a_capped_poll_is_long_below_the_cap_and_short_at_it() {
    // Below the cap: the long poll, and the count is back where it was.
    assert_eq!(capped_looks(CAPPED, 0), (100, 0));
    assert_eq!(capped_looks(CAPPED, 1), (100, 1));
    // At or above the cap: the short poll.
    assert_eq!(capped_looks(CAPPED, 2), (10, 2));
    assert_eq!(capped_looks(CAPPED, 5), (10, 5));
}

#[test]
fn a_capped_poll_whose_long_poll_is_off_leaves_the_count_alone() {
    let off = CappedPoll {
        long: PollPolicy::Off,
        ..CAPPED
    };
    let polling = AtomicUsize::new(0);
    let n = Cell::new(0);
    assert!(!off.poll_until(&polling, || {
        n.set(n.get() + 1);
        assert_eq!(polling.load(Ordering::Relaxed), 0);
        false
    }));
    assert_eq!(n.get(), 10);
}

/// Threads hammering one capped poll at once never have more than `cap` in
/// the long poll. The short poll is `Off` (it never calls `ready`), so every
/// call of `ready` comes from a long poll; a long `Spins(LOOKS - 1)` that
/// never becomes ready calls it exactly `LOOKS` times, so each thread counts
/// itself in at its first look and out at its last, both inside the poll.
#[test]
fn a_capped_poll_never_has_more_than_cap_threads_in_the_long_poll() {
    const LOOKS: u32 = 1_000;
    const CAP: usize = 2;
    const THREADS: usize = 6;
    let capped = CappedPoll {
        long: PollPolicy::Spins(LOOKS - 1),
        short: PollPolicy::Off,
        cap: CAP,
    };
    let polling = Arc::new(AtomicUsize::new(0));
    let long_now = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let longs = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(std::sync::Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (polling, long_now, most, longs, start) = (
                Arc::clone(&polling),
                Arc::clone(&long_now),
                Arc::clone(&most),
                Arc::clone(&longs),
                Arc::clone(&start),
            );
            thread::spawn(move || {
                start.wait();
                for _ in 0..2_000 {
                    let mut look = 0;
                    capped.poll_until(&polling, || {
                        look += 1;
                        if look == 1 {
                            let now = long_now.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            longs.fetch_add(1, Ordering::Relaxed);
                        }
                        if look == LOOKS {
                            long_now.fetch_sub(1, Ordering::SeqCst);
                        }
                        false
                    });
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(longs.load(Ordering::Relaxed) > 0, "some poll was long");
    assert!(
        most.load(Ordering::SeqCst) <= CAP,
        "more than {CAP} long polls at once"
    );
    assert_eq!(
        polling.load(Ordering::Relaxed),
        0,
        "every thread counted out"
    );
}

#[test]
fn a_poll_stops_at_the_first_true() {
    for policy in [
        PollPolicy::Spins(64),
        PollPolicy::Backoff,
        PollPolicy::SpinYieldFor {
            spins: 1,
            limit: Duration::from_secs(3600),
        },
    ] {
        let n = Cell::new(0);
        assert!(policy.poll_until(|| {
            n.set(n.get() + 1);
            n.get() == 3
        }));
        assert_eq!(n.get(), 3, "{policy:?}");
    }
}

#[test]
fn spin_yield_for_keeps_polling_for_its_limit_and_then_gives_up() {
    let limit = Duration::from_millis(20);
    let start = Instant::now();
    assert!(looks(PollPolicy::SpinYieldFor { spins: 4, limit }) > 5);
    assert!(start.elapsed() >= limit);
}

#[test]
fn the_worker_mark_belongs_to_one_pool_and_one_thread() {
    let (a, b) = (PoolId::new(), PoolId::new());
    assert_ne!(a, b);
    assert!(!a.owns_current_thread());
    thread::spawn(move || {
        a.mark_current_thread(3);
        assert!(a.owns_current_thread());
        assert_eq!(a.current_thread_index(), Some(3));
        assert!(!b.owns_current_thread());
        assert_eq!(b.current_thread_index(), None);
    })
    .join()
    .unwrap();
    assert!(!a.owns_current_thread(), "the mark stays on its thread");
}

#[test]
fn the_exit_hook_runs_when_the_thread_is_gone() {
    let pool = PoolId::new();
    let (tx, rx) = mpsc::channel();
    let worker = thread::spawn(move || {
        pool.mark_current_thread_until_exit(0, move || {
            // The mark is being dropped: the thread no longer counts.
            tx.send(pool.owns_current_thread()).unwrap();
        });
        assert!(pool.owns_current_thread());
    });
    worker.join().unwrap();
    assert_eq!(rx.recv_timeout(Duration::from_secs(60)), Ok(false));
}

#[test]
fn hooks_run_in_order_until_unsubscribed() {
    let subscribers = Subscribers::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let hook = |n: u32| {
        let seen = Arc::clone(&seen);
        move || lock(&seen).push(n)
    };
    let first = subscribers.subscribe(hook(1));
    let second = subscribers.subscribe(hook(2));
    assert_eq!(subscribers.len(), 2);
    subscribers.notify();
    drop(first);
    subscribers.notify();
    drop(second);
    subscribers.notify();
    assert!(subscribers.is_empty());
    assert_eq!(*lock(&seen), [1, 2, 2]);
}

#[test]
fn a_hook_may_subscribe_without_deadlock() {
    let subscribers = Subscribers::new();
    let again = subscribers.clone();
    let kept = Arc::new(Mutex::new(Vec::new()));
    let keep = Arc::clone(&kept);
    let _sub = subscribers.subscribe(move || lock(&keep).push(again.subscribe(|| ())));
    subscribers.notify();
    assert_eq!(subscribers.len(), 2);
    lock(&kept).clear();
    assert_eq!(subscribers.len(), 1);
}

#[test]
fn manual_clock_advances_notifies_and_saturates() {
    let clock = ManualClock::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let sub = {
        let calls = Arc::clone(&calls);
        Clock::Manual(clock.clone())
            .subscribe(move || {
                calls.fetch_add(1, Ordering::SeqCst);
            })
            .expect("a manual clock notifies")
    };
    assert_eq!(clock.subscribers(), 1);
    clock.advance(Duration::from_millis(3));
    clock.clone().advance(Duration::from_millis(4));
    assert_eq!(clock.now(), Duration::from_millis(7));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    clock.advance(Duration::MAX);
    assert_eq!(clock.now(), Duration::from_nanos(u64::MAX));
    drop(sub);
    assert_eq!(clock.subscribers(), 0);
    assert!(format!("{clock:?}").contains("now"));
}

#[test]
fn clocks_tell_waiters_how_long_to_sleep() {
    let manual = Clock::Manual(ManualClock::new());
    assert!(manual.is_manual());
    assert_eq!(manual.sleep_for(Duration::from_secs(1)), None);
    let system = Clock::system();
    assert!(!system.is_manual());
    assert!(system.subscribe(|| ()).is_none());
    let left = system.sleep_for(Duration::from_secs(3600)).unwrap();
    assert!(left <= Duration::from_secs(3600));
    assert_eq!(system.sleep_for(Duration::ZERO), Some(Duration::ZERO));
}
