//! [`RayonPool`]: a `rayon::ThreadPool` behind the `TaskPool` contract.

use std::thread;
use taskpool_utils::sync::Arc;

use taskpool::BuildError;

use crate::builder::{build_or_panic, Builder};
use crate::core::{enter_worker, run_on_worker, Cap, Core, Job, Mode};
use crate::front::{delegate_task_pool, Executor, Front};

/// A [`rayon::ThreadPool`](https://docs.rs/rayon/1/rayon/struct.ThreadPool.html)
/// with `capacity` threads; tasks go in with
/// [`rayon::ThreadPool::spawn`](https://docs.rs/rayon/1/rayon/struct.ThreadPool.html#method.spawn)
/// (rayon's own queue, so `submit` never blocks).
///
/// ```
/// use taskpool::{TaskPool, TaskPoolExt};
/// use taskpool_baselines::RayonPool;
///
/// let pool = RayonPool::new(2);
/// assert_eq!(pool.spawn(|| 6 * 7).unwrap().join().unwrap(), 42);
/// pool.stop_wait();
/// ```
///
/// Rayon alone keeps few of the nine rules (it has no stop, no refusal, aborts
/// the process on a panic in `spawn` and gives no way to wait for its threads).
/// Every task is wrapped in a job that checks in with the pool's bookkeeping:
///
/// 1. **Capacity**: `capacity` threads, and a running count that never exceeds
///    it. A task that blocks inside a rayon primitive (`join`, `scope`, a
///    parallel iterator) lets its thread steal another job while it is still on
///    the stack; such a job finds the pool full, is parked, and is re-spawned
///    by the next task to finish.
/// 2. **stop_wait runs everything**: the job counts as queued until it ran;
///    rayon runs every spawned job before its threads exit.
/// 3. **Nothing starts after stop**: the stop check and the start are one
///    critical section; jobs that rayon still runs after `stop` return at once
///    and drop their task.
/// 4. **Refusal after stop**: `submit` checks the shutdown flag in the same
///    critical section that would count the task, and hands it back in
///    [`SubmitErrorKind::Stopped`](taskpool::SubmitErrorKind::Stopped).
/// 5. **Panics**: caught on the worker (`catch_unwind`) and counted; rayon's
///    panic handler never sees one.
/// 6. **Threads exited**: the threads are spawned by this crate through
///    rayon's `spawn_handler`, and shutdown joins them after dropping the
///    `rayon::ThreadPool` (which lets them exit once their jobs are done).
/// 7. **stop from inside a task**: idempotent (the first call picks the mode);
///    on one of this pool's threads it begins the shutdown and returns without
///    waiting, since the caller's own task keeps rayon's threads alive; the
///    threads finish the work and exit on their own, and a later `stop_wait`
///    from outside waits for all of it. `wait_idle` on a pool thread returns
///    at once, and `submit_wait` there runs the task inline on the caller's
///    slot instead of waiting for a free worker.
/// 8. **Drop**: dropping the last clone runs `stop_wait` (with the same
///    behaviour on one of the pool's own threads).
/// 9. **Configuration**: a capacity of 0 or above the builder's
///    [`capacity_limit`](Builder::capacity_limit) is a [`BuildError`]; so is
///    a thread the OS refuses to start.
#[derive(Clone)]
pub struct RayonPool {
    front: Arc<Front<RayonExec>>,
}

struct RayonExec {
    pool: rayon::ThreadPool,
}

impl Executor for RayonExec {
    fn dispatch(&self, job: Job) -> Result<(), Job> {
        self.pool.spawn(move || run_job(job));
        Ok(())
    }
}

/// Runs a job on a rayon worker; a deferred job the finished task hands back
/// goes to the same rayon pool (`rayon::spawn` on a worker thread targets that
/// thread's pool, even after the `ThreadPool` handle was dropped: spawned jobs
/// keep rayon's threads alive).
fn run_job(job: Job) {
    if let Some(next) = run_on_worker(job, Cap::Counted) {
        rayon::spawn(move || run_job(next));
    }
}

impl RayonPool {
    /// A pool of `capacity` rayon threads, named `tp-rayon-<i>`.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 or above [`MAX_CAPACITY`](taskpool::MAX_CAPACITY),
    /// or if a thread cannot be started; [`RayonPool::builder`] returns these
    /// as a [`BuildError`].
    pub fn new(capacity: usize) -> Self {
        build_or_panic("RayonPool", capacity, |n| {
            RayonPool::builder().capacity(n).build()
        })
    }

    /// A [`Builder`] for a pool with non-default settings (default thread
    /// name prefix `tp-rayon`).
    pub fn builder() -> Builder<RayonPool> {
        Builder::new("tp-rayon")
    }
}

impl Builder<RayonPool> {
    /// Starts the rayon pool's threads.
    ///
    /// # Errors
    ///
    /// A [`BuildError`] for a capacity of 0 or above the limit, a thread
    /// name with a NUL byte, or a thread the OS refuses to start (rayon
    /// stops the threads it started; they are joined).
    pub fn build(self) -> Result<RayonPool, BuildError> {
        let (capacity, prefix) = self.settings()?;
        let core = Core::new("rayon", capacity);
        let spawn_core = Arc::clone(&core);
        let built = rayon::ThreadPoolBuilder::new()
            .num_threads(capacity)
            .thread_name(move |i| format!("{prefix}-{i}"))
            .spawn_handler(move |thread| {
                spawn_core.thread_spawning();
                let core = Arc::clone(&spawn_core);
                let mut builder = thread::Builder::new();
                if let Some(name) = thread.name() {
                    builder = builder.name(name.to_owned());
                }
                let spawned = builder.spawn(move || {
                    enter_worker(&core);
                    thread.run();
                });
                match spawned {
                    Ok(handle) => {
                        spawn_core.thread_spawned(Some(handle), usize::MAX);
                        Ok(())
                    }
                    Err(e) => {
                        spawn_core.thread_spawned(None, usize::MAX);
                        Err(e)
                    }
                }
            })
            .build();
        match built {
            Ok(pool) => Ok(RayonPool {
                front: Arc::new(Front::new(core, RayonExec { pool })),
            }),
            Err(e) => {
                // Rayon terminates the threads it did start; wait for them.
                drop(core.begin_shutdown(Mode::Drop));
                core.finish_shutdown();
                Err(BuildError::with_source(
                    "could not start the rayon pool's threads",
                    e,
                ))
            }
        }
    }
}

delegate_task_pool!(RayonPool);
