//! Many threads at once: callers with and without deadlines and cancel
//! tokens, batches, panicking jobs, a resizer, and a close at the end. The checks are
//! invariants (cap, accounting, no lost or duplicated work), never timings.
//! Scale the loops with `TUNNY_STRESS_SCALE` (default 1) for a soak run.
// Real threads: under `--cfg tp_loom` the pool runs on loom's primitives,
// which only work inside a loom model (see src/loom_tests.rs).
#![cfg(not(tp_loom))]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use taskpool::{TaskPool, TaskPoolExt};
use taskpool_conformance::testkit::watchdog;
use taskpool_tunny::{CancelToken, Interrupt, Pool, ProcessError, Worker};

fn scale() -> usize {
    std::env::var("TUNNY_STRESS_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[derive(Default)]
struct Counters {
    builds: AtomicUsize,
    terminates: AtomicUsize,
    drops: AtomicUsize,
    running: AtomicUsize,
    max_running: AtomicUsize,
    /// Largest size ever asked for; running may never exceed it.
    max_size: AtomicUsize,
    ok: AtomicUsize,
    panicked: AtomicUsize,
}

struct Probe {
    c: Arc<Counters>,
    /// Per-worker state: must equal the number of jobs this worker started.
    jobs: u64,
}

impl Worker for Probe {
    type Input = u64;
    type Output = (u64, u64);

    fn process(&mut self, x: u64, interrupt: &Interrupt) -> (u64, u64) {
        self.jobs += 1;
        let now = self.c.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.c.max_running.fetch_max(now, Ordering::SeqCst);
        let panics = x % 53 == 0;
        if x % 7 == 0 {
            // An interruptible wait, so deadlines and cancellations catch
            // some jobs while they run.
            interrupt.wait_timeout(Duration::from_micros(x % 300));
        }
        self.c.running.fetch_sub(1, Ordering::SeqCst);
        assert!(!panics, "planned panic for {x}");
        (x * 3, self.jobs)
    }

    fn terminate(&mut self) {
        self.c.terminates.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        self.c.drops.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn callers_resizer_and_close_keep_the_invariants() {
    watchdog("stress", || {
        const CALLERS: usize = 8;
        let jobs = 400 * scale();
        let c = Arc::new(Counters::default());
        c.max_size.store(3, Ordering::SeqCst);
        let pool = {
            let c = Arc::clone(&c);
            Pool::new(3, move || {
                c.builds.fetch_add(1, Ordering::SeqCst);
                Probe {
                    c: Arc::clone(&c),
                    jobs: 0,
                }
            })
        };
        let stop_resizing = Arc::new(AtomicBool::new(false));
        let resizer = {
            let (pool, c, stop) = (pool.clone(), Arc::clone(&c), Arc::clone(&stop_resizing));
            thread::spawn(move || {
                let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
                while !stop.load(Ordering::SeqCst) {
                    let n = 1 + (rng.next() % 4) as usize;
                    c.max_size.fetch_max(n, Ordering::SeqCst);
                    pool.set_size(n).unwrap();
                    thread::yield_now();
                }
            })
        };
        let callers: Vec<_> = (0..CALLERS)
            .map(|t| {
                let (pool, c) = (pool.clone(), Arc::clone(&c));
                thread::spawn(move || {
                    let mut rng = Xorshift(t as u64 * 7919 + 1);
                    for _ in 0..jobs {
                        let x = rng.next() % 10_000 + 1;
                        let choice = rng.next() % 4;
                        if choice == 3 {
                            // A batch: every input gets its own outcome, in
                            // order, through resizes that retire workers
                            // in the middle of a chunk.
                            let inputs: Vec<u64> =
                                (0..1 + rng.next() % 24).map(|i| x + i).collect();
                            let items = inputs.iter().copied();
                            let (outcomes, may_give_up) = match rng.next() % 3 {
                                0 => (pool.process_batch(items), false),
                                1 => {
                                    let timeout = Duration::from_micros(rng.next() % 400);
                                    (pool.process_batch_timeout(items, timeout), true)
                                }
                                _ => {
                                    let token = CancelToken::new();
                                    if rng.next() % 4 == 0 {
                                        token.cancel();
                                    }
                                    (pool.process_batch_cancellable(items, &token), true)
                                }
                            };
                            assert_eq!(outcomes.len(), inputs.len());
                            for (x, outcome) in inputs.into_iter().zip(outcomes) {
                                match outcome {
                                    Ok((y, _)) => {
                                        assert_eq!(y, x * 3);
                                        c.ok.fetch_add(1, Ordering::SeqCst);
                                    }
                                    Err(ProcessError::Panicked(_)) => {
                                        assert!(x % 53 == 0);
                                        c.panicked.fetch_add(1, Ordering::SeqCst);
                                    }
                                    Err(ProcessError::TimedOut | ProcessError::Cancelled)
                                        if may_give_up => {}
                                    Err(e) => panic!("a batch item failed with {e:?}"),
                                }
                            }
                            continue;
                        }
                        let result = match choice {
                            0 => pool.process(x),
                            1 => pool.process_timeout(x, Duration::from_micros(rng.next() % 200)),
                            _ => {
                                let token = CancelToken::new();
                                if rng.next() % 4 == 0 {
                                    token.cancel();
                                }
                                pool.process_cancellable(x, &token)
                            }
                        };
                        match result {
                            Ok((y, jobs_on_worker)) => {
                                assert_eq!(y, x * 3);
                                assert!(jobs_on_worker >= 1);
                                c.ok.fetch_add(1, Ordering::SeqCst);
                            }
                            Err(ProcessError::Panicked(_)) => {
                                assert!(x % 53 == 0);
                                c.panicked.fetch_add(1, Ordering::SeqCst);
                            }
                            Err(ProcessError::TimedOut | ProcessError::Cancelled) => {}
                            Err(ProcessError::Closed) => panic!("closed while open"),
                        }
                    }
                })
            })
            .collect();
        for caller in callers {
            caller.join().unwrap();
        }
        stop_resizing.store(true, Ordering::SeqCst);
        resizer.join().unwrap();
        pool.close();

        let stats = pool.stats();
        assert_eq!((stats.workers, stats.running, stats.waiting), (0, 0, 0));
        assert!(c.max_running.load(Ordering::SeqCst) <= c.max_size.load(Ordering::SeqCst));
        // Every delivered result was counted (abandoned ones may add more).
        assert!(stats.completed >= c.ok.load(Ordering::SeqCst) as u64);
        assert!(stats.panicked >= c.panicked.load(Ordering::SeqCst) as u64);
        // Every worker built was dropped exactly once; each left through
        // terminate except those replaced after a panic.
        let builds = c.builds.load(Ordering::SeqCst);
        assert_eq!(c.drops.load(Ordering::SeqCst), builds);
        assert_eq!(
            c.terminates.load(Ordering::SeqCst) + stats.panicked as usize,
            builds
        );
    });
}

#[test]
fn many_submitters_on_the_taskpool_face_run_every_task_once() {
    watchdog("face stress", || {
        const SUBMITTERS: usize = 8;
        const CAP: usize = 3;
        let per = 2_000 * scale();
        let pool = Arc::new(Pool::callback(CAP));
        let runs = Arc::new(AtomicUsize::new(0));
        let running = Arc::new(AtomicUsize::new(0));
        let max_running = Arc::new(AtomicUsize::new(0));
        let submitters: Vec<_> = (0..SUBMITTERS)
            .map(|t| {
                let (pool, runs, running, max_running) = (
                    Arc::clone(&pool),
                    Arc::clone(&runs),
                    Arc::clone(&running),
                    Arc::clone(&max_running),
                );
                thread::spawn(move || {
                    let mut accepted = 0;
                    let mut refused = 0;
                    for i in 0..per {
                        let (runs, running, max_running) = (
                            Arc::clone(&runs),
                            Arc::clone(&running),
                            Arc::clone(&max_running),
                        );
                        let task = Box::new(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            max_running.fetch_max(now, Ordering::SeqCst);
                            runs.fetch_add(1, Ordering::SeqCst);
                            running.fetch_sub(1, Ordering::SeqCst);
                        });
                        match (t + i) % 4 {
                            0 => match pool.try_submit(task) {
                                Ok(()) => accepted += 1,
                                Err(e) => {
                                    assert!(e.is_overloaded());
                                    refused += 1;
                                }
                            },
                            1 => {
                                pool.submit_wait(task).unwrap();
                                accepted += 1;
                            }
                            2 => {
                                pool.spawn(task).unwrap().join().unwrap();
                                accepted += 1;
                            }
                            _ => {
                                pool.submit(task).unwrap();
                                accepted += 1;
                            }
                        }
                    }
                    (accepted, refused)
                })
            })
            .collect();
        let (mut accepted, mut refused) = (0, 0);
        for s in submitters {
            let (a, r) = s.join().unwrap();
            accepted += a;
            refused += r;
        }
        pool.stop_wait();
        // Every accepted task ran exactly once; refused ones never ran.
        assert_eq!(accepted + refused, SUBMITTERS * per);
        assert_eq!(runs.load(Ordering::SeqCst), accepted);
        assert!(max_running.load(Ordering::SeqCst) <= CAP);
        let stats = pool.stats();
        assert_eq!(stats.completed, accepted as u64);
        assert_eq!(stats.workers, 0);
    });
}

/// The hand-off's two ways to meet: a job short enough that the waiting
/// side finds the answer while it polls (no notification is sent), and one
/// long enough that it has gone to sleep and must be notified. Alternating
/// them at random, from more callers than workers, checks that skipping the
/// notification of a thread that is not asleep never strands a caller or a
/// parked worker: every call returns its own output.
#[test]
fn polled_and_slept_hand_offs_both_deliver() {
    const CALLERS: usize = 6;
    let calls = 400 * scale();
    watchdog("polled and slept hand-offs", move || {
        let pool = Pool::with_fn(3, |(i, long): (usize, bool)| {
            if long {
                thread::sleep(Duration::from_micros(300));
            }
            i * 2
        });
        thread::scope(|s| {
            for c in 0..CALLERS {
                let pool = &pool;
                s.spawn(move || {
                    let mut rng = Xorshift(0x9E37_79B9 ^ (c as u64 + 1));
                    for i in 0..calls {
                        let long = rng.next() % 4 == 0;
                        if rng.next() % 8 == 0 {
                            // A pause between calls lets the workers park.
                            thread::sleep(Duration::from_micros(200));
                        }
                        assert_eq!(pool.process((i, long)), Ok(i * 2));
                    }
                });
            }
        });
        let stats = pool.stats();
        assert_eq!(stats.completed, (CALLERS * calls) as u64);
        assert_eq!(stats.running, 0);
        pool.close();
    });
}
