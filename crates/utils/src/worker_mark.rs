//! The worker mark: "is the calling thread one of this pool's own threads?"
//!
//! A pool must know when a call comes from one of its own threads: `stop`
//! there cannot wait for the thread it runs on, and a blocking submit there
//! may wait for itself. Each pool has a [`PoolId`]; its threads mark
//! themselves with it when they start, and a call asks the id whether the
//! current thread carries its mark. The mark lives in a thread-local for the
//! thread's whole life (loom's thread-local under `--cfg tp_loom`, so every
//! modelled thread has its own).
//!
//! ```
//! use taskpool_utils::worker_mark::PoolId;
//!
//! let pool = PoolId::new();
//! assert!(!pool.owns_current_thread());
//! std::thread::spawn(move || {
//!     pool.mark_current_thread(7);
//!     assert!(pool.owns_current_thread());
//!     assert_eq!(pool.current_thread_index(), Some(7));
//!     assert!(!PoolId::new().owns_current_thread());
//! })
//! .join()
//! .unwrap();
//! ```

use std::cell::RefCell;
use std::fmt;
use std::num::NonZeroUsize;

use crate::sync::thread_local;

/// The identity of a pool (or of a group of pools that count as one, like
/// the pools of an ants `MultiPool`) for the worker mark. Unique in the
/// process; never reused.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PoolId(NonZeroUsize);

/// What a marked thread carries.
struct Mark {
    pool: PoolId,
    /// The pool's own number for the thread (see
    /// [`PoolId::mark_current_thread`]).
    index: usize,
    /// Run when the thread exits (its thread-locals are dropped).
    on_exit: Option<Box<dyn FnOnce()>>,
}

impl Drop for Mark {
    fn drop(&mut self) {
        if let Some(on_exit) = self.on_exit.take() {
            on_exit();
        }
    }
}

#[cfg(not(tp_loom))]
thread_local! {
    /// The mark of the calling thread, if a pool set one. Written only by
    /// the thread itself.
    static MARK: RefCell<Option<Mark>> = const { RefCell::new(None) };
}
// Loom's macro takes no `const` initialiser.
#[cfg(tp_loom)]
thread_local! {
    /// The mark of the calling thread, if a pool set one. Written only by
    /// the thread itself.
    static MARK: RefCell<Option<Mark>> = RefCell::new(None);
}

impl PoolId {
    /// A fresh identity, distinct from every other in the process.
    pub fn new() -> PoolId {
        // Part of no protocol (each id is only compared with itself): a
        // plain std counter, also under loom.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        PoolId(NonZeroUsize::new(n).expect("a pool id counter never wraps to zero"))
    }

    /// Marks the calling thread, for the rest of its life, as the pool's
    /// thread number `index` (the pool's own number for it: tunny's workers
    /// use their index in the pool's worker table; pools that never look a
    /// thread up by number may pass any value). A thread belongs to one pool:
    /// call this once, first thing on a thread the pool started.
    pub fn mark_current_thread(self, index: usize) {
        set(Mark {
            pool: self,
            index,
            on_exit: None,
        });
    }

    /// Like [`mark_current_thread`](PoolId::mark_current_thread), and runs
    /// `on_exit` on the thread when it exits, after its other code is done
    /// (when its thread-locals are dropped): how a pool that does not join
    /// its threads itself learns that one has really gone. During `on_exit`
    /// the thread no longer counts as the pool's.
    pub fn mark_current_thread_until_exit(self, index: usize, on_exit: impl FnOnce() + 'static) {
        set(Mark {
            pool: self,
            index,
            on_exit: Some(Box::new(on_exit)),
        });
    }

    /// True on a thread that carries this pool's mark.
    pub fn owns_current_thread(self) -> bool {
        self.current_thread_index().is_some()
    }

    /// The number the calling thread was marked with, if it carries this
    /// pool's mark.
    pub fn current_thread_index(self) -> Option<usize> {
        MARK.try_with(|mark| {
            mark.borrow()
                .as_ref()
                .filter(|m| m.pool == self)
                .map(|m| m.index)
        })
        .ok()
        .flatten()
    }
}

fn set(mark: Mark) {
    let old = MARK.with(|cell| cell.borrow_mut().replace(mark));
    debug_assert!(old.is_none(), "a thread belongs to one pool");
    // Dropped outside the borrow: its exit hook may look at the mark.
    drop(old);
}

impl Default for PoolId {
    fn default() -> Self {
        PoolId::new()
    }
}

impl fmt::Debug for PoolId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PoolId").field(&self.0).finish()
    }
}
