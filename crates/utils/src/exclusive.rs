//! [`Exclusive`]: a value that can be `Sync` whatever its type, because it
//! is only ever reached by value or through `&mut`.
//!
//! The errors of the pool crates hand a refused task (or argument, or panic
//! payload) back to the caller. A `Box<dyn FnOnce() + Send>` is `Send` but
//! not `Sync`, so an error holding one directly is not `Sync` either, and
//! `?` into `anyhow::Error` or `Box<dyn Error + Send + Sync>` does not
//! compile. A shared reference to an error never needs the value inside
//! (`Display` and `Debug` print the case, not the closure), so the value can
//! sit where `&self` cannot reach it.
//!
//! `Exclusive<T>` is that place, without `unsafe`: it wraps the value in a
//! `std::sync::Mutex`, which is `Sync` for every `T: Send`, and offers only
//! [`into_inner`](Exclusive::into_inner) (by value) and
//! [`get_mut`](Exclusive::get_mut) (through `&mut`). Neither locks: the
//! borrow checker has already proved there is no other user, so the mutex
//! is never contended, never poisoned, and costs one word beside the value.
//! It is std's mutex also under loom: this is no hand-off protocol a model
//! must explore.

use std::fmt;
use std::sync::{Mutex, PoisonError};

/// A value reachable only by value or through `&mut`, hence `Sync` for every
/// `T: Send` (see the [module docs](self)).
///
/// ```
/// use taskpool_utils::exclusive::Exclusive;
///
/// fn assert_sync<T: Sync>(_: &T) {}
///
/// let task: Box<dyn FnOnce() -> u32 + Send> = Box::new(|| 7);
/// let mut held = Exclusive::new(task); // the box alone is not `Sync`
/// assert_sync(&held);
/// let _: &mut Box<dyn FnOnce() -> u32 + Send> = held.get_mut();
/// assert_eq!((held.into_inner())(), 7);
/// ```
pub struct Exclusive<T> {
    /// Never locked: reached only through `into_inner` and `get_mut`.
    value: Mutex<T>,
}

impl<T> Exclusive<T> {
    /// Wraps `value`.
    pub const fn new(value: T) -> Self {
        Exclusive {
            value: Mutex::new(value),
        }
    }

    /// The value, by value.
    pub fn into_inner(self) -> T {
        // Never locked, so never poisoned; the poison case hands the value
        // back all the same.
        self.value
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The value, through the exclusive borrow of its wrapper.
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> From<T> for Exclusive<T> {
    fn from(value: T) -> Self {
        Exclusive::new(value)
    }
}

impl<T> fmt::Debug for Exclusive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The value is not reachable from `&self`, by design.
        f.write_str("Exclusive(..)")
    }
}
