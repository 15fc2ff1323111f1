//! Loom models of the protocol: the submit -> dispatcher -> worker hand-off,
//! shutdown racing with submit, the worker cap, and a retire racing with a new
//! task. Run with
//! `RUSTFLAGS="--cfg tp_loom" cargo test -p taskpool-workerpool --lib --release -- loom_tests`.
//!
//! The models never block on std primitives (loom cannot see them), so they
//! use `submit` + `wait_idle`/`stop_wait`, never `submit_wait` or `spawn`.

use std::time::Duration;

use taskpool_utils::sync::{thread, Arc, AtomicUsize, Ordering};

use crate::{ManualClock, WorkerPool};

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(f);
}

fn pool(max_workers: usize) -> WorkerPool {
    WorkerPool::builder()
        .capacity(max_workers)
        .reap_idle(false)
        .build()
        .unwrap()
}

fn counting_task(count: &Arc<AtomicUsize>) -> taskpool::Task {
    let count = Arc::clone(count);
    Box::new(move || {
        count.fetch_add(1, Ordering::SeqCst);
    })
}

/// One task goes submit -> dispatcher -> a new worker, and stop_wait sees it
/// done with every thread joined.
#[test]
fn loom_tests_handoff_runs_the_task_once() {
    model(|| {
        let pool = pool(1);
        let count = Arc::new(AtomicUsize::new(0));
        pool.submit(counting_task(&count)).unwrap();
        pool.stop_wait();
        assert_eq!(count.load(Ordering::SeqCst), 1);
        assert_eq!(pool.stats().workers, 0);
    });
}

/// A second task reaches the worker that is already there (waiting on the
/// condition variable, or about to): no wake-up is lost, wait_idle returns.
#[test]
fn loom_tests_idle_worker_is_woken() {
    model(|| {
        let pool = pool(1);
        let count = Arc::new(AtomicUsize::new(0));
        pool.submit(counting_task(&count)).unwrap();
        pool.submit(counting_task(&count)).unwrap();
        pool.wait_idle();
        assert_eq!(count.load(Ordering::SeqCst), 2);
        pool.stop();
    });
}

/// stop_wait racing a submit on another thread: the task runs exactly when
/// the submit was accepted.
#[test]
fn loom_tests_stop_wait_races_submit() {
    model(|| {
        let pool = pool(1);
        let count = Arc::new(AtomicUsize::new(0));
        // Both racers are spawned before main blocks, so loom may start
        // either first without spending a preemption.
        let submitter = {
            let pool = pool.clone();
            let count = Arc::clone(&count);
            thread::spawn(move || pool.submit(counting_task(&count)).is_ok())
        };
        let stopper = {
            let pool = pool.clone();
            thread::spawn(move || pool.stop_wait())
        };
        stopper.join().unwrap();
        let accepted = submitter.join().unwrap();
        assert_eq!(count.load(Ordering::SeqCst), usize::from(accepted));
    });
}

/// stop racing a submit: a refused task never runs, an accepted one at most
/// once, and nothing runs after stop returns.
#[test]
fn loom_tests_stop_races_submit() {
    model(|| {
        let pool = pool(1);
        let count = Arc::new(AtomicUsize::new(0));
        let submitter = {
            let pool = pool.clone();
            let count = Arc::clone(&count);
            thread::spawn(move || pool.submit(counting_task(&count)).is_ok())
        };
        let stopper = {
            let pool = pool.clone();
            thread::spawn(move || pool.stop())
        };
        stopper.join().unwrap();
        let after_stop = count.load(Ordering::SeqCst);
        let accepted = submitter.join().unwrap();
        assert!(after_stop <= usize::from(accepted));
        assert_eq!(count.load(Ordering::SeqCst), after_stop);
    });
}

/// Two tasks on a one-worker pool never run at the same time.
#[test]
fn loom_tests_cap_holds() {
    model(|| {
        let pool = pool(1);
        let running = Arc::new(AtomicUsize::new(0));
        for _ in 0..2 {
            let running = Arc::clone(&running);
            pool.submit(move || {
                assert_eq!(running.fetch_add(1, Ordering::SeqCst), 0, "cap exceeded");
                running.fetch_sub(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        pool.stop_wait();
    });
}

/// A retire request racing a new task on a one-worker pool: the task still
/// runs (a replacement worker starts if the old one took the request), and
/// the two never run tasks at once.
#[test]
fn loom_tests_reap_races_submit() {
    model(|| {
        let clock = ManualClock::new();
        let period = Duration::from_secs(1);
        let pool = WorkerPool::builder()
            .capacity(1)
            .idle_timeout(period)
            .clock(clock.clone())
            .build()
            .unwrap();
        let count = Arc::new(AtomicUsize::new(0));
        pool.submit(counting_task(&count)).unwrap();
        pool.wait_idle();
        let ticker = thread::spawn(move || clock.advance(period));
        let running = Arc::new(AtomicUsize::new(0));
        for _ in 0..2 {
            let (running, count) = (Arc::clone(&running), Arc::clone(&count));
            pool.submit(move || {
                assert_eq!(running.fetch_add(1, Ordering::SeqCst), 0, "cap exceeded");
                count.fetch_add(1, Ordering::SeqCst);
                running.fetch_sub(1, Ordering::SeqCst);
            })
            .unwrap();
        }
        ticker.join().unwrap();
        pool.stop_wait();
        assert_eq!(count.load(Ordering::SeqCst), 3);
    });
}

/// wait_idle covers the child a running task submits, even when the parent
/// finishes before the dispatcher reads the wait_idle request.
#[test]
fn loom_tests_wait_idle_covers_children() {
    model(|| {
        let pool = pool(1);
        let count = Arc::new(AtomicUsize::new(0));
        let inner = pool.clone();
        let child_count = Arc::clone(&count);
        pool.submit(move || {
            inner.submit(counting_task(&child_count)).unwrap();
        })
        .unwrap();
        pool.wait_idle();
        assert_eq!(count.load(Ordering::SeqCst), 1);
        pool.stop_wait();
    });
}

/// A long queue makes the dispatcher rest (the loom thresholds are tiny);
/// the worker wakes it as the queue drains, and a stop racing all of that
/// still runs every accepted task.
#[test]
fn loom_tests_resting_dispatcher_is_woken() {
    model(|| {
        let pool = pool(1);
        let count = Arc::new(AtomicUsize::new(0));
        for _ in 0..4 {
            pool.submit(counting_task(&count)).unwrap();
        }
        let stopper = {
            let pool = pool.clone();
            thread::spawn(move || pool.stop_wait())
        };
        let late = pool.submit(counting_task(&count)).is_ok();
        stopper.join().unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 4 + usize::from(late));
    });
}

/// Two sleeping workers and two new tasks that only finish together (each
/// waits until the other has started): the dispatcher wakes one sleeper,
/// and the woken worker must wake the next while tasks are left over (one
/// wake owed at a time). Without that second wake the first task waits for
/// the second forever, which sits in the queue of a pool whose other
/// worker sleeps, and the model fails.
#[test]
fn loom_tests_sleepers_are_woken_one_by_one() {
    model(|| {
        let pool = pool(2);
        let count = Arc::new(AtomicUsize::new(0));
        pool.submit(counting_task(&count)).unwrap();
        pool.submit(counting_task(&count)).unwrap();
        pool.wait_idle();
        let started = Arc::new(AtomicUsize::new(0));
        for _ in 0..2 {
            let (started, count) = (Arc::clone(&started), Arc::clone(&count));
            pool.submit(Box::new(move || {
                started.fetch_add(1, Ordering::SeqCst);
                while started.load(Ordering::SeqCst) < 2 {
                    thread::yield_now();
                }
                count.fetch_add(1, Ordering::SeqCst);
            }))
            .unwrap();
        }
        pool.wait_idle();
        assert_eq!(count.load(Ordering::SeqCst), 4);
        pool.stop_wait();
    });
}
