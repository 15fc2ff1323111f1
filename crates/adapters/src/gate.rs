//! What every adapter adds: the library under a stop gate, counts of tasks
//! that finished, and a mark on the pool's threads.
//!
//! None of the wrapped libraries has a "stopped" state that refuses new
//! tasks, so each adapter keeps the library in a [`Gate`]: a submit holds
//! the read lock while it hands the task over, the first stop takes the
//! library out under the write lock, so no submit slips past a stop. The
//! gate also makes the library's shutdown a call that several threads can
//! make: the first caller that may wait shuts the library down, the others
//! wait until it has finished, and a stop from one of the pool's own tasks
//! (which must not wait for itself) only closes the gate and leaves the
//! shutdown to the next caller from outside, or to the drop. [`Counts`]
//! counts completions and panics with a guard dropped as the task ends (it
//! never catches a panic: the library sees it exactly as it would without
//! the adapter). [`on_pool`] tells a call made from one of the pool's own
//! tasks.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};

use taskpool::{PoolStats, SubmitError, Task};

thread_local! {
    /// The id of the adapter whose task this thread is running now (0: none).
    static ON_POOL: Cell<usize> = const { Cell::new(0) };
}

/// A process-unique id per adapter, for [`on_pool`].
pub(crate) fn next_id() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// True on a thread running one of adapter `id`'s tasks.
pub(crate) fn on_pool(id: usize) -> bool {
    ON_POOL.with(Cell::get) == id
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The library, until a stop takes it out, and the shutdown's progress.
#[derive(Debug)]
pub(crate) struct Gate<L> {
    /// Invariant: `Some` until the first `stop`/`stop_wait`/drop; then
    /// `None` for good. Writer: [`Gate::shut`], once, under `shutdown`'s
    /// lock (so a caller that finds it `None` finds the library in
    /// `shutdown`).
    lib: RwLock<Option<L>>,
    /// Lock order: `shutdown`, then `lib`.
    shutdown: Mutex<Shutdown<L>>,
    /// Notified (under `shutdown`'s lock) when `Shutdown::done` turns true.
    finished: Condvar,
}

/// Where the shutdown stands.
#[derive(Debug)]
struct Shutdown<L> {
    /// The library, taken out of the gate and not yet shut down: a stop
    /// from one of the pool's tasks leaves it here for a caller that may
    /// wait. Taken by the caller that shuts it down.
    pending: Option<L>,
    /// The library has been shut down (and waited for, by whoever could).
    /// Invariant: once true, stays true, and `pending` is `None`.
    done: bool,
}

impl<L> Gate<L> {
    pub(crate) fn new(lib: L) -> Self {
        Gate {
            lib: RwLock::new(Some(lib)),
            shutdown: Mutex::new(Shutdown {
                pending: None,
                done: false,
            }),
            finished: Condvar::new(),
        }
    }

    /// The library while the pool is open, held for the hand-over.
    pub(crate) fn open(&self) -> RwLockReadGuard<'_, Option<L>> {
        self.lib.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.open().is_none()
    }

    /// Hands `task` to the library with `hand`, or refuses it with
    /// `Stopped` once closed.
    pub(crate) fn submit(
        &self,
        task: Task,
        hand: impl FnOnce(&L, Task),
    ) -> Result<(), SubmitError> {
        let guard = self.open();
        match guard.as_ref() {
            Some(lib) => {
                hand(lib, task);
                Ok(())
            }
            None => Err(SubmitError::stopped(task)),
        }
    }

    /// A stop: closes the gate (refusing every later submit), then, on a
    /// caller that may wait (`inside` false), shuts the library down with
    /// `shut` and returns once that has finished, whoever ran it. A caller
    /// inside one of the pool's tasks only closes the gate: the shutdown is
    /// left to the next stop from outside, or to the drop.
    pub(crate) fn shut(&self, inside: bool, shut: impl FnOnce(L)) {
        let mut state = lock(&self.shutdown);
        let taken = self
            .lib
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if taken.is_some() {
            state.pending = taken;
        }
        if inside {
            return;
        }
        loop {
            if state.done {
                return;
            }
            if let Some(lib) = state.pending.take() {
                self.finish(state, lib, shut);
                return;
            }
            // Another caller from outside is shutting the library down.
            state = self
                .finished
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The drop of the last handle: like [`Gate::shut`] from outside, except
    /// on one of the pool's own threads (`inside`), where nobody is left to
    /// wait: the library is handed to `detach`, which must not wait for the
    /// pool's threads.
    pub(crate) fn drop_last(&self, inside: bool, shut: impl FnOnce(L), detach: impl FnOnce(L)) {
        if !inside {
            self.shut(false, shut);
            return;
        }
        let mut state = lock(&self.shutdown);
        let taken = self
            .lib
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .or_else(|| state.pending.take());
        if let Some(lib) = taken {
            self.finish(state, lib, detach);
        }
    }

    /// The one ending of every shutdown: `end` takes the library outside the
    /// lock (it may wait for the pool's threads), then the gate is marked
    /// done and every caller waiting for that is woken.
    fn finish(&self, state: MutexGuard<'_, Shutdown<L>>, lib: L, end: impl FnOnce(L)) {
        drop(state);
        end(lib);
        lock(&self.shutdown).done = true;
        self.finished.notify_all();
    }
}

/// Task counts kept by the adapter.
///
/// Invariant: `in_flight` counts tasks handed to the library and not yet
/// ended (or dropped); it is decremented under `lock` and `idle` notified
/// when it reaches zero, so [`Counts::wait_idle`] cannot miss the wake-up.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    completed: AtomicU64,
    panicked: AtomicU64,
    running: AtomicUsize,
    in_flight: AtomicUsize,
    lock: Mutex<()>,
    idle: Condvar,
}

impl Counts {
    pub(crate) fn completed(&self) -> u64 {
        self.completed.load(Ordering::SeqCst)
    }

    pub(crate) fn panicked(&self) -> u64 {
        self.panicked.load(Ordering::SeqCst)
    }

    pub(crate) fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    /// Tasks handed over and not yet started.
    pub(crate) fn waiting(&self) -> usize {
        self.in_flight
            .load(Ordering::SeqCst)
            .saturating_sub(self.running())
    }

    /// The adapter's counts as `stats()`, for a pool of `capacity` with
    /// `workers` threads.
    pub(crate) fn stats(&self, capacity: usize, workers: usize) -> PoolStats {
        let mut stats = PoolStats::default();
        stats.capacity = capacity;
        stats.workers = workers;
        stats.completed = self.completed();
        stats.panicked = self.panicked();
        stats.running = self.running();
        stats.waiting = self.waiting();
        stats
    }

    /// Waits until every task handed over has ended or been dropped.
    pub(crate) fn wait_idle(&self) {
        let mut guard = lock(&self.lock);
        while self.in_flight.load(Ordering::SeqCst) > 0 {
            guard = self
                .idle
                .wait(guard)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn settle(&self) {
        let _guard = lock(&self.lock);
        if self.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_all();
        }
    }
}
/// Wraps `task` for adapter `id`: marks the thread as the pool's while it
/// runs, and counts it (completed or panicked) as it ends, without catching
/// anything. A wrapped task dropped unrun still settles its count.
pub(crate) fn wrap(id: usize, counts: &Arc<Counts>, task: Task) -> Task {
    counts.in_flight.fetch_add(1, Ordering::SeqCst);
    let mut ticket = Ticket {
        counts: Arc::clone(counts),
        started: false,
    };
    Box::new(move || {
        ticket.start();
        let previous = ON_POOL.with(|p| p.replace(id));
        let _restore = Restore(previous);
        task();
    })
}

/// Settles one task's count when dropped: as completed or panicked if it
/// started, as simply gone if the library dropped it unrun.
struct Ticket {
    counts: Arc<Counts>,
    started: bool,
}

impl Ticket {
    fn start(&mut self) {
        self.started = true;
        self.counts.running.fetch_add(1, Ordering::SeqCst);
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if self.started {
            let counter = if std::thread::panicking() {
                &self.counts.panicked
            } else {
                &self.counts.completed
            };
            counter.fetch_add(1, Ordering::SeqCst);
            self.counts.running.fetch_sub(1, Ordering::SeqCst);
        }
        self.counts.settle();
    }
}

struct Restore(usize);

impl Drop for Restore {
    fn drop(&mut self) {
        let _ = ON_POOL.try_with(|p| p.set(self.0));
    }
}
