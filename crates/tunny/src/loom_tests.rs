//! Loom models of the rendezvous (ready -> hand-off -> result) racing a
//! deadline, of `set_size` racing a caller, and of `close` racing a caller.
//! Run with `RUSTFLAGS="--cfg tp_loom"` (see the crate README).

use std::time::Duration;

use taskpool_utils::sync::{thread, Arc, AtomicUsize, Ordering};

use crate::batch::batch;
use crate::rendezvous::{call, Admit, Until};
use crate::{FnWorker, Interrupt, ManualClock, Pool, ProcessError, Worker};

/// `process_timeout` with an absolute deadline on the manual clock (the
/// public method measures from "now", which the model cannot pin down).
fn process_by(
    pool: &Pool<Probe>,
    input: Option<u32>,
    deadline: Duration,
) -> Result<u32, ProcessError> {
    match call(
        pool.inner(),
        input,
        Admit::Block,
        Until::Done,
        Some(deadline),
        None,
    ) {
        Ok(output) => Ok(output.expect("Until::Done carries the output")),
        Err(refusal) => Err(refusal.into()),
    }
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(f);
}

/// Adds one, or waits to be interrupted when asked to.
struct Probe {
    interrupted: Arc<AtomicUsize>,
    terminated: Arc<AtomicUsize>,
}

impl Worker for Probe {
    type Input = Option<u32>;
    type Output = u32;

    fn process(&mut self, input: Option<u32>, interrupt: &Interrupt) -> u32 {
        match input {
            Some(x) => x + 1,
            None => {
                // Under loom the wait ends only when the job is interrupted.
                while !interrupt.wait_timeout(Duration::from_secs(3600)) {}
                0
            }
        }
    }

    fn interrupted(&mut self) {
        self.interrupted.fetch_add(1, Ordering::SeqCst);
    }

    fn terminate(&mut self) {
        self.terminated.fetch_add(1, Ordering::SeqCst);
    }
}

struct Fixture {
    pool: Pool<Probe>,
    clock: ManualClock,
    builds: Arc<AtomicUsize>,
    interrupted: Arc<AtomicUsize>,
    terminated: Arc<AtomicUsize>,
}

fn fixture(n: usize) -> Fixture {
    let clock = ManualClock::new();
    let builds = Arc::new(AtomicUsize::new(0));
    let interrupted = Arc::new(AtomicUsize::new(0));
    let terminated = Arc::new(AtomicUsize::new(0));
    let pool = {
        let (b, i, t) = (builds.clone(), interrupted.clone(), terminated.clone());
        Pool::builder(move || {
            b.fetch_add(1, Ordering::SeqCst);
            Probe {
                interrupted: i.clone(),
                terminated: t.clone(),
            }
        })
        .capacity(n)
        .clock(clock.clone())
        .build()
        .unwrap()
    };
    Fixture {
        pool,
        clock,
        builds,
        interrupted,
        terminated,
    }
}

fn assert_drained(pool: &Pool<Probe>) {
    let stats = pool.stats();
    assert_eq!((stats.workers, stats.running, stats.waiting), (0, 0, 0));
}

#[test]
fn loom_tests_result_or_timeout_never_both() {
    model(|| {
        let f = fixture(1);
        let caller = {
            let pool = f.pool.clone();
            thread::spawn(move || process_by(&pool, Some(1), Duration::from_secs(1)))
        };
        f.clock.advance(Duration::from_secs(1));
        let r = caller.join().unwrap();
        assert!(r == Ok(2) || r == Err(ProcessError::TimedOut), "{r:?}");
        f.pool.close();
        assert_drained(&f.pool);
        assert_eq!(f.terminated.load(Ordering::SeqCst), 1);
        // A job that completed is interrupted only if its caller had left.
        if r.is_ok() {
            assert_eq!(f.interrupted.load(Ordering::SeqCst), 0);
        }
    });
}

#[test]
fn loom_tests_timeout_interrupts_and_unblocks_the_job() {
    model(|| {
        let f = fixture(1);
        let caller = {
            let pool = f.pool.clone();
            thread::spawn(move || process_by(&pool, None, Duration::from_secs(1)))
        };
        f.clock.advance(Duration::from_secs(1));
        // The job never finishes on its own: only the timeout ends the call.
        assert_eq!(caller.join().unwrap(), Err(ProcessError::TimedOut));
        // close waits for the worker: it returns only if the interruption
        // reached the job (or the job was abandoned before it started).
        f.pool.close();
        assert_drained(&f.pool);
        let interrupted = f.interrupted.load(Ordering::SeqCst);
        // 0 when the caller left while still in line (no worker held the job).
        assert!(interrupted <= 1);
    });
}

#[test]
fn loom_tests_set_size_races_a_caller() {
    model(|| {
        let f = fixture(1);
        let caller = {
            let pool = f.pool.clone();
            thread::spawn(move || pool.process(Some(5)))
        };
        f.pool.set_size(2).unwrap();
        f.pool.set_size(1).unwrap();
        assert_eq!(f.pool.stats().workers, 1);
        assert_eq!(caller.join().unwrap(), Ok(6));
        f.pool.close();
        assert_drained(&f.pool);
        assert_eq!(f.builds.load(Ordering::SeqCst), 2);
        assert_eq!(f.terminated.load(Ordering::SeqCst), 2);
    });
}

#[test]
fn loom_tests_close_races_a_caller() {
    model(|| {
        let pool = Pool::with_fn(1, |x: u32| x * 2);
        let caller = {
            let pool = pool.clone();
            thread::spawn(move || pool.process(4))
        };
        pool.close();
        let r = caller.join().unwrap();
        assert!(r == Ok(8) || r == Err(ProcessError::Closed), "{r:?}");
        let stats = pool.stats();
        assert_eq!((stats.workers, stats.running, stats.waiting), (0, 0, 0));
        let _ = FnWorker::new(|x: u32| x);
    });
}

#[test]
fn loom_tests_cancel_interrupts_and_unblocks_the_job() {
    model(|| {
        let f = fixture(1);
        let token = crate::CancelToken::new();
        let caller = {
            let (pool, token) = (f.pool.clone(), token.clone());
            thread::spawn(move || pool.process_cancellable(None, &token))
        };
        token.cancel();
        assert_eq!(caller.join().unwrap(), Err(ProcessError::Cancelled));
        f.pool.close();
        assert_drained(&f.pool);
        assert_eq!(f.terminated.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn loom_tests_a_queued_caller_times_out_while_another_is_served() {
    model(|| {
        let f = fixture(1);
        let (a, b) = {
            let (pa, pb) = (f.pool.clone(), f.pool.clone());
            (
                thread::spawn(move || pa.process(Some(1))),
                thread::spawn(move || process_by(&pb, Some(2), Duration::from_secs(1))),
            )
        };
        f.clock.advance(Duration::from_secs(1));
        assert_eq!(a.join().unwrap(), Ok(2));
        let rb = b.join().unwrap();
        assert!(rb == Ok(3) || rb == Err(ProcessError::TimedOut), "{rb:?}");
        f.pool.close();
        assert_drained(&f.pool);
    });
}

#[test]
fn loom_tests_two_jobs_closing_from_inside_do_not_wait_for_each_other() {
    use taskpool::TaskPool;
    model(|| {
        let pool = Pool::callback(2);
        let mut accepted = 0;
        for _ in 0..2 {
            let inner = pool.clone();
            // The first job may close the pool before the second is offered.
            match pool.submit(Box::new(move || inner.close())) {
                Ok(()) => accepted += 1,
                Err(refused) => assert!(refused.is_stopped()),
            }
        }
        assert!(accepted >= 1);
        pool.close();
        let stats = pool.stats();
        assert_eq!((stats.workers, stats.running, stats.waiting), (0, 0, 0));
        assert_eq!(stats.completed, accepted);
    });
}

#[test]
fn loom_tests_close_races_a_batch_chunk() {
    model(|| {
        let pool = Pool::with_fn(1, |x: u32| x * 2);
        let caller = {
            let pool = pool.clone();
            // One chunk of two items: the worker may be retired between them.
            thread::spawn(move || batch(pool.inner(), vec![1, 2], 1, None, None))
        };
        pool.close();
        let r = caller.join().unwrap();
        // An accepted chunk runs its first item; a retired worker hands the
        // second back and the closed pool refuses it. Nothing else.
        let closed = |o: &Result<u32, ProcessError>| *o == Err(ProcessError::Closed);
        assert!(
            (r[0] == Ok(2) && (r[1] == Ok(4) || closed(&r[1]))) || (closed(&r[0]) && closed(&r[1])),
            "{r:?}"
        );
        let stats = pool.stats();
        assert_eq!((stats.workers, stats.running, stats.waiting), (0, 0, 0));
        let ran = r.iter().filter(|o| o.is_ok()).count() as u64;
        assert_eq!(stats.completed, ran);
    });
}

#[test]
fn loom_tests_a_retired_worker_hands_the_rest_of_its_chunk_back() {
    model(|| {
        let f = fixture(1);
        let caller = {
            let pool = f.pool.clone();
            // One chunk of two items.
            thread::spawn(move || batch(pool.inner(), vec![Some(1), Some(2)], 1, None, None))
        };
        // The only worker leaves, maybe between the two items, maybe before
        // taking the chunk; whatever it did not start runs on its successor.
        f.pool.set_size(0).unwrap();
        f.pool.set_size(1).unwrap();
        assert_eq!(caller.join().unwrap(), [Ok(2), Ok(3)]);
        f.pool.close();
        assert_drained(&f.pool);
        assert_eq!(f.pool.stats().completed, 2);
        assert_eq!(f.builds.load(Ordering::SeqCst), 2);
        assert_eq!(f.terminated.load(Ordering::SeqCst), 2);
    });
}

#[test]
fn loom_tests_two_chunks_on_one_worker_and_a_close() {
    model(|| {
        let pool = Pool::with_fn(1, |x: u32| x * 2);
        let caller = {
            let pool = pool.clone();
            // The second chunk waits in line while the first runs; the
            // worker may have finished it before the caller looks again.
            thread::spawn(move || batch(pool.inner(), vec![1, 2], 2, None, None))
        };
        let closer = {
            let pool = pool.clone();
            thread::spawn(move || pool.close())
        };
        let r = caller.join().unwrap();
        closer.join().unwrap();
        for (o, ok) in r.iter().zip([2, 4]) {
            assert!(*o == Ok(ok) || *o == Err(ProcessError::Closed), "{r:?}");
        }
        let stats = pool.stats();
        assert_eq!((stats.workers, stats.running, stats.waiting), (0, 0, 0));
        assert_eq!(
            stats.completed,
            r.iter().filter(|o| o.is_ok()).count() as u64
        );
    });
}

#[test]
fn loom_tests_a_batch_deadline_races_its_chunks() {
    model(|| {
        let f = fixture(1);
        let caller = {
            let pool = f.pool.clone();
            // Two chunks: the second waits in line while the first runs.
            thread::spawn(move || {
                let deadline = Some(Duration::from_secs(1));
                batch(pool.inner(), vec![Some(1), Some(2)], 2, deadline, None)
            })
        };
        f.clock.advance(Duration::from_secs(1));
        let r = caller.join().unwrap();
        for (o, ok) in r.iter().zip([2, 3]) {
            assert!(*o == Ok(ok) || *o == Err(ProcessError::TimedOut), "{r:?}");
        }
        f.pool.close();
        assert_drained(&f.pool);
        let delivered = r.iter().filter(|o| o.is_ok()).count() as u64;
        assert!(f.pool.stats().completed >= delivered);
        // Each abandoned chunk that a worker held was reported once to it.
        assert!(f.interrupted.load(Ordering::SeqCst) <= 2 - delivered as usize);
        assert_eq!(f.terminated.load(Ordering::SeqCst), 1);
    });
}
