//! Per-worker state: built once per worker, kept across jobs, rebuilt only
//! for the worker whose job panicked; hooks run when they should.
// Real threads: under `--cfg tp_loom` the pool runs on loom's primitives,
// which only work inside a loom model (see src/loom_tests.rs).
#![cfg(not(tp_loom))]

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use crossbeam_channel::{bounded, unbounded, Receiver, Sender};
use taskpool_conformance::testkit::{wait_until, watchdog};
use taskpool_tunny::{Interrupt, Pool, ProcessError, Worker};

/// Each worker has a serial number from the factory and counts its jobs.
struct Tally {
    serial: usize,
    jobs: u64,
    terminated: Arc<Mutex<Vec<usize>>>,
}

enum Job {
    /// Reply (serial, jobs so far).
    Report,
    /// Report after everyone in the barrier arrived (forces distinct workers).
    ReportTogether(Arc<Barrier>),
    /// Panic halfway through a state update.
    Panic,
    /// Wait for the channel before reporting.
    Hold(Receiver<()>),
}

impl Worker for Tally {
    type Input = Job;
    type Output = (usize, u64);

    fn process(&mut self, job: Job, _: &Interrupt) -> (usize, u64) {
        self.jobs += 1;
        match job {
            Job::Report => {}
            Job::ReportTogether(barrier) => {
                barrier.wait();
            }
            Job::Panic => panic!("boom in worker {}", self.serial),
            Job::Hold(rx) => {
                let _ = rx.recv();
            }
        }
        (self.serial, self.jobs)
    }

    fn terminate(&mut self) {
        self.terminated.lock().unwrap().push(self.serial);
    }
}

struct Fixture {
    pool: Pool<Tally>,
    builds: Arc<AtomicUsize>,
    terminated: Arc<Mutex<Vec<usize>>>,
}

fn tally_pool(n: usize) -> Fixture {
    let builds = Arc::new(AtomicUsize::new(0));
    let terminated = Arc::new(Mutex::new(Vec::new()));
    let pool = {
        let (builds, terminated) = (Arc::clone(&builds), Arc::clone(&terminated));
        Pool::new(n, move || Tally {
            serial: builds.fetch_add(1, Ordering::SeqCst),
            jobs: 0,
            terminated: Arc::clone(&terminated),
        })
    };
    Fixture {
        pool,
        builds,
        terminated,
    }
}

/// Runs `n` jobs that must each hold a different worker; returns their reports.
fn report_together(pool: &Pool<Tally>, n: usize) -> Vec<(usize, u64)> {
    let barrier = Arc::new(Barrier::new(n));
    let callers: Vec<_> = (0..n)
        .map(|_| {
            let (pool, barrier) = (pool.clone(), Arc::clone(&barrier));
            thread::spawn(move || pool.process(Job::ReportTogether(barrier)).unwrap())
        })
        .collect();
    let mut reports: Vec<_> = callers.into_iter().map(|c| c.join().unwrap()).collect();
    reports.sort_unstable();
    reports
}

#[test]
fn factory_runs_once_per_worker_and_state_advances_across_jobs() {
    watchdog("state per worker", || {
        const WORKERS: usize = 3;
        const CALLERS: usize = 6;
        const JOBS: usize = 200;
        let f = tally_pool(WORKERS);
        assert_eq!(f.builds.load(Ordering::SeqCst), WORKERS, "built eagerly");
        let callers: Vec<_> = (0..CALLERS)
            .map(|_| {
                let pool = f.pool.clone();
                thread::spawn(move || {
                    (0..JOBS)
                        .map(|_| pool.process(Job::Report).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut per_worker: BTreeMap<usize, Vec<u64>> = BTreeMap::new();
        for caller in callers {
            for (serial, jobs) in caller.join().unwrap() {
                per_worker.entry(serial).or_default().push(jobs);
            }
        }
        // No worker was ever built again, and each worker's counter went
        // 1, 2, 3, ... with no gap and no repeat: its state was kept.
        assert_eq!(f.builds.load(Ordering::SeqCst), WORKERS);
        let total = common::assert_each_state_advanced(per_worker, WORKERS);
        assert_eq!(total, CALLERS * JOBS);
        f.pool.close();
        let mut terminated = f.terminated.lock().unwrap().clone();
        terminated.sort_unstable();
        assert_eq!(terminated, vec![0, 1, 2], "terminate runs once per worker");
    });
}

#[test]
fn a_panic_rebuilds_exactly_that_worker() {
    watchdog("panic rebuild", || {
        let f = tally_pool(2);
        let first = report_together(&f.pool, 2);
        assert_eq!(first, vec![(0, 1), (1, 1)]);

        let err = f.pool.process(Job::Panic).unwrap_err();
        let message = err.panic_message().unwrap().to_string();
        assert!(message.starts_with("boom in worker "), "{message}");
        let victim: usize = message["boom in worker ".len()..].parse().unwrap();
        let survivor = 1 - victim;

        // One new worker (serial 2) replaced the victim; the survivor kept
        // its state (this is its second job); the victim was not terminated.
        let second = report_together(&f.pool, 2);
        assert_eq!(f.builds.load(Ordering::SeqCst), 3);
        let mut expected = vec![(survivor, 2), (2, 1)];
        expected.sort_unstable();
        assert_eq!(second, expected);
        let stats = f.pool.stats();
        assert_eq!((stats.panicked, stats.capacity, stats.workers), (1, 2, 2));
        assert!(f.terminated.lock().unwrap().is_empty());

        f.pool.close();
        let terminated: HashSet<usize> = f.terminated.lock().unwrap().iter().copied().collect();
        assert_eq!(terminated, HashSet::from([survivor, 2]));
    });
}

#[test]
fn shrinking_lets_a_busy_worker_finish_then_terminates_it() {
    watchdog("shrink busy", || {
        let f = tally_pool(1);
        let (release_tx, release_rx) = bounded::<()>(0);
        let caller = {
            let pool = f.pool.clone();
            thread::spawn(move || pool.process(Job::Hold(release_rx)))
        };
        wait_until("the job is running", || f.pool.stats().running == 1);
        let (done_tx, done_rx) = unbounded();
        let resizer = {
            let pool = f.pool.clone();
            thread::spawn(move || {
                let r = pool.set_size(0);
                done_tx.send(()).unwrap();
                r
            })
        };
        wait_until("the target is lowered", || f.pool.size() == 0);
        // set_size waits for the retired worker, which is still busy.
        assert!(done_rx.try_recv().is_err());
        assert!(f.terminated.lock().unwrap().is_empty());
        release_tx.send(()).unwrap();
        assert_eq!(caller.join().unwrap(), Ok((0, 1)), "its job delivered");
        resizer.join().unwrap().unwrap();
        assert_eq!(*f.terminated.lock().unwrap(), vec![0]);
        assert_eq!(f.pool.stats().workers, 0);
        // Growing again builds a fresh worker at once.
        f.pool.set_size(1).unwrap();
        assert_eq!(f.builds.load(Ordering::SeqCst), 2);
        assert_eq!(f.pool.process(Job::Report), Ok((1, 1)));
    });
}

#[test]
fn shrinking_retires_parked_workers_before_busy_ones() {
    watchdog("shrink parked first", || {
        let f = tally_pool(2);
        let (release_tx, release_rx) = bounded::<()>(0);
        let caller = {
            let pool = f.pool.clone();
            thread::spawn(move || pool.process(Job::Hold(release_rx)))
        };
        wait_until("one job running", || f.pool.stats().running == 1);
        // Returns without waiting for the busy worker: the parked one goes.
        f.pool.set_size(1).unwrap();
        assert_eq!(f.terminated.lock().unwrap().len(), 1);
        release_tx.send(()).unwrap();
        let (busy, _) = caller.join().unwrap().unwrap();
        assert_ne!(vec![busy], *f.terminated.lock().unwrap());
    });
}

/// The ready hook throttles: a worker is offered to callers only after it.
struct Throttled {
    permits: Receiver<()>,
    readies: Arc<AtomicUsize>,
}

impl Worker for Throttled {
    type Input = ();
    type Output = usize;
    fn process(&mut self, (): (), _: &Interrupt) -> usize {
        self.readies.load(Ordering::SeqCst)
    }
    fn block_until_ready(&mut self) {
        self.permits.recv().unwrap();
        self.readies.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn block_until_ready_runs_before_each_job() {
    watchdog("ready hook", || {
        let (permit_tx, permit_rx): (Sender<()>, _) = unbounded();
        let readies = Arc::new(AtomicUsize::new(0));
        let pool = {
            let readies = Arc::clone(&readies);
            Pool::new(1, move || Throttled {
                permits: permit_rx.clone(),
                readies: Arc::clone(&readies),
            })
        };
        let caller = {
            let pool = pool.clone();
            thread::spawn(move || (pool.process(()), pool.process(())))
        };
        wait_until("the caller waits for a ready worker", || {
            pool.stats().waiting == 1
        });
        assert_eq!(readies.load(Ordering::SeqCst), 0);
        permit_tx.send(()).unwrap();
        permit_tx.send(()).unwrap();
        assert_eq!(caller.join().unwrap(), (Ok(1), Ok(2)));
        permit_tx.send(()).unwrap(); // lets the worker see the close
        pool.close();
    });
}

#[test]
fn process_error_panicked_carries_the_payload() {
    watchdog("panic payload", || {
        let pool = Pool::with_fn(1, |x: u32| {
            assert!(x < 10, "too big: {x}");
            x
        });
        let err = pool.process(11).unwrap_err();
        assert_eq!(err.panic_message(), Some("too big: 11"));
        assert!(matches!(err, ProcessError::Panicked(_)));
        assert_eq!(pool.process(3), Ok(3), "the pool keeps working");
    });
}

/// A worker whose jobs reach back into their own pool.
struct Inside {
    pool: Arc<Mutex<Option<Pool<Inside>>>>,
}

impl Worker for Inside {
    type Input = u32;
    type Output = bool;
    fn process(&mut self, n: u32, _: &Interrupt) -> bool {
        let pool = self.pool.lock().unwrap().clone().expect("pool published");
        if n == 0 {
            pool.set_size(0).is_ok()
        } else {
            pool.close();
            pool.is_closed()
        }
    }
}

#[test]
fn set_size_and_close_from_inside_a_job_do_not_wait_for_that_job() {
    watchdog("resize from inside", || {
        let slot = Arc::new(Mutex::new(None));
        let pool = {
            let slot = Arc::clone(&slot);
            Pool::new(2, move || Inside {
                pool: Arc::clone(&slot),
            })
        };
        *slot.lock().unwrap() = Some(pool.clone());
        // Shrinks to zero from inside: the other worker exits, this one
        // leaves after its job, and the result still comes back.
        assert_eq!(pool.process(0), Ok(true));
        assert_eq!(pool.size(), 0);
        pool.set_size(1).unwrap();
        assert_eq!(pool.process(1), Ok(true));
        assert!(pool.is_closed());
        wait_until("the last worker exits", || pool.stats().workers == 0);
        // Break the cycle pool -> worker -> slot -> pool.
        slot.lock().unwrap().take();
    });
}
