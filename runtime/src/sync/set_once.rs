//! [`SetOnce`]: a value set once, which tasks can wait for (tokio's `sync::SetOnce`).
//!
//! Invariants:
//! - `state` goes `EMPTY -> SETTING -> SET`, each step once: the setter that wins the
//!   compare-exchange out of `EMPTY` alone writes the value, then stores `SET` (`Release`), so
//!   a reader that sees `SET` (`Acquire`) sees the value. Other setters fail with their value.
//! - After storing `SET` the setter calls `notify_waiters`; a waiter creates its `Notified`
//!   before it checks the state, so a set its check missed wakes it (no lost wake-up).

use super::notify::Notify;
use super::prim::{AtomicUsize, Ordering, UnsafeCell};
use std::error::Error;
use std::fmt;
use std::mem::MaybeUninit;

const EMPTY: usize = 0;
const SETTING: usize = 1;
const SET: usize = 2;

/// A cell that is set at most once and that tasks can [`wait`](SetOnce::wait) on: a one-time
/// event that carries a value (a configuration loaded once, a shutdown reason).
///
/// ```
/// use std::sync::Arc;
/// use weft::sync::SetOnce;
///
/// #[weft::main]
/// async fn main() {
///     let ready = Arc::new(SetOnce::new());
///     let waiter = weft::spawn({
///         let ready = ready.clone();
///         async move { *ready.wait().await }
///     });
///     ready.set(7).unwrap();
///     assert_eq!(waiter.await.unwrap(), 7);
///     assert!(ready.set(8).is_err(), "set once");
/// }
/// ```
pub struct SetOnce<T> {
    state: AtomicUsize,
    value: UnsafeCell<MaybeUninit<T>>,
    notify: Notify,
}

// SAFETY: the value is written once by one thread (needs `T: Send`) and then shared as `&T`
// (needs `T: Sync`); the state word orders the two.
unsafe impl<T: Send + Sync> Sync for SetOnce<T> {}
// SAFETY: sending the cell sends the value it may hold.
unsafe impl<T: Send> Send for SetOnce<T> {}

/// The value [`SetOnce::set`] could not store (the cell is set, or being set).
#[derive(Debug, PartialEq, Eq)]
pub struct SetOnceError<T>(pub T);

impl<T> fmt::Display for SetOnceError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SetOnceError")
    }
}

impl<T: fmt::Debug> Error for SetOnceError<T> {}

impl<T> SetOnce<T> {
    /// An empty cell.
    pub fn new() -> SetOnce<T> {
        SetOnce {
            state: AtomicUsize::new(EMPTY),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            notify: Notify::new(),
        }
    }

    /// [`new`](SetOnce::new) in a `const` context, e.g. for a `static`.
    #[cfg(not(any(all(test, loom), weft_loom)))]
    pub const fn const_new() -> SetOnce<T> {
        SetOnce {
            state: AtomicUsize::new(EMPTY),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            notify: Notify::const_new(),
        }
    }

    /// A cell holding `value` if it is `Some`, else empty.
    pub fn new_with(value: Option<T>) -> SetOnce<T> {
        let cell = SetOnce::new();
        if let Some(value) = value {
            let stored = cell.set(value).is_ok();
            debug_assert!(stored, "a fresh cell is empty");
        }
        cell
    }

    /// A cell holding `value`, in a `const` context.
    #[cfg(not(any(all(test, loom), weft_loom)))]
    pub const fn const_new_with(value: T) -> SetOnce<T> {
        SetOnce {
            state: AtomicUsize::new(SET),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            notify: Notify::const_new(),
        }
    }

    /// Whether the value is set.
    pub fn initialized(&self) -> bool {
        self.state.load(Ordering::Acquire) == SET
    }

    /// The value, if set.
    pub fn get(&self) -> Option<&T> {
        if !self.initialized() {
            return None;
        }
        // SAFETY: `SET` (acquired) follows the one write of the value, never written again
        // while `&self` lives.
        Some(
            self.value
                .with(|value| unsafe { (*value).assume_init_ref() }),
        )
    }

    /// Stores `value` and wakes every waiter, unless the cell is set or being set (then the
    /// value comes back in the error).
    pub fn set(&self, value: T) -> Result<(), SetOnceError<T>> {
        if self
            .state
            .compare_exchange(EMPTY, SETTING, Ordering::Acquire, Ordering::Acquire)
            .is_err()
        {
            return Err(SetOnceError(value));
        }
        self.value.with_mut(|slot| {
            // SAFETY: our compare-exchange out of `EMPTY` makes us the one writer, and nobody
            // reads before `SET`.
            unsafe { (*slot).write(value) };
        });
        self.state.store(SET, Ordering::Release);
        self.notify.notify_waiters();
        Ok(())
    }

    /// Waits until the value is set, and returns it.
    ///
    /// Cancel safe: it only observes the cell.
    pub async fn wait(&self) -> &T {
        loop {
            // Created before the check: a set after the check wakes it (invariant).
            let notified = self.notify.notified();
            if let Some(value) = self.get() {
                return value;
            }
            notified.await;
        }
    }

    /// The value, if set; the cell is consumed.
    pub fn into_inner(mut self) -> Option<T> {
        self.take_value()
    }

    fn take_value(&mut self) -> Option<T> {
        if self.state.load(Ordering::Acquire) != SET {
            return None;
        }
        self.state.store(EMPTY, Ordering::Relaxed);
        // SAFETY: set, `&mut self` excludes every other access, and the state is empty now,
        // so the value is not read or dropped again.
        Some(
            self.value
                .with_mut(|value| unsafe { (*value).assume_init_read() }),
        )
    }
}

impl<T> Drop for SetOnce<T> {
    fn drop(&mut self) {
        drop(self.take_value());
    }
}

impl<T> Default for SetOnce<T> {
    fn default() -> SetOnce<T> {
        SetOnce::new()
    }
}

impl<T> From<T> for SetOnce<T> {
    fn from(value: T) -> SetOnce<T> {
        SetOnce::new_with(Some(value))
    }
}

impl<T: Clone> Clone for SetOnce<T> {
    fn clone(&self) -> SetOnce<T> {
        SetOnce::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for SetOnce<T> {
    fn eq(&self, other: &SetOnce<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for SetOnce<T> {}

impl<T: fmt::Debug> fmt::Debug for SetOnce<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetOnce")
            .field("value", &self.get())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
