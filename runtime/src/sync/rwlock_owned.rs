//! The owned guards of [`RwLock`]: `read_owned` / `write_owned` on an `Arc<RwLock<T>>`, and
//! their `map` family (tokio's surface).
//!
//! Same invariants as `rwlock.rs` and `rwlock_guards.rs`: a read guard holds one permit, a
//! write guard (mapped or not) all of them, and each gives back what it holds exactly once;
//! `map`, `downgrade` and the like move the permits (and the `Arc`) into the new guard and
//! forget the old one. The `Arc` keeps the lock alive meanwhile, so the pointer a guard holds
//! (to the value, or to the part a `map` closure picked, borrowed from the guard's own access)
//! stays valid, with no more right than the guard's permits give.

use super::mutex::TryLockError;
use super::rwlock::RwLock;
use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// Shared access to (a part `U` of) the value of an `Arc<RwLock<T>>`, which it keeps alive.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockReadGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<RwLock<T>>,
    data: *const U,
    _value: PhantomData<U>,
}

/// Exclusive access to the value of an `Arc<RwLock<T>>`, which it keeps alive.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    lock: Arc<RwLock<T>>,
    data: *mut T,
    _value: PhantomData<T>,
}

/// Exclusive access to a part `U` of the value of an `Arc<RwLock<T>>`, from
/// [`OwnedRwLockWriteGuard::map`]; keeps the lock alive and write-locked.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockMappedWriteGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<RwLock<T>>,
    data: *mut U,
    _value: PhantomData<U>,
}

// SAFETY: a read guard hands out `&U` only (`U: Sync`) and carries an `Arc<RwLock<T>>`, which
// crosses threads when `T: Send + Sync`; tokio's bounds.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Send for OwnedRwLockReadGuard<T, U> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Sync for OwnedRwLockReadGuard<T, U> {}
// SAFETY: a write guard hands out `&mut T` on the thread that holds it and `&T` through
// `&guard`, and carries the `Arc`: `T: Send + Sync`, as for the borrowed write guard.
unsafe impl<T: ?Sized + Send + Sync> Send for OwnedRwLockWriteGuard<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedRwLockWriteGuard<T> {}
// SAFETY: as for `OwnedRwLockWriteGuard`, for the part `U` and the `Arc<RwLock<T>>`.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Send
    for OwnedRwLockMappedWriteGuard<T, U>
{
}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync
    for OwnedRwLockMappedWriteGuard<T, U>
{
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
        // SAFETY: we hold a read permit, which the guard takes over.
        unsafe { OwnedRwLockReadGuard::whole(self) }
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
        // SAFETY: we hold every permit, which the guard takes over.
        unsafe { OwnedRwLockWriteGuard::whole(self) }
    }

    /// Locks an `Arc<RwLock<T>>` for reading if that is possible now.
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        self.try_acquire(1)?;
        // SAFETY: as in `read_owned`.
        Ok(unsafe { OwnedRwLockReadGuard::whole(self) })
    }

    /// Locks an `Arc<RwLock<T>>` for writing if the lock is free now.
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        self.try_acquire(self.max_readers())?;
        // SAFETY: as in `write_owned`.
        Ok(unsafe { OwnedRwLockWriteGuard::whole(self) })
    }
}

impl<T: ?Sized> OwnedRwLockReadGuard<T> {
    /// # Safety
    /// The caller holds one read permit of `lock`, which it hands to the guard.
    unsafe fn whole(lock: Arc<RwLock<T>>) -> Self {
        let data = lock.value.with(|value| value);
        OwnedRwLockReadGuard {
            lock,
            data,
            _value: PhantomData,
        }
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// Takes the guard apart without releasing its permit.
    fn into_parts(this: Self) -> (Arc<RwLock<T>>, *const U) {
        let this = ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again, so the `Arc` is moved out exactly
        // once and its reference count stays right.
        (unsafe { std::ptr::read(&this.lock) }, this.data)
    }

    /// A read guard of a part of the value, picked by `f`; the lock stays read-locked.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::{OwnedRwLockReadGuard, RwLock};
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let lock = Arc::new(RwLock::new((1, "one")));
    ///     let name = OwnedRwLockReadGuard::map(lock.read_owned().await, |pair| &pair.1);
    ///     assert_eq!(weft::spawn(async move { *name }).await.unwrap(), "one");
    /// }
    /// ```
    pub fn map<V: ?Sized, F: FnOnce(&U) -> &V>(this: Self, f: F) -> OwnedRwLockReadGuard<T, V> {
        let data: *const V = f(&*this);
        let (lock, _) = OwnedRwLockReadGuard::into_parts(this);
        OwnedRwLockReadGuard {
            lock,
            data,
            _value: PhantomData,
        }
    }

    /// [`map`](OwnedRwLockReadGuard::map) where `f` may decline: the original guard comes
    /// back.
    pub fn try_map<V: ?Sized, F: FnOnce(&U) -> Option<&V>>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockReadGuard<T, V>, Self> {
        let Some(data) = f(&*this).map(|part| part as *const V) else {
            return Err(this);
        };
        let (lock, _) = OwnedRwLockReadGuard::into_parts(this);
        Ok(OwnedRwLockReadGuard {
            lock,
            data,
            _value: PhantomData,
        })
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// # Safety
    /// The caller holds every permit of `lock`, which it hands to the guard.
    unsafe fn whole(lock: Arc<RwLock<T>>) -> Self {
        let data = lock.value.with_mut(|value| value);
        OwnedRwLockWriteGuard {
            lock,
            data,
            _value: PhantomData,
        }
    }

    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// Takes the `Arc` out without releasing the permits.
    fn into_lock(this: Self) -> Arc<RwLock<T>> {
        let this = ManuallyDrop::new(this);
        // SAFETY: as in `OwnedRwLockReadGuard::into_parts`.
        unsafe { std::ptr::read(&this.lock) }
    }

    /// Turns the write lock into a read lock, atomically: no writer can get in between.
    pub fn downgrade(this: Self) -> OwnedRwLockReadGuard<T> {
        OwnedRwLockWriteGuard::downgrade_map(this, |value| value)
    }

    /// A write guard of a part of the value, picked by `f`; the lock stays write-locked.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let lock = Arc::new(RwLock::new((1, 2)));
    ///     let mut second = OwnedRwLockWriteGuard::map(lock.clone().write_owned().await, |p| &mut p.1);
    ///     weft::spawn(async move { *second = 20 }).await.unwrap();
    ///     assert_eq!(*lock.read().await, (1, 20));
    /// }
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        mut this: Self,
        f: F,
    ) -> OwnedRwLockMappedWriteGuard<T, U> {
        let data: *mut U = f(&mut *this);
        OwnedRwLockMappedWriteGuard {
            lock: OwnedRwLockWriteGuard::into_lock(this),
            data,
            _value: PhantomData,
        }
    }

    /// [`map`](OwnedRwLockWriteGuard::map) where `f` may decline: the original guard comes
    /// back.
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, U>, Self> {
        let Some(data) = f(&mut *this).map(|part| part as *mut U) else {
            return Err(this);
        };
        Ok(OwnedRwLockMappedWriteGuard {
            lock: OwnedRwLockWriteGuard::into_lock(this),
            data,
            _value: PhantomData,
        })
    }

    /// The same lock as an [`OwnedRwLockMappedWriteGuard`] of the whole value.
    pub fn into_mapped(this: Self) -> OwnedRwLockMappedWriteGuard<T> {
        OwnedRwLockWriteGuard::map(this, |value| value)
    }

    /// Downgrades to a read lock and keeps only the part of the value `f` picks, atomically
    /// (no writer gets in between).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::{OwnedRwLockWriteGuard, RwLock};
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let lock = Arc::new(RwLock::new(vec![1, 2]));
    ///     let mut w = lock.clone().write_owned().await;
    ///     w.push(3);
    ///     let last = OwnedRwLockWriteGuard::downgrade_map(w, |v| v.last().unwrap());
    ///     assert_eq!(*last, 3);
    ///     assert!(lock.try_read().is_ok(), "other readers may come in");
    /// }
    /// ```
    pub fn downgrade_map<U: ?Sized, F: FnOnce(&T) -> &U>(
        this: Self,
        f: F,
    ) -> OwnedRwLockReadGuard<T, U> {
        let data: *const U = f(&*this);
        let lock = OwnedRwLockWriteGuard::into_lock(this);
        // The write guard's permits, minus the one the read guard keeps.
        lock.semaphore.release(lock.max_readers() as usize - 1);
        OwnedRwLockReadGuard {
            lock,
            data,
            _value: PhantomData,
        }
    }

    /// [`downgrade_map`](OwnedRwLockWriteGuard::downgrade_map) where `f` may decline: the
    /// write guard comes back, still write-locked.
    pub fn try_downgrade_map<U: ?Sized, F: FnOnce(&T) -> Option<&U>>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockReadGuard<T, U>, Self> {
        let Some(data) = f(&*this).map(|part| part as *const U) else {
            return Err(this);
        };
        let lock = OwnedRwLockWriteGuard::into_lock(this);
        lock.semaphore.release(lock.max_readers() as usize - 1);
        Ok(OwnedRwLockReadGuard {
            lock,
            data,
            _value: PhantomData,
        })
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockMappedWriteGuard<T, U> {
    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// Takes the guard apart without releasing its permits.
    fn into_parts(this: Self) -> (Arc<RwLock<T>>, *mut U) {
        let this = ManuallyDrop::new(this);
        // SAFETY: as in `OwnedRwLockReadGuard::into_parts`.
        (unsafe { std::ptr::read(&this.lock) }, this.data)
    }

    /// A narrower mapped guard, picked by `f`.
    pub fn map<V: ?Sized, F: FnOnce(&mut U) -> &mut V>(
        mut this: Self,
        f: F,
    ) -> OwnedRwLockMappedWriteGuard<T, V> {
        let data: *mut V = f(&mut *this);
        let (lock, _) = OwnedRwLockMappedWriteGuard::into_parts(this);
        OwnedRwLockMappedWriteGuard {
            lock,
            data,
            _value: PhantomData,
        }
    }

    /// [`map`](OwnedRwLockMappedWriteGuard::map) where `f` may decline: the guard comes back.
    pub fn try_map<V: ?Sized, F: FnOnce(&mut U) -> Option<&mut V>>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedRwLockMappedWriteGuard<T, V>, Self> {
        let Some(data) = f(&mut *this).map(|part| part as *mut V) else {
            return Err(this);
        };
        let (lock, _) = OwnedRwLockMappedWriteGuard::into_parts(this);
        Ok(OwnedRwLockMappedWriteGuard {
            lock,
            data,
            _value: PhantomData,
        })
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedRwLockReadGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: this guard holds a read permit, so no write guard exists and nothing holds
        // a `&mut` into the value; `data` is valid while the `Arc` keeps the lock alive, and
        // the `&U` borrows the guard, so it ends before the permit is given back.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds every permit, so no other guard exists; the `&T` borrows
        // the guard, which excludes `deref_mut` while it lives.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; the `&mut T` borrows the guard mutably, so it is unique.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedRwLockMappedWriteGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: as for `OwnedRwLockWriteGuard`: every permit is held, `data` borrowed from
        // the write guard's `&mut`, and the `&U` borrows this guard.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedRwLockMappedWriteGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: as in `deref`; the `&mut U` borrows the guard mutably, so it is unique.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockReadGuard<T, U> {
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

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockMappedWriteGuard<T, U> {
    fn drop(&mut self) {
        self.lock
            .semaphore
            .release(self.lock.max_readers() as usize);
    }
}

macro_rules! passthrough_fmt {
    ($($guard:ident),*) => {$(
        impl<T: ?Sized, U: ?Sized + fmt::Debug> fmt::Debug for $guard<T, U> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }

        impl<T: ?Sized, U: ?Sized + fmt::Display> fmt::Display for $guard<T, U> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&**self, f)
            }
        }
    )*};
}

passthrough_fmt!(OwnedRwLockReadGuard, OwnedRwLockMappedWriteGuard);

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedRwLockWriteGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for OwnedRwLockWriteGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
