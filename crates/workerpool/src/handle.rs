//! [`Handle`]: what the clones of a `WorkerPool` share, and the submitter's
//! and the stopper's side of the protocol: submit through the gate, shut
//! down, wait for idle. Its drop (the last clone's) is `stop_wait`.

use taskpool::{SubmitError, Task};
use taskpool_utils::sync::{lock, thread, Arc, Mutex};

use crate::bound::Admit;
use crate::channel;
use crate::msg::{Control, Msg};
use crate::state::Inner;

/// Owned by the user's handles only (the dispatcher and the workers hold
/// [`Inner`]), so its drop is the drop of the last handle.
pub(crate) struct Handle {
    pub(crate) inner: Arc<Inner>,
    /// The dispatcher's channel. Sends happen inside the submission gate.
    pub(crate) tx: channel::Sender<Msg>,
    /// The dispatcher's join handle. A stopper that is not one of the pool's
    /// threads takes it and joins while holding this lock, so every
    /// concurrent stopper returns only after the dispatcher has exited.
    dispatcher: Mutex<Option<thread::JoinHandle<()>>>,
}

impl Handle {
    pub(crate) fn new(
        inner: Arc<Inner>,
        tx: channel::Sender<Msg>,
        dispatcher: thread::JoinHandle<()>,
    ) -> Self {
        Handle {
            inner,
            tx,
            dispatcher: Mutex::new(Some(dispatcher)),
        }
    }

    /// Enters the gate, reserves a queue slot (bounded mode), sends the task
    /// to the dispatcher, leaves the gate, then keeps up with the dispatcher.
    pub(crate) fn submit(&self, task: Task, admit: Admit) -> Result<(), SubmitError> {
        let inner = &*self.inner;
        if !inner.gate.enter() {
            return Err(SubmitError::stopped(task));
        }
        if let Some((limit, policy)) = inner.bound.limit {
            let reserved = inner.bound.reserve(
                limit,
                policy,
                admit,
                || inner.on_own_thread(),
                || inner.is_closed(),
            );
            if let Err(stopped) = reserved {
                inner.gate.leave();
                return Err(if stopped {
                    SubmitError::stopped(task)
                } else {
                    SubmitError::overloaded(task)
                });
            }
        }
        let sent = self.tx.send(Msg::Task(task));
        inner.after_send(|| self.tx.len());
        inner.gate.leave();
        match sent {
            Ok(()) => {
                inner.keep_up(|| self.tx.len());
                Ok(())
            }
            // Only if the dispatcher died, which it does not do before `Stop`.
            Err(channel::SendError(msg)) => {
                inner.bound.release(1);
                match msg {
                    Msg::Task(task) => Err(SubmitError::stopped(task)),
                    _ => unreachable!("submit sends tasks only"),
                }
            }
        }
    }

    /// `stop` (`wait_for_queue == false`) and `stop_wait` (`true`). The first
    /// caller closes the gate and tells the dispatcher; every caller that is
    /// not one of the pool's own threads then waits for the dispatcher.
    pub(crate) fn shut_down(&self, wait_for_queue: bool) {
        let inner = &*self.inner;
        if inner.gate.close() {
            // End every pause, so parked workers can finish.
            inner.pauses.release_all();
            // Wake submitters blocked on a full queue: they see the closed bit.
            inner.bound.wake_blocked();
            // Wait for submitters still inside the gate to finish their send.
            inner.gate.wait_drained();
            // Every accepted task is now in the channel, ahead of this.
            let _ = self.tx.send(Msg::control(Control::Stop {
                wait: wait_for_queue,
            }));
            // A resting dispatcher must come and read it now.
            inner.wake_dispatcher_urgently();
        }
        self.join_dispatcher();
    }

    /// Waits for the dispatcher thread to exit, unless this is one of the
    /// pool's own threads (which the dispatcher would be waiting for).
    fn join_dispatcher(&self) {
        if self.inner.on_own_thread() {
            return;
        }
        let mut dispatcher = lock(&self.dispatcher);
        if let Some(handle) = dispatcher.take() {
            let _ = handle.join();
        }
    }

    pub(crate) fn wait_idle(&self) {
        let inner = &*self.inner;
        let own = inner.on_own_thread();
        if own {
            // Counted before the marker is sent: the dispatcher's check for
            // this and every other waiter leaves this task out.
            lock(&inner.handoff).nested_idle += 1;
        }
        let (waiter, done) = channel::unbounded();
        let idle = if inner.gate.enter() {
            let sent = self
                .tx
                .send(Msg::control(Control::WaitIdle(waiter)))
                .is_ok();
            inner.gate.leave();
            // `Ok` = released; an error = the dispatcher stopped first.
            sent && done.recv().is_ok()
        } else {
            false
        };
        if own {
            lock(&inner.handoff).nested_idle -= 1;
        }
        if !idle {
            self.join_dispatcher();
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        // The last handle is gone: behave like stop_wait (which does not wait
        // when this runs on one of the pool's own threads).
        self.shut_down(true);
    }
}
