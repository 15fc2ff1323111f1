//! The watchdog: runs a body on its own thread and gives up on it after a
//! timeout, leaking (never joining) whatever hung.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// How a watched body ended.
#[derive(Debug)]
pub(crate) enum Watched<T> {
    /// It returned.
    Done(T),
    /// It panicked; the message, when there is one.
    Panicked(String),
    /// It did not finish in time. Its thread is left running (detached).
    Hung,
}

/// Runs `body` on a new thread named `name` and waits at most `timeout`.
///
/// Never panics and never blocks longer than `timeout` (plus thread start):
/// a body that hangs is abandoned, with its thread and everything it owns.
pub(crate) fn watch<T, F>(name: &str, timeout: Duration, body: F) -> Watched<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let spawned = thread::Builder::new().name(name.to_owned()).spawn(move || {
        let outcome = panic::catch_unwind(AssertUnwindSafe(body));
        // The receiver is gone if the watchdog already gave up: nothing to do.
        let _ = tx.send(outcome);
    });
    if let Err(e) = spawned {
        return Watched::Panicked(format!("could not start a thread: {e}"));
    }
    match rx.recv_timeout(timeout) {
        Ok(Ok(value)) => Watched::Done(value),
        Ok(Err(payload)) => Watched::Panicked(payload_text(payload.as_ref())),
        Err(mpsc::RecvTimeoutError::Timeout) => Watched::Hung,
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Watched::Panicked("the watched thread vanished without a result".to_owned())
        }
    }
}

/// The text of a panic payload, or a placeholder.
pub(crate) fn payload_text(payload: &(dyn Any + Send)) -> String {
    taskpool::panic_message(payload)
        .map(str::to_owned)
        .unwrap_or_else(|| "<non-string panic payload>".to_owned())
}

/// Runs `body` on its own thread and returns its value, for tests of a pool's
/// own features: a body that does not finish within `timeout` fails the
/// calling test with a clear message instead of hanging the test run (the
/// hung thread is leaked, never joined), and a panic in the body becomes a
/// panic of the caller naming `what`.
///
/// ```
/// use std::time::Duration;
/// let answer = taskpool_conformance::run_with_watchdog("sum", Duration::from_secs(60), || 40 + 2);
/// assert_eq!(answer, 42);
/// ```
pub fn run_with_watchdog<T, F>(what: &str, timeout: Duration, body: F) -> T
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    match watch(what, timeout, body) {
        Watched::Done(value) => value,
        Watched::Panicked(message) => panic!("{what}: {message}"),
        Watched::Hung => panic!("{what}: hung for {timeout:?} (watchdog)"),
    }
}
