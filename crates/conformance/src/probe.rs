//! [`Probe`]: instruments tasks to see what really happened — how many ran at
//! once, on which threads, and whether those threads have exited.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, Weak};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use taskpool::{SubmitError, Task, TaskPool};

/// Watches instrumented tasks: the most that ran at once, the threads that
/// ran them, and whether those threads have since exited.
///
/// Thread exit is seen by the threads themselves: the first time a thread
/// runs a task of this probe it stores a guard in a thread-local; the guard's
/// destructor, which runs as the thread exits, records the exit. So "every
/// thread that ran a task has exited" is a fact about the threads, not the
/// pool's own word. Threads of the test itself (submitters, the test's main
/// thread) can be excluded with [`Probe::exclude_current_thread`].
///
/// Cheap to clone (an `Arc`). Strategy-specific tests use it directly:
///
/// ```
/// use taskpool::{InlinePool, TaskPool};
/// use taskpool_conformance::Probe;
///
/// let probe = Probe::new();
/// let pool = InlinePool::new();
/// for _ in 0..3 {
///     pool.submit(probe.task(|| {})).unwrap();
/// }
/// pool.stop_wait();
/// assert_eq!(probe.finished(), 3);
/// assert_eq!(probe.max_concurrency(), 1);
/// ```
#[derive(Clone)]
pub struct Probe {
    inner: Arc<Inner>,
}

struct Inner {
    /// The event clock: every recorded event takes the next tick, so events
    /// are totally ordered (ticks are taken after what they record happened
    /// for "ends", before for "starts").
    clock: AtomicU64,
    /// Instrumented tasks executing now.
    running: AtomicUsize,
    /// The most `running` has ever been (updated with `fetch_max` right after
    /// each increment, so it never misses a peak).
    max_running: AtomicUsize,
    started: AtomicU64,
    finished: AtomicU64,
    /// Guarded by the mutex; `changed` is notified whenever a thread exits or
    /// a task finishes.
    threads: Mutex<Threads>,
    changed: Condvar,
}

#[derive(Default)]
struct Threads {
    /// Every thread that ran a task, with its record.
    seen: HashMap<ThreadId, ThreadRecord>,
    /// Threads of the test harness: never counted as the pool's.
    excluded: HashSet<ThreadId>,
}

/// What a [`Probe`] knows about one thread that ran its tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadRecord {
    /// The thread's id.
    pub id: ThreadId,
    /// The thread's name, if it has one.
    pub name: Option<String>,
    /// Tasks of this probe the thread started.
    pub tasks: u64,
    /// The probe's clock when the thread ran its first task.
    pub first_task_at: u64,
    /// The probe's clock when the thread's exit was recorded, if it has exited.
    pub exited_at: Option<u64>,
}

thread_local! {
    /// The probes whose tasks this thread is running now (a task run inline
    /// inside another, on the same thread, does not add to the concurrency).
    static RUNNING_HERE: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
    /// The probes this thread has run tasks for; the destructor (at thread
    /// exit) records the exit with each probe still alive.
    static EXIT_WATCH: RefCell<ExitWatch> = RefCell::new(ExitWatch::default());
}

#[derive(Default)]
struct ExitWatch {
    probes: Vec<Weak<Inner>>,
}

impl Drop for ExitWatch {
    fn drop(&mut self) {
        let id = thread::current().id();
        for probe in self.probes.drain(..) {
            if let Some(inner) = probe.upgrade() {
                let at = inner.tick();
                let mut threads = inner.lock();
                if let Some(rec) = threads.seen.get_mut(&id) {
                    rec.exited_at = Some(at);
                }
                drop(threads);
                inner.changed.notify_all();
            }
        }
    }
}

impl Inner {
    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn lock(&self) -> MutexGuard<'_, Threads> {
        self.threads.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Marks one instrumented task as running; dropping it (normally or during a
/// panic) marks it finished. Returned by [`Probe::enter`].
#[must_use = "the task counts as running only while the guard lives"]
pub struct RunGuard {
    inner: Arc<Inner>,
    /// Entered on a thread already running a task of this probe (a task run
    /// inline inside another): not counted in `running`.
    nested: bool,
}

impl Drop for RunGuard {
    fn drop(&mut self) {
        let key = Arc::as_ptr(&self.inner) as usize;
        let _ = RUNNING_HERE.try_with(|r| {
            let mut r = r.borrow_mut();
            if let Some(i) = r.iter().rposition(|&k| k == key) {
                r.remove(i);
            }
        });
        if !self.nested {
            self.inner.running.fetch_sub(1, Ordering::SeqCst);
        }
        self.inner.finished.fetch_add(1, Ordering::SeqCst);
        // Take the lock so a waiter that just checked cannot miss this.
        drop(self.inner.lock());
        self.inner.changed.notify_all();
    }
}

impl fmt::Debug for RunGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RunGuard")
    }
}

impl Default for Probe {
    fn default() -> Self {
        Probe::new()
    }
}

impl Probe {
    /// A probe that has seen nothing.
    pub fn new() -> Self {
        Probe {
            inner: Arc::new(Inner {
                clock: AtomicU64::new(0),
                running: AtomicUsize::new(0),
                max_running: AtomicUsize::new(0),
                started: AtomicU64::new(0),
                finished: AtomicU64::new(0),
                threads: Mutex::new(Threads::default()),
                changed: Condvar::new(),
            }),
        }
    }

    /// Takes the next tick of the probe's event clock. Ticks are strictly
    /// increasing across all threads, so they order events.
    pub fn tick(&self) -> u64 {
        self.inner.tick()
    }

    /// Records that an instrumented task starts on the current thread; the
    /// returned guard records its end when dropped.
    ///
    /// A task entered on a thread that is already running a task of this
    /// probe (a pool running a nested `submit_wait` inline, on the caller's
    /// worker) counts as started but does not add to [`Probe::running`] or
    /// [`Probe::max_concurrency`]: concurrency is counted in threads.
    pub fn enter(&self) -> RunGuard {
        let key = Arc::as_ptr(&self.inner) as usize;
        let nested = RUNNING_HERE
            .try_with(|r| {
                let mut r = r.borrow_mut();
                let nested = r.contains(&key);
                r.push(key);
                nested
            })
            .unwrap_or(false);
        if !nested {
            let now = self.inner.running.fetch_add(1, Ordering::SeqCst) + 1;
            self.inner.max_running.fetch_max(now, Ordering::SeqCst);
        }
        self.inner.started.fetch_add(1, Ordering::SeqCst);
        self.note_thread();
        RunGuard {
            inner: Arc::clone(&self.inner),
            nested,
        }
    }

    fn note_thread(&self) {
        let current = thread::current();
        let id = current.id();
        let at = self.inner.tick();
        let first = {
            let mut threads = self.inner.lock();
            match threads.seen.get_mut(&id) {
                Some(rec) => {
                    rec.tasks += 1;
                    false
                }
                None => {
                    threads.seen.insert(
                        id,
                        ThreadRecord {
                            id,
                            name: current.name().map(str::to_owned),
                            tasks: 1,
                            first_task_at: at,
                            exited_at: None,
                        },
                    );
                    true
                }
            }
        };
        if first {
            let weak = Arc::downgrade(&self.inner);
            // `try_with`: a task run while this thread's locals are being torn
            // down cannot be watched, and must not panic the task.
            let _ = EXIT_WATCH.try_with(|w| w.borrow_mut().probes.push(weak));
        }
    }

    /// Submits `n` probe tasks that meet at a barrier, then waits until the
    /// pool is idle: afterwards `n` distinct worker threads have run a task
    /// and are known to this probe. `n` must not exceed the pool's capacity
    /// (the tasks wait for each other). Submission errors are returned.
    ///
    /// For strategy-specific checks such as "idle reaping ends every thread
    /// that ran a task".
    pub fn occupy_workers(&self, pool: &dyn TaskPool, n: usize) -> Result<(), SubmitError> {
        let barrier = Arc::new(std::sync::Barrier::new(n));
        for _ in 0..n {
            let barrier = Arc::clone(&barrier);
            pool.submit(self.task(move || {
                barrier.wait();
            }))?;
        }
        pool.wait_idle();
        Ok(())
    }

    /// Wraps `f` into a [`Task`] that runs it under [`Probe::enter`].
    pub fn task<F>(&self, f: F) -> Task
    where
        F: FnOnce() + Send + 'static,
    {
        let probe = self.clone();
        Box::new(move || {
            let _guard = probe.enter();
            f();
        })
    }

    /// Marks the current thread as one of the test's own (a submitter, the
    /// main thread): tasks it runs inline still count for concurrency, but it
    /// is never expected to exit.
    pub fn exclude_current_thread(&self) {
        let id = thread::current().id();
        self.inner.lock().excluded.insert(id);
    }

    /// Instrumented tasks executing now, on distinct threads.
    pub fn running(&self) -> usize {
        self.inner.running.load(Ordering::SeqCst)
    }

    /// The most instrumented tasks that ever executed at the same instant.
    pub fn max_concurrency(&self) -> usize {
        self.inner.max_running.load(Ordering::SeqCst)
    }

    /// Instrumented tasks that started.
    pub fn started(&self) -> u64 {
        self.inner.started.load(Ordering::SeqCst)
    }

    /// Instrumented tasks that finished (normally or by panicking).
    pub fn finished(&self) -> u64 {
        self.inner.finished.load(Ordering::SeqCst)
    }

    /// Every (non-excluded) thread that ran a task, with its record.
    pub fn threads(&self) -> Vec<ThreadRecord> {
        let threads = self.inner.lock();
        let mut all: Vec<ThreadRecord> = threads
            .seen
            .values()
            .filter(|r| !threads.excluded.contains(&r.id))
            .cloned()
            .collect();
        all.sort_by_key(|r| r.first_task_at);
        all
    }

    /// The (non-excluded) threads that ran a task and have not exited.
    pub fn live_threads(&self) -> Vec<ThreadRecord> {
        self.threads()
            .into_iter()
            .filter(|r| r.exited_at.is_none())
            .collect()
    }

    /// Waits until every (non-excluded) thread that ran a task has exited,
    /// or `timeout` passes; on timeout returns the threads still alive.
    pub fn wait_threads_exited(&self, timeout: Duration) -> Result<(), Vec<ThreadRecord>> {
        let ok = self.wait_until(timeout, |p| p.live_threads().is_empty());
        if ok {
            Ok(())
        } else {
            Err(self.live_threads())
        }
    }

    /// Waits until `done(self)` holds or `timeout` passes; true if it holds.
    /// `done` is re-checked whenever a task finishes or a thread exits, and at
    /// least every millisecond.
    pub fn wait_until(&self, timeout: Duration, mut done: impl FnMut(&Probe) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done(self) {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return done(self);
            }
            let left = (deadline - now).min(Duration::from_millis(1));
            let guard = self.inner.lock();
            let _ = self
                .inner
                .changed
                .wait_timeout(guard, left)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl fmt::Debug for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Probe")
            .field("running", &self.running())
            .field("max_concurrency", &self.max_concurrency())
            .field("started", &self.started())
            .field("finished", &self.finished())
            .field("threads", &self.threads().len())
            .finish()
    }
}

#[cfg(test)]
mod tests;
