//! [`Spares`]: hand-off records kept for reuse instead of freed, so that a
//! steady stream of hand-offs allocates nothing.
//!
//! A hand-off record (a tunny call) is shared by two
//! threads through an `Arc`, and the one that lets go last frees it: usually
//! not the thread that allocated it. With glibc's allocator, memory freed on
//! another thread than the one that allocated it goes back to the
//! allocating thread's arena under that arena's lock, against the
//! allocating thread's next allocation; in a stream of small hand-offs that
//! lock was most of the futex system calls left.
//!
//! So whoever lets go of a record hands it to [`Spares::put`], which keeps it
//! only when [`Arc::get_mut`] succeeds (this was the last reference and no
//! `Weak` exists: nobody else can see the record again) and the caller's
//! `reusable` check passes (the record holds nothing of the user's);
//! [`Spares::get`] resets a kept record in place. If both holders let go at
//! once, each may see the other's reference and the record is simply freed:
//! reuse never changes a record anyone can still see, so it is an
//! optimisation only. At most `bound` records are kept. Under loom nothing is
//! kept (the queue is not loom's), and every `get` allocates.
//!
//! ```
//! use taskpool_utils::spares::Spares;
//! use taskpool_utils::sync::Arc;
//!
//! let spares: Spares<Vec<u8>> = Spares::new(4);
//! let mut record = spares.get(Vec::new);
//! Arc::get_mut(&mut record).unwrap().push(1);
//! let seen = Arc::clone(&record);
//! spares.put(record, |_| true); // `seen` still holds it: not kept
//! assert_eq!(spares.len(), 0);
//! spares.put(seen, |v| v.is_empty()); // holds data: not kept
//! assert_eq!(spares.len(), 0);
//! spares.put(spares.get(Vec::new), |v| v.is_empty());
//! assert_eq!(spares.len(), 1);
//! ```

use std::fmt;

use crate::sync::Arc;

/// A bounded stock of spare records (see the module docs).
pub struct Spares<T> {
    #[cfg(not(tp_loom))]
    queue: crossbeam_queue::ArrayQueue<Arc<T>>,
    #[cfg(tp_loom)]
    queue: std::marker::PhantomData<fn() -> T>,
}

impl<T> Spares<T> {
    /// An empty stock that keeps at most `bound` records (at least one).
    pub fn new(bound: usize) -> Self {
        #[cfg(tp_loom)]
        let _ = bound;
        Spares {
            #[cfg(not(tp_loom))]
            queue: crossbeam_queue::ArrayQueue::new(bound.max(1)),
            #[cfg(tp_loom)]
            queue: std::marker::PhantomData,
        }
    }

    /// A record set to `fresh()`: a spare one overwritten in place, or a new
    /// allocation when there is none.
    pub fn get(&self, fresh: impl FnOnce() -> T) -> Arc<T> {
        #[cfg(not(tp_loom))]
        if let Some(mut spare) = self.queue.pop() {
            if let Some(record) = Arc::get_mut(&mut spare) {
                *record = fresh();
                return spare;
            }
        }
        Arc::new(fresh())
    }

    /// Lets go of `record`: keeps it when this was its last reference and
    /// `reusable` says it holds nothing that must be dropped now; otherwise
    /// just drops this reference.
    pub fn put(&self, mut record: Arc<T>, reusable: impl FnOnce(&mut T) -> bool) {
        #[cfg(not(tp_loom))]
        if Arc::get_mut(&mut record).is_some_and(reusable) {
            // A full stock hands it back, to be freed here.
            let _ = self.queue.push(record);
        }
        #[cfg(tp_loom)]
        let _ = (&mut record, reusable);
    }

    /// Records kept now.
    pub fn len(&self) -> usize {
        #[cfg(not(tp_loom))]
        return self.queue.len();
        #[cfg(tp_loom)]
        0
    }

    /// True when no record is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<T> fmt::Debug for Spares<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spares").field("kept", &self.len()).finish()
    }
}

#[cfg(all(test, not(tp_loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_reused_only_when_unshared_and_reusable() {
        let spares: Spares<u32> = Spares::new(2);
        let a = spares.get(|| 1);
        let b = Arc::clone(&a);
        spares.put(a, |_| true);
        assert!(spares.is_empty(), "kept while another reference lives");
        spares.put(b, |n| *n == 7);
        assert!(spares.is_empty(), "kept though `reusable` said no");
        let c = spares.get(|| 2);
        let addr_c = Arc::as_ptr(&c);
        spares.put(c, |_| true);
        assert_eq!(spares.len(), 1);
        let d = spares.get(|| 3);
        assert_eq!(Arc::as_ptr(&d), addr_c, "the spare came back");
        assert_eq!(*d, 3, "reset by `fresh`");
    }

    #[test]
    fn at_most_bound_records_are_kept() {
        let spares: Spares<u32> = Spares::new(3);
        let records: Vec<_> = (0..5).map(|i| spares.get(|| i)).collect();
        for r in records {
            spares.put(r, |_| true);
        }
        assert_eq!(spares.len(), 3);
    }

    #[test]
    fn records_shared_across_threads_are_never_handed_out_twice() {
        // Two threads pass records back and forth, each putting its
        // reference back; a record handed out while still referenced would
        // show a count above 1 or a value someone else wrote.
        let spares = Arc::new(Spares::<std::sync::atomic::AtomicUsize>::new(8));
        let (tx, rx) = std::sync::mpsc::channel::<Arc<std::sync::atomic::AtomicUsize>>();
        let worker = {
            let spares = Arc::clone(&spares);
            std::thread::spawn(move || {
                for record in rx {
                    record.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    spares.put(record, |_| true);
                }
            })
        };
        for _ in 0..20_000 {
            let record = spares.get(|| std::sync::atomic::AtomicUsize::new(0));
            assert_eq!(Arc::strong_count(&record), 1);
            assert_eq!(record.load(std::sync::atomic::Ordering::SeqCst), 0);
            tx.send(Arc::clone(&record)).unwrap();
            spares.put(record, |_| true);
        }
        drop(tx);
        worker.join().unwrap();
    }
}
