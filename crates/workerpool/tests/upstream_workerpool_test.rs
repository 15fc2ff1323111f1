//! The behaviours that gammazero/workerpool's own `workerpool_test.go` asserts,
//! ported to this crate (own code; one test per upstream test, same names in
//! snake case). Where Go panics or ignores a nil task, Rust returns a typed
//! error; where Go sleeps, these tests use latches and a `ManualClock`.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;

use taskpool_conformance::testkit::{wait_until, watchdog, Latch};
use taskpool_workerpool::{ManualClock, WaitError, WorkerPool};

const MAX: usize = 20;

/// Starts `n` tasks that each report in and then block on `release`; returns
/// once all of them are running.
fn occupy(pool: &WorkerPool, n: usize, release: &Latch) {
    let (started_tx, started_rx) = mpsc::channel();
    for _ in 0..n {
        let started = started_tx.clone();
        let release = release.clone();
        pool.submit(move || {
            started.send(()).unwrap();
            release.wait();
        })
        .unwrap();
    }
    for _ in 0..n {
        started_rx.recv().unwrap();
    }
}

#[test]
fn test_example() {
    watchdog("example", || {
        let pool = WorkerPool::new(2);
        let requests = ["alpha", "beta", "gamma", "delta", "epsilon"];
        let (tx, rx) = mpsc::channel();
        for r in requests {
            let tx = tx.clone();
            pool.submit(move || tx.send(r).unwrap()).unwrap();
        }
        pool.stop_wait();
        drop(tx);
        let got: HashSet<&str> = rx.iter().collect();
        assert_eq!(got, requests.into_iter().collect());
    });
}

#[test]
fn test_max_workers() {
    // Go turns 0 into 1; here the builder refuses it (and `new(0)` panics, see
    // the unit tests).
    let err = WorkerPool::builder().capacity(0).build().unwrap_err();
    assert_eq!(err.to_string(), "capacity must be at least 1, got 0");

    watchdog("max workers", || {
        let pool = WorkerPool::new(MAX);
        assert_eq!(pool.max_workers(), MAX);
        let release = Latch::new();
        // All MAX tasks start: the pool starts a worker for each.
        occupy(&pool, MAX, &release);
        assert_eq!(pool.stats().workers, MAX);
        assert_eq!(pool.stats().running, MAX);
        assert_eq!(pool.waiting_queue_size(), 0);
        release.open();
        pool.stop_wait();
    });
}

#[test]
fn test_reuse_workers() {
    watchdog("reuse workers", || {
        // No reaping: the count must not depend on how slow the machine is.
        let pool = WorkerPool::builder()
            .capacity(5)
            .reap_idle(false)
            .build()
            .unwrap();
        for _ in 0..10 {
            let release = Latch::new();
            let r = release.clone();
            pool.submit(move || r.wait()).unwrap();
            release.open();
            // Once idle, the one worker waits for work; the next task is given
            // to it rather than to a new worker.
            pool.wait_idle();
        }
        assert_eq!(pool.stats().workers, 1, "worker not reused");
        pool.stop();
    });
}

#[test]
fn test_worker_timeout() {
    watchdog("worker timeout", || {
        let clock = ManualClock::new();
        let idle = Duration::from_secs(1);
        let pool = WorkerPool::builder()
            .capacity(MAX)
            .idle_timeout(idle)
            .clock(clock.clone())
            .build()
            .unwrap();
        // Every worker busy: a whole idle period passes, nobody is reaped.
        let guard = pool.pause();
        assert_eq!(pool.stats().workers, MAX);
        clock.advance(idle * 2);
        assert_eq!(pool.stats().workers, MAX, "a busy worker was reaped");
        drop(guard);
        pool.wait_idle();
        assert_eq!(pool.stats().workers, MAX);
        // Part of a period: nothing.
        clock.advance(idle / 2);
        assert_eq!(pool.stats().workers, MAX);
        // A whole period since the last activity: exactly one worker exits.
        clock.advance(idle / 2);
        wait_until("the first idle worker has exited", || {
            pool.stats().workers == MAX - 1
        });
        // Another period: another one.
        clock.advance(idle);
        wait_until("the second idle worker has exited", || {
            pool.stats().workers == MAX - 2
        });
        pool.stop();
        assert_eq!(pool.stats().workers, 0);
    });
}

#[test]
fn test_worker_no_timeout() {
    watchdog("worker no timeout", || {
        let clock = ManualClock::new();
        let pool = WorkerPool::builder()
            .capacity(MAX)
            .reap_idle(false)
            .clock(clock.clone())
            .build()
            .unwrap();
        drop(pool.pause());
        pool.wait_idle();
        let hour = Duration::from_secs(3600);
        clock.advance(hour);
        assert_eq!(pool.stats().workers, MAX, "no worker may time out");
        clock.advance(hour);
        assert_eq!(pool.stats().workers, MAX, "no worker may time out");
        pool.stop();
    });
}

#[test]
fn test_stop() {
    watchdog("stop", || {
        let pool = WorkerPool::new(MAX);
        drop(pool.pause());
        assert!(!pool.is_stopped());
        pool.stop();
        assert_eq!(pool.stats().workers, 0, "workers left after stop");
        assert!(pool.is_stopped());

        // Only the running tasks complete; the queued ones are dropped.
        let pool = WorkerPool::new(5);
        let release = Latch::new();
        let finished = Arc::new(AtomicUsize::new(0));
        let (started_tx, started_rx) = mpsc::channel();
        for _ in 0..MAX {
            let (release, finished, started) =
                (release.clone(), Arc::clone(&finished), started_tx.clone());
            pool.submit(move || {
                started.send(()).unwrap();
                release.wait();
                finished.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        for _ in 0..5 {
            started_rx.recv().unwrap();
        }
        let stopper = {
            let pool = pool.clone();
            thread::spawn(move || pool.stop())
        };
        // Release the running tasks once the queue has been dropped.
        wait_until("stop dropped the queue", || {
            pool.is_stopped() && pool.waiting_queue_size() == 0
        });
        release.open();
        stopper.join().unwrap();
        assert_eq!(finished.load(Ordering::SeqCst), 5);
        // Stop again is fine.
        pool.stop();
    });
}

#[test]
fn test_stop_wait() {
    watchdog("stop wait", || {
        let pool = WorkerPool::new(5);
        let release = Latch::new();
        let finished = Arc::new(AtomicUsize::new(0));
        for _ in 0..MAX {
            let (release, finished) = (release.clone(), Arc::clone(&finished));
            pool.submit(move || {
                release.wait();
                finished.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        let stopper = {
            let pool = pool.clone();
            thread::spawn(move || pool.stop_wait())
        };
        wait_until("stop_wait has begun", || pool.is_stopped());
        release.open();
        stopper.join().unwrap();
        assert_eq!(finished.load(Ordering::SeqCst), MAX);
        assert_eq!(pool.stats().workers, 0);
        assert!(pool.is_stopped());

        // No tasks at all, twice.
        let pool = WorkerPool::new(5);
        pool.stop_wait();
        assert_eq!(pool.stats().workers, 0);
        pool.stop_wait();
    });
}

#[test]
fn test_submit_wait() {
    watchdog("submit wait", || {
        let pool = WorkerPool::new(1);
        // (Go's nil tasks do not exist in Rust: a `Task` is always a closure.)
        let release = Latch::new();
        let done1 = Arc::new(AtomicBool::new(false));
        {
            let (release, done1) = (release.clone(), Arc::clone(&done1));
            pool.submit(move || {
                release.wait();
                done1.store(true, Ordering::SeqCst);
            })
            .unwrap();
        }
        // submit returned while its task is still blocked.
        assert!(!done1.load(Ordering::SeqCst), "submit waited for its task");
        release.open();
        let done2 = Arc::new(AtomicBool::new(false));
        let d2 = Arc::clone(&done2);
        pool.submit_wait(move || d2.store(true, Ordering::SeqCst))
            .unwrap();
        assert!(done2.load(Ordering::SeqCst), "submit_wait returned early");
        pool.stop();
    });
}

#[test]
fn test_overflow() {
    watchdog("overflow", || {
        let pool = WorkerPool::new(2);
        let release = Latch::new();
        let ran = Arc::new(AtomicUsize::new(0));
        let dropped = Arc::new(AtomicUsize::new(0));
        struct Count(Arc<AtomicUsize>);
        impl Drop for Count {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        for _ in 0..64 {
            let (release, ran) = (release.clone(), Arc::clone(&ran));
            let count = Count(Arc::clone(&dropped));
            pool.submit(move || {
                let _count = count;
                ran.fetch_add(1, Ordering::SeqCst);
                release.wait();
            })
            .unwrap();
        }
        wait_until("62 tasks wait", || pool.waiting_queue_size() == 62);
        assert_eq!(pool.stats().running, 2);
        let stopper = {
            let pool = pool.clone();
            thread::spawn(move || pool.stop())
        };
        wait_until("stop dropped the queue", || {
            pool.is_stopped() && pool.waiting_queue_size() == 0
        });
        release.open();
        stopper.join().unwrap();
        assert_eq!(ran.load(Ordering::SeqCst), 2);
        assert_eq!(dropped.load(Ordering::SeqCst), 64, "62 abandoned + 2 run");
    });
}

#[test]
fn test_stop_race() {
    watchdog("stop race", || {
        let pool = WorkerPool::new(MAX);
        let release = Latch::new();
        occupy(&pool, MAX, &release);
        let (done_tx, done_rx) = mpsc::channel();
        let stoppers: Vec<_> = (0..5)
            .map(|_| {
                let (pool, done) = (pool.clone(), done_tx.clone());
                thread::spawn(move || {
                    pool.stop();
                    done.send(()).unwrap();
                })
            })
            .collect();
        wait_until("stop has begun", || pool.is_stopped());
        assert!(
            done_rx.try_recv().is_err(),
            "stop returned while tasks were still running"
        );
        release.open();
        for stopper in stoppers {
            stopper.join().unwrap();
        }
        assert_eq!(done_rx.try_iter().count(), 5);
        assert_eq!(pool.stats().workers, 0);
    });
}

#[test]
fn test_waiting_queue_size_race() {
    const THREADS: usize = 10;
    const TASKS: usize = 20;
    watchdog("waiting queue size race", || {
        let pool = WorkerPool::new(5);
        let release = Latch::new();
        occupy(&pool, 5, &release);
        let most = Arc::new(Mutex::new(0));
        let submitters: Vec<_> = (0..THREADS)
            .map(|_| {
                let (pool, most) = (pool.clone(), Arc::clone(&most));
                thread::spawn(move || {
                    for _ in 0..TASKS {
                        pool.submit(|| {}).unwrap();
                        let seen = pool.waiting_queue_size();
                        let mut most = most.lock().unwrap();
                        *most = (*most).max(seen);
                    }
                })
            })
            .collect();
        for s in submitters {
            s.join().unwrap();
        }
        assert!(*most.lock().unwrap() <= THREADS * TASKS);
        wait_until("every task waits", || {
            pool.waiting_queue_size() == THREADS * TASKS
        });
        release.open();
        pool.wait_idle();
        assert_eq!(pool.waiting_queue_size(), 0);
        pool.stop();
    });
}

#[test]
fn test_pause() {
    watchdog("pause", || {
        let pool = WorkerPool::new(25);

        // Pause returns only after every earlier task has run.
        let ran = Arc::new(AtomicBool::new(false));
        let r = Arc::clone(&ran);
        pool.submit(move || {
            thread::yield_now();
            r.store(true, Ordering::SeqCst);
        })
        .unwrap();
        let guard = pool.pause();
        assert!(
            ran.load(Ordering::SeqCst),
            "pause returned before earlier tasks ran"
        );

        // A task submitted while paused waits in the queue.
        let ran = Arc::new(AtomicBool::new(false));
        let r = Arc::clone(&ran);
        pool.submit(move || r.store(true, Ordering::SeqCst))
            .unwrap();
        wait_until("the task is queued", || pool.waiting_queue_size() == 1);
        assert!(!ran.load(Ordering::SeqCst), "ran while paused");
        drop(guard);
        wait_until("the task ran after the pause", || {
            ran.load(Ordering::SeqCst)
        });

        // Pause while paused: the second waits for the first to end.
        let first = pool.pause();
        let (done_tx, done_rx) = mpsc::channel();
        let second = {
            let pool = pool.clone();
            thread::spawn(move || {
                let guard = pool.pause();
                done_tx.send(()).unwrap();
                guard
            })
        };
        wait_until("the second pause's tasks queue", || {
            pool.waiting_queue_size() == 25
        });
        assert!(done_rx.try_recv().is_err(), "second pause returned early");
        drop(first);
        done_rx.recv().unwrap();
        drop(second.join().unwrap());

        // Concurrent pauses both complete, one after the other.
        let pausers: Vec<_> = (0..2)
            .map(|_| {
                let pool = pool.clone();
                thread::spawn(move || drop(pool.pause()))
            })
            .collect();
        for p in pausers {
            p.join().unwrap();
        }

        // Stopping a paused pool (with a second pause waiting) runs the queue.
        let guard = pool.pause();
        let waiting_pause = {
            let pool = pool.clone();
            thread::spawn(move || drop(pool.pause()))
        };
        let ran = Arc::new(AtomicBool::new(false));
        let r = Arc::clone(&ran);
        pool.submit(move || r.store(true, Ordering::SeqCst))
            .unwrap();
        pool.stop_wait();
        assert!(
            ran.load(Ordering::SeqCst),
            "stop_wait did not run the queued task"
        );
        waiting_pause.join().unwrap();
        drop(guard);

        // Pause after stop returns at once.
        drop(pool.pause());
    });
}

#[test]
fn test_worker_leak() {
    thread_local! {
        static CANARY: Canary = const { Canary };
    }
    static THREADS_EXITED: AtomicUsize = AtomicUsize::new(0);
    struct Canary;
    impl Drop for Canary {
        fn drop(&mut self) {
            THREADS_EXITED.fetch_add(1, Ordering::SeqCst);
        }
    }
    watchdog("worker leak", || {
        let pool = WorkerPool::new(100);
        let threads = Arc::new(Mutex::new(HashSet::new()));
        for _ in 0..100 {
            let threads = Arc::clone(&threads);
            pool.submit(move || {
                // Touch the canary so the thread runs its destructor on exit.
                CANARY.with(|_| {});
                threads.lock().unwrap().insert(thread::current().id());
            })
            .unwrap();
        }
        // Stop while work is under way (at least one worker running).
        wait_until("a task has run", || !threads.lock().unwrap().is_empty());
        pool.stop();
        // Every thread that ran a task has really exited (its thread-local
        // destructors ran), not merely left the pool's books.
        let ran_on = threads.lock().unwrap().len();
        assert!(ran_on >= 1);
        assert_eq!(THREADS_EXITED.load(Ordering::SeqCst), ran_on);
        assert_eq!(pool.stats().workers, 0);
    });
}

#[test]
fn test_panic_do() {
    watchdog("errors after stop", || {
        let pool = WorkerPool::new(1);
        pool.stop();
        let ran = Arc::new(AtomicBool::new(false));

        let r = Arc::clone(&ran);
        let err = pool
            .submit(move || r.store(true, Ordering::SeqCst))
            .unwrap_err();
        assert!(err.is_stopped(), "{err:?}");

        let r = Arc::clone(&ran);
        let err = pool
            .try_submit(move || r.store(true, Ordering::SeqCst))
            .unwrap_err();
        assert!(err.is_stopped());

        let r = Arc::clone(&ran);
        let err = pool
            .submit_wait(move || r.store(true, Ordering::SeqCst))
            .unwrap_err();
        assert!(matches!(err, WaitError::Rejected(ref e) if e.is_stopped()));
        assert!(!ran.load(Ordering::SeqCst), "a refused task ran");

        // The refused task comes back and can be run by the caller.
        let r = Arc::clone(&ran);
        let task = pool
            .submit(move || r.store(true, Ordering::SeqCst))
            .unwrap_err()
            .into_task();
        task();
        assert!(ran.load(Ordering::SeqCst));
    });
}
