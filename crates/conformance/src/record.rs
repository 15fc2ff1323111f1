//! Recording: what one case did, on one event clock.
//!
//! Every event (a submit call, its outcome, a task's start, end or drop, a
//! stop call and its return) takes a tick of the case's [`Probe`] clock, so
//! the checks compare ticks: "started after stop returned" is
//! `start > stop.end`. Ticks for outcomes are taken after the pool call
//! returned and ticks for calls before it began, so every comparison errs on
//! the side of the pool (no false positives from scheduling delays).
//!
//! This module only records; `exec` drives the pool and `check` judges the
//! record.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::thread::ThreadId;
use std::time::Duration;

use taskpool::{Admission, TaskPool};

use crate::{Probe, Rule};

/// Builds a pool of the given capacity.
pub(crate) type Factory = Arc<dyn Fn(usize) -> Box<dyn TaskPool> + Send + Sync>;

/// A broken rule found by one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) rule: Rule,
    /// The promise the observation broke, before it was filed under `rule`:
    /// `rule` itself, except for a shutdown call's promise (rules 2, 3, 4,
    /// 6) broken while other shutdown calls were under way (filed under
    /// rule 7) or by a drop (rule 8).
    pub(crate) promise: Rule,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(rule: Rule, message: impl Into<String>) -> Self {
        Failure::filed(rule, rule, message)
    }

    /// A broken `promise` filed under `rule`.
    pub(crate) fn filed(rule: Rule, promise: Rule, message: impl Into<String>) -> Self {
        Failure {
            rule,
            promise,
            message: message.into(),
        }
    }
}

/// What a passing case did.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CaseStats {
    pub(crate) tasks_run: u64,
    pub(crate) late_exits: u64,
}

/// The patience of one case.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) timeout: Duration,
    pub(crate) barrier_timeout: Duration,
    pub(crate) exit_grace: Duration,
}

/// What a submit call produced, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The call has not returned (or was never made).
    Pending,
    Accepted {
        at: u64,
    },
    Refused {
        stopped: bool,
        at: u64,
    },
}

#[derive(Debug)]
pub(crate) struct TaskRec {
    pub(crate) label: String,
    /// The task that submitted this one from inside, if any.
    pub(crate) parent: Option<usize>,
    /// Handed over with a call that must not wait (`try_submit`).
    pub(crate) try_submit: bool,
    /// Tick taken just before the submit call.
    pub(crate) call_at: u64,
    pub(crate) outcome: Outcome,
    /// (tick, thread) of every start of the task's body in the pool.
    pub(crate) starts: Vec<(u64, ThreadId)>,
    pub(crate) end: Option<u64>,
    pub(crate) panicked: bool,
    /// Tick at which the task was dropped without running (by a `stop`, a
    /// refusal, or a pool that lost it).
    pub(crate) dropped: Option<u64>,
}

impl TaskRec {
    pub(crate) fn accepted(&self) -> bool {
        matches!(self.outcome, Outcome::Accepted { .. })
    }

    pub(crate) fn accepted_at(&self) -> Option<u64> {
        match self.outcome {
            Outcome::Accepted { at } => Some(at),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallKind {
    Stop,
    StopWait,
    WaitIdle,
    Drop,
}

#[derive(Debug)]
pub(crate) struct CallRec {
    pub(crate) kind: CallKind,
    pub(crate) by: String,
    /// The checks of a return apply (the caller is not one of the pool's
    /// threads and the call was the one that really shut the pool down).
    pub(crate) strict: bool,
    pub(crate) begin: u64,
    pub(crate) end: Option<u64>,
}

impl CallRec {
    pub(crate) fn is_shutdown(&self) -> bool {
        self.kind != CallKind::WaitIdle
    }
}

/// Everything one case recorded. Guarded by `Ctx::book`.
#[derive(Debug, Default)]
pub(crate) struct Book {
    pub(crate) tasks: Vec<TaskRec>,
    pub(crate) calls: Vec<CallRec>,
    /// Failures seen while the case ran, first first.
    pub(crate) failures: Vec<Failure>,
    pub(crate) late_exits: u64,
}

impl Book {
    pub(crate) fn label(&self, id: usize) -> String {
        format!("#{id} {}", self.tasks[id].label)
    }

    /// The tick at which the first shutdown call (stop, stop_wait, drop)
    /// began, if any did.
    pub(crate) fn first_shutdown_begin(&self) -> Option<u64> {
        self.calls
            .iter()
            .filter(|c| c.is_shutdown())
            .map(|c| c.begin)
            .min()
    }

    /// Has a `stop` (not `stop_wait`) begun before `tick`?
    pub(crate) fn stop_began_before(&self, tick: u64) -> bool {
        self.calls
            .iter()
            .any(|c| c.kind == CallKind::Stop && c.begin < tick)
    }

    /// Tasks that ran to the end normally, and tasks that panicked.
    pub(crate) fn ended(&self) -> (u64, u64) {
        let done = |t: &&TaskRec| !t.starts.is_empty() && t.end.is_some();
        let ok = self.tasks.iter().filter(done).filter(|t| !t.panicked);
        let panicked = self.tasks.iter().filter(done).filter(|t| t.panicked);
        (ok.count() as u64, panicked.count() as u64)
    }
}

/// What a thread of the case is blocked in, for the watchdog's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Act {
    Factory,
    /// A submit of some kind (`submit`, `try_submit`, `spawn`).
    Submit,
    /// `submit_wait`: the submit and the wait in one call.
    SubmitWait,
    /// `TaskHandle::join`.
    Join,
    Stop,
    StopWait,
    WaitIdle,
    /// Dropping the last handle to the pool.
    Drop,
    /// Waiting for `capacity` tasks to meet.
    Barrier,
    /// The harness itself, between pool calls.
    Harness,
}

/// One entry of the progress board: what a thread is doing now.
#[derive(Debug, Clone)]
pub(crate) struct Activity {
    pub(crate) act: Act,
    /// The task this thread is running, when the call is made from inside
    /// one of the pool's tasks.
    pub(crate) inside: Option<usize>,
    /// The task the call is about (submitted, joined), if any.
    pub(crate) task: Option<usize>,
    pub(crate) what: String,
    /// The name of the OS thread making the call.
    pub(crate) thread: String,
}

/// The shared state of one case.
pub(crate) struct Ctx {
    pub(crate) probe: Probe,
    pub(crate) admission: Admission,
    pub(crate) limits: Limits,
    /// The capacity the pool was built with.
    pub(crate) capacity: usize,
    pub(crate) book: Mutex<Book>,
    /// The pool, for tasks that submit or stop from inside; weak so that
    /// tasks never keep the pool alive.
    pub(crate) pool: OnceLock<Weak<Box<dyn TaskPool>>>,
    /// Who (a thread's name in the script) is doing what now.
    pub(crate) progress: Mutex<BTreeMap<String, Activity>>,
    pub(crate) seen_panics: Mutex<u64>,
    /// Set by the watchdog when it gives up on the case: the case's threads
    /// are leaked, so none of them may keep polling (writer: `exec`, once).
    pub(crate) abandoned: AtomicBool,
}

impl Ctx {
    pub(crate) fn new(admission: Admission, limits: Limits, capacity: usize) -> Self {
        Ctx {
            probe: Probe::new(),
            admission,
            limits,
            capacity,
            book: Mutex::new(Book::default()),
            pool: OnceLock::new(),
            progress: Mutex::new(BTreeMap::new()),
            seen_panics: Mutex::new(0),
            abandoned: AtomicBool::new(false),
        }
    }

    pub(crate) fn book(&self) -> MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts `who` on the progress board: about to call `act`.
    pub(crate) fn doing(
        &self,
        who: &str,
        act: Act,
        inside: Option<usize>,
        task: Option<usize>,
        what: impl Into<String>,
    ) {
        self.progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                who.to_owned(),
                Activity {
                    act,
                    inside,
                    task,
                    what: what.into(),
                    thread: std::thread::current()
                        .name()
                        .unwrap_or("<unnamed>")
                        .to_owned(),
                },
            );
    }

    /// The harness is between pool calls on `who`.
    pub(crate) fn idle(&self, who: &str, what: impl Into<String>) {
        self.doing(who, Act::Harness, None, None, what);
    }

    pub(crate) fn done(&self, who: &str) {
        self.progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(who);
    }

    pub(crate) fn fail(&self, rule: Rule, message: impl Into<String>) {
        self.book().failures.push(Failure::new(rule, message));
    }

    /// Records a broken `promise` filed under `rule` (see [`Failure::promise`]).
    pub(crate) fn fail_filed(&self, rule: Rule, promise: Rule, message: impl Into<String>) {
        self.book()
            .failures
            .push(Failure::filed(rule, promise, message));
    }

    pub(crate) fn pool(&self) -> Option<Arc<Box<dyn TaskPool>>> {
        self.pool.get().and_then(Weak::upgrade)
    }

    pub(crate) fn new_task(&self, label: String, parent: Option<usize>, try_submit: bool) -> usize {
        let call_at = self.probe.tick();
        let mut book = self.book();
        book.tasks.push(TaskRec {
            label,
            parent,
            try_submit,
            call_at,
            outcome: Outcome::Pending,
            starts: Vec::new(),
            end: None,
            panicked: false,
            dropped: None,
        });
        book.tasks.len() - 1
    }

    pub(crate) fn label(&self, id: usize) -> String {
        self.book().label(id)
    }

    pub(crate) fn accepted(&self, id: usize) {
        let at = self.probe.tick();
        self.book().tasks[id].outcome = Outcome::Accepted { at };
    }

    pub(crate) fn note_refused(&self, id: usize, stopped: bool) {
        let at = self.probe.tick();
        self.book().tasks[id].outcome = Outcome::Refused { stopped, at };
    }

    /// Records the beginning of a shutdown or `wait_idle` call; returns the
    /// index of its record.
    pub(crate) fn begin_call(&self, kind: CallKind, by: &str, inside_task: bool) -> usize {
        let begin = self.probe.tick();
        let mut book = self.book();
        book.calls.push(CallRec {
            kind,
            by: by.to_owned(),
            strict: !inside_task && kind != CallKind::WaitIdle,
            begin,
            end: None,
        });
        book.calls.len() - 1
    }

    pub(crate) fn end_call(&self, idx: usize) {
        let end = self.probe.tick();
        self.book().calls[idx].end = Some(end);
    }
}
