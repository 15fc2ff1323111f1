//! [`TaskQueue`]: the FIFO waiting queue, stored in fixed-size chunks.

use std::collections::VecDeque;

use taskpool::Task;

/// Tasks per chunk: 8 KiB of boxed closures (16 bytes each).
const CHUNK: usize = 512;

/// A FIFO of tasks kept in chunks of [`CHUNK`] slots.
///
/// One `VecDeque` would do, but it grows by doubling, so a long queue pays up
/// to twice its size (a million queued tasks: 16 MiB of slack on top of
/// 16 MiB). In chunks a queued task costs its 16-byte slot plus 1/512 of a
/// chunk header, and emptied chunks are freed as the queue drains.
#[derive(Default)]
pub(crate) struct TaskQueue {
    /// Front chunk first. Every chunk but the front and the back is full;
    /// no chunk is empty except a lone last one (kept to reuse).
    chunks: VecDeque<VecDeque<Task>>,
    /// Total tasks in all chunks.
    len: usize,
}

impl TaskQueue {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn push_back(&mut self, task: Task) {
        match self.chunks.back_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push_back(task),
            _ => {
                let mut chunk = VecDeque::with_capacity(CHUNK);
                chunk.push_back(task);
                self.chunks.push_back(chunk);
            }
        }
        self.len += 1;
    }

    /// Puts a task back at the front (a task whose worker could not start).
    pub(crate) fn push_front(&mut self, task: Task) {
        match self.chunks.front_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push_front(task),
            _ => {
                let mut chunk = VecDeque::with_capacity(CHUNK);
                chunk.push_front(task);
                self.chunks.push_front(chunk);
            }
        }
        self.len += 1;
    }

    pub(crate) fn pop_front(&mut self) -> Option<Task> {
        let front = self.chunks.front_mut()?;
        let task = front.pop_front()?;
        if front.is_empty() && self.chunks.len() > 1 {
            self.chunks.pop_front();
        }
        self.len -= 1;
        Some(task)
    }
}
