//! Every public error of `taskpool` composes: `?` turns it into an
//! `anyhow::Error` and into a `Box<dyn Error + Send + Sync>`, and the value it
//! hands back (a refused task, a panic payload) survives the trip.

use std::error::Error;
use std::time::Duration;

use taskpool::{
    task_with_handle, BuildError, InlinePool, JoinError, JoinTimeoutError, SubmitError, TaskPool,
    TaskPoolExt, WaitError,
};

/// `?` into `anyhow::Error` compiles for `E` and keeps its message.
fn via_anyhow<E: Error + Send + Sync + 'static>(e: E) -> anyhow::Result<()> {
    Err(e)?
}

/// `?` into `Box<dyn Error + Send + Sync>` compiles for `E`.
fn via_box<E: Error + Send + Sync + 'static>(e: E) -> Result<(), Box<dyn Error + Send + Sync>> {
    Err(e)?
}

fn refused() -> SubmitError {
    let pool = InlinePool::new();
    pool.stop();
    pool.submit(Box::new(|| {})).unwrap_err()
}

#[test]
fn submit_error_goes_into_anyhow_and_its_task_comes_back() {
    let err = via_anyhow(refused()).unwrap_err();
    assert!(err.to_string().contains("stopped"), "{err}");
    let back = err.downcast::<SubmitError>().expect("the same error");
    assert!(back.is_stopped());
    back.into_task()();
    assert!(via_box(refused()).is_err());
}

#[test]
fn wait_error_goes_into_anyhow() {
    let pool = InlinePool::new();
    let err = pool.submit_wait(Box::new(|| panic!("boom"))).unwrap_err();
    let err = via_anyhow(err).unwrap_err();
    assert_eq!(err.to_string(), "task panicked: boom");
    let back = err.downcast::<WaitError>().unwrap();
    assert!(back.is_panic());
    pool.stop();
    let rejected = pool.submit_wait(Box::new(|| {})).unwrap_err();
    // The source chain reaches the SubmitError inside.
    let err = via_anyhow(rejected).unwrap_err();
    assert!(err.chain().any(|e| e.is::<SubmitError>()));
    let pool = InlinePool::new();
    assert!(via_box(pool.submit_wait(Box::new(|| panic!("x"))).unwrap_err()).is_err());
}

#[test]
fn join_error_goes_into_anyhow_and_its_payload_comes_back() {
    let pool = InlinePool::new();
    let err = pool
        .spawn(|| -> u8 { panic!("deliberate") })
        .unwrap()
        .join()
        .unwrap_err();
    let err = via_anyhow(err).unwrap_err();
    let back = err.downcast::<JoinError>().unwrap();
    assert!(back.is_panic());
    let payload = back.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"deliberate"));

    let (task, handle) = task_with_handle(|| 1);
    drop(task);
    assert!(via_box(handle.join().unwrap_err()).is_err());
}

#[test]
fn join_timeout_error_goes_into_anyhow() {
    let (task, handle) = task_with_handle(|| 5_u32);
    let err = handle.join_timeout(Duration::ZERO).unwrap_err();
    let JoinTimeoutError::TimedOut(handle) = err else {
        panic!("the task has not run yet");
    };
    let err = handle.join_timeout(Duration::ZERO).unwrap_err();
    assert_eq!(
        via_anyhow(err).unwrap_err().to_string(),
        "the task did not finish in time"
    );
    drop(task);
}

#[test]
fn build_error_goes_into_anyhow_with_its_source() {
    let io = std::io::Error::new(std::io::ErrorKind::Other, "no threads left");
    let err = BuildError::with_source("could not start a worker thread", io);
    let err = via_anyhow(err).unwrap_err();
    assert_eq!(err.to_string(), "could not start a worker thread");
    assert_eq!(err.chain().count(), 2);
    assert!(via_box(BuildError::zero("capacity")).is_err());
}
