//! [`MultiPool`]: N independent pools behind one submit, balanced round-robin
//! or by fewest running tasks (upstream's `MultiPool`).

use std::fmt;
use std::time::Duration;

use taskpool::{BuildError, PoolStats, SubmitError, Task, TaskPool};
use taskpool_utils::sync::{Arc, AtomicBool, AtomicUsize, Ordering};
use taskpool_utils::worker_mark::PoolId;

use crate::error::{IndexOutOfRange, TimedOut, TuneError};
use crate::line::Wait;
use crate::{Pool, PoolBuilder};

/// How a [`MultiPool`] picks the pool for the next task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LoadBalancing {
    /// Each pool in turn. A full pool passes the task on to the next one
    /// that has a free worker; only when all are full does the submitter
    /// wait, on the pool with the fewest running tasks.
    RoundRobin,
    /// The pool with the fewest running tasks (the first such on a tie).
    LeastTasks,
}

/// Several pools with their own locks, so that many submitters contend less
/// than on one pool of the same total capacity.
///
/// A task running in any of the pools counts as inside all of them: a
/// blocking `submit` from it to a full pool is refused with `Overloaded`, and
/// `stop`/`wait_idle` from it do not wait for tasks that are themselves
/// waiting inside such a call.
///
/// Each pool has the same settings (from one [`PoolBuilder`]) and capacity
/// `capacity_per_pool`; `cap()` is the sum. Cloning shares the multi-pool;
/// dropping the last clone drops every pool (each releases and waits).
///
/// ```
/// use taskpool_ants::{LoadBalancing, MultiPool};
/// let mp = MultiPool::new(4, 2, LoadBalancing::RoundRobin);
/// assert_eq!(mp.cap(), Some(8));
/// for _ in 0..100 {
///     mp.submit(|| ()).unwrap();
/// }
/// mp.wait_idle();
/// assert_eq!(mp.stats().completed, 100);
/// ```
#[derive(Clone)]
pub struct MultiPool {
    inner: Arc<MultiInner>,
}

struct MultiInner {
    pools: Vec<Pool>,
    strategy: LoadBalancing,
    /// The round-robin cursor.
    next: AtomicUsize,
    /// True between release and reboot of the multi-pool as a whole.
    closed: AtomicBool,
}

impl fmt::Debug for MultiPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultiPool")
            .field("strategy", &self.inner.strategy)
            .field("pools", &self.inner.pools)
            .finish()
    }
}

impl MultiPool {
    /// `pools` pools of `capacity_per_pool` workers each, default settings.
    ///
    /// ```
    /// use taskpool_ants::{LoadBalancing, MultiPool};
    /// let mp = MultiPool::new(2, 3, LoadBalancing::LeastTasks);
    /// assert_eq!(mp.cap(), Some(6));
    /// ```
    ///
    /// # Panics
    ///
    /// If `pools` or `capacity_per_pool` is 0, if the total capacity is
    /// above [`MAX_CAPACITY`](taskpool::MAX_CAPACITY), or if a purge thread
    /// cannot be started. [`with_builder`](MultiPool::with_builder) returns
    /// these as a [`BuildError`] instead.
    pub fn new(pools: usize, capacity_per_pool: usize, strategy: LoadBalancing) -> MultiPool {
        let builder = Pool::builder().capacity(capacity_per_pool);
        match MultiPool::with_builder(pools, builder, strategy) {
            Ok(pool) => pool,
            Err(err) => panic!("taskpool_ants::MultiPool::new: {err}"),
        }
    }

    /// `pools` pools, each built with the settings of `builder`.
    ///
    /// ```
    /// use taskpool_ants::{LoadBalancing, MultiPool, Pool};
    /// let b = Pool::builder().capacity(2).nonblocking(true);
    /// let mp = MultiPool::with_builder(3, b, LoadBalancing::RoundRobin).unwrap();
    /// assert_eq!(mp.len(), 3);
    /// assert!(MultiPool::with_builder(0, Pool::builder(), LoadBalancing::RoundRobin).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// A [`BuildError`] for zero pools, for a total capacity (`pools` times
    /// the builder's capacity; `pools` for unlimited pools, each of which
    /// starts a purge thread) above the builder's
    /// [`capacity_limit`](PoolBuilder::capacity_limit), and for whatever
    /// [`PoolBuilder::build`] refuses.
    pub fn with_builder(
        pools: usize,
        builder: PoolBuilder,
        strategy: LoadBalancing,
    ) -> Result<MultiPool, BuildError> {
        if pools == 0 {
            return Err(BuildError::zero("number of pools"));
        }
        let limit = builder.limit();
        let total = match builder.capacity_setting() {
            Some(per_pool) => pools.saturating_mul(per_pool),
            None => pools,
        };
        if total > limit {
            return Err(BuildError::too_large(
                "total capacity of the multi-pool",
                total,
                limit,
            ));
        }
        // One identity for all: a task of one pool is "inside" every pool
        // (it is refused rather than blocked on a full sibling, and does not
        // wait for siblings that may be waiting for it).
        let builder = builder.in_group(PoolId::new());
        let pools = (0..pools)
            .map(|_| builder.clone().build())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(MultiPool {
            inner: Arc::new(MultiInner {
                pools,
                strategy,
                next: AtomicUsize::new(0),
                closed: AtomicBool::new(false),
            }),
        })
    }

    fn pick(&self, strategy: LoadBalancing) -> usize {
        let pools = &self.inner.pools;
        match strategy {
            LoadBalancing::RoundRobin => {
                self.inner.next.fetch_add(1, Ordering::Relaxed) % pools.len()
            }
            LoadBalancing::LeastTasks => {
                let mut best = 0;
                let mut least = usize::MAX;
                for (i, pool) in pools.iter().enumerate() {
                    let n = pool.running();
                    if n < least {
                        least = n;
                        best = i;
                    }
                }
                best
            }
        }
    }

    /// Offers `task` to the pool the strategy picks, then to the others in
    /// turn, none of them waiting; only when every pool is full does it wait
    /// (as `wait_for` allows), on the pool with the fewest running tasks.
    ///
    /// Upstream waits on the picked pool even while a sibling has a free
    /// worker; DESIGN.md ("Rejected alternatives") says what that cost. A
    /// refusal without waiting costs two atomic loads per pool.
    pub(crate) fn submit_task(&self, task: Task, wait_for: Wait) -> Result<(), SubmitError> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(SubmitError::stopped(task));
        }
        let pools = &self.inner.pools;
        let first = self.pick(self.inner.strategy);
        let mut task = task;
        for k in 0..pools.len() {
            match pools[(first + k) % pools.len()].submit_task(task, Wait::Never) {
                Err(refused) if refused.is_overloaded() => task = refused.into_task(),
                done => return done,
            }
        }
        match wait_for {
            Wait::Never => Err(SubmitError::overloaded(task)),
            _ => {
                let least = self.pick(LoadBalancing::LeastTasks);
                pools[least].submit_task(task, wait_for)
            }
        }
    }

    /// Hands `f` to the pool chosen by the strategy; that pool's `submit`
    /// decides (it may block, see [`Pool::submit`]).
    ///
    /// ```
    /// let mp = taskpool_ants::MultiPool::new(2, 1, taskpool_ants::LoadBalancing::LeastTasks);
    /// mp.submit(|| ()).unwrap();
    /// ```
    pub fn submit<F>(&self, f: F) -> Result<(), SubmitError>
    where
        F: FnOnce() + Send + 'static,
    {
        self.submit_task(taskpool::into_task(f), Wait::Forever)
    }

    /// Like [`submit`](MultiPool::submit) but never waits.
    ///
    /// ```
    /// let mp = taskpool_ants::MultiPool::new(2, 1, taskpool_ants::LoadBalancing::RoundRobin);
    /// mp.try_submit(|| ()).unwrap();
    /// ```
    pub fn try_submit<F>(&self, f: F) -> Result<(), SubmitError>
    where
        F: FnOnce() + Send + 'static,
    {
        self.submit_task(taskpool::into_task(f), Wait::Never)
    }

    /// How many pools.
    pub fn len(&self) -> usize {
        self.inner.pools.len()
    }

    /// Always false: a multi-pool has at least one pool.
    pub fn is_empty(&self) -> bool {
        self.inner.pools.is_empty()
    }

    /// The balancing strategy.
    pub fn strategy(&self) -> LoadBalancing {
        self.inner.strategy
    }

    /// The pool at `index`.
    ///
    /// ```
    /// let mp = taskpool_ants::MultiPool::new(2, 3, taskpool_ants::LoadBalancing::RoundRobin);
    /// assert_eq!(mp.pool(1).unwrap().cap(), Some(3));
    /// assert!(mp.pool(2).is_none());
    /// ```
    pub fn pool(&self, index: usize) -> Option<&Pool> {
        self.inner.pools.get(index)
    }

    fn at(&self, index: usize) -> Result<&Pool, IndexOutOfRange> {
        self.inner
            .pools
            .get(index)
            .ok_or_else(|| IndexOutOfRange::new(index, self.inner.pools.len()))
    }

    /// Tasks running in all pools.
    pub fn running(&self) -> usize {
        self.inner.pools.iter().map(Pool::running).sum()
    }

    /// Tasks running in the pool at `index`.
    pub fn running_at(&self, index: usize) -> Result<usize, IndexOutOfRange> {
        self.at(index).map(Pool::running)
    }

    /// Live worker threads in all pools.
    pub fn workers(&self) -> usize {
        self.inner.pools.iter().map(Pool::workers).sum()
    }

    /// Free places in all pools; `None` if the pools are unlimited.
    pub fn free(&self) -> Option<usize> {
        self.inner.pools.iter().map(Pool::free).sum()
    }

    /// Free places in the pool at `index` (`Ok(None)`: unlimited).
    pub fn free_at(&self, index: usize) -> Result<Option<usize>, IndexOutOfRange> {
        self.at(index).map(Pool::free)
    }

    /// Blocked submitters in all pools.
    pub fn waiting(&self) -> usize {
        self.inner.pools.iter().map(Pool::waiting).sum()
    }

    /// Blocked submitters in the pool at `index`.
    pub fn waiting_at(&self, index: usize) -> Result<usize, IndexOutOfRange> {
        self.at(index).map(Pool::waiting)
    }

    /// The total capacity; `None` if the pools are unlimited.
    pub fn cap(&self) -> Option<usize> {
        self.inner.pools.iter().map(Pool::cap).sum()
    }

    /// Sets every pool's capacity to `capacity_per_pool` (as upstream: the
    /// total becomes `len() * capacity_per_pool`). The total must stay
    /// within the builder's [`capacity_limit`](PoolBuilder::capacity_limit)
    /// ([`TuneError::TooLarge`] carries the total); no pool is changed then.
    ///
    /// ```
    /// let mp = taskpool_ants::MultiPool::new(2, 1, taskpool_ants::LoadBalancing::RoundRobin);
    /// mp.tune(5).unwrap();
    /// assert_eq!(mp.cap(), Some(10));
    /// ```
    pub fn tune(&self, capacity_per_pool: usize) -> Result<(), TuneError> {
        let pools = &self.inner.pools;
        let limit = pools[0].inner().cfg.capacity_limit;
        let total = pools.len().saturating_mul(capacity_per_pool);
        if capacity_per_pool > 0 && pools[0].cap().is_some() && total > limit {
            return Err(TuneError::TooLarge {
                requested: total,
                limit,
            });
        }
        for pool in pools {
            pool.tune(capacity_per_pool)?;
        }
        Ok(())
    }

    /// True between [`release`](MultiPool::release) and
    /// [`reboot`](MultiPool::reboot).
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire)
    }

    /// Releases every pool without waiting (see [`Pool::release`]).
    pub fn release(&self) {
        self.inner.closed.store(true, Ordering::Release);
        for pool in &self.inner.pools {
            pool.release();
        }
    }

    /// Releases every pool, then waits until all their workers have exited
    /// (the unbounded form of [`release_timeout`](MultiPool::release_timeout),
    /// and what `TaskPool::stop_wait` does).
    ///
    /// ```
    /// let mp = taskpool_ants::MultiPool::new(2, 1, taskpool_ants::LoadBalancing::RoundRobin);
    /// mp.submit(|| ()).unwrap();
    /// mp.release_wait();
    /// assert_eq!(mp.workers(), 0);
    /// ```
    pub fn release_wait(&self) {
        self.shutdown();
    }

    /// Releases every pool, then waits at most `timeout` in total for all
    /// their workers to exit. The error counts the workers still alive in
    /// all pools.
    ///
    /// ```
    /// use std::time::Duration;
    /// let mp = taskpool_ants::MultiPool::new(2, 1, taskpool_ants::LoadBalancing::RoundRobin);
    /// mp.submit(|| ()).unwrap();
    /// mp.release_timeout(Duration::from_secs(60)).unwrap();
    /// assert!(mp.is_closed());
    /// ```
    pub fn release_timeout(&self, timeout: Duration) -> Result<(), TimedOut> {
        self.release();
        let clock = &self.inner.pools[0].clock();
        let deadline = clock.now().checked_add(timeout);
        let mut left = 0;
        for pool in &self.inner.pools {
            let remaining = match deadline {
                Some(d) => d.saturating_duration_since(clock.now()),
                None => timeout,
            };
            if let Err(e) = pool.release_timeout(remaining) {
                left += e.workers_left();
            }
        }
        if left == 0 {
            Ok(())
        } else {
            Err(TimedOut::new(left))
        }
    }

    /// Reopens every pool after a release.
    pub fn reboot(&self) {
        self.inner.next.store(0, Ordering::Relaxed);
        for pool in &self.inner.pools {
            pool.reboot();
        }
        self.inner.closed.store(false, Ordering::Release);
    }

    /// Blocks until every pool is idle at the same time: a task in one pool
    /// may submit to another, so waiting for each pool in turn is not
    /// enough. It repeats passes until two in a row find every pool idle
    /// with the same number of finished tasks (any task that ran in between
    /// changes a count or is seen running).
    pub fn wait_idle(&self) {
        let mut previous: Option<Vec<u64>> = None;
        loop {
            for pool in &self.inner.pools {
                pool.wait_idle();
            }
            let counts: Option<Vec<u64>> = self.inner.pools.iter().map(Pool::quiet_count).collect();
            if counts.is_some() && counts == previous {
                return;
            }
            previous = counts;
        }
    }

    /// The sum of every pool's counters.
    pub fn stats(&self) -> PoolStats {
        let mut total = PoolStats::default();
        for pool in &self.inner.pools {
            let s = pool.stats();
            total.capacity = total.capacity.saturating_add(s.capacity);
            total.workers += s.workers;
            total.running += s.running;
            total.waiting += s.waiting;
            total.completed += s.completed;
            total.panicked += s.panicked;
        }
        total
    }

    pub(crate) fn shutdown(&self) {
        self.release();
        for pool in &self.inner.pools {
            TaskPool::stop(pool);
        }
    }
}
