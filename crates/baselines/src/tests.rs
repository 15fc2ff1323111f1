//! Unit tests of the shared bookkeeping in `core.rs`, driven step by step on one thread.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;

use taskpool::{Task, WaitError};

use crate::core::{enter_worker, Cap, Core, Mode};

fn counting_task(count: &Arc<AtomicUsize>) -> Task {
    let count = Arc::clone(count);
    Box::new(move || {
        count.fetch_add(1, Ordering::SeqCst);
    })
}

#[test]
fn accepted_job_runs_once_and_is_counted() {
    let core = Core::new("t", 2);
    let ran = Arc::new(AtomicUsize::new(0));
    let job = core.accept(counting_task(&ran)).unwrap();
    assert_eq!(core.stats().waiting, 1);
    assert!(core.run(job, Cap::PerThread).is_none());
    let s = core.stats();
    assert_eq!((s.waiting, s.running, s.completed), (0, 0, 1));
    assert_eq!(ran.load(Ordering::SeqCst), 1);
}

#[test]
fn a_job_that_finds_the_pool_full_is_deferred_and_handed_back() {
    // Capacity 1: while job A runs, job B (stolen onto A's stack, as rayon
    // can do) must not start; it is parked and handed back when A finishes.
    let core = Core::new("t", 1);
    let b_ran = Arc::new(AtomicUsize::new(0));
    let b = core.accept(counting_task(&b_ran)).unwrap();
    let seen = Arc::new(Mutex::new(None));
    let a = {
        let (core, seen, b_ran) = (Arc::clone(&core), Arc::clone(&seen), Arc::clone(&b_ran));
        let slot = Arc::new(Mutex::new(Some(b)));
        core.clone()
            .accept(Box::new(move || {
                let b = slot.lock().unwrap().take().unwrap();
                assert!(core.run(b, Cap::Counted).is_none(), "B was parked, not run");
                *seen.lock().unwrap() = Some((core.stats(), b_ran.load(Ordering::SeqCst)));
            }))
            .unwrap()
    };
    let handed_back = core.run(a, Cap::Counted).expect("A's finish hands B back");
    let (during, b_during) = seen.lock().unwrap().take().unwrap();
    assert_eq!((during.running, during.waiting, b_during), (1, 1, 0));
    assert!(core.run(handed_back, Cap::Counted).is_none());
    assert_eq!(b_ran.load(Ordering::SeqCst), 1);
    let s = core.stats();
    assert_eq!((s.running, s.waiting, s.completed), (0, 0, 2));
}

#[test]
fn stop_drops_deferred_and_unstarted_jobs() {
    let core = Core::new("t", 1);
    let ran = Arc::new(AtomicUsize::new(0));
    let queued = core.accept(counting_task(&ran)).unwrap();
    let dropped = core.begin_shutdown(Mode::Drop);
    assert!(dropped.is_empty());
    // A job the executor still hands out after stop does not run its task.
    assert!(core.run(queued, Cap::PerThread).is_none());
    assert_eq!(ran.load(Ordering::SeqCst), 0);
    assert_eq!(core.stats().waiting, 0);
    // And nothing more is accepted; the task comes back.
    let refused = core.accept(counting_task(&ran)).err().unwrap();
    assert!(refused.is_stopped());
    refused.into_task()();
    assert_eq!(ran.load(Ordering::SeqCst), 1);
}

#[test]
fn first_shutdown_mode_wins() {
    let core = Core::new("t", 1);
    let ran = Arc::new(AtomicUsize::new(0));
    let job = core.accept(counting_task(&ran)).unwrap();
    drop(core.begin_shutdown(Mode::Drain));
    drop(core.begin_shutdown(Mode::Drop)); // does not turn the drain into a drop
    let _ = core.run(job, Cap::PerThread);
    assert_eq!(ran.load(Ordering::SeqCst), 1);
}

#[test]
fn an_unaccepted_job_hands_its_task_back_and_is_no_longer_waited_for() {
    let core = Core::new("t", 1);
    let ran = Arc::new(AtomicUsize::new(0));
    let job = core.accept(counting_task(&ran)).unwrap();
    assert_eq!(core.stats().waiting, 1);
    let task = core.unaccept(job);
    assert_eq!(core.stats().waiting, 0);
    core.wait_quiet(); // nothing left to wait for
    task();
    assert_eq!(ran.load(Ordering::SeqCst), 1);
    assert_eq!(
        core.stats().completed,
        0,
        "a handed-back task is not the pool's"
    );
}

#[test]
fn a_refusal_after_stop_is_not_counted_as_in_flight() {
    let core = Core::new("t", 1);
    drop(core.begin_shutdown(Mode::Drain));
    assert!(core.accept(Box::new(|| {})).is_err());
    let s = core.stats();
    assert_eq!((s.waiting, s.running), (0, 0));
    core.wait_quiet();
}

#[test]
fn accept_slot_counts_queued_against_capacity() {
    let core = Core::new("t", 1);
    let job = core.accept_slot(Box::new(|| {}), false).unwrap();
    let refused = core.accept_slot(Box::new(|| {}), false).err().unwrap();
    assert!(refused.is_overloaded());
    // `accept_slot` counted a thread about to start; pretend it failed.
    core.thread_spawned(None, usize::MAX);
    let _ = core.unaccept(job);
    assert_eq!(core.stats().workers, 0);
    assert!(core.accept_slot(Box::new(|| {}), false).is_ok());
}

#[test]
fn run_inline_counts_and_returns_panics() {
    let core = Core::new("t", 1);
    assert!(core.run_inline(Box::new(|| {})).is_ok());
    let err = core
        .run_inline(Box::new(|| panic!("inline boom")))
        .unwrap_err();
    assert_eq!(err.panic_message(), Some("inline boom"));
    let s = core.stats();
    assert_eq!((s.completed, s.panicked), (1, 1));
    drop(core.begin_shutdown(Mode::Drain));
    assert!(matches!(
        core.run_inline(Box::new(|| {})),
        Err(WaitError::Rejected(ref e)) if e.is_stopped()
    ));
}

#[test]
fn worker_mark_identifies_the_pool_and_reports_the_exit() {
    let core = Core::new("t", 1);
    let other = Core::new("u", 1);
    assert!(!core.on_own_thread());
    let (c, o) = (Arc::clone(&core), Arc::clone(&other));
    let (tx, rx) = mpsc::channel();
    core.thread_spawning();
    let handle = thread::spawn(move || {
        enter_worker(&c);
        tx.send((c.on_own_thread(), o.on_own_thread())).unwrap();
    });
    core.thread_spawned(Some(handle), usize::MAX);
    assert_eq!(rx.recv().unwrap(), (true, false));
    // Joins the thread and waits for its mark to be dropped.
    core.wait_exited();
    assert_eq!(core.stats().workers, 0);
}
