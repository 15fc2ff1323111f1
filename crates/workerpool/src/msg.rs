//! [`Msg`]: what travels down the dispatcher's one channel, tasks and
//! [`Control`] messages in one FIFO order.

use taskpool::Task;

use crate::channel;

/// A message to the dispatcher. Tasks and control messages share one FIFO
/// channel, so a control message is handled after every task sent before it.
///
/// Two variants, the rare one boxed, so a message is as small as a task (16
/// bytes: the box's pointer fills the niche of the task's), and a channel
/// slot costs 24 bytes rather than 32 while tasks wait in the channel.
pub(crate) enum Msg {
    /// A task accepted by `submit`.
    Task(Task),
    /// Anything else (allocated: control messages are few).
    Control(Box<Control>),
}

impl Msg {
    pub(crate) fn control(control: Control) -> Msg {
        Msg::Control(Box::new(control))
    }
}

/// The dispatcher's control messages.
pub(crate) enum Control {
    /// Begin shutdown; `wait` says whether queued tasks still run. Sent exactly
    /// once, by the first stopper, after the gate has closed and drained, so no
    /// task can follow it.
    Stop { wait: bool },
    /// A `wait_idle` caller: dropped (or sent `()`) once nothing is waiting or
    /// running.
    WaitIdle(channel::Sender<()>),
    /// The manual clock moved; the dispatcher answers once it has looked.
    Tick(channel::Sender<()>),
    /// From a worker that saw the pool go quiet while `wait_idle` callers
    /// wait. Sent after the finished task's own submissions, so by the time
    /// the dispatcher reads it, those tasks have been handed out and the
    /// dispatcher's check sees them.
    CheckIdle,
}
