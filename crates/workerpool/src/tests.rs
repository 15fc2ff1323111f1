//! Unit tests: configuration errors, bounded queues, calls made from inside
//! the pool's own tasks, panics, ordering, reaping to zero.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;

use taskpool::{TaskPool, TaskPoolExt, WaitError};
use taskpool_conformance::testkit::{wait_until, watchdog, Latch};

use crate::{FullPolicy, ManualClock, WorkerPool};

/// Occupies `n` workers with tasks blocked on `latch`; returns once they run.
fn occupy(pool: &WorkerPool, n: usize, latch: &Latch) {
    let (tx, rx) = mpsc::channel();
    for _ in 0..n {
        let (tx, latch) = (tx.clone(), latch.clone());
        pool.submit(move || {
            tx.send(()).unwrap();
            latch.wait();
        })
        .unwrap();
    }
    for _ in 0..n {
        rx.recv().unwrap();
    }
}

#[test]
fn builder_refuses_bad_configuration() {
    let msg = |b: crate::Builder| b.build().unwrap_err().to_string();
    assert_eq!(
        msg(WorkerPool::builder().capacity(0)),
        "capacity must be at least 1, got 0"
    );
    assert_eq!(
        msg(WorkerPool::builder().capacity(1).max_queued(0)),
        "max_queued must be at least 1, got 0"
    );
    assert!(msg(WorkerPool::builder().idle_timeout(Duration::ZERO)).contains("idle_timeout"));
    assert!(msg(WorkerPool::builder().when_full(FullPolicy::Reject)).contains("max_queued"));
    assert!(msg(WorkerPool::builder().thread_name("a\0b")).contains("NUL"));
}

#[test]
#[should_panic(expected = "capacity must be at least 1, got 0")]
fn new_panics_on_zero() {
    let _ = WorkerPool::new(0);
}

#[test]
fn default_builder_uses_the_core_count() {
    let pool = WorkerPool::builder().build().unwrap();
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(pool.max_workers(), cores);
    assert_eq!(pool.name(), "workerpool");
    assert!(format!("{pool:?}").contains("WorkerPool"));
    assert!(format!("{:?}", WorkerPool::builder()).contains("Builder"));
}

#[test]
fn workers_start_lazily_and_are_named() {
    watchdog("lazy", || {
        let pool = WorkerPool::builder()
            .capacity(3)
            .reap_idle(false)
            .thread_name("lazy")
            .build()
            .unwrap();
        assert_eq!(pool.stats().workers, 0);
        let name = pool
            .spawn(|| thread::current().name().map(str::to_owned))
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(name.as_deref(), Some("lazy-0"));
        assert_eq!(pool.stats().workers, 1);
        pool.stop_wait();
    });
}

#[test]
fn one_worker_runs_tasks_in_submission_order() {
    watchdog("fifo", || {
        let pool = WorkerPool::new(1);
        let order = Arc::new(Mutex::new(Vec::new()));
        for i in 0..1000 {
            let order = Arc::clone(&order);
            pool.submit(move || order.lock().unwrap().push(i)).unwrap();
        }
        pool.stop_wait();
        assert_eq!(*order.lock().unwrap(), (0..1000).collect::<Vec<_>>());
    });
}

#[test]
fn bounded_reject_refuses_when_full_and_hands_the_task_back() {
    watchdog("bounded reject", || {
        let pool = WorkerPool::builder()
            .capacity(1)
            .max_queued(2)
            .when_full(FullPolicy::Reject)
            .build()
            .unwrap();
        assert_eq!(pool.admission(), taskpool::Admission::Reject);
        let latch = Latch::default();
        occupy(&pool, 1, &latch);
        pool.submit(|| {}).unwrap();
        pool.submit(|| {}).unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let r = Arc::clone(&ran);
        let err = pool
            .submit(move || {
                r.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap_err();
        assert!(err.is_overloaded());
        assert!(pool.try_submit(|| {}).unwrap_err().is_overloaded());
        latch.open();
        pool.wait_idle();
        // Space again once the queue drained.
        pool.submit(|| {}).unwrap();
        pool.stop_wait();
        assert_eq!(ran.load(Ordering::SeqCst), 0);
        err.into_task()();
        assert_eq!(ran.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn bounded_block_waits_for_space_and_stop_releases_it() {
    watchdog("bounded block", || {
        let pool = WorkerPool::builder()
            .capacity(1)
            .max_queued(1)
            .build()
            .unwrap();
        assert_eq!(pool.admission(), taskpool::Admission::Block);
        let latch = Latch::default();
        occupy(&pool, 1, &latch);
        pool.submit(|| {}).unwrap(); // fills the queue
        assert!(pool.try_submit(|| {}).unwrap_err().is_overloaded());
        // A blocking submit waits until the queued task starts.
        let (tx, rx) = mpsc::channel();
        let blocked = {
            let pool = pool.clone();
            thread::spawn(move || {
                let r = pool.submit(|| {});
                tx.send(r.is_ok()).unwrap();
            })
        };
        assert!(rx.try_recv().is_err());
        latch.open();
        assert!(rx.recv().unwrap(), "the blocked submit was accepted");
        blocked.join().unwrap();
        pool.wait_idle();

        // A submitter blocked on a full queue is refused with Stopped by stop.
        let latch = Latch::default();
        occupy(&pool, 1, &latch);
        pool.submit(|| {}).unwrap();
        let blocked = {
            let pool = pool.clone();
            thread::spawn(move || pool.submit(|| {}).map_err(|e| e.is_stopped()))
        };
        wait_until("the submitter blocks", || {
            pool.handle.inner.bound.space_waiters.load(Ordering::SeqCst) == 1
        });
        let stopper = {
            let pool = pool.clone();
            thread::spawn(move || pool.stop_wait())
        };
        assert_eq!(blocked.join().unwrap(), Err(true));
        latch.open();
        stopper.join().unwrap();
        assert_eq!(pool.stats().completed, 5);
    });
}

#[test]
fn blocking_submit_from_own_task_on_a_full_queue_refuses() {
    watchdog("nested blocking submit", || {
        let pool = WorkerPool::builder()
            .capacity(1)
            .max_queued(1)
            .build()
            .unwrap();
        let inner = pool.clone();
        let result = pool
            .spawn(move || {
                inner.submit(|| {}).unwrap(); // fills the queue
                inner.submit(|| {}).map_err(|e| e.is_overloaded())
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(result, Err(true));
        pool.stop_wait();
    });
}

#[test]
fn nested_submit_wait_refuses_only_when_it_could_deadlock() {
    watchdog("nested submit_wait", || {
        let one = WorkerPool::new(1);
        let inner = one.clone();
        let refused = one
            .spawn(move || {
                matches!(
                    inner.submit_wait(|| {}),
                    Err(WaitError::Rejected(ref e)) if e.is_overloaded()
                )
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(refused);
        one.stop_wait();

        let two = WorkerPool::new(2);
        let inner = two.clone();
        let ok = two
            .spawn(move || inner.submit_wait(|| {}).is_ok())
            .unwrap()
            .join()
            .unwrap();
        assert!(ok);
        two.stop_wait();
    });
}

#[test]
fn stop_from_inside_a_task_does_not_wait_for_itself() {
    for graceful in [false, true] {
        watchdog("stop inside a task", move || {
            let pool = WorkerPool::new(2);
            let inner = pool.clone();
            let ran_after = Arc::new(AtomicUsize::new(0));
            let r = Arc::clone(&ran_after);
            pool.submit(move || {
                if graceful {
                    inner.stop_wait();
                } else {
                    inner.stop();
                }
                assert!(inner.is_stopped());
                assert!(inner.submit(Box::new(|| {})).unwrap_err().is_stopped());
                r.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
            // From outside, waiting works and sees the task finish.
            pool.stop_wait();
            assert_eq!(ran_after.load(Ordering::SeqCst), 1);
            assert_eq!(pool.stats().workers, 0);
        });
    }
}

#[test]
fn dropping_the_last_handle_inside_a_task_stops_without_deadlock() {
    watchdog("drop inside a task", || {
        let pool = WorkerPool::new(2);
        let inner = Arc::clone(&pool.handle.inner);
        let (tx, rx) = mpsc::channel();
        let last = pool.clone();
        drop(pool);
        // Queue more work behind it: graceful drop runs it too.
        let count = Arc::new(AtomicUsize::new(0));
        for _ in 0..10 {
            let count = Arc::clone(&count);
            last.submit(move || {
                count.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        let holder = last.clone();
        drop(last);
        holder
            .clone()
            .submit(move || {
                drop(holder); // the last handle goes away on a worker
                tx.send(()).unwrap();
            })
            .unwrap();
        rx.recv().unwrap();
        wait_until("the pool shut itself down", || {
            let h = inner.handoff.lock().unwrap();
            h.live == 0 && h.closing
        });
        assert_eq!(count.load(Ordering::SeqCst), 10);
    });
}

#[test]
fn dropping_the_last_handle_in_an_abandoned_tasks_destructor() {
    watchdog("drop on the dispatcher", || {
        let pool = WorkerPool::new(1);
        let latch = Latch::default();
        occupy(&pool, 1, &latch);
        struct HoldsPool(#[allow(dead_code)] WorkerPool);
        let holder = HoldsPool(pool.clone());
        pool.submit(move || drop(holder)).unwrap();
        let stopper = {
            let pool = pool.clone();
            thread::spawn(move || pool.stop())
        };
        wait_until("stop dropped the queue", || {
            pool.is_stopped() && pool.waiting_queue_size() == 0
        });
        latch.open();
        stopper.join().unwrap();
        assert_eq!(pool.stats().workers, 0);
    });
}

#[test]
fn panics_are_caught_counted_and_handed_to_the_handler() {
    watchdog("panics", || {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = Arc::clone(&seen);
        let pool = WorkerPool::builder()
            .capacity(2)
            .panic_handler(move |p| {
                s.lock()
                    .unwrap()
                    .push(taskpool::panic_message(&*p).unwrap_or("?").to_owned());
            })
            .build()
            .unwrap();
        for i in 0..10 {
            pool.submit(move || panic!("task {i} failed")).unwrap();
        }
        pool.wait_idle();
        let stats = pool.stats();
        assert_eq!(stats.panicked, 10);
        assert!(stats.workers <= 2);
        // Capacity intact: both workers still run tasks at once.
        let latch = Latch::default();
        occupy(&pool, 2, &latch);
        latch.open();
        let err = pool.submit_wait(|| panic!("waited")).unwrap_err();
        assert_eq!(err.panic_message(), Some("waited"));
        pool.stop_wait();
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 11);
        assert!(seen.contains(&"task 3 failed".to_owned()));
        assert!(seen.contains(&taskpool::ForwardedPanic::MESSAGE.to_owned()));
    });
}

#[test]
fn a_panicking_handler_does_not_kill_the_worker() {
    watchdog("panicking handler", || {
        let pool = WorkerPool::builder()
            .capacity(1)
            .reap_idle(false)
            .panic_handler(|_| panic!("handler fails too"))
            .build()
            .unwrap();
        pool.submit(|| panic!("task fails")).unwrap();
        pool.submit_wait(|| {}).unwrap();
        assert_eq!(pool.stats().workers, 1);
        pool.stop_wait();
    });
}

#[test]
fn idle_workers_are_reaped_one_per_period_down_to_zero() {
    watchdog("reap to zero", || {
        let clock = ManualClock::new();
        let period = Duration::from_millis(100);
        let pool = WorkerPool::builder()
            .capacity(3)
            .idle_timeout(period)
            .clock(clock.clone())
            .build()
            .unwrap();
        drop(pool.pause());
        pool.wait_idle();
        for left in (0..3).rev() {
            clock.advance(period);
            wait_until("one more worker exited", || pool.stats().workers == left);
        }
        clock.advance(period);
        assert_eq!(pool.stats().workers, 0);
        // Still usable: a new worker starts on demand.
        pool.submit_wait(|| {}).unwrap();
        assert_eq!(pool.stats().workers, 1);
        pool.stop_wait();
        // The stopped pool no longer answers ticks; advancing is harmless.
        clock.advance(period);
    });
}

#[test]
fn activity_restarts_the_idle_period() {
    watchdog("activity", || {
        let clock = ManualClock::new();
        let period = Duration::from_secs(2);
        let pool = WorkerPool::builder()
            .capacity(1)
            .idle_timeout(period)
            .clock(clock.clone())
            .build()
            .unwrap();
        pool.submit_wait(|| {}).unwrap();
        clock.advance(period / 2);
        pool.submit_wait(|| {}).unwrap(); // arrives at t = 1 s
        clock.advance(period / 2); // t = 2 s: idle only 1 s
        assert_eq!(pool.stats().workers, 1);
        clock.advance(period / 2); // t = 3 s: idle 2 s
        wait_until("the worker exited", || pool.stats().workers == 0);
        pool.stop();
    });
}

#[test]
fn real_clock_reaps_too() {
    watchdog("system clock", || {
        let pool = WorkerPool::builder()
            .capacity(2)
            .idle_timeout(Duration::from_millis(5))
            .build()
            .unwrap();
        drop(pool.pause());
        wait_until("both workers were reaped", || pool.stats().workers == 0);
        pool.stop_wait();
    });
}

#[test]
fn wait_idle_inside_a_task_ignores_the_caller() {
    watchdog("nested wait_idle", || {
        let pool = WorkerPool::new(2);
        let inner = pool.clone();
        let count = Arc::new(AtomicUsize::new(0));
        let c = Arc::clone(&count);
        let handle = pool
            .spawn(move || {
                for _ in 0..5 {
                    let c = Arc::clone(&c);
                    inner
                        .submit(move || {
                            c.fetch_add(1, Ordering::SeqCst);
                        })
                        .unwrap();
                }
                inner.wait_idle();
                c.load(Ordering::SeqCst)
            })
            .unwrap();
        assert_eq!(handle.join().unwrap(), 5);
        pool.stop_wait();
        assert_eq!(count.load(Ordering::SeqCst), 5);
    });
}

#[test]
fn wait_idle_on_a_stopped_pool_returns() {
    watchdog("wait_idle after stop", || {
        let pool = WorkerPool::new(2);
        pool.submit(|| {}).unwrap();
        pool.stop();
        pool.wait_idle();
        assert_eq!(pool.stats().workers, 0);
    });
}

#[test]
fn stop_abandons_waiting_tasks_and_their_handles_say_so() {
    watchdog("abandoned", || {
        let pool = WorkerPool::new(1);
        let latch = Latch::default();
        occupy(&pool, 1, &latch);
        let handle = pool.spawn(|| 1).unwrap();
        let stopper = {
            let pool = pool.clone();
            thread::spawn(move || pool.stop())
        };
        wait_until("queue dropped", || {
            pool.is_stopped() && pool.waiting_queue_size() == 0
        });
        latch.open();
        stopper.join().unwrap();
        assert!(matches!(handle.join(), Err(taskpool::JoinError::Abandoned)));
    });
}

#[test]
#[should_panic(expected = "pause called from one of the pool's own tasks")]
fn pause_from_own_task_panics() {
    let pool = WorkerPool::new(1);
    let inner = pool.clone();
    let result = pool.spawn(move || drop(inner.pause())).unwrap().join();
    if let Err(taskpool::JoinError::Panicked(p)) = result {
        p.resume_unwind();
    }
}

#[test]
fn clones_share_one_pool_and_stats_add_up() {
    watchdog("clones", || {
        let pool = WorkerPool::new(2);
        let other = pool.clone();
        other.submit_wait(|| {}).unwrap();
        // The worker counts the task just after the waiter saw it finish.
        pool.wait_idle();
        assert_eq!(pool.stats().completed, 1);
        drop(other);
        assert!(!pool.is_stopped());
        let stats = pool.stats();
        assert_eq!((stats.capacity, stats.running, stats.waiting), (2, 0, 0));
    });
}

#[test]
fn task_queue_keeps_fifo_order_across_chunks() {
    use crate::queue::TaskQueue;
    let order = Arc::new(Mutex::new(Vec::new()));
    let task = |i: usize| -> taskpool::Task {
        let order = Arc::clone(&order);
        Box::new(move || order.lock().unwrap().push(i))
    };
    let mut q = TaskQueue::default();
    assert!(q.is_empty());
    for i in 1..=2000 {
        q.push_back(task(i));
    }
    q.push_front(task(0));
    assert_eq!(q.len(), 2001);
    // Drain half, refill, drain all: order is kept throughout.
    for _ in 0..1000 {
        q.pop_front().unwrap()();
    }
    for i in 2001..=2600 {
        q.push_back(task(i));
    }
    while let Some(t) = q.pop_front() {
        t();
    }
    assert!(q.is_empty());
    assert_eq!(*order.lock().unwrap(), (0..=2600).collect::<Vec<_>>());
    // A drained queue is reusable, front and back.
    q.push_back(task(7));
    q.push_front(task(6));
    assert_eq!(q.len(), 2);
}

#[test]
fn stop_drops_a_long_queue_promptly_even_while_the_dispatcher_rests() {
    watchdog("stop with a long queue", || {
        let pool = WorkerPool::new(1);
        let latch = Latch::default();
        occupy(&pool, 1, &latch);
        let ran = Arc::new(AtomicUsize::new(0));
        // Far more than the resting threshold: the dispatcher rests.
        for _ in 0..5_000 {
            let ran = Arc::clone(&ran);
            pool.submit(move || {
                ran.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        let stopper = {
            let pool = pool.clone();
            thread::spawn(move || pool.stop())
        };
        // The worker stays blocked until the queue is gone: only a prompt
        // stop gets there.
        wait_until("stop dropped the whole queue", || {
            pool.is_stopped() && pool.waiting_queue_size() == 0
        });
        latch.open();
        stopper.join().unwrap();
        assert_eq!(ran.load(Ordering::SeqCst), 0);
    });
}

#[test]
fn a_clock_tick_reaches_a_resting_dispatcher() {
    watchdog("tick while resting", || {
        let clock = ManualClock::new();
        let pool = WorkerPool::builder()
            .capacity(1)
            .idle_timeout(Duration::from_secs(1))
            .clock(clock.clone())
            .build()
            .unwrap();
        let latch = Latch::default();
        occupy(&pool, 1, &latch);
        for _ in 0..3_000 {
            pool.submit(|| {}).unwrap();
        }
        // Returns only once the dispatcher has read the tick.
        clock.advance(Duration::from_secs(5));
        assert_eq!(pool.stats().workers, 1, "the busy worker is not reaped");
        latch.open();
        pool.stop_wait();
        assert_eq!(pool.stats().completed, 3_001);
    });
}

#[test]
fn submitters_never_leave_the_dispatcher_far_behind() {
    use crate::rest::{LAG_LIMIT, LAG_SAMPLE};
    const PER_SUBMITTER: usize = 30_000;
    watchdog("a lagging dispatcher", || {
        let pool = WorkerPool::new(2);
        let latch = Latch::default();
        occupy(&pool, 1, &latch);
        let ran = Arc::new(AtomicUsize::new(0));
        let submit_many = {
            let ran = Arc::clone(&ran);
            move |pool: &WorkerPool| {
                for _ in 0..PER_SUBMITTER {
                    let ran = Arc::clone(&ran);
                    pool.submit(move || {
                        ran.fetch_add(1, Ordering::Relaxed);
                    })
                    .unwrap();
                }
            }
        };
        // One submitter is a task on the pool's other worker: its waits for
        // the dispatcher must not deadlock either.
        let (inside_done, inside_rx) = mpsc::channel();
        {
            let (inner, submit_many) = (pool.clone(), submit_many.clone());
            pool.submit(move || {
                submit_many(&inner);
                inside_done.send(()).unwrap();
            })
            .unwrap();
        }
        let outside = {
            let pool = pool.clone();
            thread::spawn(move || submit_many(&pool))
        };
        // Each submitter looks every LAG_SAMPLE submits, so between two looks
        // the two of them add at most 2 * LAG_SAMPLE messages.
        let bound = LAG_LIMIT + 2 * LAG_SAMPLE as usize;
        let mut longest = 0;
        while !(outside.is_finished() && inside_rx.try_recv().is_ok()) {
            longest = longest.max(pool.handle.tx.len());
            thread::yield_now();
        }
        outside.join().unwrap();
        assert!(
            longest <= bound,
            "the channel held {longest} messages, more than {bound}"
        );
        latch.open();
        pool.stop_wait();
        assert_eq!(ran.load(Ordering::Relaxed), 2 * PER_SUBMITTER);
    });
}

#[test]
fn a_channel_message_is_as_small_as_a_task() {
    // The control variants are boxed so a queued message costs a task's 16
    // bytes (a 24-byte channel slot with its stamp), not 24 (32).
    assert_eq!(
        std::mem::size_of::<crate::msg::Msg>(),
        std::mem::size_of::<taskpool::Task>()
    );
}
