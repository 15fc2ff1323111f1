//! The dispatcher thread: it reads the channel in batches, hands tasks to
//! waiting workers, starts workers while fewer than `max_workers` exist,
//! queues the rest, reaps idle workers one per period, answers `wait_idle`
//! and shuts the pool down. DESIGN.md ("Steps") walks through it.

use std::time::Duration;

use taskpool::Task;
use taskpool_utils::clock::Clock;
use taskpool_utils::poll::PollPolicy;
use taskpool_utils::subscribe::Subscription;
use taskpool_utils::sync::{lock, thread, Arc, Mutex};

use crate::channel;
use crate::msg::{Control, Msg};
use crate::queue::TaskQueue;
use crate::rest::LAG_LIMIT;
use crate::state::Inner;
use crate::worker_loop::worker_main;
use crate::worker_loop::IDLE_POLL;

/// Most tasks the dispatcher takes from its channel before it hands them out
/// under one acquisition of the hand-off lock.
const BATCH: usize = 256;

/// The number the dispatcher thread carries in the pool's worker mark
/// (workers carry their id).
const DISPATCHER: usize = usize::MAX;

/// How a pool on a manual clock learns that time moved: after every
/// `advance`, this hook sends the dispatcher a `Control::Tick`, wakes it if
/// it rests, and waits for its answer, so the dispatcher has looked at the
/// new time (and retired a worker, if one was due) before `advance` returns.
/// An error (the dispatcher has exited) means there is nothing to wait for.
pub(crate) fn tick_hook(
    to_dispatcher: channel::Sender<Msg>,
    inner: Arc<Inner>,
) -> impl Fn() + Send + Sync + 'static {
    move || {
        let (ack, seen) = channel::unbounded();
        if to_dispatcher
            .send(Msg::control(Control::Tick(ack)))
            .is_err()
        {
            return;
        }
        inner.wake_dispatcher_urgently();
        let _ = seen.recv();
    }
}

/// The dispatcher: owns the receiving end of the channel, the worker count,
/// the join handles and the idle clock.
pub(crate) struct Dispatcher {
    inner: Arc<Inner>,
    rx: channel::Receiver<Msg>,
    clock: Clock,
    /// A manual clock's hook into this pool (see [`tick_hook`]), dropped
    /// when the dispatcher exits.
    _ticks: Option<Subscription>,
    idle_timeout: Option<Duration>,
    thread_name: String,
    /// Join handles of the workers started and not yet joined, by worker id.
    /// Only the dispatcher touches this.
    workers: Vec<(usize, thread::JoinHandle<()>)>,
    next_id: usize,
    /// Start of the current idle period: the last time tasks arrived or a
    /// worker was retired. Only the dispatcher touches this.
    idle_since: Duration,
    /// Set when starting a worker thread failed; the dispatcher tries again
    /// on its next event (and wakes itself for it).
    spawn_failed: bool,
    /// Tasks taken from the channel and not yet handed out (reused buffer).
    batch: Vec<Task>,
}

/// How the dispatcher polls its channel before it blocks in it: the same
/// budget as an idle worker's ([`IDLE_POLL`]), for the same reason — a
/// message sent to a dispatcher that is still polling costs neither side a
/// system call — and with the same bound on what an idle pool burns.
const DISPATCH_POLL: PollPolicy = IDLE_POLL;

impl Dispatcher {
    pub(crate) fn new(
        inner: Arc<Inner>,
        rx: channel::Receiver<Msg>,
        clock: Clock,
        ticks: Option<Subscription>,
        idle_timeout: Option<Duration>,
        thread_name: String,
    ) -> Self {
        let idle_since = clock.now();
        Dispatcher {
            inner,
            rx,
            clock,
            _ticks: ticks,
            idle_timeout,
            thread_name,
            workers: Vec::new(),
            next_id: 0,
            idle_since,
            spawn_failed: false,
            batch: Vec::with_capacity(BATCH),
        }
    }

    /// The dispatcher thread's body. Returns after `Control::Stop` once every
    /// worker has been joined.
    pub(crate) fn run(mut self) {
        self.inner.id.mark_current_thread(DISPATCHER);
        loop {
            let deadline = self.between_events();
            if self.rx.is_empty() {
                // Poll for the next message before blocking in the channel:
                // a submitter's send to a blocked dispatcher costs the
                // submitter a futex wake and the task the dispatcher's
                // wake-up latency.
                DISPATCH_POLL.poll_until(|| !self.rx.is_empty());
            }
            let msg = match deadline {
                None => self.rx.recv().ok(),
                Some(timeout) => match self.rx.recv_timeout(timeout) {
                    Ok(msg) => Some(msg),
                    Err(channel::RecvTimeoutError::Timeout) => {
                        self.on_time_passed();
                        continue;
                    }
                    Err(channel::RecvTimeoutError::Disconnected) => None,
                },
            };
            // The handles hold a sender until the dispatcher has stopped, so
            // a disconnect cannot happen; treat it as a graceful stop anyway.
            let mut msg = msg.unwrap_or_else(|| Msg::control(Control::Stop { wait: true }));
            // Take a batch of tasks; a control message ends the batch and is
            // handled after the tasks before it.
            let control = loop {
                match msg {
                    Msg::Task(task) => self.batch.push(task),
                    Msg::Control(control) => break Some(*control),
                }
                if self.batch.len() >= BATCH {
                    break None;
                }
                match self.rx.try_recv() {
                    Ok(next) => msg = next,
                    Err(_) => break None,
                }
            };
            if let Some(Control::Stop { wait: false }) = control {
                // `stop`: tasks not yet handed out are abandoned with the
                // queue (rather than started on a fresh worker first).
                let abandoned = std::mem::take(&mut self.batch);
                let dropped = abandoned.len();
                drop(abandoned);
                self.inner.bound.release(dropped);
                self.batch = Vec::with_capacity(BATCH);
            } else if !self.batch.is_empty() {
                self.idle_since = self.clock.now();
                self.hand_out();
            }
            match control {
                None => {}
                Some(Control::Stop { wait }) => {
                    self.shut_down(wait);
                    return;
                }
                Some(Control::WaitIdle(waiter)) => {
                    lock(&self.inner.handoff).idle_waiters.push(waiter);
                }
                Some(Control::Tick(ack)) => {
                    self.on_time_passed();
                    let _ = ack.send(());
                }
                Some(Control::CheckIdle) => {
                    lock(&self.inner.handoff).check_pending = false;
                }
            }
            if self.spawn_failed {
                self.start_missing_workers();
            }
        }
    }

    /// Between two events, under one acquisition of the hand-off lock:
    /// answers the `wait_idle` callers if the pool is quiet, collects retired
    /// workers (joined after unlocking), rests while the queue is long (see
    /// [`REST_QUEUE`]), and returns how long the next receive may sleep
    /// before an idle deadline (`None`: no deadline).
    fn between_events(&mut self) -> Option<Duration> {
        let inner = Arc::clone(&self.inner);
        let (exited, live) = {
            let mut h = lock(&inner.handoff);
            // Quiet also needs an empty channel: a task that finished before
            // this check may have submitted a child, which is then in the
            // channel (its send happened before the parent's finish, which
            // happened before this lock). An empty channel read under the
            // lock therefore means every such child has been handed out.
            if !h.idle_waiters.is_empty() && self.rx.is_empty() {
                h.release_idle_waiters();
            }
            if h.lag_waiters > 0 && self.rx.len() <= LAG_LIMIT / 2 {
                inner.lag_cv.notify_all();
            }
            let exited = std::mem::take(&mut h.exited);
            h = inner.rest_while_saturated(h, &self.rx, self.spawn_failed);
            (exited, h.live)
        };
        for id in exited {
            if let Some(pos) = self.workers.iter().position(|(w, _)| *w == id) {
                let (_, handle) = self.workers.swap_remove(pos);
                let _ = handle.join();
            }
        }
        if self.spawn_failed {
            return Some(Duration::from_millis(10));
        }
        let timeout = self.idle_timeout?;
        if self.clock.is_manual() {
            // Manual time: `advance` sends a tick.
            return None;
        }
        if live == 0 {
            // Nothing to reap: sleep until a message comes (zero CPU).
            return None;
        }
        let elapsed = self.clock.now().saturating_sub(self.idle_since);
        Some(timeout.saturating_sub(elapsed))
    }

    /// Hands out `self.batch` in order: to waiting workers, to new workers
    /// while fewer than `max_workers` exist, or onto the waiting queue.
    fn hand_out(&mut self) {
        let mut for_waiting = 0;
        let wake: bool;
        let mut start: Vec<Option<Task>> = Vec::new();
        {
            let mut h = lock(&self.inner.handoff);
            for task in self.batch.drain(..) {
                if h.spare() > 0 {
                    // A waiting worker will take it.
                    h.queue.push_back(task);
                    for_waiting += 1;
                } else if h.live - h.retire < self.inner.max_workers {
                    // Start a worker. Its first task is this one unless older
                    // tasks wait (then it takes them in order from the queue).
                    h.live += 1;
                    if h.queue.is_empty() {
                        h.running += 1;
                        start.push(Some(task));
                    } else {
                        h.queue.push_back(task);
                        start.push(None);
                    }
                } else {
                    // Every worker is busy and the cap is reached: wait in line.
                    h.queue.push_back(task);
                }
            }
            wake = for_waiting > 0 && {
                self.inner.signal_work();
                h.wake_one_needed()
            };
        }
        if wake {
            self.inner.work_cv.notify_one();
        }
        for first in start {
            self.spawn_worker(first);
        }
    }

    /// Starts one worker thread, already counted in `live` (and in `running`
    /// when it has a first task).
    fn spawn_worker(&mut self, first: Option<Task>) {
        let id = self.next_id;
        self.next_id += 1;
        let inner = Arc::clone(&self.inner);
        // The first task travels in a shared cell so that a failed spawn can
        // hand it back.
        let cell = Arc::new(Mutex::new(first));
        let theirs = Arc::clone(&cell);
        let spawned = thread::Builder::new()
            .name(format!("{}-{id}", self.thread_name))
            .spawn(move || {
                let first = lock(&theirs).take();
                drop(theirs);
                worker_main(&inner, id, first);
            });
        match spawned {
            Ok(handle) => self.workers.push((id, handle)),
            Err(_) => {
                let first = lock(&cell).take();
                let mut h = lock(&self.inner.handoff);
                h.live -= 1;
                if let Some(task) = first {
                    // It was the oldest task: it goes back to the front.
                    h.running -= 1;
                    h.queue.push_front(task);
                }
                self.spawn_failed = true;
            }
        }
    }

    /// After a failed spawn: start workers for queued tasks nobody will take.
    fn start_missing_workers(&mut self) {
        self.spawn_failed = false;
        let mut count = 0;
        {
            let mut h = lock(&self.inner.handoff);
            while h.queue.len() > h.idle.saturating_sub(h.retire) + count
                && h.live - h.retire < self.inner.max_workers
            {
                h.live += 1;
                count += 1;
            }
        }
        for _ in 0..count {
            self.spawn_worker(None);
        }
    }

    /// Reaping: once a whole idle period has passed with no task arriving,
    /// retire one waiting worker and start a new period.
    fn on_time_passed(&mut self) {
        let Some(timeout) = self.idle_timeout else {
            return;
        };
        let now = self.clock.now();
        if now.saturating_sub(self.idle_since) < timeout {
            return;
        }
        self.idle_since = now;
        let retired = {
            let mut h = lock(&self.inner.handoff);
            // Only a worker that is waiting for work is retired, and only when
            // nothing is queued (a queued task means no worker is idle).
            if h.queue.is_empty() && h.spare() > 0 {
                h.retire += 1;
                self.inner.signal_work();
                h.wake_one_needed()
            } else {
                false
            }
        };
        if retired {
            self.inner.work_cv.notify_one();
        }
    }

    /// Shutdown: graceful (`wait`) lets the workers drain the queue; otherwise
    /// the queue is dropped. Returns once every worker thread has exited.
    fn shut_down(&mut self, wait: bool) {
        let abandoned = {
            let mut h = lock(&self.inner.handoff);
            h.closing = true;
            self.inner.signal_work();
            self.inner.lag_cv.notify_all();
            if wait {
                TaskQueue::default()
            } else {
                std::mem::take(&mut h.queue)
            }
        };
        self.inner.work_cv.notify_all();
        let dropped = abandoned.len();
        // Dropped outside the lock: a task's destructor is user code (it may
        // even drop the last handle to this pool, which then does not wait).
        drop(abandoned);
        self.inner.bound.release(dropped);
        for (_, handle) in self.workers.drain(..) {
            let _ = handle.join();
        }
        // Tasks submitted before `Stop` were all handed out above; the channel
        // holds nothing but late ticks or idle waiters now.
        let waiters = std::mem::take(&mut lock(&self.inner.handoff).idle_waiters);
        drop(waiters);
    }
}
