//! [`ThreadpoolPool`]: the `threadpool` crate behind the `TaskPool` contract.

use std::panic;
use std::sync::Barrier;

use taskpool_utils::sync::Arc;

use taskpool::BuildError;

use crate::builder::{build_or_panic, Builder};
use crate::core::{enter_worker, run_on_worker, Cap, Core, Job};
use crate::front::{delegate_task_pool, Executor, Front};

/// A [`threadpool::ThreadPool`](https://docs.rs/threadpool/1/threadpool/struct.ThreadPool.html) with `capacity` threads and its unbounded
/// queue (`submit` never blocks).
///
/// ```
/// use taskpool::{TaskPool, TaskPoolExt};
/// use taskpool_baselines::ThreadpoolPool;
///
/// let pool = ThreadpoolPool::new(2);
/// assert_eq!(pool.spawn(|| 6 * 7).unwrap().join().unwrap(), 42);
/// pool.stop_wait();
/// ```
///
/// The `threadpool` crate cannot drop queued tasks, refuse tasks, or tell when
/// its threads have exited (its `join` only waits for the queue). How the nine
/// rules are kept anyway:
///
/// 1. **Capacity**: `capacity` threads, each running one job at a time.
/// 2. **stop_wait runs everything**: stop drops the crate's `ThreadPool`,
///    whose threads drain the queue before they exit; the pool waits until
///    every accepted job has run.
/// 3. **Nothing starts after stop**: every task is wrapped in a job that checks
///    the shutdown mode in the same critical section that counts it as
///    running; after `stop`, the queued jobs the crate still hands out drop
///    their task without running it.
/// 4. **Refusal after stop**: checked where the task would be counted; the
///    task comes back in [`SubmitErrorKind::Stopped`](taskpool::SubmitErrorKind::Stopped).
/// 5. **Panics**: caught inside the job and counted, so the crate never sees a
///    panic (and never replaces a thread).
/// 6. **Threads exited**: the crate hands out no join handles. At build, the
///    pool runs one registration job per thread: `capacity` jobs that all wait
///    on one barrier must run at the same time, so each lands on its own
///    thread and installs a thread-local mark there. The mark's destructor
///    runs when the thread exits (after the thread's code has returned; on
///    Linux and macOS after the thread-locals that task code created later,
///    since those are destroyed first), and shutdown waits until every mark
///    has been dropped.
/// 7. **stop from inside a task**: idempotent (the first call picks the mode);
///    on one of this pool's threads it begins the shutdown and returns without
///    waiting for the calling task or the threads; the threads drain and exit
///    on their own, and a later `stop_wait` from outside waits for all of it.
///    `wait_idle` on a pool thread returns at once; `submit_wait` there runs
///    the task inline on the caller's slot.
/// 8. **Drop**: dropping the last clone runs `stop_wait`.
/// 9. **Configuration**: a capacity of 0 (the crate itself would panic) or
///    above the builder's [`capacity_limit`](Builder::capacity_limit) is a
///    [`BuildError`]; so is a thread the OS refuses to start (the crate
///    panics then; the panic is caught).
#[derive(Clone)]
pub struct ThreadpoolPool {
    front: Arc<Front<ThreadpoolExec>>,
}

struct ThreadpoolExec {
    pool: threadpool::ThreadPool,
}

impl Executor for ThreadpoolExec {
    fn dispatch(&self, job: Job) -> Result<(), Job> {
        self.pool.execute(move || {
            let _ = run_on_worker(job, Cap::PerThread);
        });
        Ok(())
    }
}

impl ThreadpoolPool {
    /// A pool of `capacity` threads, named `tp-threadpool` (the crate gives
    /// all its threads one name).
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 or above [`MAX_CAPACITY`](taskpool::MAX_CAPACITY),
    /// or if the threads cannot be started; [`ThreadpoolPool::builder`]
    /// returns these as a [`BuildError`].
    pub fn new(capacity: usize) -> Self {
        build_or_panic("ThreadpoolPool", capacity, |n| {
            ThreadpoolPool::builder().capacity(n).build()
        })
    }

    /// A [`Builder`] for a pool with non-default settings (default thread
    /// name `tp-threadpool`).
    pub fn builder() -> Builder<ThreadpoolPool> {
        Builder::new("tp-threadpool")
    }
}

impl Builder<ThreadpoolPool> {
    /// Starts the crate's pool and registers each of its threads.
    ///
    /// # Errors
    ///
    /// A [`BuildError`] for a capacity of 0 or above the limit, a thread
    /// name with a NUL byte, or when the crate cannot start its threads.
    pub fn build(self) -> Result<ThreadpoolPool, BuildError> {
        let (capacity, name) = self.settings()?;
        let pool = panic::catch_unwind(|| {
            threadpool::Builder::new()
                .num_threads(capacity)
                .thread_name(name)
                .build()
        })
        .map_err(|_| BuildError::new("the threadpool crate could not start its threads"))?;
        let core = Core::new("threadpool", capacity);
        // The crate started `capacity` threads; each is live until its mark drops.
        core.add_live(capacity);
        let barrier = Arc::new(Barrier::new(capacity + 1));
        for _ in 0..capacity {
            let core = Arc::clone(&core);
            let barrier = Arc::clone(&barrier);
            pool.execute(move || {
                enter_worker(&core);
                barrier.wait();
            });
        }
        // Returns once all `capacity` registration jobs are running at once,
        // i.e. one on every thread.
        barrier.wait();
        Ok(ThreadpoolPool {
            front: Arc::new(Front::new(core, ThreadpoolExec { pool })),
        })
    }
}

delegate_task_pool!(ThreadpoolPool);
