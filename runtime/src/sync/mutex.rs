//! [`Mutex`]: an asynchronous mutual-exclusion lock whose guard may be held across `.await`.
//!
//! A batch semaphore of one permit, and the value in a cell.
//!
//! Invariants:
//! - The value is reached only through a guard (`MutexGuard`, `OwnedMutexGuard`), or through
//!   `&mut Mutex` / by value, where the borrow checker proves no guard exists.
//! - A guard exists only while it holds the semaphore's one permit, and gives it back exactly
//!   once, when dropped. So at most one guard exists at a time, and a guard's `&T`/`&mut T`
//!   are never aliased by another guard's.
//! - The semaphore is never closed, so acquiring can only succeed.
//! - A mapped guard (`mutex/mapped.rs`) is a guard too: it holds the one permit and reaches
//!   the part of the value its `map` picked, through a pointer borrowed from a guard's
//!   `&mut T`.

mod mapped;

pub use mapped::{MappedMutexGuard, OwnedMappedMutexGuard};

use super::batch_semaphore as ll;
use super::blocking;
use super::prim::UnsafeCell;
use std::error::Error;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// An asynchronous mutex: `lock().await` waits (without blocking the thread) until the lock
/// is free, and the guard may be held across `.await` points.
///
/// Waiting tasks get the lock in the order they asked for it (FIFO). Locking a free mutex is a
/// single atomic operation, and so is unlocking one that nobody waits for.
///
/// Like tokio's, this mutex is for holding a lock across `.await`. For data locked only
/// briefly in plain code, `std::sync::Mutex` is cheaper and fine inside tasks.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use weft::sync::Mutex;
///
/// #[weft::main]
/// async fn main() {
///     let count = Arc::new(Mutex::new(0));
///     let mut handles = Vec::new();
///     for _ in 0..100 {
///         let count = count.clone();
///         handles.push(weft::spawn(async move {
///             let mut guard = count.lock().await;
///             weft::task::yield_now().await; // still holding the lock
///             *guard += 1;
///         }));
///     }
///     for handle in handles {
///         handle.await.unwrap();
///     }
///     assert_eq!(*count.lock().await, 100);
/// }
/// ```
pub struct Mutex<T: ?Sized> {
    semaphore: ll::Semaphore,
    value: UnsafeCell<T>,
}

// SAFETY: a `&Mutex<T>` hands out `&T` and `&mut T` only through a guard, and at most one guard
// exists at a time (the semaphore has one permit; see the module invariants), so sharing the
// mutex between threads moves the value's access between them one thread at a time: that
// needs `T: Send`, not `T: Sync`, exactly as for `std::sync::Mutex`. `Send` is derived.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

/// Exclusive access to the value of a [`Mutex`]; unlocks it when dropped.
///
/// It may be held across `.await`, and it is `Send` when `T` is, so a task holding it can move
/// between worker threads.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    lock: &'a Mutex<T>,
    /// Makes the guard `Sync` only if `T` is (it hands out `&T`).
    _value: PhantomData<&'a mut T>,
}

/// Exclusive access to the value of an `Arc<Mutex<T>>`, which it keeps alive; unlocks it
/// when dropped. Being `'static`, it can move into a spawned task.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMutexGuard<T: ?Sized> {
    lock: Arc<Mutex<T>>,
    /// Makes the guard `Sync` only if `T` is (it hands out `&T`).
    _value: PhantomData<T>,
}

/// The error of [`Mutex::try_lock`] (and of `RwLock`'s `try_read` / `try_write`): the lock is
/// held elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryLockError(pub(super) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl Error for TryLockError {}

impl<T> Mutex<T> {
    /// A new, unlocked mutex holding `value`.
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            semaphore: ll::Semaphore::new(1),
            value: UnsafeCell::new(value),
        }
    }

    /// [`new`](Mutex::new) in a `const` context, e.g. for a `static`.
    ///
    /// ```
    /// use weft::sync::Mutex;
    ///
    /// static COUNT: Mutex<u32> = Mutex::const_new(0);
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     *COUNT.lock().await += 1;
    ///     assert_eq!(*COUNT.lock().await, 1);
    /// }
    /// ```
    #[cfg(not(any(all(test, loom), weft_loom)))]
    pub const fn const_new(value: T) -> Mutex<T> {
        Mutex {
            semaphore: ll::Semaphore::const_new(1),
            value: UnsafeCell::new(value),
        }
    }

    /// The value; the mutex is consumed, so no guard can exist.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, waiting until it is free.
    ///
    /// # Cancel safety
    ///
    /// This method uses a queue to fairly distribute locks in the order they were requested.
    /// Cancelling a call to `lock` makes you lose your place in the queue; it never leaves
    /// the mutex locked.
    ///
    /// ```
    /// use weft::sync::Mutex;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let mutex = Mutex::new(1);
    ///     let mut guard = mutex.lock().await;
    ///     *guard = 2;
    ///     drop(guard);
    ///     assert_eq!(*mutex.lock().await, 2);
    /// }
    /// ```
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        self.acquire().await;
        MutexGuard {
            lock: self,
            _value: PhantomData,
        }
    }

    /// Locks the mutex if it is free now.
    ///
    /// ```
    /// use weft::sync::Mutex;
    ///
    /// let mutex = Mutex::new(1);
    /// let guard = mutex.try_lock().unwrap();
    /// assert!(mutex.try_lock().is_err());
    /// drop(guard);
    /// assert!(mutex.try_lock().is_ok());
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        match self.semaphore.try_acquire(1) {
            Ok(()) => Ok(MutexGuard {
                lock: self,
                _value: PhantomData,
            }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// Locks the mutex from synchronous code, blocking the thread until it is free.
    ///
    /// # Panics
    /// When called from inside a runtime (a task, or a `block_on`), where blocking would
    /// stall the runtime's tasks: use [`lock`](Mutex::lock) there, or call this from
    /// [`spawn_blocking`](crate::task::spawn_blocking).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::Mutex;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let mutex = Arc::new(Mutex::new(0));
    ///     let blocking = weft::task::spawn_blocking({
    ///         let mutex = mutex.clone();
    ///         move || *mutex.blocking_lock() += 1
    ///     });
    ///     blocking.await.unwrap();
    ///     assert_eq!(*mutex.lock().await, 1);
    /// }
    /// ```
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        blocking::block_on("Mutex::blocking_lock", self.lock())
    }

    /// Locks an `Arc<Mutex<T>>`, waiting until it is free; the guard keeps the mutex alive.
    ///
    /// # Cancel safety
    ///
    /// This method uses a queue to fairly distribute locks in the order they were requested.
    /// Cancelling a call to `lock_owned` makes you lose your place in the queue; it never
    /// leaves the mutex locked.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::sync::Mutex;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let mutex = Arc::new(Mutex::new(Vec::new()));
    ///     let mut guard = mutex.clone().lock_owned().await;
    ///     weft::spawn(async move { guard.push(1) }).await.unwrap();
    ///     assert_eq!(*mutex.lock().await, [1]);
    /// }
    /// ```
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        self.acquire().await;
        OwnedMutexGuard {
            lock: self,
            _value: PhantomData,
        }
    }

    /// Locks an `Arc<Mutex<T>>` if it is free now.
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        match self.semaphore.try_acquire(1) {
            Ok(()) => Ok(OwnedMutexGuard {
                lock: self,
                _value: PhantomData,
            }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// The value, through `&mut self`: no guard can exist, so no locking is needed.
    ///
    /// ```
    /// let mut mutex = weft::sync::Mutex::new(1);
    /// *mutex.get_mut() = 2;
    /// assert_eq!(mutex.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves that no guard borrows the mutex, so no other reference
        // to the value exists; the result borrows `self` mutably for as long as it lives.
        self.value.with_mut(|value| unsafe { &mut *value })
    }

    async fn acquire(&self) {
        if self.semaphore.acquire(1).await.is_err() {
            unreachable!("a Mutex's semaphore is never closed");
        }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Mutex<T> {
        Mutex::new(value)
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.lock
    }
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the mutex's only permit, so no other guard exists and
        // nothing else reaches the value (module invariants); the `&T` borrows the guard, so
        // it ends before the guard gives the permit back and excludes `deref_mut` meanwhile.
        self.lock.value.with(|value| unsafe { &*value })
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; the `&mut T` borrows the guard mutably, so it is unique.
        self.lock.value.with_mut(|value| unsafe { &mut *value })
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: as for `MutexGuard::deref`: this guard holds the only permit, and the `&T`
        // borrows the guard. The `Arc` keeps the mutex alive at least as long.
        self.lock.value.with(|value| unsafe { &*value })
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; the `&mut T` borrows the guard mutably, so it is unique.
        self.lock.value.with_mut(|value| unsafe { &mut *value })
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.semaphore.release(1);
    }
}

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        self.lock.semaphore.release(1);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
