//! Stress: many submitter threads against small pools, checking the rules on
//! what really happened (instrumented tasks), not on the pool's own counters.
//! Loop sizes scale with `TP_STRESS_SCALE` (default 1; soak runs use more).

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use taskpool_conformance::testkit::watchdog;
use taskpool_workerpool::{FullPolicy, WorkerPool};

fn scale() -> usize {
    std::env::var("TP_STRESS_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

/// Tracks how many instrumented tasks run at once and the most ever seen.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    most: AtomicUsize,
    runs: Mutex<Vec<usize>>,
}

impl Gauge {
    fn task(self: &Arc<Self>, id: usize) -> taskpool::Task {
        let gauge = Arc::clone(self);
        Box::new(move || {
            let now = gauge.now.fetch_add(1, Ordering::SeqCst) + 1;
            gauge.most.fetch_max(now, Ordering::SeqCst);
            thread::yield_now();
            gauge.runs.lock().unwrap().push(id);
            gauge.now.fetch_sub(1, Ordering::SeqCst);
        })
    }
}

#[test]
fn many_submitters_cap_and_exactly_once() {
    for cap in [1, 2, 3, 8] {
        watchdog("many submitters", move || {
            const THREADS: usize = 8;
            let per_thread = 2_000 * scale();
            let pool = WorkerPool::new(cap);
            let gauge = Arc::new(Gauge::default());
            let start = Arc::new(Barrier::new(THREADS));
            let submitters: Vec<_> = (0..THREADS)
                .map(|t| {
                    let (pool, gauge, start) =
                        (pool.clone(), Arc::clone(&gauge), Arc::clone(&start));
                    thread::spawn(move || {
                        start.wait();
                        for i in 0..per_thread {
                            pool.submit(gauge.task(t * per_thread + i)).unwrap();
                        }
                    })
                })
                .collect();
            for s in submitters {
                s.join().unwrap();
            }
            pool.stop_wait();
            let runs = gauge.runs.lock().unwrap();
            assert_eq!(
                runs.len(),
                THREADS * per_thread,
                "cap {cap}: lost or extra runs"
            );
            let distinct: HashSet<_> = runs.iter().collect();
            assert_eq!(distinct.len(), runs.len(), "cap {cap}: a task ran twice");
            assert!(
                gauge.most.load(Ordering::SeqCst) <= cap,
                "cap {cap} exceeded"
            );
            assert_eq!(pool.stats().workers, 0);
        });
    }
}

#[test]
fn stop_wait_racing_submitters_runs_exactly_the_accepted() {
    for round in 0..20 * scale() {
        watchdog("stop_wait vs submit", move || {
            const THREADS: usize = 6;
            let pool = WorkerPool::new(1 + round % 4);
            let gauge = Arc::new(Gauge::default());
            let accepted = Arc::new(Mutex::new(Vec::new()));
            let start = Arc::new(Barrier::new(THREADS + 1));
            let submitters: Vec<_> = (0..THREADS)
                .map(|t| {
                    let (pool, gauge, accepted, start) = (
                        pool.clone(),
                        Arc::clone(&gauge),
                        Arc::clone(&accepted),
                        Arc::clone(&start),
                    );
                    thread::spawn(move || {
                        start.wait();
                        for i in 0..500 {
                            let id = t * 1_000 + i;
                            match pool.submit(gauge.task(id)) {
                                Ok(()) => accepted.lock().unwrap().push(id),
                                Err(e) => {
                                    assert!(e.is_stopped());
                                    break;
                                }
                            }
                        }
                    })
                })
                .collect();
            start.wait();
            pool.stop_wait();
            let ran_when_stopped = gauge.runs.lock().unwrap().len();
            for s in submitters {
                s.join().unwrap();
            }
            let mut ran = gauge.runs.lock().unwrap().clone();
            assert_eq!(
                ran.len(),
                ran_when_stopped,
                "a task ran after stop_wait returned"
            );
            let mut accepted = accepted.lock().unwrap().clone();
            ran.sort_unstable();
            accepted.sort_unstable();
            assert_eq!(
                ran, accepted,
                "stop_wait must run exactly the accepted tasks"
            );
        });
    }
}

#[test]
fn stop_racing_submitters_runs_each_at_most_once() {
    for round in 0..20 * scale() {
        watchdog("stop vs submit", move || {
            const THREADS: usize = 6;
            let pool = WorkerPool::new(1 + round % 4);
            let gauge = Arc::new(Gauge::default());
            let accepted = Arc::new(Mutex::new(HashSet::new()));
            let submitters: Vec<_> = (0..THREADS)
                .map(|t| {
                    let (pool, gauge, accepted) =
                        (pool.clone(), Arc::clone(&gauge), Arc::clone(&accepted));
                    thread::spawn(move || {
                        for i in 0..500 {
                            let id = t * 1_000 + i;
                            if pool.submit(gauge.task(id)).is_err() {
                                break;
                            }
                            accepted.lock().unwrap().insert(id);
                        }
                    })
                })
                .collect();
            thread::yield_now();
            pool.stop();
            let ran_when_stopped = gauge.runs.lock().unwrap().len();
            for s in submitters {
                s.join().unwrap();
            }
            let ran = gauge.runs.lock().unwrap().clone();
            assert_eq!(
                ran.len(),
                ran_when_stopped,
                "a task started after stop returned"
            );
            let distinct: HashSet<_> = ran.iter().copied().collect();
            assert_eq!(distinct.len(), ran.len(), "a task ran twice");
            let accepted = accepted.lock().unwrap();
            assert!(distinct.is_subset(&accepted), "a refused task ran");
            assert_eq!(pool.stats().workers, 0);
        });
    }
}

#[test]
fn concurrent_stoppers_and_submitters_on_a_bounded_blocking_queue() {
    for round in 0..10 * scale() {
        watchdog("bounded block under stop", move || {
            let pool = WorkerPool::builder()
                .capacity(2)
                .max_queued(4)
                .when_full(FullPolicy::Block)
                .build()
                .unwrap();
            let gauge = Arc::new(Gauge::default());
            let accepted = Arc::new(AtomicUsize::new(0));
            let threads: Vec<_> = (0..6)
                .map(|t| {
                    let (pool, gauge, accepted) =
                        (pool.clone(), Arc::clone(&gauge), Arc::clone(&accepted));
                    thread::spawn(move || {
                        if t == 5 {
                            // One of the threads stops the pool midway.
                            thread::yield_now();
                            if round % 2 == 0 {
                                pool.stop_wait();
                            } else {
                                pool.stop();
                            }
                            return;
                        }
                        for i in 0..300 {
                            match pool.submit(gauge.task(t * 1_000 + i)) {
                                Ok(()) => {
                                    accepted.fetch_add(1, Ordering::SeqCst);
                                }
                                Err(e) => {
                                    assert!(e.is_stopped());
                                    break;
                                }
                            }
                        }
                    })
                })
                .collect();
            for t in threads {
                t.join().unwrap();
            }
            pool.stop_wait();
            let ran = gauge.runs.lock().unwrap().len();
            let accepted = accepted.load(Ordering::SeqCst);
            if round % 2 == 0 {
                assert_eq!(ran, accepted);
            } else {
                assert!(ran <= accepted);
            }
            assert!(gauge.most.load(Ordering::SeqCst) <= 2);
        });
    }
}

#[test]
fn nested_submissions_from_tasks_all_run() {
    watchdog("nested", || {
        let pool = WorkerPool::new(3);
        let count = Arc::new(AtomicUsize::new(0));
        for _ in 0..200 * scale() {
            let (inner, count) = (pool.clone(), Arc::clone(&count));
            pool.submit(move || {
                for _ in 0..3 {
                    let count = Arc::clone(&count);
                    // Tasks submitted by tasks are accepted while the pool runs.
                    let _ = inner.submit(Box::new(move || {
                        count.fetch_add(1, Ordering::SeqCst);
                    }));
                }
            })
            .unwrap();
        }
        pool.wait_idle();
        assert_eq!(count.load(Ordering::SeqCst), 600 * scale());
        pool.stop_wait();
    });
}

#[test]
fn wait_idle_covers_children_of_earlier_tasks() {
    watchdog("wait_idle and children", || {
        let pool = WorkerPool::new(3);
        for round in 0..300 * scale() {
            let finished = Arc::new(AtomicUsize::new(0));
            let mut expected = 0;
            for t in 0..4 {
                let (inner, finished) = (pool.clone(), Arc::clone(&finished));
                expected += 2;
                pool.submit(move || {
                    let f = Arc::clone(&finished);
                    inner
                        .submit(Box::new(move || {
                            if (round + t) % 2 == 0 {
                                thread::sleep(std::time::Duration::from_millis(0));
                            }
                            f.fetch_add(1, Ordering::SeqCst);
                        }))
                        .unwrap();
                    finished.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap();
            }
            pool.wait_idle();
            assert_eq!(finished.load(Ordering::SeqCst), expected, "round {round}");
        }
        pool.stop_wait();
    });
}
