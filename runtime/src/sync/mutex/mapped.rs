//! The mapped guards of a [`Mutex`]: [`MappedMutexGuard`] and [`OwnedMappedMutexGuard`], from
//! `map` / `try_map` on a guard (tokio's surface): exclusive access to a part of the value
//! that a closure picked, while the whole mutex stays locked.
//!
//! A mapped guard holds the mutex's one permit and a pointer to the part. The pointer comes
//! from the `&mut T` that the original guard lent the closure, so it carries exactly that
//! guard's exclusive right, and it stays valid while the permit is held: a borrowed guard's
//! mutex outlives `'a`, an owned guard's `Arc` keeps the mutex alive.
//!
//! Invariants (those of `mutex.rs`, carried over):
//! - A mapped guard exists only while it holds the one permit, and gives it back exactly once,
//!   when dropped. `map` moves the permit from the old guard into the new one and forgets the
//!   old guard; if the closure panics, the old guard is dropped as usual and unlocks.
//! - `&U` / `&mut U` are handed out only borrowed from the guard itself.

use super::{Mutex, MutexGuard, OwnedMutexGuard};
use crate::sync::batch_semaphore as ll;
use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// Exclusive access to a part of the value of a [`Mutex`], from [`MutexGuard::map`]; unlocks
/// the mutex when dropped.
///
/// ```
/// use weft::sync::{Mutex, MutexGuard};
///
/// #[weft::main]
/// async fn main() {
///     let mutex = Mutex::new((1, String::from("one")));
///     let mut name = MutexGuard::map(mutex.lock().await, |pair| &mut pair.1);
///     name.push('!');
///     assert!(mutex.try_lock().is_err(), "the whole mutex stays locked");
///     drop(name);
///     assert_eq!(mutex.lock().await.1, "one!");
/// }
/// ```
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    semaphore: &'a ll::Semaphore,
    data: *mut T,
    _value: PhantomData<&'a mut T>,
}

/// Exclusive access to a part `U` of the value of an `Arc<Mutex<T>>`, which it keeps alive;
/// from [`OwnedMutexGuard::map`]. Unlocks the mutex when dropped.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMappedMutexGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<Mutex<T>>,
    data: *mut U,
    _value: PhantomData<U>,
}

// SAFETY: the guard hands out `&mut T` on the thread that holds it, so moving it moves that
// right: sound when `T: Send` (as for `MutexGuard`).
unsafe impl<T: ?Sized + Send> Send for MappedMutexGuard<'_, T> {}
// SAFETY: `&guard` gives only `&T`.
unsafe impl<T: ?Sized + Sync> Sync for MappedMutexGuard<'_, T> {}
// SAFETY: moving the guard moves the `&mut U` right (`U: Send`) and the `Arc<Mutex<T>>`, which
// is `Send` when `T: Send`.
unsafe impl<T: ?Sized + Send, U: ?Sized + Send> Send for OwnedMappedMutexGuard<T, U> {}
// SAFETY: `&guard` gives `&U` (`U: Sync`) and `&Arc<Mutex<T>>` (through `mutex`), which is
// shareable when `T: Send`; tokio asks `Send + Sync` of both, and so do we.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync for OwnedMappedMutexGuard<T, U> {}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Exclusive access to a part of the value, picked by `f`; the mutex stays locked until
    /// the new guard drops. An associated function (`MutexGuard::map(guard, ..)`), so as not to
    /// hide a method of `T`.
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        mut this: Self,
        f: F,
    ) -> MappedMutexGuard<'a, U> {
        let data: *mut U = f(&mut *this);
        let lock = ManuallyDrop::new(this).lock;
        // SAFETY: the permit moves from `this` (forgotten) to the new guard; `data` borrowed
        // from the `&mut T` this guard lent, valid for `'a` while the permit is held.
        unsafe { MappedMutexGuard::new(&lock.semaphore, data) }
    }

    /// [`map`](MutexGuard::map) where `f` may decline: the original guard comes back.
    ///
    /// ```
    /// use weft::sync::{Mutex, MutexGuard};
    ///
    /// let mutex = Mutex::new(vec![1, 2]);
    /// let guard = mutex.try_lock().unwrap();
    /// let guard = MutexGuard::try_map(guard, |v| v.get_mut(5)).unwrap_err();
    /// let mut first = MutexGuard::try_map(guard, |v| v.first_mut()).unwrap();
    /// *first = 10;
    /// drop(first);
    /// assert_eq!(*mutex.try_lock().unwrap(), [10, 2]);
    /// ```
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        mut this: Self,
        f: F,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        let Some(data) = f(&mut *this).map(|part| part as *mut U) else {
            return Err(this);
        };
        let lock = ManuallyDrop::new(this).lock;
        // SAFETY: as in `map`.
        Ok(unsafe { MappedMutexGuard::new(&lock.semaphore, data) })
    }
}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// # Safety
    /// The caller holds the one permit of `semaphore` (which it hands to the guard), and
    /// `data` is valid for exclusive access for `'a` while that permit is held.
    unsafe fn new(semaphore: &'a ll::Semaphore, data: *mut T) -> Self {
        MappedMutexGuard {
            semaphore,
            data,
            _value: PhantomData,
        }
    }

    /// Takes the guard apart without releasing its permit.
    fn into_parts(this: Self) -> (&'a ll::Semaphore, *mut T) {
        let this = ManuallyDrop::new(this);
        (this.semaphore, this.data)
    }

    /// Narrows the guard further, to a part of this part.
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        mut this: Self,
        f: F,
    ) -> MappedMutexGuard<'a, U> {
        let data: *mut U = f(&mut *this);
        let (semaphore, _) = MappedMutexGuard::into_parts(this);
        // SAFETY: as in `MutexGuard::map`: the permit moves, `data` borrowed from our `&mut`.
        unsafe { MappedMutexGuard::new(semaphore, data) }
    }

    /// [`map`](MappedMutexGuard::map) where `f` may decline: the original guard comes back.
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        mut this: Self,
        f: F,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        let Some(data) = f(&mut *this).map(|part| part as *mut U) else {
            return Err(this);
        };
        let (semaphore, _) = MappedMutexGuard::into_parts(this);
        // SAFETY: as in `map`.
        Ok(unsafe { MappedMutexGuard::new(semaphore, data) })
    }
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// Exclusive access to a part of the value, picked by `f`; the mutex stays locked (and
    /// alive) until the new guard drops.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::{Mutex, OwnedMutexGuard};
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let mutex = Arc::new(Mutex::new((0, 0)));
    ///     let mut second = OwnedMutexGuard::map(mutex.clone().lock_owned().await, |p| &mut p.1);
    ///     weft::spawn(async move { *second = 7 }).await.unwrap();
    ///     assert_eq!(*mutex.lock().await, (0, 7));
    /// }
    /// ```
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        mut this: Self,
        f: F,
    ) -> OwnedMappedMutexGuard<T, U> {
        let data: *mut U = f(&mut *this);
        // SAFETY: the permit moves from `this` to the new guard along with the `Arc`; `data`
        // borrowed from the `&mut T` this guard lent, valid while the permit is held and the
        // `Arc` keeps the mutex alive.
        unsafe { OwnedMappedMutexGuard::new(OwnedMutexGuard::into_lock(this), data) }
    }

    /// [`map`](OwnedMutexGuard::map) where `f` may decline: the original guard comes back.
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedMappedMutexGuard<T, U>, Self> {
        let Some(data) = f(&mut *this).map(|part| part as *mut U) else {
            return Err(this);
        };
        // SAFETY: as in `map`.
        Ok(unsafe { OwnedMappedMutexGuard::new(OwnedMutexGuard::into_lock(this), data) })
    }

    /// Takes the `Arc` out without releasing the permit.
    fn into_lock(this: Self) -> Arc<Mutex<T>> {
        let this = ManuallyDrop::new(this);
        // SAFETY: `this` is never used or dropped again, so the `Arc` is moved out exactly
        // once and its reference count stays right.
        unsafe { std::ptr::read(&this.lock) }
    }
}

impl<T: ?Sized, U: ?Sized> OwnedMappedMutexGuard<T, U> {
    /// # Safety
    /// The caller holds the one permit of `lock` (which it hands to the guard), and `data` is
    /// valid for exclusive access while that permit is held and `lock` is alive.
    unsafe fn new(lock: Arc<Mutex<T>>, data: *mut U) -> Self {
        OwnedMappedMutexGuard {
            lock,
            data,
            _value: PhantomData,
        }
    }

    /// Takes the guard apart without releasing its permit.
    fn into_parts(this: Self) -> (Arc<Mutex<T>>, *mut U) {
        let this = ManuallyDrop::new(this);
        // SAFETY: as in `OwnedMutexGuard::into_lock`.
        (unsafe { std::ptr::read(&this.lock) }, this.data)
    }

    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }

    /// Narrows the guard further, to a part of this part.
    pub fn map<S: ?Sized, F: FnOnce(&mut U) -> &mut S>(
        mut this: Self,
        f: F,
    ) -> OwnedMappedMutexGuard<T, S> {
        let data: *mut S = f(&mut *this);
        let (lock, _) = OwnedMappedMutexGuard::into_parts(this);
        // SAFETY: as in `OwnedMutexGuard::map`.
        unsafe { OwnedMappedMutexGuard::new(lock, data) }
    }

    /// [`map`](OwnedMappedMutexGuard::map) where `f` may decline: the original guard comes
    /// back.
    pub fn try_map<S: ?Sized, F: FnOnce(&mut U) -> Option<&mut S>>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedMappedMutexGuard<T, S>, Self> {
        let Some(data) = f(&mut *this).map(|part| part as *mut S) else {
            return Err(this);
        };
        let (lock, _) = OwnedMappedMutexGuard::into_parts(this);
        // SAFETY: as in `OwnedMutexGuard::map`.
        Ok(unsafe { OwnedMappedMutexGuard::new(lock, data) })
    }
}

impl<T: ?Sized> Deref for MappedMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the mutex's only permit, so nothing else reaches the value;
        // `data` is valid while it is held (module docs), and the `&T` borrows the guard.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized> DerefMut for MappedMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; the `&mut T` borrows the guard mutably, so it is unique.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedMappedMutexGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: as for `MappedMutexGuard::deref`; the `Arc` keeps the mutex (and the part
        // `data` points into) alive at least as long as the guard.
        unsafe { &*self.data }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedMappedMutexGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: as in `deref`; the `&mut U` borrows the guard mutably, so it is unique.
        unsafe { &mut *self.data }
    }
}

impl<T: ?Sized> Drop for MappedMutexGuard<'_, T> {
    fn drop(&mut self) {
        self.semaphore.release(1);
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedMappedMutexGuard<T, U> {
    fn drop(&mut self) {
        self.lock.semaphore.release(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MappedMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MappedMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Debug> fmt::Debug for OwnedMappedMutexGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized, U: ?Sized + fmt::Display> fmt::Display for OwnedMappedMutexGuard<T, U> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
