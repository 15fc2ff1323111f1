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
/// chunk header, and emptied chunks are freed as the queue drains (all but
/// one, kept for reuse). Pushing writes the next slot of the last chunk;
/// popping takes the next slot of the first: a few instructions each.
#[derive(Default)]
pub(crate) struct TaskQueue {
    /// Front chunk first. Tasks are pushed only into the last chunk, which
    /// holds at most [`CHUNK`] slots; every chunk has at least one task left
    /// (`head < slots.len()`), except a lone last chunk.
    chunks: VecDeque<Chunk>,
    /// Total tasks in all chunks.
    len: usize,
    /// One emptied chunk kept for the next one needed, so a queue that hovers
    /// around a chunk boundary does not allocate and free 8 KiB each time.
    spare: Option<Chunk>,
}

/// Slots `..head` have been taken (`None`); `head..` hold tasks.
struct Chunk {
    slots: Vec<Option<Task>>,
    head: usize,
}

impl Chunk {
    fn new() -> Self {
        Chunk {
            slots: Vec::with_capacity(CHUNK),
            head: 0,
        }
    }

    fn is_drained(&self) -> bool {
        self.head == self.slots.len()
    }
}

impl TaskQueue {
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    pub(crate) fn push_back(&mut self, task: Task) {
        match self.chunks.back_mut() {
            Some(chunk) if chunk.slots.len() < CHUNK => chunk.slots.push(Some(task)),
            _ => {
                let mut chunk = self.new_chunk();
                chunk.slots.push(Some(task));
                self.chunks.push_back(chunk);
            }
        }
        self.len += 1;
    }

    /// Puts a task back at the front (a task whose worker could not start).
    pub(crate) fn push_front(&mut self, task: Task) {
        match self.chunks.front_mut() {
            Some(chunk) if chunk.head > 0 => {
                chunk.head -= 1;
                chunk.slots[chunk.head] = Some(task);
            }
            _ => {
                let mut chunk = self.new_chunk();
                chunk.slots.push(Some(task));
                self.chunks.push_front(chunk);
            }
        }
        self.len += 1;
    }

    #[inline]
    pub(crate) fn pop_front(&mut self) -> Option<Task> {
        let several = self.chunks.len() > 1;
        let front = self.chunks.front_mut()?;
        let head = front.head;
        let task = front.slots.get_mut(head)?.take();
        front.head = head + 1;
        if front.is_drained() {
            if several {
                self.spare = self.chunks.pop_front();
            } else {
                // The lone chunk: start it over.
                front.slots.clear();
                front.head = 0;
            }
        }
        self.len -= 1;
        task
    }

    fn new_chunk(&mut self) -> Chunk {
        match self.spare.take() {
            Some(mut chunk) => {
                chunk.slots.clear();
                chunk.head = 0;
                chunk
            }
            None => Chunk::new(),
        }
    }
}
