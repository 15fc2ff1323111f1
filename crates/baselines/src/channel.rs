//! [`ChannelPool`]: the pool people write by hand, over one crossbeam channel.

use std::thread;
use taskpool_utils::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use taskpool::BuildError;

use crate::builder::{build_or_panic, Builder};
use crate::core::{enter_worker, Cap, Core, Job, Mode};
use crate::front::{delegate_task_pool, Executor, Front};

/// `capacity` threads pulling jobs from one unbounded
/// [`crossbeam_channel`](https://docs.rs/crossbeam-channel/0.5/crossbeam_channel/): the twenty-line pool everyone writes. `submit`
/// never blocks.
///
/// ```
/// use taskpool::{TaskPool, TaskPoolExt};
/// use taskpool_baselines::ChannelPool;
///
/// let pool = ChannelPool::new(2);
/// assert_eq!(pool.spawn(|| 6 * 7).unwrap().join().unwrap(), 42);
/// pool.stop_wait();
/// ```
///
/// How the nine rules are kept:
///
/// 1. **Capacity**: `capacity` threads, each running one job at a time.
/// 2. **stop_wait runs everything**: shutdown drops the only sender; the
///    threads drain the channel, then see it disconnected and exit.
/// 3. **Nothing starts after stop**: each job checks the shutdown mode in the
///    same critical section that counts it as running; after `stop` the
///    drained jobs drop their task unrun.
/// 4. **Refusal after stop**: checked where the task would be counted; the
///    task comes back in [`SubmitErrorKind::Stopped`](taskpool::SubmitErrorKind::Stopped).
/// 5. **Panics**: caught inside the job and counted; the thread lives on.
/// 6. **Threads exited**: shutdown joins every thread.
/// 7. **stop from inside a task**: idempotent (the first call picks the mode);
///    on one of this pool's threads it begins the shutdown and returns without
///    waiting; the threads drain and exit on their own, and a later
///    `stop_wait` from outside waits for all of it. `wait_idle` on a pool
///    thread returns at once; `submit_wait` there runs the task inline.
/// 8. **Drop**: dropping the last clone runs `stop_wait`.
/// 9. **Configuration**: a capacity of 0 or above the builder's
///    [`capacity_limit`](Builder::capacity_limit) is a [`BuildError`]; so is
///    a thread the OS refuses to start.
#[derive(Clone)]
pub struct ChannelPool {
    front: Arc<Front<ChannelExec>>,
}

struct ChannelExec {
    /// The only sender: dropping it disconnects the channel and ends the workers.
    tx: Sender<Job>,
}

impl Executor for ChannelExec {
    fn dispatch(&self, job: Job) -> Result<(), Job> {
        self.tx.send(job).map_err(|e| e.into_inner())
    }
}

fn worker(core: &Core, rx: &Receiver<Job>) {
    while let Ok(job) = rx.recv() {
        let _ = core.run(job, Cap::PerThread);
    }
}

impl ChannelPool {
    /// A pool of `capacity` threads named `tp-channel-<i>`.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 or above [`MAX_CAPACITY`](taskpool::MAX_CAPACITY),
    /// or if a thread cannot be started; [`ChannelPool::builder`] returns
    /// these as a [`BuildError`].
    pub fn new(capacity: usize) -> Self {
        build_or_panic("ChannelPool", capacity, |n| {
            ChannelPool::builder().capacity(n).build()
        })
    }

    /// A [`Builder`] for a pool with non-default settings (default thread
    /// name prefix `tp-channel`).
    pub fn builder() -> Builder<ChannelPool> {
        Builder::new("tp-channel")
    }
}

impl Builder<ChannelPool> {
    /// Starts the pool's threads.
    ///
    /// # Errors
    ///
    /// A [`BuildError`] for a capacity of 0 or above the limit, a thread
    /// name with a NUL byte, or a thread the OS refuses to start (the
    /// threads already started are stopped and joined).
    pub fn build(self) -> Result<ChannelPool, BuildError> {
        let (capacity, prefix) = self.settings()?;
        let core = Core::new("channel", capacity);
        let (tx, rx) = crossbeam_channel::unbounded::<Job>();
        for i in 0..capacity {
            core.thread_spawning();
            let rx = rx.clone();
            let thread_core = Arc::clone(&core);
            let spawned = thread::Builder::new()
                .name(format!("{prefix}-{i}"))
                .spawn(move || {
                    enter_worker(&thread_core);
                    worker(&thread_core, &rx);
                });
            match spawned {
                Ok(handle) => core.thread_spawned(Some(handle), usize::MAX),
                Err(e) => {
                    core.thread_spawned(None, usize::MAX);
                    drop(tx);
                    drop(core.begin_shutdown(Mode::Drop));
                    core.finish_shutdown();
                    return Err(BuildError::with_source(
                        "could not start the channel pool's threads",
                        e,
                    ));
                }
            }
        }
        Ok(ChannelPool {
            front: Arc::new(Front::new(core, ChannelExec { tx })),
        })
    }
}

delegate_task_pool!(ChannelPool);
