//! [`Interrupt`]: how a running job learns that its caller gave up on it.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use taskpool_utils::sync::{lock, wait, wait_timeout, AtomicBool, Condvar, Mutex, Ordering};

type Callback = Box<dyn FnOnce() + Send + 'static>;

/// The interruption signal of one job, handed to [`Worker::process`](crate::Worker::process).
///
/// When the caller of a job stops waiting for it (its
/// [`process_timeout`](crate::Pool::process_timeout) deadline passed, or its
/// [`CancelToken`](crate::CancelToken) was cancelled), the pool interrupts the
/// job: [`is_interrupted`](Interrupt::is_interrupted) turns true,
/// [`wait_timeout`](Interrupt::wait_timeout) returns early, and the callbacks
/// registered with [`on_interrupt`](Interrupt::on_interrupt) run. The job
/// decides what to do with that (return early, or ignore it); its result is
/// dropped either way, and then [`Worker::interrupted`](crate::Worker::interrupted)
/// runs on the worker's thread.
///
/// This replaces tunny's `Worker.Interrupt()`, which the Go pool calls from
/// the abandoning caller's goroutine while `Process` may still be running on
/// the worker: in Rust the worker is `&mut` borrowed by `process`, so the
/// cross-thread part of an interruption is this signal (shared, `Sync`), and
/// the part that needs `&mut self` runs on the worker afterwards.
///
/// ```
/// use std::time::Duration;
/// use taskpool_tunny::Interrupt;
///
/// // Outside a pool (e.g. to unit-test a worker), make one and fire it yourself.
/// let interrupt = Interrupt::new();
/// assert!(!interrupt.wait_timeout(Duration::from_millis(1)));
/// interrupt.fire();
/// assert!(interrupt.is_interrupted());
/// assert!(interrupt.wait_timeout(Duration::from_secs(60)));
/// ```
pub struct Interrupt {
    /// Mirrors `state.fired` for a lock-free `is_interrupted`; set under `state`.
    fired: AtomicBool,
    /// Guards the callbacks and the fire/finish handshake.
    state: Mutex<State>,
    /// Notified when `fired` is set and when a firing ends.
    changed: Condvar,
}

struct State {
    fired: bool,
    /// True while `fire` runs callbacks outside the lock; `finish` waits for
    /// it to drop, so no callback of this job runs after the worker has moved
    /// on to its next job.
    firing: bool,
    /// Set by `finish`: the job is over, callbacks are dropped, `fire` does nothing.
    finished: bool,
    callbacks: Vec<Callback>,
}

impl Interrupt {
    /// A signal that has not fired.
    pub fn new() -> Self {
        Interrupt {
            fired: AtomicBool::new(false),
            state: Mutex::new(State {
                fired: false,
                firing: false,
                finished: false,
                callbacks: Vec::new(),
            }),
            changed: Condvar::new(),
        }
    }

    /// True once the job has been interrupted.
    pub fn is_interrupted(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }

    /// Sleeps until the job is interrupted or `timeout` has passed (real time);
    /// returns whether it was interrupted. A job that waits for something
    /// in steps can use this as its interruptible sleep.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        let mut state = lock(&self.state);
        while !state.fired {
            let left = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()),
                None => Duration::from_secs(3600),
            };
            if left.is_zero() {
                break;
            }
            state = wait_timeout(&self.changed, state, left);
        }
        state.fired
    }

    /// Registers `callback` to run when the job is interrupted; runs it at once
    /// if it already was. Use it to unblock whatever the job waits on (send on
    /// a channel it selects over, close a socket, ...).
    ///
    /// The callback runs on the thread that abandons the job (the caller
    /// whose deadline passed, or the thread that cancelled), so keep it
    /// short; a panic inside it is caught and ignored. Callbacks still
    /// registered when the job returns are dropped without running.
    pub fn on_interrupt(&self, callback: impl FnOnce() + Send + 'static) {
        let mut state = lock(&self.state);
        if state.fired {
            drop(state);
            run_callback(Box::new(callback));
        } else if !state.finished {
            state.callbacks.push(Box::new(callback));
        }
    }

    /// Interrupts: sets the flag and runs the registered callbacks on this
    /// thread. Does nothing once the job is over or already interrupted. The
    /// pool calls this; it is public so that a worker can be tested alone.
    pub fn fire(&self) {
        let callbacks = {
            let mut state = lock(&self.state);
            if state.fired || state.finished {
                return;
            }
            state.fired = true;
            self.fired.store(true, Ordering::SeqCst);
            state.firing = true;
            self.changed.notify_all();
            std::mem::take(&mut state.callbacks)
        };
        for callback in callbacks {
            run_callback(callback);
        }
        let mut state = lock(&self.state);
        state.firing = false;
        self.changed.notify_all();
    }

    /// Ends the job's interruptible life: drops callbacks not yet run and
    /// waits for a concurrent `fire` to finish running its callbacks.
    pub(crate) fn finish(&self) {
        let mut state = lock(&self.state);
        state.finished = true;
        let unused = std::mem::take(&mut state.callbacks);
        while state.firing {
            state = wait(&self.changed, state);
        }
        drop(state);
        // Dropped outside the lock: a callback's captures may run any code.
        drop(unused);
    }
}

fn run_callback(callback: Callback) {
    // The callback belongs to the job; a panic in it must not unwind into the
    // caller that is abandoning the job.
    let _ = panic::catch_unwind(AssertUnwindSafe(callback));
}

impl Default for Interrupt {
    fn default() -> Self {
        Interrupt::new()
    }
}

impl fmt::Debug for Interrupt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interrupt")
            .field("interrupted", &self.is_interrupted())
            .finish()
    }
}
