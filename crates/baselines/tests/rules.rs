//! Holds every baseline pool to the nine rules of the `TaskPool` contract.
//!
//! Each check is written once, generically over a factory `fn(usize) -> P`,
//! and instantiated per pool by `rules_for!`, so a failure names the pool:
//! `rayon::rule3_nothing_starts_after_stop`. No check depends on timing:
//! tasks meet on barriers and gates, and every wait that could hang runs
//! under a 60-second watchdog that fails the test with a message instead.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use taskpool::{TaskPool, TaskPoolExt, WaitError};
use taskpool_baselines::{ChannelPool, RayonPool, ThreadPerTask, ThreadpoolPool};

/// How long any blocking step may take before the test is declared hung.
const WATCHDOG: Duration = Duration::from_secs(60);

/// Runs `f` on its own thread and fails the test if it has not finished
/// within [`WATCHDOG`]. A panic in `f` fails the test with its own message.
fn watchdog<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let body = thread::spawn(move || {
        let out = f();
        let _ = tx.send(());
        out
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(()) => body.join().expect("the watched body panicked"),
        Err(mpsc::RecvTimeoutError::Disconnected) => match body.join() {
            Ok(_) => unreachable!("the body always sends before returning"),
            Err(payload) => std::panic::resume_unwind(payload),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!(
                "watchdog: `{what}` did not finish within {WATCHDOG:?} (deadlock or lost wake-up)"
            )
        }
    }
}

/// A one-shot gate tasks can wait on until the test opens it.
#[derive(Clone, Default)]
struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    fn wait(&self) {
        let (open, cv) = &*self.0;
        let mut open = open.lock().unwrap();
        while !*open {
            open = cv.wait(open).unwrap();
        }
    }
    fn open(&self) {
        let (open, cv) = &*self.0;
        *open.lock().unwrap() = true;
        cv.notify_all();
    }
}

/// Counts live threads that have run a probed task, by the threads
/// themselves: the first probed task on a thread installs a thread-local
/// guard whose destructor runs when that thread exits.
#[derive(Clone, Default)]
struct ThreadProbe(Arc<(Mutex<usize>, Condvar)>);

struct ExitGuard(ThreadProbe);

impl Drop for ExitGuard {
    fn drop(&mut self) {
        let (alive, cv) = &*(self.0).0;
        *alive.lock().unwrap() -= 1;
        cv.notify_all();
    }
}

thread_local! {
    static EXIT_GUARDS: RefCell<Vec<(usize, ExitGuard)>> = const { RefCell::new(Vec::new()) };
}

impl ThreadProbe {
    fn id(&self) -> usize {
        Arc::as_ptr(&self.0) as *const () as usize
    }
    /// Called from a task: registers the current thread once.
    fn enter(&self) {
        let id = self.id();
        EXIT_GUARDS.with(|g| {
            let mut g = g.borrow_mut();
            if !g.iter().any(|(x, _)| *x == id) {
                *(self.0).0.lock().unwrap() += 1;
                g.push((id, ExitGuard(self.clone())));
            }
        });
    }
    fn alive(&self) -> usize {
        *(self.0).0.lock().unwrap()
    }
    /// Waits (under the caller's watchdog) until every probed thread exited.
    fn wait_all_exited(&self) {
        let (alive, cv) = &*self.0;
        let mut alive = alive.lock().unwrap();
        while *alive > 0 {
            alive = cv.wait(alive).unwrap();
        }
    }
}

/// Makes `n` tasks run at the same time on `n` distinct worker threads and
/// probes each of those threads. Returns once all `n` are running together.
fn occupy_all<P: TaskPool>(pool: &P, n: usize, probe: &ThreadProbe) {
    let barrier = Arc::new(Barrier::new(n + 1));
    for _ in 0..n {
        let barrier = barrier.clone();
        let probe = probe.clone();
        pool.submit(Box::new(move || {
            probe.enter();
            barrier.wait();
        }))
        .unwrap();
    }
    barrier.wait();
}

/// Spins (yielding) until `cond` holds; used only under a watchdog, for
/// states another thread is guaranteed to reach.
fn until(cond: impl Fn() -> bool) {
    while !cond() {
        thread::yield_now();
    }
}

// ---------------------------------------------------------------- rule 1

fn rule1_cap_never_exceeded<P: TaskPool + Clone + 'static>(make: fn(usize) -> P) {
    watchdog("rule 1", move || {
        const CAP: usize = 3;
        let pool = make(CAP);
        let active = Arc::new(AtomicUsize::new(0));
        let max = Arc::new(AtomicUsize::new(0));
        let ran = Arc::new(AtomicUsize::new(0));
        let start = Arc::new(Barrier::new(4));
        let submitters: Vec<_> = (0..4)
            .map(|_| {
                let (pool, active, max, ran, start) = (
                    pool.clone(),
                    active.clone(),
                    max.clone(),
                    ran.clone(),
                    start.clone(),
                );
                thread::spawn(move || {
                    start.wait();
                    for _ in 0..100 {
                        let (active, max, ran) = (active.clone(), max.clone(), ran.clone());
                        pool.submit(Box::new(move || {
                            let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                            max.fetch_max(now, Ordering::SeqCst);
                            thread::yield_now();
                            active.fetch_sub(1, Ordering::SeqCst);
                            ran.fetch_add(1, Ordering::SeqCst);
                        }))
                        .unwrap();
                    }
                })
            })
            .collect();
        for s in submitters {
            s.join().unwrap();
        }
        pool.wait_idle();
        assert_eq!(ran.load(Ordering::SeqCst), 400);
        let seen = max.load(Ordering::SeqCst);
        assert!(
            seen <= CAP,
            "{}: {seen} tasks ran at once, capacity {CAP}",
            pool.name()
        );
        assert_eq!(pool.stats().capacity, CAP);
        pool.stop_wait();
    });
}

/// With every worker held, the pool reports `capacity` running and starts
/// nothing else until one is released.
fn rule1_full_pool_starts_nothing_more<P: TaskPool + Clone + 'static>(make: fn(usize) -> P) {
    watchdog("rule 1 (full pool)", move || {
        const CAP: usize = 2;
        let pool = make(CAP);
        let gate = Gate::default();
        let started = Arc::new(Barrier::new(CAP + 1));
        for _ in 0..CAP {
            let (gate, started) = (gate.clone(), started.clone());
            pool.submit(Box::new(move || {
                started.wait();
                gate.wait();
            }))
            .unwrap();
        }
        started.wait();
        assert_eq!(pool.stats().running, CAP);
        // A pool that would have to block refuses instead; a queueing pool
        // takes the task but cannot start it while both workers are held.
        let extra_ran = Arc::new(AtomicBool::new(false));
        let flag = extra_ran.clone();
        match pool.try_submit(Box::new(move || flag.store(true, Ordering::SeqCst))) {
            Ok(()) => {
                let s = pool.stats();
                assert_eq!((s.running, s.waiting), (CAP, 1), "{}", pool.name());
            }
            Err(e) => assert!(e.is_overloaded(), "{}: {e}", pool.name()),
        }
        assert!(!extra_ran.load(Ordering::SeqCst));
        gate.open();
        pool.stop_wait();
    });
}

// ---------------------------------------------------------------- rule 2

fn rule2_exactly_once_under_stop_wait<P: TaskPool + Clone + 'static>(make: fn(usize) -> P) {
    watchdog("rule 2", move || {
        const PER: usize = 200;
        let pool = make(3);
        let runs: Arc<Vec<AtomicUsize>> =
            Arc::new((0..4 * PER).map(|_| AtomicUsize::new(0)).collect());
        let start = Arc::new(Barrier::new(5));
        let submitters: Vec<_> = (0..4)
            .map(|s| {
                let (pool, runs, start) = (pool.clone(), runs.clone(), start.clone());
                thread::spawn(move || {
                    start.wait();
                    let mut accepted = Vec::new();
                    for i in s * PER..(s + 1) * PER {
                        let runs = runs.clone();
                        match pool.submit(Box::new(move || {
                            runs[i].fetch_add(1, Ordering::SeqCst);
                        })) {
                            Ok(()) => accepted.push(i),
                            Err(e) => assert!(e.is_stopped(), "unexpected refusal: {e}"),
                        }
                    }
                    accepted
                })
            })
            .collect();
        start.wait();
        // Races the submitters on purpose.
        pool.stop_wait();
        let mut accepted = vec![false; 4 * PER];
        for s in submitters {
            for i in s.join().unwrap() {
                accepted[i] = true;
            }
        }
        for (i, ok) in accepted.iter().enumerate() {
            let n = runs[i].load(Ordering::SeqCst);
            assert_eq!(
                n,
                usize::from(*ok),
                "{}: task {i} accepted={ok} ran {n} times",
                pool.name()
            );
        }
        assert_eq!(pool.stats().running + pool.stats().waiting, 0);
    });
}

// ---------------------------------------------------------------- rule 3

fn rule3_nothing_starts_after_stop<P: TaskPool + Clone + 'static>(make: fn(usize) -> P) {
    watchdog("rule 3", move || {
        const CAP: usize = 2;
        let pool = make(CAP);
        let gate = Gate::default();
        let started = Arc::new(AtomicUsize::new(0));
        let held = Arc::new(Barrier::new(CAP + 1));
        for _ in 0..CAP {
            let (gate, started, held) = (gate.clone(), started.clone(), held.clone());
            pool.submit(Box::new(move || {
                started.fetch_add(1, Ordering::SeqCst);
                held.wait();
                gate.wait();
            }))
            .unwrap();
        }
        held.wait();
        // More tasks from another thread: queued by queueing pools, blocked
        // in submit by thread-per-task (and then refused by the stop).
        let late_runs = Arc::new(AtomicUsize::new(0));
        let submitter = {
            let (pool, late_runs) = (pool.clone(), late_runs.clone());
            thread::spawn(move || {
                let mut results = Vec::new();
                for _ in 0..10 {
                    let late_runs = late_runs.clone();
                    results.push(pool.submit(Box::new(move || {
                        late_runs.fetch_add(1, Ordering::SeqCst);
                    })));
                }
                results
            })
        };
        // Wait until the submitter is either done or blocked in submit.
        until(|| pool.stats().waiting >= 1);
        let stopper = {
            let pool = pool.clone();
            thread::spawn(move || pool.stop())
        };
        until(|| pool.is_stopped());
        gate.open();
        stopper.join().unwrap();
        let results = submitter.join().unwrap();
        // Stop began while both workers were held, so no late task started.
        assert_eq!(late_runs.load(Ordering::SeqCst), 0, "{}", pool.name());
        assert_eq!(started.load(Ordering::SeqCst), CAP);
        for r in results {
            if let Err(e) = r {
                assert!(e.is_stopped(), "{}: {e}", pool.name());
            }
        }
        let s = pool.stats();
        assert_eq!((s.running, s.waiting), (0, 0), "{}", pool.name());
    });
}

/// A `spawn`ed task that stop dropped unstarted reports `Abandoned`, and
/// `submit_wait` blocked on one is released, not hung.
fn rule3_dropped_task_is_abandoned<P: TaskPool + Clone + 'static>(make: fn(usize) -> P) {
    watchdog("rule 3 (abandoned)", move || {
        let pool = make(1);
        let gate = Gate::default();
        let held = Arc::new(Barrier::new(2));
        {
            let (gate, held) = (gate.clone(), held.clone());
            pool.submit(Box::new(move || {
                held.wait();
                gate.wait();
            }))
            .unwrap();
        }
        held.wait();
        // Thread-per-task would block here (no queue); only queueing pools
        // can hold an unstarted task.
        match pool.try_spawn(|| 7) {
            Ok(handle) => {
                let stopper = {
                    let pool = pool.clone();
                    thread::spawn(move || pool.stop())
                };
                until(|| pool.is_stopped());
                gate.open();
                stopper.join().unwrap();
                assert!(matches!(handle.join(), Err(taskpool::JoinError::Abandoned)));
            }
            Err(e) => {
                assert!(e.is_overloaded(), "{e}");
                gate.open();
                pool.stop();
            }
        }
    });
}

// ---------------------------------------------------------------- rule 4

fn rule4_rejected_after_stop_returns_task<P: TaskPool + Clone + 'static>(make: fn(usize) -> P) {
    watchdog("rule 4", move || {
        for graceful in [false, true] {
            let pool = make(2);
            if graceful {
                pool.stop_wait();
            } else {
                pool.stop();
            }
            assert!(pool.is_stopped());
            let ran = Arc::new(AtomicUsize::new(0));
            let task = |ran: &Arc<AtomicUsize>| {
                let ran = ran.clone();
                Box::new(move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                }) as taskpool::Task
            };
            let e = pool.submit(task(&ran)).unwrap_err();
            assert!(e.is_stopped(), "{e}");
            let e2 = pool.try_submit(task(&ran)).unwrap_err();
            assert!(e2.is_stopped(), "{e2}");
            match pool.submit_wait(task(&ran)) {
                Err(WaitError::Rejected(e)) if e.is_stopped() => e.into_task()(),
                other => panic!("{}: submit_wait after stop gave {other:?}", pool.name()),
            }
            assert_eq!(
                ran.load(Ordering::SeqCst),
                1,
                "only the handed-back task ran, by us"
            );
            // The handed-back tasks are the ones we submitted.
            e.into_task()();
            e2.into_task()();
            assert_eq!(ran.load(Ordering::SeqCst), 3);
            assert_eq!(pool.stats().completed, 0, "the pool ran nothing");
        }
    });
}

// ---------------------------------------------------------------- rule 5

fn rule5_panics_counted_and_survived<P: TaskPool + Clone + 'static>(make: fn(usize) -> P) {
    watchdog("rule 5", move || {
        const CAP: usize = 2;
        let pool = make(CAP);
        for i in 0..10 {
            pool.submit(Box::new(move || panic!("deliberate panic {i}")))
                .unwrap();
        }
        let err = pool
            .submit_wait(Box::new(|| panic!("deliberate panic in submit_wait")))
            .unwrap_err();
        assert_eq!(err.panic_message(), Some("deliberate panic in submit_wait"));
        let handle = pool
            .spawn(|| -> u8 { panic!("deliberate panic in spawn") })
            .unwrap();
        assert_eq!(
            handle.join().unwrap_err().panic_message(),
            Some("deliberate panic in spawn")
        );
        pool.wait_idle();
        let s = pool.stats();
        assert_eq!(s.panicked, 12, "{}: {s:?}", pool.name());
        assert_eq!(s.capacity, CAP);
        // Capacity intact: CAP tasks can still run at the same time.
        let probe = ThreadProbe::default();
        occupy_all(&pool, CAP, &probe);
        assert_eq!(pool.spawn(|| 5).unwrap().join().unwrap(), 5);
        pool.stop_wait();
        assert_eq!(pool.stats().completed, CAP as u64 + 1);
    });
}

// ---------------------------------------------------------------- rule 6

fn rule6_threads_exited<P: TaskPool + Clone + 'static>(make: fn(usize) -> P, how: fn(P)) {
    watchdog("rule 6", move || {
        const CAP: usize = 3;
        let pool = make(CAP);
        let probe = ThreadProbe::default();
        // Some work first, so threads are past their first task.
        for _ in 0..20 {
            let probe = probe.clone();
            pool.submit(Box::new(move || probe.enter())).unwrap();
        }
        // Then hold CAP threads inside tasks while the shutdown begins, so
        // they are certainly alive when it starts.
        let gate = Gate::default();
        let held = Arc::new(Barrier::new(CAP + 1));
        for _ in 0..CAP {
            let (probe, gate, held) = (probe.clone(), gate.clone(), held.clone());
            pool.submit(Box::new(move || {
                probe.enter();
                held.wait();
                gate.wait();
            }))
            .unwrap();
        }
        held.wait();
        assert!(probe.alive() >= CAP);
        let observer = pool.clone();
        let stopper = thread::spawn(move || how(pool));
        until(|| observer.is_stopped());
        gate.open();
        stopper.join().unwrap();
        // No waiting here: the threads must already be gone.
        assert_eq!(
            probe.alive(),
            0,
            "{}: worker threads still alive",
            observer.name()
        );
        assert_eq!(observer.stats().workers, 0);
    });
}

// ---------------------------------------------------------------- rule 7

fn rule7_concurrent_idempotent_stop<P: TaskPool + Clone + 'static>(make: fn(usize) -> P) {
    watchdog("rule 7 (concurrent)", move || {
        let pool = make(2);
        let probe = ThreadProbe::default();
        occupy_all(&pool, 2, &probe);
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..50 {
            let (ran, probe) = (ran.clone(), probe.clone());
            pool.submit(Box::new(move || {
                probe.enter();
                ran.fetch_add(1, Ordering::SeqCst);
            }))
            .unwrap();
        }
        let start = Arc::new(Barrier::new(4));
        let stoppers: Vec<_> = (0..4)
            .map(|i| {
                let (pool, start, probe) = (pool.clone(), start.clone(), probe.clone());
                thread::spawn(move || {
                    start.wait();
                    if i % 2 == 0 {
                        pool.stop_wait();
                    } else {
                        pool.stop();
                    }
                    // Every caller, not only the first, returns after the threads exited.
                    assert_eq!(
                        probe.alive(),
                        0,
                        "{}: stopper {i} returned early",
                        pool.name()
                    );
                })
            })
            .collect();
        for s in stoppers {
            s.join().unwrap();
        }
        // And again, from one thread: returns, changes nothing.
        let before = pool.stats();
        pool.stop();
        pool.stop_wait();
        assert_eq!(pool.stats(), before);
        assert!(ran.load(Ordering::SeqCst) <= 50);
    });
}

fn rule7_stop_from_inside_task<P: TaskPool + Clone + 'static>(
    make: fn(usize) -> P,
    graceful: bool,
) {
    watchdog("rule 7 (inside)", move || {
        // Capacity 1, so the stopping task holds the only slot; the tasks
        // submitted before it cannot have started when it calls stop.
        let pool = make(1);
        let probe = ThreadProbe::default();
        let gate = Gate::default();
        let (done_tx, done_rx) = mpsc::channel();
        {
            let (inner, gate, probe) = (pool.clone(), gate.clone(), probe.clone());
            pool.submit(Box::new(move || {
                probe.enter();
                gate.wait();
                if graceful {
                    inner.stop_wait();
                } else {
                    inner.stop();
                }
                inner.stop(); // idempotent from inside too
                let _ = done_tx.send(inner.is_stopped());
            }))
            .unwrap();
        }
        let later = Arc::new(AtomicUsize::new(0));
        let mut accepted = 0;
        for _ in 0..5 {
            let (later, probe) = (later.clone(), probe.clone());
            // Thread-per-task refuses here (its one slot is taken).
            if pool
                .try_submit(Box::new(move || {
                    probe.enter();
                    later.fetch_add(1, Ordering::SeqCst);
                }))
                .is_ok()
            {
                accepted += 1;
            }
        }
        gate.open();
        // The task's own stop returns (no deadlock) and saw the pool stopped.
        assert!(done_rx.recv().unwrap());
        pool.stop_wait();
        assert_eq!(
            probe.alive(),
            0,
            "{}: threads alive after outer stop_wait",
            pool.name()
        );
        let expected = if graceful { accepted } else { 0 };
        assert_eq!(later.load(Ordering::SeqCst), expected, "{}", pool.name());
    });
}

/// `submit_wait` and `wait_idle` from inside a task on a full pool do not deadlock.
fn rule7_waits_from_inside_task<P: TaskPool + Clone + 'static>(make: fn(usize) -> P) {
    watchdog("rule 7 (submit_wait inside)", move || {
        let pool = make(1);
        let inner = pool.clone();
        let got = pool
            .spawn(move || {
                inner.wait_idle();
                let r = inner.submit_wait(Box::new(|| {}));
                let p = inner.submit_wait(Box::new(|| panic!("deliberate inner panic")));
                (r.is_ok(), p.unwrap_err().panic_message().map(str::to_owned))
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(got, (true, Some("deliberate inner panic".to_owned())));
        pool.stop_wait();
        let s = pool.stats();
        assert_eq!((s.completed, s.panicked), (2, 1), "{}", pool.name());
    });
}

// ---------------------------------------------------------------- rule 8

fn rule8_drop_behaves_like_stop_wait<P: TaskPool + Clone + 'static>(make: fn(usize) -> P) {
    watchdog("rule 8 (drop)", move || {
        let pool = make(2);
        let probe = ThreadProbe::default();
        occupy_all(&pool, 2, &probe);
        let ran = Arc::new(AtomicUsize::new(0));
        let mut accepted = 0;
        for _ in 0..30 {
            let ran = ran.clone();
            if pool
                .submit(Box::new(move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                }))
                .is_ok()
            {
                accepted += 1;
            }
        }
        drop(pool);
        assert_eq!(
            ran.load(Ordering::SeqCst),
            accepted,
            "no accepted task lost"
        );
        assert_eq!(probe.alive(), 0, "no thread leaked");
    });
}

fn rule8_drop_last_handle_on_worker<P: TaskPool + Clone + 'static>(make: fn(usize) -> P) {
    watchdog("rule 8 (drop on worker)", move || {
        let pool = make(2);
        let probe = ThreadProbe::default();
        let (last_tx, last_rx) = mpsc::channel::<P>();
        let (done_tx, done_rx) = mpsc::channel();
        {
            let probe = probe.clone();
            pool.submit(Box::new(move || {
                probe.enter();
                let last = last_rx.recv().unwrap();
                drop(last); // the last handle, dropped on a pool thread
                let _ = done_tx.send(());
            }))
            .unwrap();
        }
        let ran = Counter::default();
        let mut accepted = 0;
        for _ in 0..10 {
            let (ran, probe) = (ran.clone(), probe.clone());
            if pool
                .try_submit(Box::new(move || {
                    probe.enter();
                    ran.incr();
                }))
                .is_ok()
            {
                accepted += 1;
            }
        }
        last_tx.send(pool).unwrap();
        done_rx.recv().unwrap();
        // With no handle left, the pool's own threads finish the accepted
        // work (a lost task hangs here and the watchdog reports it) and exit.
        ran.wait_for(accepted);
        probe.wait_all_exited();
        assert_eq!(ran.get(), accepted);
    });
}

/// A counter tasks bump and the test can wait on.
#[derive(Clone, Default)]
struct Counter(Arc<(Mutex<usize>, Condvar)>);

impl Counter {
    fn incr(&self) {
        *(self.0).0.lock().unwrap() += 1;
        (self.0).1.notify_all();
    }
    fn get(&self) -> usize {
        *(self.0).0.lock().unwrap()
    }
    fn wait_for(&self, n: usize) {
        let (count, cv) = &*self.0;
        let mut count = count.lock().unwrap();
        while *count < n {
            count = cv.wait(count).unwrap();
        }
    }
}

// ---------------------------------------------------------------- rule 9

fn rule9_zero_capacity_is_build_error<E: std::fmt::Display>(build: fn(usize) -> Result<(), E>) {
    let err = build(0).unwrap_err().to_string();
    assert!(err.contains("capacity"), "{err}");
    assert!(build(1).is_ok());
    // An absurd capacity is refused before any thread starts.
    let err = build(99_999_999).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!(
            "capacity must be at most {}",
            taskpool::MAX_CAPACITY
        )),
        "{err}"
    );
}

// ---------------------------------------------------------------- wait_idle

fn wait_idle_waits_for_everything<P: TaskPool + Clone + 'static>(make: fn(usize) -> P) {
    watchdog("wait_idle", move || {
        let pool = make(2);
        pool.wait_idle(); // idle pool: returns
        let ran = Arc::new(AtomicUsize::new(0));
        for _ in 0..100 {
            let ran = ran.clone();
            pool.submit(Box::new(move || {
                ran.fetch_add(1, Ordering::SeqCst);
            }))
            .unwrap();
        }
        pool.wait_idle();
        assert_eq!(ran.load(Ordering::SeqCst), 100);
        let s = pool.stats();
        assert_eq!(
            (s.running, s.waiting, s.completed),
            (0, 0, 100),
            "{}",
            pool.name()
        );
        assert!(!pool.is_stopped(), "wait_idle does not stop the pool");
        pool.submit(Box::new(|| {})).unwrap();
        pool.stop_wait();
        pool.wait_idle(); // stopped and drained: returns
    });
}

macro_rules! rules_for {
    ($module:ident, $name:literal, $make:expr, $build:expr) => {
        mod $module {
            use super::*;

            fn make(capacity: usize) -> impl TaskPool + Clone + 'static {
                $make(capacity)
            }

            #[test]
            fn name() {
                assert_eq!(make(1).name(), $name);
            }
            #[test]
            fn rule1_cap_never_exceeded_under_4_submitters() {
                rule1_cap_never_exceeded(make);
            }
            #[test]
            fn rule1_full_pool_starts_nothing_more() {
                super::rule1_full_pool_starts_nothing_more(make);
            }
            #[test]
            fn rule2_exactly_once_under_stop_wait() {
                super::rule2_exactly_once_under_stop_wait(make);
            }
            #[test]
            fn rule3_nothing_starts_after_stop() {
                super::rule3_nothing_starts_after_stop(make);
            }
            #[test]
            fn rule3_dropped_task_is_abandoned() {
                super::rule3_dropped_task_is_abandoned(make);
            }
            #[test]
            fn rule4_rejected_after_stop_returns_task() {
                super::rule4_rejected_after_stop_returns_task(make);
            }
            #[test]
            fn rule5_panics_counted_and_survived() {
                super::rule5_panics_counted_and_survived(make);
            }
            #[test]
            fn rule6_threads_exited_after_stop() {
                rule6_threads_exited(make, |p| p.stop());
            }
            #[test]
            fn rule6_threads_exited_after_stop_wait() {
                rule6_threads_exited(make, |p| p.stop_wait());
            }
            #[test]
            fn rule7_concurrent_idempotent_stop() {
                super::rule7_concurrent_idempotent_stop(make);
            }
            #[test]
            fn rule7_stop_from_inside_task() {
                super::rule7_stop_from_inside_task(make, false);
            }
            #[test]
            fn rule7_stop_wait_from_inside_task() {
                super::rule7_stop_from_inside_task(make, true);
            }
            #[test]
            fn rule7_waits_from_inside_task() {
                super::rule7_waits_from_inside_task(make);
            }
            #[test]
            fn rule8_drop_behaves_like_stop_wait() {
                super::rule8_drop_behaves_like_stop_wait(make);
            }
            #[test]
            fn rule8_drop_last_handle_on_worker() {
                super::rule8_drop_last_handle_on_worker(make);
            }
            #[test]
            fn rule9_zero_capacity_is_build_error() {
                super::rule9_zero_capacity_is_build_error($build);
            }
            /// `new(n)` is the panicking convenience over the builder.
            #[test]
            #[should_panic(expected = "capacity must be at least 1, got 0")]
            fn new_panics_on_zero_capacity() {
                let _ = make(0);
            }
            #[test]
            fn wait_idle_waits_for_everything() {
                super::wait_idle_waits_for_everything(make);
            }
        }
    };
}

rules_for!(rayon, "rayon", RayonPool::new, |c| {
    RayonPool::builder().capacity(c).build().map(drop)
});
rules_for!(threadpool, "threadpool", ThreadpoolPool::new, |c| {
    ThreadpoolPool::builder().capacity(c).build().map(drop)
});
rules_for!(channel, "channel", ChannelPool::new, |c| {
    ChannelPool::builder().capacity(c).build().map(drop)
});
rules_for!(
    thread_per_task,
    "thread-per-task",
    ThreadPerTask::new,
    |c| ThreadPerTask::builder().capacity(c).build().map(drop)
);

/// Rayon only: tasks that block inside rayon primitives let their thread
/// steal other jobs; the cap still holds.
#[test]
fn rayon_nested_rayon_work_keeps_the_cap() {
    watchdog("rayon nesting", || {
        const CAP: usize = 2;
        let pool = RayonPool::new(CAP);
        let active = Arc::new(AtomicUsize::new(0));
        let max = Arc::new(AtomicUsize::new(0));
        for _ in 0..200 {
            let (active, max) = (active.clone(), max.clone());
            pool.submit(Box::new(move || {
                let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(now, Ordering::SeqCst);
                // Runs on this pool's rayon threads; while it waits for the
                // other half, this thread may steal one of our jobs.
                let (a, b) = ::rayon::join(
                    || (0..1000u64).sum::<u64>(),
                    || (0..1000u64).product::<u64>(),
                );
                std::hint::black_box((a, b));
                active.fetch_sub(1, Ordering::SeqCst);
            }))
            .unwrap();
        }
        pool.stop_wait();
        assert!(max.load(Ordering::SeqCst) <= CAP);
        assert_eq!(pool.stats().completed, 200);
    });
}

/// Thread-per-task only: `submit` blocks while full, and a blocked submitter
/// gets its task back when the pool stops.
#[test]
fn thread_per_task_submit_blocks_then_stop_refuses() {
    watchdog("thread-per-task blocking", || {
        let pool = ThreadPerTask::new(1);
        let gate = Gate::default();
        let held = Arc::new(Barrier::new(2));
        {
            let (gate, held) = (gate.clone(), held.clone());
            pool.submit(Box::new(move || {
                held.wait();
                gate.wait();
            }))
            .unwrap();
        }
        held.wait();
        let blocked = {
            let pool = pool.clone();
            thread::spawn(move || pool.submit(Box::new(|| {})))
        };
        until(|| pool.stats().waiting == 1);
        let stopper = {
            let pool = pool.clone();
            thread::spawn(move || pool.stop_wait())
        };
        let refused = blocked.join().unwrap().unwrap_err();
        assert!(refused.is_stopped());
        gate.open();
        stopper.join().unwrap();
        assert_eq!(pool.stats().completed, 1);
    });
}

/// Every baseline's builder names its threads `PREFIX-N` (the `threadpool`
/// crate's threads all carry the prefix itself).
#[test]
fn builders_name_threads_by_prefix() {
    fn name_of(pool: &dyn TaskPool) -> String {
        let (tx, rx) = std::sync::mpsc::channel();
        pool.submit(Box::new(move || {
            tx.send(thread::current().name().unwrap_or("").to_owned())
                .unwrap();
        }))
        .unwrap();
        let name = rx.recv().unwrap();
        pool.stop_wait();
        name
    }
    watchdog("thread names", || {
        let numbered = |name: &str, prefix: &str| {
            name.strip_prefix(prefix)
                .and_then(|n| n.strip_prefix('-'))
                .is_some_and(|n| n.parse::<usize>().is_ok())
        };
        let rayon = RayonPool::builder()
            .capacity(1)
            .thread_name("r")
            .build()
            .unwrap();
        assert!(numbered(&name_of(&rayon), "r"));
        let channel = ChannelPool::builder()
            .capacity(1)
            .thread_name("c")
            .build()
            .unwrap();
        assert!(numbered(&name_of(&channel), "c"));
        let per_task = ThreadPerTask::builder()
            .capacity(1)
            .thread_name("t")
            .build()
            .unwrap();
        assert!(numbered(&name_of(&per_task), "t"));
        let threadpool = ThreadpoolPool::builder()
            .capacity(1)
            .thread_name("p")
            .build()
            .unwrap();
        assert_eq!(name_of(&threadpool), "p");
        assert!(ChannelPool::builder().thread_name("a\0b").build().is_err());
        // The limit is the builder's: lowered here, raised the same way.
        let err = ChannelPool::builder()
            .capacity(3)
            .capacity_limit(2)
            .build()
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("capacity must be at most 2, got 3"),
            "{err}"
        );
    });
}
