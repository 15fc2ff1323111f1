//! `Pool::process_batch`: order, exactly-once, parallel chunks, per-worker
//! state, panics mid-chunk, close and resize racing a batch, batches sharing
//! the line with plain `process` callers, and the timed and cancellable forms.
// Real threads: under `--cfg tp_loom` the pool runs on loom's primitives,
// which only work inside a loom model (see src/loom_tests.rs).
#![cfg(not(tp_loom))]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

use crossbeam_channel::{unbounded, Receiver, Sender};
use taskpool_conformance::testkit::{wait_until, watchdog};
use taskpool_tunny::{CancelToken, Interrupt, ManualClock, Pool, ProcessError, Worker};

/// What an item does besides reporting.
enum Action {
    Echo,
    /// Panic halfway through the state update.
    Panic,
    /// Say "started", then wait until the release channel closes.
    Hold(Sender<usize>, Receiver<()>),
    /// Wait for the barrier (several workers must run items at once).
    Together(Arc<Barrier>),
    /// Say "started", then wait until the job is interrupted.
    AwaitInterrupt(Sender<usize>),
}

struct Item {
    id: usize,
    action: Action,
}

fn echo(id: usize) -> Item {
    Item {
        id,
        action: Action::Echo,
    }
}

/// What an item reports: its id, the worker's serial, that worker's job count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Report {
    id: usize,
    serial: usize,
    jobs: u64,
}

/// Everything the probes record, shared by the test and every worker.
#[derive(Default)]
struct Shared {
    builds: AtomicUsize,
    /// The factory panics when it would build this serial.
    fail_serial: Option<usize>,
    /// Ids of the items that started, in the order they started.
    ran: Mutex<Vec<usize>>,
    /// `Ready(serial)` and `Item(serial, id)`, in order.
    events: Mutex<Vec<Event>>,
    terminated: Mutex<Vec<usize>>,
    /// Calls of the `interrupted` hook.
    interrupted: AtomicUsize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Ready(usize),
    Item(usize, usize),
}

struct Probe {
    serial: usize,
    jobs: u64,
    shared: Arc<Shared>,
}

impl Worker for Probe {
    type Input = Item;
    type Output = Report;

    fn process(&mut self, item: Item, interrupt: &Interrupt) -> Report {
        self.shared.ran.lock().unwrap().push(item.id);
        self.shared
            .events
            .lock()
            .unwrap()
            .push(Event::Item(self.serial, item.id));
        self.jobs += 1;
        match item.action {
            Action::Echo => {}
            Action::Panic => panic!("boom {}", item.id),
            Action::Hold(started, release) => {
                started.send(item.id).unwrap();
                let _ = release.recv();
            }
            Action::Together(barrier) => {
                barrier.wait();
            }
            Action::AwaitInterrupt(started) => {
                started.send(item.id).unwrap();
                while !interrupt.wait_timeout(Duration::from_secs(3600)) {}
            }
        }
        Report {
            id: item.id,
            serial: self.serial,
            jobs: self.jobs,
        }
    }

    fn block_until_ready(&mut self) {
        self.shared
            .events
            .lock()
            .unwrap()
            .push(Event::Ready(self.serial));
    }

    fn terminate(&mut self) {
        self.shared.terminated.lock().unwrap().push(self.serial);
    }

    fn interrupted(&mut self) {
        self.shared.interrupted.fetch_add(1, Ordering::SeqCst);
    }
}

fn pool_with(n: usize, shared: Shared) -> (Pool<Probe>, Arc<Shared>) {
    pool_on(n, shared, ManualClock::new())
}

/// A pool whose deadlines are measured on `clock`.
fn pool_on(n: usize, shared: Shared, clock: ManualClock) -> (Pool<Probe>, Arc<Shared>) {
    let shared = Arc::new(shared);
    let pool = {
        let shared = Arc::clone(&shared);
        Pool::builder(move || {
            let serial = shared.builds.fetch_add(1, Ordering::SeqCst);
            assert_ne!(Some(serial), shared.fail_serial, "factory fails");
            Probe {
                serial,
                jobs: 0,
                shared: Arc::clone(&shared),
            }
        })
        .capacity(n)
        .clock(clock)
        .build()
        .unwrap()
    };
    (pool, shared)
}

fn probe_pool(n: usize) -> (Pool<Probe>, Arc<Shared>) {
    pool_with(n, Shared::default())
}

/// Runs `pool.process_batch(items)` on a thread of its own.
fn spawn_batch(
    pool: &Pool<Probe>,
    items: Vec<Item>,
) -> thread::JoinHandle<Vec<Result<Report, ProcessError>>> {
    let pool = pool.clone();
    thread::spawn(move || pool.process_batch(items))
}

fn ran_sorted(shared: &Shared) -> Vec<usize> {
    let mut ran = shared.ran.lock().unwrap().clone();
    ran.sort_unstable();
    ran
}

fn ok_report(outcome: &Result<Report, ProcessError>) -> Report {
    *outcome
        .as_ref()
        .unwrap_or_else(|e| panic!("expected an output, got {e:?}"))
}

/// Holding items (with the channels to watch and release them).
struct Gate {
    started: Receiver<usize>,
    started_tx: Sender<usize>,
    release: Option<Sender<()>>,
    release_rx: Receiver<()>,
}

impl Gate {
    fn new() -> Self {
        let (started_tx, started) = unbounded();
        let (release, release_rx) = unbounded();
        Gate {
            started,
            started_tx,
            release: Some(release),
            release_rx,
        }
    }

    fn item(&self, id: usize) -> Item {
        Item {
            id,
            action: Action::Hold(self.started_tx.clone(), self.release_rx.clone()),
        }
    }

    /// Waits until `n` holding items have started; returns their ids.
    fn started(&self, n: usize) -> BTreeSet<usize> {
        (0..n).map(|_| self.started.recv().unwrap()).collect()
    }

    /// Lets every holding item (now and later) return.
    fn open(&mut self) {
        self.release = None;
    }
}

#[test]
fn outputs_come_back_in_input_order_and_each_item_runs_once() {
    watchdog("order", || {
        let (pool, shared) = probe_pool(3);
        let mut total = 0;
        for len in [1, 2, 3, 5, 7, 11, 12, 13, 100, 1001] {
            shared.ran.lock().unwrap().clear();
            let outcomes = pool.process_batch((0..len).map(echo));
            let ids: Vec<usize> = outcomes.iter().map(|o| ok_report(o).id).collect();
            assert_eq!(ids, (0..len).collect::<Vec<_>>(), "batch of {len}");
            assert_eq!(ran_sorted(&shared), (0..len).collect::<Vec<_>>());
            total += len as u64;
        }
        let stats = pool.stats();
        assert_eq!((stats.completed, stats.panicked), (total, 0));
        assert_eq!((stats.running, stats.waiting), (0, 0));
        assert_eq!(shared.builds.load(Ordering::SeqCst), 3);
    });
}

#[test]
fn workers_run_chunks_of_one_batch_at_the_same_time() {
    watchdog("parallel chunks", || {
        const WORKERS: usize = 4;
        let (pool, _shared) = probe_pool(WORKERS);
        // Every item waits until WORKERS items wait: the batch finishes only
        // if WORKERS workers run its chunks at once (and it spawned nothing:
        // a fifth thread would not help the pool's four).
        let barrier = Arc::new(Barrier::new(WORKERS));
        let outcomes = pool.process_batch((0..2 * WORKERS).map(|id| Item {
            id,
            action: Action::Together(Arc::clone(&barrier)),
        }));
        let serials: BTreeSet<usize> = outcomes.iter().map(|o| ok_report(o).serial).collect();
        assert_eq!(serials, (0..WORKERS).collect());
        assert_eq!(pool.stats().workers, WORKERS);
    });
}

#[test]
fn one_worker_state_advances_item_after_item() {
    watchdog("state on one worker", || {
        let (pool, shared) = probe_pool(1);
        let outcomes = pool.process_batch((0..10).map(echo));
        let reports: Vec<Report> = outcomes.iter().map(ok_report).collect();
        let expected: Vec<Report> = (0..10)
            .map(|id| Report {
                id,
                serial: 0,
                jobs: id as u64 + 1,
            })
            .collect();
        assert_eq!(reports, expected);
        // The state carries over into the next batch and into `process`.
        assert_eq!(pool.process(echo(10)).unwrap().jobs, 11);
        assert_eq!(ok_report(&pool.process_batch([echo(11)])[0]).jobs, 12);
        assert_eq!(shared.builds.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn the_factory_runs_once_per_worker_and_each_state_advances() {
    watchdog("state per worker", || {
        const WORKERS: usize = 3;
        let (pool, shared) = probe_pool(WORKERS);
        let mut per_worker: BTreeMap<usize, Vec<u64>> = BTreeMap::new();
        for _ in 0..5 {
            for outcome in pool.process_batch((0..300).map(echo)) {
                let report = ok_report(&outcome);
                per_worker
                    .entry(report.serial)
                    .or_default()
                    .push(report.jobs);
            }
        }
        assert_eq!(shared.builds.load(Ordering::SeqCst), WORKERS);
        let total = common::assert_each_state_advanced(per_worker, WORKERS);
        assert_eq!(total, 1500);
        pool.close();
        let mut terminated = shared.terminated.lock().unwrap().clone();
        terminated.sort_unstable();
        assert_eq!(terminated, vec![0, 1, 2]);
    });
}

#[test]
fn the_ready_hook_runs_before_every_item() {
    watchdog("ready hook", || {
        let (pool, shared) = probe_pool(2);
        let outcomes = pool.process_batch((0..40).map(echo));
        assert!(outcomes.iter().all(Result::is_ok));
        pool.close();
        // On each worker: a ready hook, then at most one item, and so on.
        let events = shared.events.lock().unwrap().clone();
        for serial in 0..2 {
            let mine: Vec<Event> = events
                .iter()
                .copied()
                .filter(|e| matches!(e, Event::Ready(s) | Event::Item(s, _) if *s == serial))
                .collect();
            let mut ready = false;
            for event in mine {
                match event {
                    Event::Ready(_) => ready = true,
                    Event::Item(_, id) => {
                        assert!(
                            ready,
                            "item {id} on worker {serial} ran without its ready hook"
                        );
                        ready = false;
                    }
                }
            }
        }
    });
}

#[test]
fn a_panic_mid_chunk_rebuilds_the_worker_and_the_chunk_goes_on() {
    watchdog("panic mid-chunk", || {
        // One worker: every item runs on it in order, whatever the chunks
        // (12 items make 4 chunks of 3: item 4 is mid-chunk, 8 ends one).
        let (pool, shared) = probe_pool(1);
        let outcomes = pool.process_batch((0..12).map(|id| Item {
            id,
            action: if id == 4 || id == 8 {
                Action::Panic
            } else {
                Action::Echo
            },
        }));
        let expect = |id, serial, jobs| Ok(Report { id, serial, jobs });
        let expected = vec![
            expect(0, 0, 1),
            expect(1, 0, 2),
            expect(2, 0, 3),
            expect(3, 0, 4),
            Err("boom 4"),
            // The rest of the chunk ran on a fresh worker (serial 1).
            expect(5, 1, 1),
            expect(6, 1, 2),
            expect(7, 1, 3),
            Err("boom 8"),
            expect(9, 2, 1),
            expect(10, 2, 2),
            expect(11, 2, 3),
        ];
        let got: Vec<Result<Report, &str>> = outcomes
            .iter()
            .map(|o| match o {
                Ok(report) => Ok(*report),
                Err(e) => Err(e.panic_message().expect("a panic with a message")),
            })
            .collect();
        assert_eq!(got, expected);
        assert_eq!(ran_sorted(&shared), (0..12).collect::<Vec<_>>());
        assert_eq!(shared.builds.load(Ordering::SeqCst), 3);
        let stats = pool.stats();
        assert_eq!((stats.completed, stats.panicked), (10, 2));
        assert_eq!((stats.capacity, stats.workers), (1, 1));
        pool.close();
        // The two workers whose item panicked were dropped, not terminated.
        assert_eq!(*shared.terminated.lock().unwrap(), vec![2]);
    });
}

#[test]
fn a_worker_that_cannot_be_rebuilt_hands_its_unstarted_items_back() {
    watchdog("rebuild fails", || {
        let (pool, shared) = pool_with(
            2,
            Shared {
                fail_serial: Some(2),
                ..Shared::default()
            },
        );
        // 2 workers: 8 chunks of 2; item 0 panics with item 1 behind it in
        // its chunk, and the factory fails to replace that worker.
        let outcomes = pool.process_batch((0..16).map(|id| Item {
            id,
            action: if id == 0 { Action::Panic } else { Action::Echo },
        }));
        assert_eq!(
            outcomes[0].as_ref().unwrap_err().panic_message(),
            Some("boom 0")
        );
        let survivor = ok_report(&outcomes[1]).serial;
        for (id, outcome) in outcomes.iter().enumerate().skip(1) {
            assert_eq!(ok_report(outcome).id, id);
        }
        // The failed worker's items went to the other worker; none was lost
        // or run twice.
        assert_eq!(ran_sorted(&shared), (0..16).collect::<Vec<_>>());
        wait_until("the broken worker has left", || pool.stats().workers == 1);
        assert_eq!(pool.size(), 1);
        assert_eq!(pool.process(echo(16)).unwrap().serial, survivor);
        pool.close();
        assert_eq!(*shared.terminated.lock().unwrap(), vec![survivor]);
    });
}

#[test]
fn close_during_a_batch_refuses_the_unstarted_items_and_lets_running_ones_finish() {
    watchdog("close during a batch", || {
        const WORKERS: usize = 2;
        let (pool, shared) = probe_pool(WORKERS);
        let mut gate = Gate::new();
        let items: Vec<Item> = (0..20).map(|id| gate.item(id)).collect();
        let batch = spawn_batch(&pool, items);
        let running = gate.started(WORKERS);
        let closer = {
            let pool = pool.clone();
            thread::spawn(move || pool.close())
        };
        wait_until("the pool is closing", || pool.is_closed());
        gate.open();
        let outcomes = batch.join().unwrap();
        closer.join().unwrap();
        for (id, outcome) in outcomes.iter().enumerate() {
            if running.contains(&id) {
                assert_eq!(ok_report(outcome).id, id, "a running item finishes");
            } else {
                assert_eq!(outcome, &Err(ProcessError::Closed), "item {id}");
            }
        }
        let ran: BTreeSet<usize> = shared.ran.lock().unwrap().iter().copied().collect();
        assert_eq!(ran, running, "nothing started after close");
        assert_eq!(shared.terminated.lock().unwrap().len(), WORKERS);
        let stats = pool.stats();
        assert_eq!((stats.workers, stats.running, stats.waiting), (0, 0, 0));
    });
}

#[test]
fn close_racing_a_batch_loses_no_item_and_runs_none_twice() {
    watchdog("close races a batch", || {
        for round in 0..200 {
            let (pool, shared) = probe_pool(2);
            let batch = {
                let pool = pool.clone();
                thread::spawn(move || pool.process_batch((0..50).map(echo)))
            };
            if round % 2 == 0 {
                thread::yield_now();
            }
            pool.close();
            let outcomes = batch.join().unwrap();
            assert_eq!(outcomes.len(), 50);
            let mut finished = Vec::new();
            for (id, outcome) in outcomes.iter().enumerate() {
                match outcome {
                    Ok(report) => {
                        assert_eq!(report.id, id);
                        finished.push(id);
                    }
                    Err(e) => assert_eq!(e, &ProcessError::Closed, "item {id}"),
                }
            }
            // Exactly the items that ran have outputs; each ran at most once.
            assert_eq!(ran_sorted(&shared), finished, "round {round}");
            assert_eq!(pool.stats().completed, finished.len() as u64);
        }
    });
}

#[test]
fn a_batch_on_a_closed_pool_is_refused_item_by_item() {
    watchdog("closed pool", || {
        let (pool, shared) = probe_pool(2);
        pool.close();
        let outcomes = pool.process_batch((0..5).map(echo));
        assert_eq!(outcomes.len(), 5);
        assert!(outcomes.iter().all(|o| o == &Err(ProcessError::Closed)));
        assert!(shared.ran.lock().unwrap().is_empty());
    });
}

#[test]
fn an_empty_batch_returns_an_empty_vec_at_once() {
    watchdog("empty batch", || {
        let (pool, _) = probe_pool(2);
        assert!(pool.process_batch(Vec::new()).is_empty());
        // Even where any item would wait forever or be refused.
        pool.set_size(0).unwrap();
        assert!(pool.process_batch(std::iter::empty()).is_empty());
        pool.close();
        assert!(pool.process_batch(Vec::new()).is_empty());
        assert_eq!(pool.stats().completed, 0);
    });
}

#[test]
fn batches_and_single_calls_share_the_pool() {
    watchdog("batches and process", || {
        const WORKERS: usize = 3;
        let (pool, shared) = probe_pool(WORKERS);
        let batchers: Vec<_> = (0..3)
            .map(|b| {
                let pool = pool.clone();
                thread::spawn(move || {
                    let mut reports = Vec::new();
                    for round in 0..20 {
                        let base = 1_000_000 * (b + 1) + 1000 * round;
                        let outcomes = pool.process_batch((base..base + 50).map(echo));
                        let got: Vec<Report> = outcomes.iter().map(ok_report).collect();
                        let ids: Vec<usize> = got.iter().map(|r| r.id).collect();
                        assert_eq!(ids, (base..base + 50).collect::<Vec<_>>());
                        reports.extend(got);
                    }
                    reports
                })
            })
            .collect();
        let singles: Vec<_> = (0..3)
            .map(|c| {
                let pool = pool.clone();
                thread::spawn(move || {
                    (0..300)
                        .map(|i| {
                            let id = 10_000 * c + i;
                            let report = pool.process(echo(id)).unwrap();
                            assert_eq!(report.id, id);
                            report
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut per_worker: BTreeMap<usize, Vec<u64>> = BTreeMap::new();
        for handle in batchers.into_iter().chain(singles) {
            for report in handle.join().unwrap() {
                per_worker
                    .entry(report.serial)
                    .or_default()
                    .push(report.jobs);
            }
        }
        let mut total = 0;
        for (serial, mut jobs) in per_worker {
            jobs.sort_unstable();
            let expected: Vec<u64> = (1..=jobs.len() as u64).collect();
            assert_eq!(jobs, expected, "worker {serial}: a job lost or run twice");
            total += jobs.len();
        }
        assert_eq!(total, 3 * 20 * 50 + 3 * 300);
        assert_eq!(shared.ran.lock().unwrap().len(), total);
        assert_eq!(shared.builds.load(Ordering::SeqCst), WORKERS);
        assert_eq!(pool.stats().completed, total as u64);
    });
}

#[test]
fn shrinking_during_a_batch_moves_unstarted_items_to_the_remaining_worker() {
    watchdog("shrink during a batch", || {
        const WORKERS: usize = 4;
        let (pool, shared) = probe_pool(WORKERS);
        let mut gate = Gate::new();
        let items: Vec<Item> = (0..40).map(|id| gate.item(id)).collect();
        let batch = spawn_batch(&pool, items);
        gate.started(WORKERS);
        let (done_tx, done_rx) = unbounded();
        let resizer = {
            let pool = pool.clone();
            thread::spawn(move || {
                let r = pool.set_size(1);
                done_tx.send(()).unwrap();
                r
            })
        };
        wait_until("the target is lowered", || pool.size() == 1);
        // The retired workers are still running their item.
        assert!(done_rx.try_recv().is_err());
        gate.open();
        resizer.join().unwrap().unwrap();
        let retired = shared.terminated.lock().unwrap().clone();
        assert_eq!(retired.len(), WORKERS - 1);
        // A retired worker finished the item it held and started no other:
        // the rest of its chunk went back to the caller.
        let events = shared.events.lock().unwrap().clone();
        for serial in retired {
            let items = events
                .iter()
                .filter(|e| matches!(e, Event::Item(s, _) if *s == serial))
                .count();
            assert_eq!(items, 1, "retired worker {serial} went on with its chunk");
        }
        let outcomes = batch.join().unwrap();
        for (id, outcome) in outcomes.iter().enumerate() {
            assert_eq!(ok_report(outcome).id, id);
        }
        assert_eq!(ran_sorted(&shared), (0..40).collect::<Vec<_>>());
        let stats = pool.stats();
        assert_eq!((stats.capacity, stats.workers, stats.completed), (1, 1, 40));
        assert_eq!(shared.builds.load(Ordering::SeqCst), WORKERS);
    });
}

#[test]
fn growing_during_a_batch_puts_the_new_worker_to_work_on_it() {
    watchdog("grow during a batch", || {
        let (pool, shared) = probe_pool(1);
        // Each item waits for a partner item on another worker: with one
        // worker the batch cannot finish; it does once a second one joins.
        let barrier = Arc::new(Barrier::new(2));
        let items: Vec<Item> = (0..8)
            .map(|id| Item {
                id,
                action: Action::Together(Arc::clone(&barrier)),
            })
            .collect();
        let batch = spawn_batch(&pool, items);
        wait_until("the first item runs", || {
            !shared.ran.lock().unwrap().is_empty()
        });
        pool.set_size(2).unwrap();
        let outcomes = batch.join().unwrap();
        let serials: BTreeSet<usize> = outcomes.iter().map(|o| ok_report(o).serial).collect();
        assert_eq!(serials, BTreeSet::from([0, 1]));
        assert_eq!(ran_sorted(&shared), (0..8).collect::<Vec<_>>());
    });
}

/// One worker; 8 items make 4 chunks of 2, and item 4 (first of the third
/// chunk) waits to be interrupted. Returns the batch's thread once item 4
/// runs: chunks 0 and 1 have been delivered by then (a worker delivers
/// before it takes its next chunk).
fn third_chunk_stuck(
    pool: &Pool<Probe>,
    give_up: impl FnOnce(&Pool<Probe>, Vec<Item>) -> Vec<Result<Report, ProcessError>> + Send + 'static,
) -> thread::JoinHandle<Vec<Result<Report, ProcessError>>> {
    let (started_tx, started) = unbounded();
    let items: Vec<Item> = (0..8)
        .map(|id| Item {
            id,
            action: if id == 4 {
                Action::AwaitInterrupt(started_tx.clone())
            } else {
                Action::Echo
            },
        })
        .collect();
    let batch = {
        let pool = pool.clone();
        thread::spawn(move || give_up(&pool, items))
    };
    assert_eq!(started.recv().unwrap(), 4);
    batch
}

/// Items 0..4 delivered their outputs before the caller gave up; item 4 was
/// interrupted, item 5 never started, the rest never left the caller.
fn check_gave_up_after_two_chunks(
    pool: &Pool<Probe>,
    shared: &Shared,
    outcomes: &[Result<Report, ProcessError>],
    why: &ProcessError,
) {
    for (id, outcome) in outcomes.iter().enumerate() {
        if id < 4 {
            assert_eq!(ok_report(outcome).id, id);
        } else {
            assert_eq!(outcome.as_ref().unwrap_err(), why, "item {id}");
        }
    }
    pool.wait_idle();
    wait_until("the worker ran its interrupted hook", || {
        shared.interrupted.load(Ordering::SeqCst) == 1
    });
    assert_eq!(ran_sorted(shared), vec![0, 1, 2, 3, 4]);
    // The worker kept its state and serves the next caller.
    assert_eq!(
        pool.process(echo(8)).unwrap(),
        Report {
            id: 8,
            serial: 0,
            jobs: 6
        }
    );
    assert_eq!(shared.builds.load(Ordering::SeqCst), 1);
}

#[test]
fn a_batch_timeout_keeps_delivered_outputs_and_abandons_the_rest() {
    watchdog("batch timeout", || {
        let clock = ManualClock::new();
        let (pool, shared) = pool_on(1, Shared::default(), clock.clone());
        let batch = third_chunk_stuck(&pool, |pool, items| {
            pool.process_batch_timeout(items, Duration::from_secs(5))
        });
        // The stuck item ends only through the interruption the deadline
        // brings.
        clock.advance(Duration::from_secs(5));
        let outcomes = batch.join().unwrap();
        check_gave_up_after_two_chunks(&pool, &shared, &outcomes, &ProcessError::TimedOut);
    });
}

#[test]
fn cancelling_a_batch_keeps_delivered_outputs_and_abandons_the_rest() {
    watchdog("batch cancel", || {
        let (pool, shared) = probe_pool(1);
        let token = CancelToken::new();
        let batch = {
            let token = token.clone();
            third_chunk_stuck(&pool, move |pool, items| {
                pool.process_batch_cancellable(items, &token)
            })
        };
        token.cancel();
        let outcomes = batch.join().unwrap();
        check_gave_up_after_two_chunks(&pool, &shared, &outcomes, &ProcessError::Cancelled);
    });
}

#[test]
fn cancelling_a_batch_interrupts_every_worker_running_it() {
    watchdog("batch cancel, two workers", || {
        let (pool, shared) = probe_pool(2);
        let (started_tx, started) = unbounded();
        let items: Vec<Item> = (0..20)
            .map(|id| Item {
                id,
                action: Action::AwaitInterrupt(started_tx.clone()),
            })
            .collect();
        let token = CancelToken::new();
        let batch = {
            let (pool, token) = (pool.clone(), token.clone());
            thread::spawn(move || pool.process_batch_cancellable(items, &token))
        };
        let running: BTreeSet<usize> = (0..2).map(|_| started.recv().unwrap()).collect();
        token.cancel();
        // Nothing released the items but the interruption.
        let outcomes = batch.join().unwrap();
        assert!(outcomes.iter().all(|o| *o == Err(ProcessError::Cancelled)));
        pool.wait_idle();
        wait_until("both workers ran their interrupted hook", || {
            shared.interrupted.load(Ordering::SeqCst) == 2
        });
        let ran: BTreeSet<usize> = shared.ran.lock().unwrap().iter().copied().collect();
        assert_eq!(ran, running, "no item started after the cancellation");
        assert_eq!(pool.stats().completed, 2, "the interrupted items returned");
    });
}

#[test]
fn a_batch_that_gave_up_before_starting_touches_no_worker() {
    watchdog("batch gave up at once", || {
        let (pool, shared) = probe_pool(2);
        let token = CancelToken::new();
        token.cancel();
        let outcomes = pool.process_batch_cancellable((0..5).map(echo), &token);
        assert!(outcomes.iter().all(|o| *o == Err(ProcessError::Cancelled)));
        let outcomes = pool.process_batch_timeout((0..5).map(echo), Duration::ZERO);
        assert!(outcomes.iter().all(|o| *o == Err(ProcessError::TimedOut)));
        assert!(shared.ran.lock().unwrap().is_empty());
        let stats = pool.stats();
        assert_eq!((stats.completed, stats.running, stats.waiting), (0, 0, 0));
        // A generous deadline changes nothing for a batch that finishes.
        let outcomes = pool.process_batch_timeout((0..5).map(echo), Duration::from_secs(3600));
        assert!(outcomes.iter().all(Result::is_ok));
    });
}
