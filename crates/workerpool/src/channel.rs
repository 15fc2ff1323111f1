//! The unbounded multi-producer channel into the dispatcher: crossbeam's,
//! or under `--cfg tp_loom` a small lock-based model of it built on loom's
//! primitives (`taskpool_utils::sync`), so the loom models explore the real
//! dispatcher code. Only this crate has a dispatcher, so the model lives
//! here rather than in the shared floor.

#[cfg(not(tp_loom))]
pub(crate) use crossbeam_channel::{unbounded, Receiver, RecvTimeoutError, SendError, Sender};

#[cfg(tp_loom)]
pub(crate) use model::{unbounded, Receiver, RecvTimeoutError, SendError, Sender};

/// A lock-based stand-in for crossbeam's unbounded channel, with the subset of
/// its API this crate uses, built on loom's primitives. Loom does not model
/// time, so `recv_timeout` waits like `recv`.
#[cfg(tp_loom)]
mod model {
    use std::collections::VecDeque;
    use std::time::Duration;

    use taskpool_utils::sync::{lock, wait, Arc, Condvar, Mutex};

    struct Chan<T> {
        /// Guards the queue and both reference counts.
        state: Mutex<State<T>>,
        /// Notified on every send and when the last sender leaves.
        ready: Condvar,
    }

    struct State<T> {
        queue: VecDeque<T>,
        senders: usize,
        receiver_alive: bool,
    }

    pub(crate) struct Sender<T> {
        chan: Arc<Chan<T>>,
    }

    pub(crate) struct Receiver<T> {
        chan: Arc<Chan<T>>,
    }

    #[derive(Debug)]
    pub(crate) struct SendError<T>(pub(crate) T);

    #[derive(Debug)]
    pub(crate) enum RecvTimeoutError {
        Timeout,
        Disconnected,
    }

    pub(crate) fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
        let chan = Arc::new(Chan {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                senders: 1,
                receiver_alive: true,
            }),
            ready: Condvar::new(),
        });
        (
            Sender {
                chan: Arc::clone(&chan),
            },
            Receiver { chan },
        )
    }

    impl<T> Sender<T> {
        pub(crate) fn send(&self, msg: T) -> Result<(), SendError<T>> {
            let mut state = lock(&self.chan.state);
            if !state.receiver_alive {
                return Err(SendError(msg));
            }
            state.queue.push_back(msg);
            drop(state);
            self.chan.ready.notify_one();
            Ok(())
        }

        pub(crate) fn len(&self) -> usize {
            lock(&self.chan.state).queue.len()
        }
    }

    impl<T> Clone for Sender<T> {
        fn clone(&self) -> Self {
            lock(&self.chan.state).senders += 1;
            Sender {
                chan: Arc::clone(&self.chan),
            }
        }
    }

    impl<T> Drop for Sender<T> {
        fn drop(&mut self) {
            lock(&self.chan.state).senders -= 1;
            self.chan.ready.notify_all();
        }
    }

    impl<T> Receiver<T> {
        pub(crate) fn recv(&self) -> Result<T, RecvTimeoutError> {
            let mut state = lock(&self.chan.state);
            loop {
                if let Some(msg) = state.queue.pop_front() {
                    return Ok(msg);
                }
                if state.senders == 0 {
                    return Err(RecvTimeoutError::Disconnected);
                }
                state = wait(&self.chan.ready, state);
            }
        }

        pub(crate) fn recv_timeout(&self, _timeout: Duration) -> Result<T, RecvTimeoutError> {
            self.recv()
        }

        pub(crate) fn len(&self) -> usize {
            lock(&self.chan.state).queue.len()
        }

        pub(crate) fn is_empty(&self) -> bool {
            lock(&self.chan.state).queue.is_empty()
        }

        pub(crate) fn try_recv(&self) -> Result<T, RecvTimeoutError> {
            lock(&self.chan.state)
                .queue
                .pop_front()
                .ok_or(RecvTimeoutError::Timeout)
        }
    }

    impl<T> Drop for Receiver<T> {
        fn drop(&mut self) {
            let left = {
                let mut state = lock(&self.chan.state);
                state.receiver_alive = false;
                std::mem::take(&mut state.queue)
            };
            // Dropped outside the lock: dropping a message may run user code.
            drop(left);
        }
    }
}
