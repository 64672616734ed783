//! The borrowed guards of an [`RwLock`](super::RwLock): [`RwLockReadGuard`],
//! [`RwLockWriteGuard`] and [`RwLockMappedWriteGuard`], and their `map` family (tokio's
//! surface).
//!
//! A guard holds the permits it took from the lock's semaphore and a pointer to the part of
//! the value it gives access to: the whole value, or a part that a `map` closure picked. The
//! pointer comes from a reference that borrowed the guard's own access, so it stays valid for
//! the guard's lifetime `'a` (the lock outlives `'a`) and carries no more right than the
//! guard's permits: shared for a read guard (one permit), exclusive for a write guard (all of
//! them).
//!
//! Invariants:
//! - Each guard gives back exactly the permits it holds, once, when dropped; `map`,
//!   `downgrade` and the like move them into the new guard (`downgrade` gives back all but
//!   one) and forget the old guard.
//! - A read guard hands out `&T` only; a write guard or mapped write guard `&T` or `&mut T`,
//!   borrowed from the guard itself.

use super::batch_semaphore as ll;
use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

/// Shared access to (part of) the value of an [`RwLock`](super::RwLock); releases the read
/// lock when dropped.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    semaphore: &'a ll::Semaphore,
    data: *const T,
    _value: PhantomData<&'a T>,
}

/// Exclusive access to the value of an [`RwLock`](super::RwLock); releases the write lock when
/// dropped.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    semaphore: &'a ll::Semaphore,
    permits: u32,
    data: *mut T,
    _value: PhantomData<&'a mut T>,
}

/// Exclusive access to a part of the value of an [`RwLock`](super::RwLock), from
/// [`RwLockWriteGuard::map`]; releases the write lock when dropped. Unlike a write guard it
/// cannot be downgraded (the rest of the value is out of its reach, not out of the lock).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    semaphore: &'a ll::Semaphore,
    permits: u32,
    data: *mut T,
    _value: PhantomData<&'a mut T>,
}

// SAFETY: a read guard only hands out `&T`, so sending or sharing it across threads is sharing
// `&T`: sound when `T: Sync`.
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: a write guard hands out `&mut T` on the thread that holds it (`Send` moves that
// right, needs `T: Send`) and `&T` through `&guard` (needs `T: Sync`); tokio's bounds.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<'_, T> {}
// SAFETY: `&guard` gives only `&T`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockWriteGuard<'_, T> {}
// SAFETY: as for `RwLockWriteGuard`.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: as for `RwLockWriteGuard`.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockMappedWriteGuard<'_, T> {}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// A guard over `data`, holding one read permit of `semaphore`.
    ///
    /// # Safety
    /// The caller holds one permit of `semaphore` (which it hands to the guard), and `data`
    /// is valid for shared access for `'a` while that permit is held.
    pub(super) unsafe fn new(semaphore: &'a ll::Semaphore, data: *const T) -> Self {
        RwLockReadGuard {
            semaphore,
            data,
            _value: PhantomData,
        }
    }

    /// A read guard of a part of the value, picked by `f`; the lock stays read-locked.
    ///
    /// An associated function (`RwLockReadGuard::map(guard, ..)`), so as not to hide a method
    /// of `T`.
    ///
    /// ```
    /// use weft::sync::{RwLock, RwLockReadGuard};
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let lock = RwLock::new((1, "one"));
    ///     let name = RwLockReadGuard::map(lock.read().await, |pair| &pair.1);
    ///     assert_eq!(*name, "one");
    /// }
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&T) -> &U>(this: Self, f: F) -> RwLockReadGuard<'a, U> {
        let data: *const U = f(&*this);
        let semaphore = this.semaphore;
        std::mem::forget(this);
        // SAFETY: the permit moves from `this` to the new guard; `data` borrows from `&T`,
        // which is valid for `'a` while the permit is held.
        unsafe { RwLockReadGuard::new(semaphore, data) }
    }

    /// [`map`](RwLockReadGuard::map) where `f` may decline: the original guard comes back.
    pub fn try_map<U: ?Sized, F: FnOnce(&T) -> Option<&U>>(
        this: Self,
        f: F,
    ) -> Result<RwLockReadGuard<'a, U>, Self> {
        let Some(data) = f(&*this).map(|part| part as *const U) else {
            return Err(this);
        };
        let semaphore = this.semaphore;
        std::mem::forget(this);
        // SAFETY: as in `map`.
        Ok(unsafe { RwLockReadGuard::new(semaphore, data) })
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// A guard over `data`, holding `permits` (all) permits of `semaphore`.
    ///
    /// # Safety
    /// The caller holds those permits (which it hands to the guard), and `data` is valid for
    /// exclusive access for `'a` while they are held.
    pub(super) unsafe fn new(semaphore: &'a ll::Semaphore, permits: u32, data: *mut T) -> Self {
        RwLockWriteGuard {
            semaphore,
            permits,
            data,
            _value: PhantomData,
        }
    }

    /// Takes the guard apart without releasing its permits.
    fn into_parts(this: Self) -> (&'a ll::Semaphore, u32, *mut T) {
        let this = ManuallyDrop::new(this);
        (this.semaphore, this.permits, this.data)
    }

    /// Turns the write lock into a read lock, atomically: no writer can get in between. Tasks
    /// waiting to read may proceed at once.
    ///
    /// ```
    /// use weft::sync::{RwLock, RwLockWriteGuard};
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let lock = RwLock::new(1);
    ///     let mut w = lock.write().await;
    ///     *w = 2;
    ///     let r = RwLockWriteGuard::downgrade(w);
    ///     assert_eq!(*r, 2);
    ///     assert_eq!(*lock.try_read().unwrap(), 2);
    /// }
    /// ```
    pub fn downgrade(this: Self) -> RwLockReadGuard<'a, T> {
        let (semaphore, permits, data) = RwLockWriteGuard::into_parts(this);
        // The write guard's permits, minus the one the read guard keeps.
        semaphore.release(permits as usize - 1);
        // SAFETY: we keep one permit for the read guard; `data` was valid for exclusive
        // access, so it is for shared access.
        unsafe { RwLockReadGuard::new(semaphore, data) }
    }

    /// A write guard of a part of the value, picked by `f`; the lock stays write-locked.
    ///
    /// ```
    /// use weft::sync::{RwLock, RwLockWriteGuard};
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let lock = RwLock::new((1, 2));
    ///     let mut second = RwLockWriteGuard::map(lock.write().await, |pair| &mut pair.1);
    ///     *second = 20;
    ///     drop(second);
    ///     assert_eq!(*lock.read().await, (1, 20));
    /// }
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        mut this: Self,
        f: F,
    ) -> RwLockMappedWriteGuard<'a, U> {
        let data: *mut U = f(&mut *this);
        let (semaphore, permits, _) = RwLockWriteGuard::into_parts(this);
        // SAFETY: the permits move from `this`; `data` borrows from `&mut T`, valid for `'a`.
        unsafe { RwLockMappedWriteGuard::new(semaphore, permits, data) }
    }

    /// [`map`](RwLockWriteGuard::map) where `f` may decline: the original guard comes back.
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        mut this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self> {
        let Some(data) = f(&mut *this).map(|part| part as *mut U) else {
            return Err(this);
        };
        let (semaphore, permits, _) = RwLockWriteGuard::into_parts(this);
        // SAFETY: as in `map`.
        Ok(unsafe { RwLockMappedWriteGuard::new(semaphore, permits, data) })
    }

    /// Downgrades to a read lock and keeps only the part of the value `f` picks, atomically
    /// (no writer gets in between).
    ///
    /// ```
    /// use weft::sync::{RwLock, RwLockWriteGuard};
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let lock = RwLock::new(vec![1, 2, 3]);
    ///     let mut w = lock.write().await;
    ///     w.push(4);
    ///     let last = RwLockWriteGuard::downgrade_map(w, |v| v.last().unwrap());
    ///     assert_eq!(*last, 4);
    ///     assert!(lock.try_read().is_ok(), "other readers may come in");
    /// }
    /// ```
    pub fn downgrade_map<U: ?Sized, F: FnOnce(&T) -> &U>(
        this: Self,
        f: F,
    ) -> RwLockReadGuard<'a, U> {
        let data: *const U = f(&*this);
        let (semaphore, permits, _) = RwLockWriteGuard::into_parts(this);
        semaphore.release(permits as usize - 1);
        // SAFETY: one permit stays for the read guard; `data` borrows from the value, valid
        // for `'a`, and only shared access is left.
        unsafe { RwLockReadGuard::new(semaphore, data) }
    }

    /// [`downgrade_map`](RwLockWriteGuard::downgrade_map) where `f` may decline: the write
    /// guard comes back, still write-locked.
    pub fn try_downgrade_map<U: ?Sized, F: FnOnce(&T) -> Option<&U>>(
        this: Self,
        f: F,
    ) -> Result<RwLockReadGuard<'a, U>, Self> {
        let Some(data) = f(&*this).map(|part| part as *const U) else {
            return Err(this);
        };
        let (semaphore, permits, _) = RwLockWriteGuard::into_parts(this);
        semaphore.release(permits as usize - 1);
        // SAFETY: as in `downgrade_map`.
        Ok(unsafe { RwLockReadGuard::new(semaphore, data) })
    }

    /// The same lock as a [`RwLockMappedWriteGuard`] of the whole value.
    pub fn into_mapped(this: Self) -> RwLockMappedWriteGuard<'a, T> {
        RwLockWriteGuard::map(this, |value| value)
    }
}

impl<'a, T: ?Sized> RwLockMappedWriteGuard<'a, T> {
    /// # Safety
    /// As [`RwLockWriteGuard::new`].
    unsafe fn new(semaphore: &'a ll::Semaphore, permits: u32, data: *mut T) -> Self {
        RwLockMappedWriteGuard {
            semaphore,
            permits,
            data,
            _value: PhantomData,
        }
    }

    /// A narrower mapped guard, picked by `f`.
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        mut this: Self,
        f: F,
    ) -> RwLockMappedWriteGuard<'a, U> {
        let data: *mut U = f(&mut *this);
        let this = ManuallyDrop::new(this);
        // SAFETY: the permits move from `this` (not dropped); `data` borrows from its value.
        unsafe { RwLockMappedWriteGuard::new(this.semaphore, this.permits, data) }
    }

    /// [`map`](RwLockMappedWriteGuard::map) where `f` may decline: the guard comes back.
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        mut this: Self,
        f: F,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self> {
        let Some(data) = f(&mut *this).map(|part| part as *mut U) else {
            return Err(this);
        };
        let this = ManuallyDrop::new(this);
        // SAFETY: as in `map`.
        Ok(unsafe { RwLockMappedWriteGuard::new(this.semaphore, this.permits, data) })
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds a read permit, so nothing holds `&mut` to the value, and
        // `data` is valid for `'a` (module comment); the `&T` borrows the guard.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds every permit: no other guard exists; the `&T` borrows the
        // guard, which excludes `deref_mut` while it lives.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; the `&mut T` borrows the guard mutably, so it is unique.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Deref for RwLockMappedWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: as for `RwLockWriteGuard`.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for RwLockMappedWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `RwLockWriteGuard`.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.semaphore.release(1);
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.semaphore.release(self.permits as usize);
    }
}

impl<T: ?Sized> Drop for RwLockMappedWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.semaphore.release(self.permits as usize);
    }
}

macro_rules! passthrough_fmt {
    ($($guard:ident),*) => {$(
        impl<T: ?Sized + fmt::Debug> fmt::Debug for $guard<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&**self, f)
            }
        }

        impl<T: ?Sized + fmt::Display> fmt::Display for $guard<'_, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&**self, f)
            }
        }
    )*};
}

passthrough_fmt!(RwLockReadGuard, RwLockWriteGuard, RwLockMappedWriteGuard);
