//! [`Pool`]: the public face of the pool (and how a [`Builder`] starts
//! one). Everything behind it is in the modules it calls: the rendezvous,
//! batches, resize and shutdown.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use taskpool::{check_capacity, BuildError, PoolStats};
use taskpool_utils::sync::{lock, Arc, Condvar, Mutex};
use taskpool_utils::worker_mark::PoolId;

use crate::batch::{batch, CHUNKS_PER_WORKER};
use crate::call::{CallCache, Refusal};
use crate::lifecycle::{close, set_size, wait_idle};
use crate::rendezvous::{call, Admit, Until};
use crate::state::{Inner, State};
use crate::{Builder, CancelToken, FnWorker, ProcessError, ResizeError, Worker};

/// A pool of `N` stateful workers; callers block until a worker is ready.
///
/// See the [crate docs](crate) for a tour. Cheap to clone: clones share the
/// pool. Dropping the last clone closes the pool like [`close`](Pool::close).
pub struct Pool<W: Worker> {
    handle: Arc<Handle<W>>,
}

/// Closes the pool when the last user handle goes (workers hold `Inner`, not this).
struct Handle<W: Worker> {
    inner: Arc<Inner<W>>,
    /// The largest size `set_size` accepts (the builder's `capacity_limit`).
    capacity_limit: usize,
}

impl<W: Worker> Drop for Handle<W> {
    fn drop(&mut self) {
        close(&self.inner);
    }
}

impl<W: Worker> Clone for Pool<W> {
    fn clone(&self) -> Self {
        Pool {
            handle: Arc::clone(&self.handle),
        }
    }
}

impl<W: Worker> Pool<W> {
    /// Starts `n` workers, each built by `factory` (called `n` times, on this
    /// thread, before this returns), like tunny's `New`.
    ///
    /// ```
    /// let pool = taskpool_tunny::Pool::new(2, || taskpool_tunny::FnWorker::new(|x: u8| x * 2));
    /// assert_eq!(pool.process(21), Ok(42));
    /// ```
    ///
    /// # Panics
    ///
    /// If `n` is 0 or above [`MAX_CAPACITY`](taskpool::MAX_CAPACITY), if
    /// `factory` panics (the panic is passed on), or if the operating system
    /// refuses a thread (like [`std::thread::spawn`]). [`Pool::builder`]
    /// returns the bad sizes and the refused thread as a [`BuildError`]
    /// instead, and builds an empty pool (tunny's `New(0, …)`) when asked
    /// with [`allow_empty`](Builder::allow_empty).
    ///
    /// ```should_panic
    /// // panics: capacity must be at least 1
    /// let pool = taskpool_tunny::Pool::new(0, || taskpool_tunny::FnWorker::new(|x: u8| x));
    /// ```
    pub fn new<F>(n: usize, factory: F) -> Self
    where
        F: Fn() -> W + Send + Sync + 'static,
    {
        match Pool::builder(factory).capacity(n).build() {
            Ok(pool) => pool,
            Err(e) => panic!("taskpool_tunny::Pool::new: {e}"),
        }
    }

    /// A [`Builder`] for a pool whose workers `factory` builds.
    pub fn builder<F>(factory: F) -> Builder<W>
    where
        F: Fn() -> W + Send + Sync + 'static,
    {
        Builder::new(Box::new(factory))
    }

    pub(crate) fn inner(&self) -> &Arc<Inner<W>> {
        &self.handle.inner
    }

    /// Runs `input` on a worker and returns its output.
    ///
    /// Blocks until a worker is ready (tunny has no queue: callers wait in
    /// line, oldest first), hands it the input, and blocks until the job
    /// returns. Called from inside one of this pool's own jobs it waits like
    /// any caller, so it deadlocks if every worker does that; prefer
    /// [`process_timeout`](Pool::process_timeout) there.
    ///
    /// # Errors
    ///
    /// [`ProcessError::Closed`] if the pool is closed (or closes while this
    /// waits for a worker), [`ProcessError::Panicked`] if the job panicked.
    pub fn process(&self, input: W::Input) -> Result<W::Output, ProcessError> {
        self.run(input, None, None)
    }

    /// Like [`process`](Pool::process), but gives up once `timeout` has
    /// passed (on the pool's clock), counting both the wait for a worker and
    /// the job. A job already running is interrupted (see [`Interrupt`](crate::Interrupt)).
    ///
    /// # Errors
    ///
    /// [`ProcessError::TimedOut`] when the deadline passes (at once for a
    /// zero timeout), and the errors of [`process`](Pool::process).
    pub fn process_timeout(
        &self,
        input: W::Input,
        timeout: Duration,
    ) -> Result<W::Output, ProcessError> {
        // A deadline past the clock's range is no deadline at all.
        let deadline = self.inner().clock.now().checked_add(timeout);
        self.run(input, deadline, None)
    }

    /// Like [`process`](Pool::process), but gives up when `token` is
    /// cancelled (tunny's `ProcessCtx`). A job already running is interrupted.
    ///
    /// # Errors
    ///
    /// [`ProcessError::Cancelled`], and the errors of [`process`](Pool::process).
    pub fn process_cancellable(
        &self,
        input: W::Input,
        token: &CancelToken,
    ) -> Result<W::Output, ProcessError> {
        self.run(input, None, Some(token))
    }

    /// Runs every input of `inputs` on the pool's workers and returns one
    /// outcome per input, **in input order**: the batch form of
    /// [`process`](Pool::process) for many small jobs.
    ///
    /// A `process` call costs one rendezvous (two cross-thread hand-offs) per job.
    /// Here the inputs are cut into chunks of consecutive items (a few per
    /// worker, never more chunks than items; see below) and each chunk
    /// costs one rendezvous: a ready worker accepts the whole chunk, runs
    /// [`Worker::process`] on each item in order with its own state, and
    /// sends all the outputs back in one reply. The caller offers the next
    /// chunk as soon as a worker has accepted the previous one, so the
    /// workers run chunks of one batch in parallel; it spawns no thread.
    ///
    /// It is `process` over a batch, hence the name, and like `process` it
    /// reports per job: one `Result` per input rather than one for the
    /// batch, so that a panicking item does not discard the other outputs
    /// (collect into `Result<Vec<_>, _>` for all-or-nothing, as below).
    ///
    /// What stays as for `process`:
    /// - **Back-pressure**: each chunk waits for a ready worker in the same
    ///   line as `process` callers (oldest first), and the caller has at most
    ///   one chunk in line, so a batch neither jumps the line nor fills it.
    ///   At most [`size`](Pool::size) jobs run at once.
    /// - **Hooks**: [`Worker::block_until_ready`] runs before **each item**
    ///   (before the first, the worker ran it before accepting the chunk),
    ///   so a worker that throttles itself per job keeps its pace under
    ///   batches. Each item counts as one job in [`stats`](Pool::stats)
    ///   (`completed`, `panicked`); a chunk held by a worker counts once in
    ///   `running` and [`queue_len`](Pool::queue_len).
    /// - **Panics**: an item that panics gets [`ProcessError::Panicked`];
    ///   its worker is replaced by a fresh one from the factory, as after a
    ///   panicking `process`, and the rest of the chunk runs on the new
    ///   worker. Every item runs at most once.
    /// - **Resize and close**: a worker retired by
    ///   [`set_size`](Pool::set_size) or [`close`](Pool::close) finishes the
    ///   item it is running and hands the chunk's unstarted items back; the
    ///   caller offers them again to the remaining workers. Items the pool
    ///   refuses because it is closed get [`ProcessError::Closed`] (their
    ///   inputs are dropped, as for `process`); items already running finish
    ///   and keep their outputs. If the factory cannot rebuild a worker after
    ///   a panic, its unstarted items are offered again too.
    ///
    /// **Chunking.** The pool's size when the call starts is `n` (1 if it
    /// is 0); the batch is cut into `min(k × n, len)` chunks whose lengths
    /// differ by at most one, where `k` is a small constant
    /// (`CHUNKS_PER_WORKER` in `src/batch.rs`, which says why): more than
    /// one chunk per worker, so that workers that finish early take the
    /// remaining chunks when items are uneven. A worker holds its chunk until
    /// the chunk is done, so another caller waiting for a worker may wait for
    /// a whole chunk.
    ///
    /// An empty batch returns an empty `Vec` at once. Called from inside one
    /// of this pool's own jobs, it waits like `process` does, so it
    /// deadlocks if every worker does that. For a deadline or a cancel token
    /// over the whole batch, see
    /// [`process_batch_timeout`](Pool::process_batch_timeout) and
    /// [`process_batch_cancellable`](Pool::process_batch_cancellable).
    ///
    /// ```
    /// use taskpool_tunny::{Interrupt, Pool, ProcessError, Worker};
    ///
    /// /// Looks words up in a table each worker builds once.
    /// struct Lengths {
    ///     table: std::collections::HashMap<&'static str, usize>,
    /// }
    ///
    /// impl Worker for Lengths {
    ///     type Input = &'static str;
    ///     type Output = usize;
    ///     fn process(&mut self, word: &'static str, _: &Interrupt) -> usize {
    ///         match self.table.get(word) {
    ///             Some(&n) => n,
    ///             None => panic!("unknown word {word}"),
    ///         }
    ///     }
    /// }
    ///
    /// let pool = Pool::new(2, || Lengths {
    ///     table: ["a", "bb", "ccc"].into_iter().map(|w| (w, w.len())).collect(),
    /// });
    /// let outcomes = pool.process_batch(["ccc", "a", "zz", "bb"]);
    /// assert_eq!(outcomes[0], Ok(3));
    /// assert_eq!(outcomes[1], Ok(1));
    /// assert_eq!(outcomes[2].as_ref().unwrap_err().panic_message(), Some("unknown word zz"));
    /// assert_eq!(outcomes[3], Ok(2));
    ///
    /// // All or nothing, if that is what the caller wants:
    /// let all: Result<Vec<usize>, ProcessError> =
    ///     pool.process_batch(["a", "bb"]).into_iter().collect();
    /// assert_eq!(all, Ok(vec![1, 2]));
    /// ```
    pub fn process_batch<It>(&self, inputs: It) -> Vec<Result<W::Output, ProcessError>>
    where
        It: IntoIterator<Item = W::Input>,
    {
        self.run_batch(inputs, None, None)
    }

    /// Like [`process_batch`](Pool::process_batch), but gives up once
    /// `timeout` has passed (on the pool's clock), counting the waits for
    /// workers and the jobs, like [`process_timeout`](Pool::process_timeout).
    ///
    /// Outputs that reached the caller before the deadline are kept. Every
    /// other item gets [`ProcessError::TimedOut`]: items not handed out yet
    /// (the chunk waiting in line leaves it), and the items of chunks still
    /// held by workers, which are abandoned like a timed-out `process` job:
    /// the running item's [`Interrupt`](crate::Interrupt) fires, its worker stops between items
    /// and runs [`Worker::interrupted`]. Such a chunk may have run some of
    /// its items: as with `process_timeout`, an item either returns its
    /// output or `TimedOut`, never both, and runs at most once.
    ///
    /// ```
    /// use std::time::Duration;
    /// use taskpool_tunny::{Pool, ProcessError};
    ///
    /// let pool = Pool::with_fn(2, |x: u32| x + 1);
    /// let outcomes = pool.process_batch_timeout(0..10, Duration::from_secs(60));
    /// assert_eq!(outcomes[9], Ok(10));
    /// // A zero timeout gives up at once, without touching a worker.
    /// let outcomes = pool.process_batch_timeout(0..3, Duration::ZERO);
    /// assert!(outcomes.iter().all(|o| *o == Err(ProcessError::TimedOut)));
    /// ```
    pub fn process_batch_timeout<It>(
        &self,
        inputs: It,
        timeout: Duration,
    ) -> Vec<Result<W::Output, ProcessError>>
    where
        It: IntoIterator<Item = W::Input>,
    {
        // A deadline past the clock's range is no deadline at all.
        let deadline = self.inner().clock.now().checked_add(timeout);
        self.run_batch(inputs, deadline, None)
    }

    /// Like [`process_batch`](Pool::process_batch), but gives up when `token`
    /// is cancelled: the items without an output by then get
    /// [`ProcessError::Cancelled`], as described for
    /// [`process_batch_timeout`](Pool::process_batch_timeout).
    ///
    /// ```
    /// use taskpool_tunny::{CancelToken, Pool, ProcessError};
    ///
    /// let pool = Pool::with_fn(2, |x: u32| x * 2);
    /// let token = CancelToken::new();
    /// assert_eq!(pool.process_batch_cancellable([1, 2], &token), [Ok(2), Ok(4)]);
    /// token.cancel();
    /// let outcomes = pool.process_batch_cancellable([1, 2], &token);
    /// assert!(outcomes.iter().all(|o| *o == Err(ProcessError::Cancelled)));
    /// ```
    pub fn process_batch_cancellable<It>(
        &self,
        inputs: It,
        token: &CancelToken,
    ) -> Vec<Result<W::Output, ProcessError>>
    where
        It: IntoIterator<Item = W::Input>,
    {
        self.run_batch(inputs, None, Some(token))
    }

    fn run_batch<It>(
        &self,
        inputs: It,
        deadline: Option<Duration>,
        token: Option<&CancelToken>,
    ) -> Vec<Result<W::Output, ProcessError>>
    where
        It: IntoIterator<Item = W::Input>,
    {
        let inputs: Vec<W::Input> = inputs.into_iter().collect();
        if inputs.is_empty() {
            return Vec::new();
        }
        let workers = lock(&self.inner().state).target.max(1);
        let chunks = workers.saturating_mul(CHUNKS_PER_WORKER);
        batch(self.inner(), inputs, chunks, deadline, token)
    }

    fn run(
        &self,
        input: W::Input,
        deadline: Option<Duration>,
        token: Option<&CancelToken>,
    ) -> Result<W::Output, ProcessError> {
        match call(
            self.inner(),
            input,
            Admit::Block,
            Until::Done,
            deadline,
            token,
        ) {
            Ok(Some(output)) => Ok(output),
            Ok(None) => unreachable!("Until::Done always carries the output"),
            Err(refusal) => Err(refusal.into()),
        }
    }

    /// Changes the number of workers to `n`.
    ///
    /// Growing builds the new workers with the factory on this thread and
    /// starts them at once. Shrinking retires parked workers first, then
    /// busy ones, which finish the job they hold; each retired worker runs
    /// [`Worker::terminate`]. Returns once the retired workers have exited
    /// (except the calling thread's own worker, when called from inside a
    /// job: that one leaves after its job). Concurrent calls: the last
    /// request wins.
    ///
    /// `set_size(0)` is allowed, as in Go: the pool keeps no worker, and
    /// callers wait in line until a later `set_size` adds some.
    ///
    /// # Errors
    ///
    /// [`ResizeError::Closed`] on a closed pool (tunny panics),
    /// [`ResizeError::TooLarge`] above the builder's
    /// [`capacity_limit`](Builder::capacity_limit) (the pool is unchanged),
    /// [`ResizeError::Spawn`] if a thread could not be started.
    ///
    /// # Panics
    ///
    /// If the factory panics; the panic is passed on and the workers already
    /// running stay.
    ///
    /// ```
    /// use taskpool_tunny::{Pool, ResizeError};
    /// let pool = Pool::with_fn(1, |x: u8| x);
    /// pool.set_size(3).unwrap();
    /// assert_eq!(pool.size(), 3);
    /// assert!(matches!(pool.set_size(1_000_000), Err(ResizeError::TooLarge { .. })));
    /// assert_eq!(pool.size(), 3);
    /// ```
    pub fn set_size(&self, n: usize) -> Result<(), ResizeError> {
        let limit = self.handle.capacity_limit;
        if n > limit {
            return Err(ResizeError::TooLarge {
                requested: n,
                limit,
            });
        }
        set_size(self.inner(), n)
    }

    /// The number of workers asked for (by [`new`](Pool::new) or the last
    /// [`set_size`](Pool::set_size)); 0 once closed.
    pub fn size(&self) -> usize {
        lock(&self.inner().state).target
    }

    /// Callers waiting for a worker plus jobs running now (tunny's `QueueLength`).
    pub fn queue_len(&self) -> usize {
        let state = lock(&self.inner().state);
        state.line.len() + state.running
    }

    /// Closes the pool: refuses new jobs, refuses callers still waiting for a
    /// worker ([`ProcessError::Closed`]), lets running jobs finish and
    /// deliver their results, runs [`Worker::terminate`] on every worker, and
    /// returns once every worker thread has exited.
    ///
    /// Idempotent and safe from several threads (every call returns after the
    /// workers are gone); tunny panics on a second `Close`. Called from inside
    /// one of this pool's jobs, it does not wait for the calling worker, which
    /// exits right after its job.
    pub fn close(&self) {
        close(self.inner());
    }

    /// True once [`close`](Pool::close) has begun.
    pub fn is_closed(&self) -> bool {
        lock(&self.inner().state).closed
    }

    /// Blocks until no caller waits and no job runs (a job of the calling
    /// thread's own worker excepted).
    pub fn wait_idle(&self) {
        wait_idle(self.inner());
    }

    /// A snapshot of the pool's counters. `capacity` is the size asked for,
    /// `workers` the live threads (more than `capacity` while retired workers
    /// finish), `running` the jobs held by workers, `waiting` the callers in
    /// line.
    pub fn stats(&self) -> PoolStats {
        let state = lock(&self.inner().state);
        let mut stats = PoolStats::default();
        stats.capacity = state.target;
        stats.workers = state.live;
        stats.running = state.running;
        stats.waiting = state.line.len();
        stats.completed = state.completed;
        stats.panicked = state.panicked;
        stats
    }

    pub(crate) fn call(
        &self,
        input: W::Input,
        admit: Admit,
        until: Until,
    ) -> Result<Option<W::Output>, Refusal<W::Input>> {
        call(self.inner(), input, admit, until, None, None)
    }
}

impl<F, I, O> Pool<FnWorker<F, I, O>>
where
    F: Fn(I) -> O + Send + Sync + 'static,
    I: Send + 'static,
    O: Send + 'static,
{
    /// A pool of `n` workers that all run `f` (tunny's `NewFunc`).
    ///
    /// ```
    /// let pool = taskpool_tunny::Pool::with_fn(4, |x: u64| x * 2);
    /// assert_eq!(pool.process(21), Ok(42));
    /// ```
    ///
    /// # Panics
    ///
    /// Like [`Pool::new`]: if `n` is 0 or above
    /// [`MAX_CAPACITY`](taskpool::MAX_CAPACITY), or if the operating system
    /// refuses a thread.
    pub fn with_fn(n: usize, f: F) -> Self {
        let worker = FnWorker::new(f);
        Pool::new(n, move || worker.clone())
    }
}

impl<W: Worker> fmt::Debug for Pool<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("closed", &self.is_closed())
            .field("stats", &self.stats())
            .finish()
    }
}

impl<W: Worker> Builder<W> {
    /// Starts the pool: builds `capacity` workers on this thread and starts a
    /// thread for each.
    ///
    /// # Errors
    ///
    /// A [`BuildError`] for a capacity of 0 (unless
    /// [`allow_empty`](Builder::allow_empty)) or above the
    /// [`capacity_limit`](Builder::capacity_limit), a thread name with a NUL
    /// byte, or if the operating system refused a thread (the workers
    /// already started are stopped again).
    ///
    /// # Panics
    ///
    /// If the factory panics (the panic is passed on).
    pub fn build(self) -> Result<Pool<W>, BuildError> {
        let size = match self.capacity {
            Some(0) if self.allow_empty => 0,
            Some(n) => check_capacity("capacity", n, self.capacity_limit)?,
            None => std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .clamp(1, self.capacity_limit.max(1)),
        };
        if self.thread_name.contains('\0') {
            return Err(BuildError::new("thread_name must not contain a NUL byte"));
        }
        let inner = Arc::new(Inner {
            id: PoolId::new(),
            state: Mutex::new(State {
                closed: false,
                target: 0,
                workers: Vec::new(),
                live: 0,
                active: 0,
                ready: Vec::new(),
                line: VecDeque::new(),
                running: 0,
                completed: 0,
                panicked: 0,
                next_id: 0,
                handles: Vec::new(),
                joining: Vec::new(),
                watchers: 0,
            }),
            changed: Condvar::new(),
            factory: self.factory,
            clock: self.clock,
            thread_name: self.thread_name,
            idle_pollers: taskpool_utils::sync::AtomicUsize::new(0),
            calls: CallCache::new(),
        });
        let pool = Pool {
            handle: Arc::new(Handle {
                inner,
                capacity_limit: self.capacity_limit,
            }),
        };
        match set_size(pool.inner(), size) {
            Ok(()) => Ok(pool),
            Err(ResizeError::Spawn(e)) => Err(BuildError::with_source(
                "could not start a tunny worker thread",
                e,
            )),
            Err(ResizeError::Closed | ResizeError::TooLarge { .. }) => {
                unreachable!("a new pool is open, and its size was checked")
            }
        }
    }
}
