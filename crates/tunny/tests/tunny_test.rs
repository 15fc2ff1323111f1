//! Behaviours asserted by upstream's `tunny_test.go`, ported in our own code.
//! Each test is named after the Go test it mirrors. Timeouts run on a
//! `ManualClock`, so nothing here depends on how fast the machine is.
// Real threads: under `--cfg tp_loom` the pool runs on loom's primitives,
// which only work inside a loom model (see src/loom_tests.rs).
#![cfg(not(tp_loom))]

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use crossbeam_channel::{bounded, select, unbounded, Receiver, Sender};
use taskpool::{Task, TaskPool};
use taskpool_conformance::testkit::{wait_until, watchdog};
use taskpool_tunny::{
    CallbackWorker, CancelToken, FnWorker, Interrupt, ManualClock, Pool, ProcessError, ResizeError,
    Worker,
};

#[test]
fn test_pool_size_adjustment() {
    watchdog("size adjustment", || {
        let pool = Pool::with_fn(10, |_: u32| "foo");
        assert_eq!(pool.size(), 10);
        assert_eq!(pool.stats().workers, 10);
        for n in [10, 9, 10, 0, 10] {
            pool.set_size(n).unwrap();
            assert_eq!(pool.size(), n);
            // set_size returns after retired workers have exited.
            assert_eq!(pool.stats().workers, n);
        }
        // The workers left are really working.
        assert_eq!(pool.process(0), Ok("foo"));
        pool.close();
        assert_eq!(pool.size(), 0);
        assert_eq!(pool.stats().workers, 0);
    });
}

#[test]
fn test_func_job() {
    watchdog("func job", || {
        let pool = Pool::with_fn(10, |x: i32| x * 2);
        for _ in 0..10 {
            assert_eq!(pool.process(10), Ok(20));
        }
    });
}

#[test]
fn test_func_job_timed() {
    watchdog("func job timed", || {
        let pool = Pool::with_fn(10, |x: i32| x * 2);
        for _ in 0..10 {
            // A generous deadline on the system clock: never reached here.
            assert_eq!(pool.process_timeout(10, Duration::from_secs(60)), Ok(20));
        }
    });
}

#[test]
fn test_func_job_ctx_completes_when_not_cancelled() {
    watchdog("func job ctx", || {
        let pool = Pool::with_fn(10, |x: i32| x * 2);
        let token = CancelToken::new();
        for _ in 0..10 {
            assert_eq!(pool.process_cancellable(10, &token), Ok(20));
        }
    });
}

/// Upstream cancels through a context deadline while the job sleeps; here the
/// job blocks until it is interrupted and the test cancels once it runs.
#[test]
fn test_func_job_ctx_returns_err_when_cancelled() {
    watchdog("func job ctx cancelled", || {
        let (started_tx, started_rx) = unbounded();
        let pool = Pool::new(1, move || BlockUntilInterrupted {
            started: started_tx.clone(),
        });
        let token = CancelToken::new();
        let caller = {
            let (pool, token) = (pool.clone(), token.clone());
            thread::spawn(move || pool.process_cancellable(10, &token))
        };
        started_rx.recv().unwrap();
        token.cancel();
        assert_eq!(caller.join().unwrap(), Err(ProcessError::Cancelled));
        // The job saw the interruption and returned: the worker is free again.
        assert_eq!(pool.process_cancellable(1, &CancelToken::new()), Ok(1));
    });
}

/// Returns its input once interrupted, or at once for input 1.
struct BlockUntilInterrupted {
    started: Sender<()>,
}

impl Worker for BlockUntilInterrupted {
    type Input = u32;
    type Output = u32;
    fn process(&mut self, input: u32, interrupt: &Interrupt) -> u32 {
        if input == 1 {
            return 1;
        }
        self.started.send(()).unwrap();
        while !interrupt.wait_timeout(Duration::from_secs(3600)) {}
        input
    }
}

#[test]
fn test_callback_job() {
    watchdog("callback job", || {
        let pool = Pool::callback(10);
        let counter = Arc::new(AtomicUsize::new(0));
        for _ in 0..10 {
            let counter = Arc::clone(&counter);
            let task: Task = Box::new(move || {
                counter.fetch_add(1, Ordering::SeqCst);
            });
            assert_eq!(pool.process(task), Ok(()));
        }
        // Upstream also checks that a non-func payload is refused with
        // ErrJobNotFunc; with typed payloads that cannot be written at all.
        assert_eq!(counter.load(Ordering::SeqCst), 10);
        // The same pool through the TaskPool face.
        let counter2 = Arc::clone(&counter);
        pool.submit_wait(Box::new(move || {
            counter2.fetch_add(1, Ordering::SeqCst);
        }))
        .unwrap();
        assert_eq!(counter.load(Ordering::SeqCst), 11);
        let _: &Pool<CallbackWorker> = &pool;
    });
}

#[test]
fn test_timeout() {
    watchdog("timeout", || {
        let clock = ManualClock::new();
        let (started_tx, started_rx) = unbounded();
        let pool = Pool::builder(move || BlockUntilInterrupted {
            started: started_tx.clone(),
        })
        .clock(clock.clone())
        .build()
        .unwrap();
        let caller = {
            let pool = pool.clone();
            thread::spawn(move || pool.process_timeout(10, Duration::from_nanos(1)))
        };
        // The job is running and its caller sleeps on the clock.
        started_rx.recv().unwrap();
        wait_until("caller sleeps on the clock", || clock.sleepers() == 1);
        clock.advance(Duration::from_nanos(1));
        assert_eq!(caller.join().unwrap(), Err(ProcessError::TimedOut));
        // The interrupted job returned, so the worker serves the next caller.
        assert_eq!(pool.process(1), Ok(1));
    });
}

#[test]
fn test_timeout_zero_gives_up_at_once() {
    watchdog("zero timeout", || {
        let pool = Pool::with_fn(1, |x: u8| x);
        assert_eq!(
            pool.process_timeout(1, Duration::ZERO),
            Err(ProcessError::TimedOut)
        );
        assert_eq!(pool.stats().completed, 0, "the job never started");
    });
}

#[test]
fn test_timed_jobs_after_close() {
    watchdog("timed jobs after close", || {
        let pool = Pool::with_fn(1, |_: u8| 1);
        pool.close();
        assert_eq!(
            pool.process_timeout(10, Duration::from_millis(10)),
            Err(ProcessError::Closed)
        );
    });
}

/// Upstream's `Process` panics after `Close`; ours returns an error value.
#[test]
fn test_jobs_after_close() {
    watchdog("jobs after close", || {
        let pool = Pool::with_fn(1, |_: u8| 1);
        pool.close();
        assert_eq!(pool.process(10), Err(ProcessError::Closed));
        assert_eq!(
            pool.process_cancellable(10, &CancelToken::new()),
            Err(ProcessError::Closed)
        );
        assert!(matches!(pool.set_size(3), Err(ResizeError::Closed)));
        // Upstream panics on a second Close; ours is idempotent.
        pool.close();
        assert!(pool.is_closed());
    });
}

#[test]
fn test_parallel_jobs() {
    watchdog("parallel jobs", || {
        const WORKERS: usize = 10;
        // Every job waits for all the others: this finishes only if all
        // WORKERS jobs really run at the same time.
        let barrier = Arc::new(Barrier::new(WORKERS));
        let pool = {
            let barrier = Arc::clone(&barrier);
            Pool::new(WORKERS, move || {
                let barrier = Arc::clone(&barrier);
                FnWorker::new(move |x: i32| {
                    barrier.wait();
                    x * 2
                })
            })
        };
        let callers: Vec<_> = (0..WORKERS)
            .map(|_| {
                let pool = pool.clone();
                thread::spawn(move || pool.process(10))
            })
            .collect();
        for caller in callers {
            assert_eq!(caller.join().unwrap(), Ok(20));
        }
    });
}

/// Upstream's `mockWorker`: its ready hook and its job block on channels the
/// test controls, and it records that it was terminated.
struct MockWorker {
    block_proc: Receiver<()>,
    block_ready: Receiver<()>,
    /// Fed by the interrupt callback (upstream's `interruptChan`).
    interrupt_tx: Sender<()>,
    interrupt_rx: Receiver<()>,
    started: Sender<()>,
    interrupted_hook: Arc<AtomicUsize>,
    terminated: Arc<AtomicBool>,
}

impl Worker for MockWorker {
    type Input = i32;
    type Output = i32;

    fn process(&mut self, input: i32, interrupt: &Interrupt) -> i32 {
        let tx = self.interrupt_tx.clone();
        interrupt.on_interrupt(move || {
            let _ = tx.send(());
        });
        let _ = self.started.send(());
        select! {
            recv(self.block_proc) -> _ => {}
            recv(self.interrupt_rx) -> _ => {}
        }
        input
    }

    fn block_until_ready(&mut self) {
        // A dropped sender is upstream's closed channel: ready from then on.
        let _ = self.block_ready.recv();
    }

    fn interrupted(&mut self) {
        self.interrupted_hook.fetch_add(1, Ordering::SeqCst);
    }

    fn terminate(&mut self) {
        self.terminated.store(true, Ordering::SeqCst);
    }
}

#[test]
fn test_custom_worker() {
    watchdog("custom worker", || {
        let clock = ManualClock::new();
        let (proc_tx, proc_rx) = bounded::<()>(0);
        let (ready_tx, ready_rx) = bounded::<()>(0);
        let (started_tx, started_rx) = unbounded();
        let interrupted_hook = Arc::new(AtomicUsize::new(0));
        let terminated = Arc::new(AtomicBool::new(false));
        let builds = Arc::new(AtomicUsize::new(0));
        let pool = {
            let (interrupted_hook, terminated, builds) = (
                Arc::clone(&interrupted_hook),
                Arc::clone(&terminated),
                Arc::clone(&builds),
            );
            Pool::builder(move || {
                builds.fetch_add(1, Ordering::SeqCst);
                let (interrupt_tx, interrupt_rx) = unbounded();
                MockWorker {
                    block_proc: proc_rx.clone(),
                    block_ready: ready_rx.clone(),
                    interrupt_tx,
                    interrupt_rx,
                    started: started_tx.clone(),
                    interrupted_hook: Arc::clone(&interrupted_hook),
                    terminated: Arc::clone(&terminated),
                }
            })
            .capacity(1)
            .clock(clock.clone())
            .build()
            .unwrap()
        };
        assert!(!terminated.load(Ordering::SeqCst), "started off terminated");

        // 1. Timeout while the worker is not ready: the caller waits in line
        //    and gives up; no job ran, nothing was interrupted.
        let caller = {
            let pool = pool.clone();
            thread::spawn(move || pool.process_timeout(10, Duration::from_millis(1)))
        };
        wait_until("caller waits for a worker", || {
            clock.sleepers() == 1 && pool.stats().waiting == 1
        });
        clock.advance(Duration::from_millis(1));
        assert_eq!(caller.join().unwrap(), Err(ProcessError::TimedOut));
        assert_eq!(pool.stats().waiting, 0);
        assert_eq!(interrupted_hook.load(Ordering::SeqCst), 0);

        // 2. Timeout while the worker is busy: the job is interrupted, which
        //    unblocks it, and the worker's `interrupted` hook runs.
        drop(ready_tx);
        let caller = {
            let pool = pool.clone();
            thread::spawn(move || pool.process_timeout(10, Duration::from_millis(1)))
        };
        started_rx.recv().unwrap();
        wait_until("caller sleeps on the clock", || clock.sleepers() == 1);
        clock.advance(Duration::from_millis(1));
        assert_eq!(caller.join().unwrap(), Err(ProcessError::TimedOut));
        wait_until("the interrupted job returned", || {
            interrupted_hook.load(Ordering::SeqCst) == 1
        });

        // 3. Unblocked: a job runs to the end.
        drop(proc_tx);
        assert_eq!(pool.process(10), Ok(10));

        // 4. Close terminates the worker; the same worker served every job.
        pool.close();
        assert!(
            terminated.load(Ordering::SeqCst),
            "worker was not terminated"
        );
        assert_eq!(builds.load(Ordering::SeqCst), 1);
    });
}
