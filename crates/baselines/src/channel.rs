//! [`ChannelPool`]: the pool people write by hand, over one crossbeam channel.

use std::thread;
use taskpool_utils::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use taskpool::BuildError;

use crate::core::{enter_worker, Cap, Core, Job, Mode};
use crate::front::{delegate_task_pool, Executor, Front};

/// `capacity` threads pulling jobs from one unbounded
/// [`crossbeam_channel`]: the twenty-line pool everyone writes. `submit`
/// never blocks.
///
/// ```
/// use taskpool::{TaskPool, TaskPoolExt};
/// use taskpool_baselines::ChannelPool;
///
/// let pool = ChannelPool::new(2)?;
/// assert_eq!(pool.spawn(|| 6 * 7).unwrap().join().unwrap(), 42);
/// pool.stop_wait();
/// # Ok::<(), taskpool::BuildError>(())
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
/// 9. **Configuration**: `capacity == 0` is a [`BuildError`].
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
    /// Fails with a [`BuildError`] when `capacity` is 0 or a thread cannot be
    /// started.
    pub fn new(capacity: usize) -> Result<Self, BuildError> {
        if capacity == 0 {
            return Err(BuildError::zero("capacity"));
        }
        let core = Core::new("channel", capacity);
        let (tx, rx) = crossbeam_channel::unbounded::<Job>();
        for i in 0..capacity {
            core.thread_spawning();
            let rx = rx.clone();
            let thread_core = Arc::clone(&core);
            let spawned = thread::Builder::new()
                .name(format!("tp-channel-{i}"))
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
