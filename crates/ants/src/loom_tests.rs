//! Loom models of the protocol (run with `--cfg tp_loom`, see DESIGN.md):
//! the worker-stack hand-off, the capacity check racing with worker start and
//! with `tune`, and `release` racing with a blocked submitter.

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;

use taskpool::TaskPool;

use crate::{ManualClock, Pool};

fn pool(capacity: usize) -> Pool {
    Pool::builder()
        .capacity(capacity)
        .purge(false)
        .clock(ManualClock::new())
        .build()
        .unwrap()
}

/// Counts tasks inside; `max` is the most ever at once.
#[derive(Default)]
struct Meter {
    now: AtomicUsize,
    max: AtomicUsize,
    ran: AtomicUsize,
}

impl Meter {
    fn task(meter: &Arc<Meter>) -> impl FnOnce() + Send + 'static {
        let m = Arc::clone(meter);
        move || {
            let n = m.now.fetch_add(1, SeqCst) + 1;
            m.max.fetch_max(n, SeqCst);
            m.ran.fetch_add(1, SeqCst);
            m.now.fetch_sub(1, SeqCst);
        }
    }
}

/// Second submit races with the first worker's return to the stack: it
/// either waits for it (and must be woken) or takes it from the stack; it
/// never starts a second worker on a pool of one, and both tasks run.
#[test]
fn worker_stack_hand_off() {
    loom::model(|| {
        let pool = pool(1);
        let meter = Arc::new(Meter::default());
        pool.submit(Meter::task(&meter)).unwrap();
        pool.submit(Meter::task(&meter)).unwrap();
        TaskPool::stop_wait(&pool);
        assert_eq!(meter.ran.load(SeqCst), 2);
        assert_eq!(meter.max.load(SeqCst), 1);
        assert_eq!(pool.workers(), 0);
    });
}

/// Two submitters race for the only place while the first worker is being
/// started: exactly the accepted tasks run, never two at once.
#[test]
fn capacity_check_races_with_worker_start() {
    loom::model(|| {
        let pool = pool(1);
        let meter = Arc::new(Meter::default());
        let other = {
            let (pool, meter) = (pool.clone(), Arc::clone(&meter));
            thread::spawn(move || usize::from(pool.try_submit(Meter::task(&meter)).is_ok()))
        };
        let mine = usize::from(pool.try_submit(Meter::task(&meter)).is_ok());
        let accepted = mine + other.join().unwrap();
        TaskPool::stop_wait(&pool);
        assert!(accepted >= 1, "an empty pool accepts the first task");
        assert_eq!(meter.ran.load(SeqCst), accepted);
        assert_eq!(meter.max.load(SeqCst), 1);
    });
}

/// `tune(1)` on a pool of 2 races with a submit while another task may
/// still run: a submission made after `tune` returned never runs beside
/// another task. (One accepted before the shrink may: shrinking interrupts
/// nothing already handed to a worker.)
#[test]
fn capacity_check_races_with_tune() {
    loom::model(|| {
        let pool = pool(2);
        let tuned = Arc::new(AtomicBool::new(false));
        let busy = Arc::new(AtomicUsize::new(0));
        let violations = Arc::new(AtomicUsize::new(0));
        let task = |after_tune: bool| {
            let (busy, violations) = (Arc::clone(&busy), Arc::clone(&violations));
            move || {
                let n = busy.fetch_add(1, SeqCst) + 1;
                if after_tune && n > 1 {
                    violations.fetch_add(1, SeqCst);
                }
                busy.fetch_sub(1, SeqCst);
            }
        };
        pool.submit(task(false)).unwrap();
        let tuner = {
            let (pool, tuned) = (pool.clone(), Arc::clone(&tuned));
            thread::spawn(move || {
                pool.tune(1).unwrap();
                tuned.store(true, SeqCst);
            })
        };
        let after_tune = tuned.load(SeqCst);
        let _ = pool.try_submit(task(after_tune));
        tuner.join().unwrap();
        TaskPool::stop_wait(&pool);
        assert_eq!(violations.load(SeqCst), 0);
        assert_eq!(pool.cap(), Some(1));
    });
}

/// A submitter that may be blocked on a full pool races with `release`:
/// it is woken with `Stopped` and its task (which never runs), or its task
/// was accepted and runs; nothing hangs, nothing is lost.
#[test]
fn release_races_with_blocked_submitter() {
    loom::model(|| {
        let pool = pool(1);
        let meter = Arc::new(Meter::default());
        pool.submit(Meter::task(&meter)).unwrap();
        let submitter = {
            let (pool, meter) = (pool.clone(), Arc::clone(&meter));
            thread::spawn(move || match pool.submit(Meter::task(&meter)) {
                Ok(()) => 1,
                Err(refused) if refused.is_stopped() => 0,
                Err(_) => panic!("a blocking submit is not refused"),
            })
        };
        pool.release();
        let accepted = 1 + submitter.join().unwrap();
        TaskPool::stop(&pool);
        assert_eq!(meter.ran.load(SeqCst), accepted);
        assert_eq!(pool.workers(), 0);
        assert_eq!(pool.waiting(), 0);
    });
}
