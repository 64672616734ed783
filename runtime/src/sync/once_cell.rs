//! [`OnceCell`]: a value set once, possibly by an async initializer (tokio's `sync::OnceCell`).
//!
//! Invariants:
//! - `set` is true exactly when the value is initialised; it goes false -> true once (only
//!   `take` and `get_mut`'s `&mut self` see it otherwise), with `Release` after the value is
//!   written, so a reader that sees it (`Acquire`) sees the value.
//! - The value is written by the holder of the semaphore's one permit only, while `set` is
//!   false; after writing it the holder sets `set`, closes the semaphore and forgets the
//!   permit. So at most one initializer runs at a time, and those still waiting fail to
//!   acquire (closed) and read the value instead. An initializer that fails, panics or is
//!   cancelled gives the permit back (its guard's drop), and the next in line tries.

use super::batch_semaphore::{Semaphore, TryAcquireError};
use super::prim::{AtomicBool, Ordering, UnsafeCell};
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::mem::MaybeUninit;

/// A cell that is set once, for example by the first task that needs it, with an async
/// initializer: concurrent callers of [`get_or_init`](OnceCell::get_or_init) wait for the one
/// initializer that runs.
///
/// ```
/// use weft::sync::OnceCell;
///
/// static CONFIG: OnceCell<String> = OnceCell::const_new();
///
/// #[weft::main]
/// async fn main() {
///     let value = CONFIG
///         .get_or_init(|| async { "loaded".to_string() })
///         .await;
///     assert_eq!(value, "loaded");
///     assert_eq!(CONFIG.get().map(String::as_str), Some("loaded"));
/// }
/// ```
pub struct OnceCell<T> {
    set: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
    semaphore: Semaphore,
}

// SAFETY: the cell hands out `&T` to any thread once set (needs `T: Sync`) and moves the value
// in from the initializing thread (needs `T: Send`); writes are exclusive by the permit.
unsafe impl<T: Send + Sync> Sync for OnceCell<T> {}
// SAFETY: sending the cell sends the value it may hold.
unsafe impl<T: Send> Send for OnceCell<T> {}

/// Why [`OnceCell::set`] did not store the value; it is handed back.
#[derive(Debug, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell was already set.
    AlreadyInitializedError(T),
    /// An initializer is running now.
    InitializingError(T),
}

impl<T> SetError<T> {
    /// Whether the cell was already set.
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Whether an initializer was running.
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::AlreadyInitializedError(_) => f.write_str("AlreadyInitializedError"),
            SetError::InitializingError(_) => f.write_str("InitializingError"),
        }
    }
}

impl<T: fmt::Debug> Error for SetError<T> {}

/// Holds the initializer's permit; gives it back unless the value was stored.
struct Initializing<'a, T> {
    cell: &'a OnceCell<T>,
}

impl<T> Initializing<'_, T> {
    /// Stores the value: the cell is set for good, and waiting initializers read it.
    fn finish(self, value: T) -> bool {
        self.cell.value.with_mut(|slot| {
            // SAFETY: we hold the only permit and `set` is false: nobody reads or writes the
            // value (module invariants).
            unsafe { (*slot).write(value) };
        });
        self.cell.set.store(true, Ordering::Release);
        self.cell.semaphore.close();
        std::mem::forget(self);
        true
    }
}

impl<T> Drop for Initializing<'_, T> {
    fn drop(&mut self) {
        self.cell.semaphore.release(1);
    }
}

impl<T> OnceCell<T> {
    /// An empty cell.
    pub fn new() -> OnceCell<T> {
        OnceCell {
            set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            semaphore: Semaphore::new(1),
        }
    }

    /// [`new`](OnceCell::new) in a `const` context, e.g. for a `static`.
    #[cfg(not(any(all(test, loom), weft_loom)))]
    pub const fn const_new() -> OnceCell<T> {
        OnceCell {
            set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            semaphore: Semaphore::const_new(1),
        }
    }

    /// A cell holding `value` if it is `Some`, else empty.
    pub fn new_with(value: Option<T>) -> OnceCell<T> {
        let cell = OnceCell::new();
        if let Some(value) = value {
            // A fresh cell: the permit is free and nobody else sees it.
            let stored = cell.set(value).is_ok();
            debug_assert!(stored);
        }
        cell
    }

    /// A cell holding `value`, in a `const` context.
    ///
    /// ```
    /// use weft::sync::OnceCell;
    ///
    /// static ANSWER: OnceCell<u32> = OnceCell::const_new_with(42);
    /// assert_eq!(ANSWER.get(), Some(&42));
    /// ```
    #[cfg(not(any(all(test, loom), weft_loom)))]
    pub const fn const_new_with(value: T) -> OnceCell<T> {
        let semaphore = Semaphore::const_new(0);
        // A closed semaphore cannot be built in a `const`: with no permit, no initializer
        // ever runs, and `set` is already true, which every path checks first.
        OnceCell {
            set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            semaphore,
        }
    }

    /// Whether the value is set.
    pub fn initialized(&self) -> bool {
        self.set.load(Ordering::Acquire)
    }

    /// The value, if set.
    pub fn get(&self) -> Option<&T> {
        if !self.initialized() {
            return None;
        }
        // SAFETY: `set` (acquired) is true: the value is initialised and never written again
        // while `&self` lives.
        Some(
            self.value
                .with(|value| unsafe { (*value).assume_init_ref() }),
        )
    }

    /// The value, mutably, if set.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        if !self.initialized() {
            return None;
        }
        // SAFETY: set, and `&mut self` excludes every other access.
        Some(
            self.value
                .with_mut(|value| unsafe { (*value).assume_init_mut() }),
        )
    }

    /// Sets the value unless it is set or being initialized (the value comes back in the
    /// error).
    ///
    /// ```
    /// use weft::sync::{OnceCell, SetError};
    ///
    /// let cell = OnceCell::new();
    /// assert_eq!(cell.set(1), Ok(()));
    /// assert_eq!(cell.set(2), Err(SetError::AlreadyInitializedError(2)));
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.semaphore.try_acquire(1) {
            Ok(()) => {
                Initializing { cell: self }.finish(value);
                Ok(())
            }
            Err(TryAcquireError::NoPermits) if !self.initialized() => {
                Err(SetError::InitializingError(value))
            }
            Err(_) => Err(SetError::AlreadyInitializedError(value)),
        }
    }

    /// The value, initializing it with `f` if it is not set: one caller at a time runs its
    /// initializer, the others wait and then get the value it stored.
    ///
    /// Cancel safe: a cancelled (or panicking) initializer leaves the cell empty and lets the
    /// next waiter run its own.
    pub async fn get_or_init<F, Fut>(&self, f: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        match self
            .get_or_try_init(|| async { Ok::<T, std::convert::Infallible>(f().await) })
            .await
        {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// [`get_or_init`](OnceCell::get_or_init) with an initializer that may fail: its error is
    /// returned, the cell stays empty, and the next waiter tries.
    ///
    /// ```
    /// use weft::sync::OnceCell;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let cell = OnceCell::<u8>::new();
    ///     let failed = cell.get_or_try_init(|| async { Err("not yet") }).await;
    ///     assert_eq!(failed, Err("not yet"));
    ///     let value = cell.get_or_try_init(|| async { Ok::<_, ()>(3) }).await;
    ///     assert_eq!(value, Ok(&3));
    /// }
    /// ```
    pub async fn get_or_try_init<E, F, Fut>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        if self.semaphore.acquire(1).await.is_err() {
            // Closed: someone stored the value.
            return Ok(self.get().expect("a closed OnceCell is set"));
        }
        let guard = Initializing { cell: self };
        if self.initialized() {
            // `const_new_with` cells have no permit; any other set cell is closed. Neither
            // gets here, but stay safe: give the permit back and read.
            drop(guard);
            return Ok(self.get().expect("checked"));
        }
        let value = f().await?;
        guard.finish(value);
        Ok(self.get().expect("just stored"))
    }

    /// The value, if set; the cell is consumed.
    pub fn into_inner(mut self) -> Option<T> {
        self.take()
    }

    /// Takes the value out, leaving the cell empty (and ready to be set again).
    pub fn take(&mut self) -> Option<T> {
        if !self.initialized() {
            return None;
        }
        // SAFETY: set, and `&mut self` excludes every other access; the cell is reset to
        // empty below, so the value is not read or dropped again.
        let value = self
            .value
            .with_mut(|value| unsafe { (*value).assume_init_read() });
        self.set.store(false, Ordering::Relaxed);
        self.semaphore = Semaphore::new(1);
        Some(value)
    }
}

impl<T> Drop for OnceCell<T> {
    fn drop(&mut self) {
        drop(self.take());
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> OnceCell<T> {
        OnceCell::new()
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> OnceCell<T> {
        OnceCell::new_with(Some(value))
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> OnceCell<T> {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &OnceCell<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
