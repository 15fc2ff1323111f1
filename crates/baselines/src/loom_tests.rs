//! Loom models of the baselines' per-task bookkeeping in `core.rs`: the
//! accept/stop handshake, the notify-only-waiters wake-up of a shutdown, the
//! parking of a rayon job that would pass the cap, and thread-per-task's slot
//! acceptance losing a race with a stop while someone waits.
//!
//! Run with `cargo xtask loom --crate baselines`.

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

use crate::core::{Cap, Core, Mode};

/// A task accepted concurrently with `stop_wait` runs before the shutdown's
/// wait returns; a refused one never runs (rules 2 and 4).
#[test]
fn a_task_accepted_during_stop_wait_runs_before_the_wait_returns() {
    loom::model(|| {
        let core = Core::new("loom", 1);
        let ran = Arc::new(AtomicBool::new(false));
        let submitter = {
            let (core, ran) = (Arc::clone(&core), Arc::clone(&ran));
            thread::spawn(move || {
                let task_ran = Arc::clone(&ran);
                match core.accept(Box::new(move || task_ran.store(true, Ordering::SeqCst))) {
                    Ok(job) => {
                        let _ = core.run(job, Cap::PerThread);
                        true
                    }
                    Err(refused) => {
                        assert!(refused.is_stopped());
                        false
                    }
                }
            })
        };
        drop(core.begin_shutdown(Mode::Drain));
        core.wait_quiet();
        let ran_at_return = ran.load(Ordering::SeqCst);
        let accepted = submitter.join().unwrap();
        assert_eq!(
            ran_at_return, accepted,
            "an accepted task ran before stop_wait returned"
        );
        assert_eq!(ran.load(Ordering::SeqCst), accepted);
    });
}

/// After `stop` (drop mode) returns, no task starts (rule 3), and the wait
/// does not miss a job that ends by being skipped.
#[test]
fn nothing_starts_after_stop_returns() {
    loom::model(|| {
        let core = Core::new("loom", 1);
        let stopped = Arc::new(AtomicBool::new(false));
        let worker = {
            let (core, stopped) = (Arc::clone(&core), Arc::clone(&stopped));
            thread::spawn(move || {
                let seen = Arc::clone(&stopped);
                if let Ok(job) = core.accept(Box::new(move || {
                    assert!(
                        !seen.load(Ordering::SeqCst),
                        "a task started after stop returned"
                    );
                })) {
                    let _ = core.run(job, Cap::PerThread);
                }
            })
        };
        drop(core.begin_shutdown(Mode::Drop));
        core.wait_quiet();
        stopped.store(true, Ordering::SeqCst);
        worker.join().unwrap();
    });
}

/// Capacity 1, two jobs started on two threads (as rayon may when a task
/// blocks inside a rayon primitive): never two at once, and the one that
/// was parked is handed back and runs.
#[test]
fn a_counted_job_over_the_cap_is_parked_and_never_stranded() {
    loom::model(|| {
        let core = Core::new("loom", 1);
        let running = Arc::new(AtomicUsize::new(0));
        let ran = Arc::new(AtomicUsize::new(0));
        let task = |running: &Arc<AtomicUsize>, ran: &Arc<AtomicUsize>| {
            let (running, ran) = (Arc::clone(running), Arc::clone(ran));
            Box::new(move || {
                assert_eq!(running.fetch_add(1, Ordering::SeqCst), 0, "cap passed");
                running.fetch_sub(1, Ordering::SeqCst);
                ran.fetch_add(1, Ordering::SeqCst);
            })
        };
        let a = core.accept(task(&running, &ran)).unwrap();
        let b = core.accept(task(&running, &ran)).unwrap();
        let other = {
            let core = Arc::clone(&core);
            thread::spawn(move || {
                let mut next = core.run(b, Cap::Counted);
                while let Some(job) = next {
                    next = core.run(job, Cap::Counted);
                }
            })
        };
        let mut next = core.run(a, Cap::Counted);
        while let Some(job) = next {
            next = core.run(job, Cap::Counted);
        }
        other.join().unwrap();
        assert_eq!(ran.load(Ordering::SeqCst), 2, "a parked job was stranded");
    });
}

/// Thread-per-task's slot acceptance racing a `stop` while someone waits on
/// the pool (here `wait_idle` behind a running task): a submitter that loses
/// the race is refused, and nobody deadlocks. The refusal undoes its count
/// and notifies the waiter, which must happen after `state` is released: a
/// notify under it would take it again on the same thread.
#[test]
fn a_slot_lost_to_a_stop_is_refused_without_deadlock() {
    loom::model(|| {
        let core = Core::new("loom", 2);
        let running = core.accept_slot(Box::new(|| {}), false).unwrap();
        let submitter = {
            let core = Arc::clone(&core);
            thread::spawn(move || match core.accept_slot(Box::new(|| {}), false) {
                Ok(job) => {
                    let _ = core.run(job, Cap::PerThread);
                    true
                }
                Err(refused) => {
                    assert!(refused.is_stopped(), "refused for a free slot");
                    false
                }
            })
        };
        let idle_waiter = {
            let core = Arc::clone(&core);
            thread::spawn(move || core.wait_quiet())
        };
        drop(core.begin_shutdown(Mode::Drop));
        let _ = core.run(running, Cap::PerThread);
        submitter.join().unwrap();
        idle_waiter.join().unwrap();
        core.wait_quiet();
    });
}
