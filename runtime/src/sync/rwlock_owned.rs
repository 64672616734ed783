//! The owned guards of [`RwLock`]: `read_owned` / `write_owned` on an `Arc<RwLock<T>>`.
//!
//! Same invariants as `rwlock.rs`: a read guard holds one permit, a write guard all of them,
//! and each gives back what it holds exactly once; the `Arc` keeps the lock alive meanwhile.

use super::mutex::TryLockError;
use super::rwlock::RwLock;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// Shared access to the value of an `Arc<RwLock<T>>`, which it keeps alive.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockReadGuard<T: ?Sized> {
    lock: Arc<RwLock<T>>,
    _value: PhantomData<T>,
}

/// Exclusive access to the value of an `Arc<RwLock<T>>`, which it keeps alive.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    lock: Arc<RwLock<T>>,
    _value: PhantomData<T>,
}

impl<T: ?Sized> RwLock<T> {
    /// Locks an `Arc<RwLock<T>>` for reading; the guard keeps the lock alive.
    ///
    /// # Cancel safety
    ///
    /// This method uses a queue to fairly distribute locks in the order they were requested.
    /// Cancelling a call to `read_owned` makes you lose your place in the queue.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::RwLock;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let lock = Arc::new(RwLock::new(7));
    ///     let guard = lock.clone().read_owned().await;
    ///     let seen = weft::spawn(async move { *guard }).await.unwrap();
    ///     assert_eq!(seen, 7);
    /// }
    /// ```
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        self.acquire(1).await;
        OwnedRwLockReadGuard {
            lock: self,
            _value: PhantomData,
        }
    }

    /// Locks an `Arc<RwLock<T>>` for writing; the guard keeps the lock alive.
    ///
    /// # Cancel safety
    ///
    /// This method uses a queue to fairly distribute locks in the order they were requested.
    /// Cancelling a call to `write_owned` makes you lose your place in the queue, and the
    /// read permits it had gathered go to the tasks waiting behind it.
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        let max_readers = self.max_readers();
        self.acquire(max_readers).await;
        OwnedRwLockWriteGuard {
            lock: self,
            _value: PhantomData,
        }
    }

    /// Locks an `Arc<RwLock<T>>` for reading if that is possible now.
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        self.try_acquire(1)?;
        Ok(OwnedRwLockReadGuard {
            lock: self,
            _value: PhantomData,
        })
    }

    /// Locks an `Arc<RwLock<T>>` for writing if the lock is free now.
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        self.try_acquire(self.max_readers())?;
        Ok(OwnedRwLockWriteGuard {
            lock: self,
            _value: PhantomData,
        })
    }
}

impl<T: ?Sized> OwnedRwLockReadGuard<T> {
    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// Turns the write lock into a read lock, atomically: no writer can get in between.
    pub fn downgrade(this: Self) -> OwnedRwLockReadGuard<T> {
        // Move the `Arc` out without running this guard's `Drop` (which would release all).
        let this = std::mem::ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again, so the `Arc` is moved out exactly
        // once and its reference count stays right.
        let lock = unsafe { std::ptr::read(&this.lock) };
        lock.semaphore.release(lock.max_readers() as usize - 1);
        OwnedRwLockReadGuard {
            lock,
            _value: PhantomData,
        }
    }
}

impl<T: ?Sized> Deref for OwnedRwLockReadGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds a read permit, so no write guard exists and nothing holds
        // a `&mut T`; the `&T` borrows the guard, so it ends before the permit is given back.
        self.lock.value.with(|value| unsafe { &*value })
    }
}

impl<T: ?Sized> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds every permit, so no other guard exists; the `&T` borrows
        // the guard, which excludes `deref_mut` while it lives.
        self.lock.value.with(|value| unsafe { &*value })
    }
}

impl<T: ?Sized> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; the `&mut T` borrows the guard mutably, so it is unique.
        self.lock.value.with_mut(|value| unsafe { &mut *value })
    }
}

impl<T: ?Sized> Drop for OwnedRwLockReadGuard<T> {
    fn drop(&mut self) {
        self.lock.semaphore.release(1);
    }
}

impl<T: ?Sized> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        self.lock
            .semaphore
            .release(self.lock.max_readers() as usize);
    }
}

macro_rules! passthrough_fmt {
    ($($guard:ident),*) => {$(
        impl<T: ?Sized + fmt::Debug> fmt::Debug for $guard<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }

        impl<T: ?Sized + fmt::Display> fmt::Display for $guard<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&**self, f)
            }
        }
    )*};
}

passthrough_fmt!(OwnedRwLockReadGuard, OwnedRwLockWriteGuard);
