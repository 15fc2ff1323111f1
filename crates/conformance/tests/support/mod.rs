//! A simple, correct reference pool with one switchable [`Fault`]: the test
//! subjects of `tests/faulty.rs`.
//!
//! `capacity` workers drain one FIFO queue. Admission is configurable: queue
//! everything, block the submitter while `running + queued >= capacity`, or
//! refuse with `Overloaded` then. With `Fault::None` it keeps every rule
//! (`faulty.rs` proves it passes `verify`); every other fault breaks exactly
//! one rule, and only in some interleavings.
// Shared by several test crates, each of which uses only part of it.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle, ThreadId};

use taskpool::{Admission, BuildError, PoolStats, SubmitError, Task, TaskPool, WaitError};

/// The one thing a [`FaultyPool`] gets wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Nothing: the reference pool.
    None,
    /// Rule 1: one extra worker, which takes a task only when at least two
    /// are queued (so the cap is exceeded only under contention).
    ExtraTaskUnderContention,
    /// Rule 2: `stop_wait` drops the last queued task when two or more wait.
    DropsLastOnStopWait,
    /// Rule 3: `stop` keeps the first dropped task and runs it on the next
    /// call to the pool (only when the queue was not empty).
    StartsAfterStop,
    /// Rule 4: after a stop, a submit from a thread other than the one that
    /// stopped the pool is accepted (and silently dropped).
    AcceptsAfterStop,
    /// Rule 5: a worker whose task panics exits and is not replaced.
    WorkerLostOnPanic,
    /// Rule 6: the first worker is not joined by `stop`; it parks until the
    /// pool value is dropped (visible only if that worker ran a task).
    ThreadLeftRunning,
    /// Rule 7: `stop`/`stop_wait` from inside a task waits for every running
    /// task, itself included: a deadlock.
    DeadlockStopInTask,
    /// Rule 7: a `stop`/`stop_wait` that finds the pool already stopping
    /// returns at once, before the shutdown has finished.
    SecondStopReturnsEarly,
    /// Rule 8: dropping the last handle on a worker thread waits for every
    /// running task, the dropping one included: a deadlock.
    DeadlockDropOnWorker,
    /// `wait_idle` returns once the queue is empty, ignoring running tasks.
    WaitIdleEarly,
    /// A rejecting pool hands back a different (empty) task with
    /// `Overloaded` and drops the real one.
    SubstituteOnRefusal,
    /// Rule 9: the builder turns capacity 0 into 1 instead of refusing it.
    AcceptsZeroCapacity,
    /// Rule 1 at sizes the small cases never reach: one worker too many on
    /// pools of more than 8.
    ExtraWorkerAboveEight,
    /// Rule 2 after a long life: the 1,500th task accepted is dropped.
    DropsTaskAfterMany,
    /// Rule 4: `submit` checks "stopped", unlocks, then queues without
    /// checking again, so a task can land after the shutdown drained.
    CheckThenActSubmit,
    /// Liveness: a worker that finishes a task waits for a wake-up without
    /// looking at the queue (a task queued while it ran is stranded).
    LostWakeup,
    /// Rule 7: `submit_wait` from inside a task submits and waits even when
    /// every worker is waiting the same way (the trait's provided method).
    NestedWaitDeadlocks,
    /// Rule 7: a blocking `submit` from inside a task on a full pool waits
    /// for room that only the calling task could make.
    NestedSubmitBlocks,
    /// `try_submit` waits for room instead of refusing.
    TrySubmitWaits,
    /// Stats: `completed` is not counted for a task that finishes while
    /// another is still running.
    StatsMiscount,
}

impl Fault {
    /// Every fault but `None`.
    pub(crate) const ALL_FAULTS: &'static [Fault] = &[
        Fault::ExtraTaskUnderContention,
        Fault::DropsLastOnStopWait,
        Fault::StartsAfterStop,
        Fault::AcceptsAfterStop,
        Fault::WorkerLostOnPanic,
        Fault::ThreadLeftRunning,
        Fault::DeadlockStopInTask,
        Fault::SecondStopReturnsEarly,
        Fault::DeadlockDropOnWorker,
        Fault::WaitIdleEarly,
        Fault::SubstituteOnRefusal,
        Fault::AcceptsZeroCapacity,
        Fault::ExtraWorkerAboveEight,
        Fault::DropsTaskAfterMany,
        Fault::CheckThenActSubmit,
        Fault::LostWakeup,
        Fault::NestedWaitDeadlocks,
        Fault::NestedSubmitBlocks,
        Fault::TrySubmitWaits,
        Fault::StatsMiscount,
    ];
}

/// The reference pool, with at most one fault.
pub(crate) struct FaultyPool {
    inner: Arc<Inner>,
    /// Join handles of the workers; taken by the one `stop` caller that joins.
    handles: Mutex<Vec<JoinHandle<()>>>,
    /// Ids of the workers, to recognise a call from inside a task.
    worker_ids: Vec<ThreadId>,
}

struct Inner {
    capacity: usize,
    admission: Admission,
    fault: Fault,
    /// Everything below the lock.
    state: Mutex<State>,
    /// Workers wait here for work or shutdown.
    work: Condvar,
    /// Blocked submitters wait here for room or shutdown.
    room: Condvar,
    /// `wait_idle` and second stoppers wait here.
    idle: Condvar,
    /// `ThreadLeftRunning`: the parked worker leaves once this is set.
    release: AtomicBool,
}

#[derive(Default)]
struct State {
    /// Accepted tasks not yet started. Invariant: empty after a `stop`
    /// (not `stop_wait`) began.
    queue: VecDeque<Task>,
    /// Set by the first `stop`/`stop_wait`; never cleared. Checked in the
    /// same critical section that would queue a task.
    stopped: bool,
    /// Whether the shutdown runs the queue (`stop_wait`) or drops it.
    draining: bool,
    /// Set by the caller that joined the workers.
    exited: bool,
    running: usize,
    blocked: usize,
    completed: u64,
    panicked: u64,
    stopper: Option<ThreadId>,
    /// Tasks accepted so far (`DropsTaskAfterMany`).
    accepted: u64,
    /// `StartsAfterStop`: the task kept back by `stop`.
    zombie: Option<Task>,
}

impl FaultyPool {
    /// A pool of `capacity` workers with `admission` and `fault`.
    pub(crate) fn build(
        capacity: usize,
        admission: Admission,
        fault: Fault,
    ) -> Result<Self, BuildError> {
        let capacity = match (capacity, fault) {
            (0, Fault::AcceptsZeroCapacity) => 1,
            (0, _) => return Err(BuildError::zero("capacity")),
            (c, _) => c,
        };
        let inner = Arc::new(Inner {
            capacity,
            admission,
            fault,
            state: Mutex::new(State::default()),
            work: Condvar::new(),
            room: Condvar::new(),
            idle: Condvar::new(),
            release: AtomicBool::new(false),
        });
        let extra = fault == Fault::ExtraTaskUnderContention
            || (fault == Fault::ExtraWorkerAboveEight && capacity > 8);
        let workers = if extra { capacity + 1 } else { capacity };
        let handles: Vec<JoinHandle<()>> = (0..workers)
            .map(|index| {
                let inner = Arc::clone(&inner);
                thread::Builder::new()
                    .name(format!("faulty-worker-{index}"))
                    .spawn(move || worker(&inner, index))
                    .expect("spawn a worker")
            })
            .collect();
        let worker_ids = handles.iter().map(|h| h.thread().id()).collect();
        Ok(FaultyPool {
            inner,
            handles: Mutex::new(handles),
            worker_ids,
        })
    }

    /// [`FaultyPool::build`] boxed, panicking on a refused capacity (for
    /// `verify`'s factories, which are only asked for capacities of 1 or more).
    pub(crate) fn boxed(capacity: usize, admission: Admission, fault: Fault) -> Box<dyn TaskPool> {
        Box::new(Self::build(capacity, admission, fault).expect("capacity is at least 1"))
    }

    fn on_worker(&self) -> bool {
        self.worker_ids.contains(&thread::current().id())
    }

    fn shut_down(&self, drain: bool, from_drop: bool) {
        let fault = self.inner.fault;
        let dropped = {
            let mut s = self.inner.lock();
            let first = !s.stopped;
            if first {
                s.stopped = true;
                s.draining = drain;
                s.stopper = Some(thread::current().id());
            } else if fault == Fault::SecondStopReturnsEarly {
                return;
            }
            let mut dropped = VecDeque::new();
            if s.draining {
                if first && fault == Fault::DropsLastOnStopWait && s.queue.len() >= 2 {
                    dropped.extend(s.queue.pop_back());
                }
            } else {
                dropped = std::mem::take(&mut s.queue);
                if fault == Fault::StartsAfterStop && s.zombie.is_none() {
                    s.zombie = dropped.pop_front();
                }
            }
            self.inner.work.notify_all();
            self.inner.room.notify_all();
            self.inner.idle.notify_all();
            dropped
        };
        // Tasks are dropped outside the lock (their destructors may do anything).
        drop(dropped);

        let self_deadlock = (fault == Fault::DeadlockStopInTask && !from_drop)
            || (fault == Fault::DeadlockDropOnWorker && from_drop);
        if self.on_worker() {
            if self_deadlock {
                // The fault: wait for every running task, this one included.
                let mut s = self.inner.lock();
                while s.running > 0 {
                    s = wait(&self.inner.idle, s);
                }
            }
            // Correct: never wait for the calling task; the workers finish
            // the shutdown on their own.
            return;
        }
        let mut handles: Vec<JoinHandle<()>> = self
            .handles
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain(..)
            .collect();
        let joiner = !handles.is_empty();
        if fault == Fault::ThreadLeftRunning && joiner {
            // The fault: the first worker is left behind.
            drop(handles.remove(0));
        }
        for h in handles {
            let _ = h.join();
        }
        let mut s = self.inner.lock();
        if fault == Fault::ThreadLeftRunning {
            // The left-behind worker still finishes the work: only its
            // thread outlives the stop.
            while s.running > 0 || !s.queue.is_empty() {
                s = wait(&self.inner.idle, s);
            }
        }
        if joiner {
            s.exited = true;
            self.inner.idle.notify_all();
        }
        while !s.exited {
            s = wait(&self.inner.idle, s);
        }
    }

    /// `StartsAfterStop`: runs the kept-back task on a fresh thread, once the
    /// workers have exited (so the cap still holds).
    fn run_zombie(&self) {
        let zombie = {
            let mut s = self.inner.lock();
            if s.exited {
                s.zombie.take()
            } else {
                None
            }
        };
        if let Some(task) = zombie {
            let t = thread::spawn(move || {
                let _ = panic::catch_unwind(AssertUnwindSafe(task));
            });
            let _ = t.join();
        }
    }

    fn admit(&self, task: Task, may_block: bool) -> Result<(), SubmitError> {
        self.run_zombie();
        let inner = &self.inner;
        let mut s = inner.lock();
        if inner.fault == Fault::CheckThenActSubmit && !s.stopped {
            // The fault: the check above is not repeated after the gap
            // (widened on every fourth submit so that races hit it).
            s.accepted += 1;
            let widen = s.accepted.is_multiple_of(4);
            drop(s);
            if widen {
                thread::sleep(std::time::Duration::from_micros(300));
            }
            s = inner.lock();
            s.queue.push_back(task);
            inner.work.notify_all();
            return Ok(());
        }
        if s.stopped {
            if inner.fault == Fault::AcceptsAfterStop
                && s.exited
                && s.stopper != Some(thread::current().id())
            {
                // The fault: accepted, and silently dropped.
                drop(s);
                drop(task);
                return Ok(());
            }
            return Err(SubmitError::stopped(task));
        }
        let full = |s: &State| s.running + s.queue.len() >= inner.capacity;
        // From one of our own workers a blocking submit could wait for room
        // only the calling task can make: refuse instead (rule 7).
        let may_block = match inner.fault {
            Fault::TrySubmitWaits => !self.on_worker(),
            Fault::NestedSubmitBlocks => may_block,
            _ => may_block && !self.on_worker(),
        };
        match inner.admission {
            Admission::Queue => {}
            Admission::Block | Admission::Reject
                if may_block && inner.fault == Fault::TrySubmitWaits =>
            {
                while full(&s) && !s.stopped {
                    s = wait(&inner.room, s);
                }
                if s.stopped {
                    return Err(SubmitError::stopped(task));
                }
            }
            Admission::Block if may_block => {
                while full(&s) && !s.stopped {
                    s.blocked += 1;
                    s = wait(&inner.room, s);
                    s.blocked -= 1;
                    // `wait_idle` counts blocked submitters as waiting.
                    inner.idle.notify_all();
                }
                if s.stopped {
                    return Err(SubmitError::stopped(task));
                }
            }
            Admission::Block | Admission::Reject => {
                if full(&s) {
                    if inner.fault == Fault::SubstituteOnRefusal {
                        drop(s);
                        drop(task);
                        return Err(SubmitError::overloaded(Box::new(|| {})));
                    }
                    return Err(SubmitError::overloaded(task));
                }
            }
        }
        s.accepted += 1;
        if inner.fault == Fault::DropsTaskAfterMany && s.accepted == 1500 {
            // The fault: accepted, and silently dropped.
            drop(s);
            drop(task);
            return Ok(());
        }
        s.queue.push_back(task);
        inner.work.notify_all();
        Ok(())
    }

    /// `submit_wait` on one of our own workers: runs the task inline, so a
    /// task waiting for a task never waits for a worker (rule 7).
    fn run_inline(&self, task: Task) -> Result<(), WaitError> {
        if self.inner.lock().stopped {
            return Err(WaitError::Rejected(SubmitError::stopped(task)));
        }
        match panic::catch_unwind(AssertUnwindSafe(task)) {
            Ok(()) => {
                self.inner.lock().completed += 1;
                Ok(())
            }
            Err(payload) => {
                self.inner.lock().panicked += 1;
                Err(WaitError::Panicked(payload.into()))
            }
        }
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn wait<'a>(cv: &Condvar, guard: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
    cv.wait(guard).unwrap_or_else(PoisonError::into_inner)
}

fn worker(inner: &Inner, index: usize) {
    let extra = inner.fault == Fault::ExtraTaskUnderContention && index == inner.capacity;
    let mut s = inner.lock();
    loop {
        let may_take = !extra || s.queue.len() >= 2;
        if may_take && !s.queue.is_empty() {
            let task = s.queue.pop_front().expect("not empty");
            s.running += 1;
            // The queue changed: a worker waiting for a longer queue rechecks.
            inner.work.notify_all();
            drop(s);
            let ok = panic::catch_unwind(AssertUnwindSafe(task)).is_ok();
            s = inner.lock();
            s.running -= 1;
            if ok {
                if !(inner.fault == Fault::StatsMiscount && s.running > 0) {
                    s.completed += 1;
                }
            } else {
                s.panicked += 1;
            }
            inner.idle.notify_all();
            inner.room.notify_all();
            if !ok && inner.fault == Fault::WorkerLostOnPanic {
                // The fault: this worker is gone and nobody replaces it.
                return;
            }
            if inner.fault == Fault::LostWakeup && !s.stopped {
                // The fault: wait for a wake-up without looking at the queue.
                s = wait(&inner.work, s);
            }
        } else if s.stopped && (s.queue.is_empty() || !s.draining) {
            break;
        } else {
            s = wait(&inner.work, s);
        }
    }
    drop(s);
    if inner.fault == Fault::ThreadLeftRunning && index == 0 {
        // The fault: linger until the pool value is dropped.
        let mut s = inner.lock();
        while !inner.release.load(Ordering::SeqCst) {
            s = wait(&inner.work, s);
        }
    }
}

impl TaskPool for FaultyPool {
    fn name(&self) -> &str {
        "faulty"
    }

    fn submit(&self, task: Task) -> Result<(), SubmitError> {
        self.admit(task, true)
    }

    fn try_submit(&self, task: Task) -> Result<(), SubmitError> {
        self.admit(task, false)
    }

    fn submit_wait(&self, task: Task) -> Result<(), WaitError> {
        if self.on_worker() && self.inner.fault != Fault::NestedWaitDeadlocks {
            return self.run_inline(task);
        }
        let (wrapped, handle) = taskpool::task_with_handle(task);
        match self.submit(wrapped) {
            Ok(()) => handle.join().map_err(WaitError::from),
            Err(refused) => Err(WaitError::Rejected(refused)),
        }
    }

    fn stop(&self) {
        self.shut_down(false, false);
    }

    fn stop_wait(&self) {
        self.shut_down(true, false);
    }

    fn is_stopped(&self) -> bool {
        self.run_zombie();
        self.inner.lock().stopped
    }

    fn stats(&self) -> PoolStats {
        self.run_zombie();
        let s = self.inner.lock();
        let mut stats = PoolStats::default();
        stats.capacity = self.inner.capacity;
        stats.workers = self.worker_ids.len();
        stats.running = s.running;
        stats.waiting = s.queue.len() + s.blocked;
        stats.completed = s.completed;
        stats.panicked = s.panicked;
        stats
    }

    fn wait_idle(&self) {
        let mut s = self.inner.lock();
        let early = self.inner.fault == Fault::WaitIdleEarly;
        while !s.queue.is_empty() || s.blocked > 0 || (s.running > 0 && !early) {
            s = wait(&self.inner.idle, s);
        }
    }
}

impl Drop for FaultyPool {
    fn drop(&mut self) {
        self.shut_down(true, true);
        let _guard = self.inner.lock();
        self.inner.release.store(true, Ordering::SeqCst);
        self.inner.work.notify_all();
    }
}

impl fmt::Debug for FaultyPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultyPool")
            .field("fault", &self.inner.fault)
            .field("admission", &self.inner.admission)
            .field("capacity", &self.inner.capacity)
            .finish()
    }
}
