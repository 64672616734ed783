//! The primitives `weft::sync` is built on: `std`, or loom's.
//!
//! The sync types need no runtime (only wakers), so they can run inside a user's own loom
//! model: compiling with `RUSTFLAGS="--cfg weft_loom"` swaps the primitives below (and only
//! these: the scheduler keeps its own switch in `crate::loom`) for loom's, and a user's
//! `loom::model` test of, say, a producer/consumer on `weft::sync::mpsc` then explores the
//! interleavings of weft's channel too. weft's own models of these types run under
//! `cfg(all(test, loom))`, like the rest of the core.
//!
//! [`UnsafeCell`] has loom's closure API (`with`, `with_mut`) in both modes and, unlike the
//! scheduler's, accepts unsized values (`Mutex<dyn Trait>` works as in tokio).

#![allow(dead_code, unused_imports)]

#[cfg(any(all(test, loom), weft_loom))]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize};
    pub(crate) use loom::sync::{
        Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
    };
}

#[cfg(not(any(all(test, loom), weft_loom)))]
mod imp {
    pub(crate) use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize};
    pub(crate) use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

    /// A cell with loom's closure API over `std::cell::UnsafeCell`, for sized and unsized
    /// values.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> UnsafeCell<T> {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        pub(crate) fn into_inner(self) -> T {
            self.0.into_inner()
        }
    }

    impl<T: ?Sized> UnsafeCell<T> {
        /// Runs `f` with a shared pointer to the value.
        #[inline(always)]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Runs `f` with a unique pointer to the value.
        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

pub(crate) use imp::*;
pub(crate) use std::sync::atomic::Ordering;

/// Locks, ignoring poisoning: the sync types never panic while holding their own locks.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Read-locks, ignoring poisoning. `watch` holds its value lock only while running code of
/// its own or a user's `send_modify` closure; a panic in that closure leaves a value the user
/// wrote, which the next reader sees as tokio's readers do.
pub(crate) fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    match lock.read() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Write-locks, ignoring poisoning (see [`read`]).
pub(crate) fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    match lock.write() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
