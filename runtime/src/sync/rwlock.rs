//! [`RwLock`]: an asynchronous reader-writer lock, fair between readers and writers.
//!
//! A batch semaphore of `max_readers` permits (tokio's design): a reader takes one, a writer
//! takes them all. Because the semaphore serves waiters in FIFO order, a waiting writer is not
//! starved by a stream of readers: readers that come after it queue behind it.
//!
//! Invariants:
//! - The value is reached only through a guard, or through `&mut RwLock` / by value.
//! - A read guard holds one permit, a write guard all `max_readers` of them; each gives back
//!   exactly what it holds, once, when dropped (`downgrade` gives back all but one and becomes
//!   a read guard). So while a write guard exists no other guard does, and read guards only
//!   hand out `&T`.
//! - The semaphore is never closed, so acquiring can only succeed.

use super::batch_semaphore as ll;
use super::blocking;
use super::mutex::TryLockError;
use super::prim::UnsafeCell;
use std::fmt;

pub use super::rwlock_guards::{RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard};
pub use super::rwlock_owned::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard,
};

/// The most readers an `RwLock` admits at once by default (tokio's value).
const MAX_READS: u32 = u32::MAX >> 3;

/// An asynchronous reader-writer lock: many readers or one writer at a time, waiting without
/// blocking the thread; guards may be held across `.await`.
///
/// The lock is fair: tasks get it in the order they asked for it, so a writer waiting behind
/// readers gets its turn before the readers that arrive after it.
///
/// # Examples
///
/// ```
/// use weft::sync::RwLock;
///
/// #[weft::main]
/// async fn main() {
///     let lock = RwLock::new(5);
///     {
///         let r1 = lock.read().await;
///         let r2 = lock.read().await; // many readers at once
///         assert_eq!(*r1 + *r2, 10);
///     }
///     {
///         let mut w = lock.write().await; // one writer, alone
///         *w += 1;
///     }
///     assert_eq!(*lock.read().await, 6);
/// }
/// ```
pub struct RwLock<T: ?Sized> {
    max_readers: u32,
    pub(super) semaphore: ll::Semaphore,
    pub(super) value: UnsafeCell<T>,
}

// SAFETY: a shared `RwLock` hands out `&T` to readers on several threads at once (needs
// `T: Sync`) and `&mut T` to one writer at a time, possibly on another thread than the last
// (needs `T: Send`); the semaphore enforces "many readers or one writer" (module invariants).
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// A new, unlocked lock holding `value`.
    pub fn new(value: T) -> RwLock<T> {
        RwLock::with_max_readers(value, MAX_READS)
    }

    /// A new lock that admits at most `max_readers` readers at once.
    ///
    /// # Panics
    /// If `max_readers` is 0 or above `u32::MAX >> 3`.
    #[track_caller]
    pub fn with_max_readers(value: T, max_readers: u32) -> RwLock<T> {
        assert!(
            max_readers != 0,
            "a RwLock may not be created with 0 readers"
        );
        assert!(
            max_readers <= MAX_READS,
            "a RwLock may not be created with more than {MAX_READS} readers, not {max_readers}"
        );
        RwLock {
            max_readers,
            semaphore: ll::Semaphore::new(max_readers as usize),
            value: UnsafeCell::new(value),
        }
    }

    /// [`new`](RwLock::new) in a `const` context, e.g. for a `static`.
    ///
    /// ```
    /// use weft::sync::RwLock;
    ///
    /// static CONFIG: RwLock<u32> = RwLock::const_new(7);
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     *CONFIG.write().await += 1;
    ///     assert_eq!(*CONFIG.read().await, 8);
    /// }
    /// ```
    #[cfg(not(any(all(test, loom), weft_loom)))]
    pub const fn const_new(value: T) -> RwLock<T> {
        RwLock::const_with_max_readers(value, MAX_READS)
    }

    /// [`with_max_readers`](RwLock::with_max_readers) in a `const` context.
    ///
    /// # Panics
    /// If `max_readers` is 0 or above `u32::MAX >> 3` (at compile time in a `const` or
    /// `static`).
    ///
    /// ```
    /// use weft::sync::RwLock;
    ///
    /// static TABLE: RwLock<[u8; 4]> = RwLock::const_with_max_readers([0; 4], 2);
    ///
    /// let first = TABLE.try_read().unwrap();
    /// let second = TABLE.try_read().unwrap();
    /// assert!(TABLE.try_read().is_err(), "two readers at most");
    /// # drop((first, second));
    /// ```
    #[cfg(not(any(all(test, loom), weft_loom)))]
    pub const fn const_with_max_readers(value: T, max_readers: u32) -> RwLock<T> {
        // tokio's messages (a `const fn` panics with a literal only: MAX_READS written out,
        // checked by the tests).
        assert!(
            max_readers != 0,
            "a RwLock may not be created with 0 readers"
        );
        assert!(
            max_readers <= MAX_READS,
            "a RwLock may not be created with more than 536870911 readers"
        );
        RwLock {
            max_readers,
            semaphore: ll::Semaphore::const_new(max_readers as usize),
            value: UnsafeCell::new(value),
        }
    }

    /// The value; the lock is consumed, so no guard can exist.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Locks for reading, waiting while a writer holds the lock or waits ahead of us.
    ///
    /// # Cancel safety
    ///
    /// This method uses a queue to fairly distribute locks in the order they were requested.
    /// Cancelling a call to `read` makes you lose your place in the queue; it never leaves
    /// the lock held.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::RwLock;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let lock = Arc::new(RwLock::new(1));
    ///     let r1 = lock.read().await;
    ///     let other = weft::spawn({
    ///         let lock = lock.clone();
    ///         async move { *lock.read().await }
    ///     });
    ///     assert_eq!(other.await.unwrap(), *r1);
    /// }
    /// ```
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        self.acquire(1).await;
        // SAFETY: we hold a read permit, handed to the guard; the value lives as long as
        // `self`, and a read permit excludes every `&mut` to it (module invariants).
        unsafe { RwLockReadGuard::new(&self.semaphore, self.value.with(|value| value)) }
    }

    /// Locks for writing, waiting until no reader or writer holds the lock.
    ///
    /// # Cancel safety
    ///
    /// This method uses a queue to fairly distribute locks in the order they were requested.
    /// Cancelling a call to `write` makes you lose your place in the queue, and the read
    /// permits it had already gathered go to the tasks waiting behind it.
    ///
    /// ```
    /// use weft::sync::RwLock;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let lock = RwLock::new(1);
    ///     *lock.write().await += 1;
    ///     assert_eq!(*lock.read().await, 2);
    /// }
    /// ```
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.acquire(self.max_readers).await;
        // SAFETY: we hold every permit, handed to the guard: no other guard exists while it
        // lives, and the value lives as long as `self`.
        unsafe {
            RwLockWriteGuard::new(
                &self.semaphore,
                self.max_readers,
                self.value.with_mut(|value| value),
            )
        }
    }

    /// Locks for reading if that is possible now (no writer holds or awaits the lock).
    ///
    /// ```
    /// use weft::sync::RwLock;
    ///
    /// let lock = RwLock::new(1);
    /// let r = lock.try_read().unwrap();
    /// assert!(lock.try_write().is_err());
    /// assert_eq!(*r, *lock.try_read().unwrap());
    /// ```
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.try_acquire(1)?;
        // SAFETY: as in `read`.
        Ok(unsafe { RwLockReadGuard::new(&self.semaphore, self.value.with(|value| value)) })
    }

    /// Locks for writing if the lock is free now.
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.try_acquire(self.max_readers)?;
        // SAFETY: as in `write`.
        Ok(unsafe {
            RwLockWriteGuard::new(
                &self.semaphore,
                self.max_readers,
                self.value.with_mut(|value| value),
            )
        })
    }

    /// Locks for reading from synchronous code, blocking the thread.
    ///
    /// # Panics
    /// When called from inside a runtime, where blocking would stall its tasks.
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        blocking::block_on("RwLock::blocking_read", self.read())
    }

    /// Locks for writing from synchronous code, blocking the thread.
    ///
    /// # Panics
    /// When called from inside a runtime, where blocking would stall its tasks.
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        blocking::block_on("RwLock::blocking_write", self.write())
    }

    /// The value, through `&mut self`: no guard can exist, so no locking is needed.
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves that no guard borrows the lock, so no other reference to
        // the value exists; the result borrows `self` mutably for as long as it lives.
        self.value.with_mut(|value| unsafe { &mut *value })
    }

    pub(super) fn max_readers(&self) -> u32 {
        self.max_readers
    }

    pub(super) async fn acquire(&self, permits: u32) {
        if self.semaphore.acquire(permits).await.is_err() {
            unreachable!("an RwLock's semaphore is never closed");
        }
    }

    pub(super) fn try_acquire(&self, permits: u32) -> Result<(), TryLockError> {
        self.semaphore
            .try_acquire(permits)
            .map_err(|_| TryLockError(()))
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> RwLock<T> {
        RwLock::new(value)
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
