//! [`Subscribers`]: hooks to run after something changed (a manual clock
//! advanced, a cancel token fired), without the thing that changed knowing
//! who listens or what their messages look like.
//!
//! The protocol that makes a wake-up through a hook impossible to lose: the
//! changer writes its new value **first**, then calls the hooks; a waiter
//! subscribes **before** its first look at the value. Either the waiter's
//! subscription was in the list when the changer took its snapshot (so its
//! hook runs), or it subscribed afterwards, and then the value was written
//! before it looked. A hook typically takes the waiter's own lock and
//! notifies its condition variable, so it cannot slip between the waiter's
//! look (under that lock) and its sleep.
//!
//! ```
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use std::sync::Arc;
//! use taskpool_utils::subscribe::Subscribers;
//!
//! let subscribers = Subscribers::new();
//! let calls = Arc::new(AtomicUsize::new(0));
//! let seen = Arc::clone(&calls);
//! let subscription = subscribers.subscribe(move || {
//!     seen.fetch_add(1, Ordering::SeqCst);
//! });
//! subscribers.notify();
//! drop(subscription);
//! subscribers.notify();
//! assert_eq!(calls.load(Ordering::SeqCst), 1);
//! ```

use std::fmt;

use crate::sync::{lock, Arc, Mutex, StdArc};

type Hook = StdArc<dyn Fn() + Send + Sync>;

/// A list of hooks, each run by every [`notify`](Subscribers::notify).
/// Cloning shares the list.
#[derive(Clone, Default)]
pub struct Subscribers {
    list: Arc<Mutex<List>>,
}

/// Guarded by `Subscribers::list`. Never held while a hook runs, nor while
/// a hook is dropped (a hook may hold the last reference to anything).
#[derive(Default)]
struct List {
    /// The hooks in subscription order, each under its key.
    hooks: Vec<(u64, Hook)>,
    /// The key the next subscription gets.
    next_key: u64,
}

/// Keeps a hook subscribed; dropping it unsubscribes. A
/// [`notify`](Subscribers::notify) that took its snapshot before the drop
/// may still run the hook once, after it.
#[must_use = "the hook is unsubscribed as soon as the subscription is dropped"]
pub struct Subscription {
    list: Arc<Mutex<List>>,
    key: u64,
}

impl Subscribers {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `hook`; it runs on every later `notify` until the returned
    /// [`Subscription`] is dropped.
    pub fn subscribe(&self, hook: impl Fn() + Send + Sync + 'static) -> Subscription {
        let mut list = lock(&self.list);
        let key = list.next_key;
        list.next_key += 1;
        list.hooks.push((key, StdArc::new(hook)));
        Subscription {
            list: Arc::clone(&self.list),
            key,
        }
    }

    /// Runs every hook subscribed now, in subscription order, on the calling
    /// thread and outside the list's lock (a hook may block, or subscribe).
    /// Returns once every hook has returned. Write the new value before
    /// calling this (see the module docs).
    pub fn notify(&self) {
        let hooks: Vec<Hook> = lock(&self.list)
            .hooks
            .iter()
            .map(|(_, hook)| StdArc::clone(hook))
            .collect();
        for hook in hooks {
            hook();
        }
    }

    /// How many hooks are subscribed now.
    pub fn len(&self) -> usize {
        lock(&self.list).hooks.len()
    }

    /// True when no hook is subscribed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let removed = {
            let mut list = lock(&self.list);
            let pos = list.hooks.iter().position(|(key, _)| *key == self.key);
            pos.map(|pos| list.hooks.remove(pos))
        };
        // Dropped outside the lock: the hook may hold the last reference to
        // its subscriber's state.
        drop(removed);
    }
}

impl fmt::Debug for Subscribers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscribers")
            .field("len", &self.len())
            .finish()
    }
}

impl fmt::Debug for Subscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("key", &self.key)
            .finish()
    }
}
