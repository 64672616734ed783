//! The one switch between std and loom for `weft-io`.
//!
//! Every atomic and mutex that the readiness protocol uses is imported from here, so that the
//! crate's loom models (`RUSTFLAGS="--cfg loom" cargo test -p weft-io --release --lib loom`)
//! explore every interleaving of it. The switch is `cfg(all(test, loom))`, as in `weft`: a user
//! building their own program with `--cfg loom` gets ordinary internals.

#![allow(unused_imports)]

#[cfg(all(test, loom))]
pub(crate) use loom::sync::{
    atomic::{AtomicBool, AtomicU64, AtomicUsize},
    Arc, Mutex, MutexGuard,
};

#[cfg(not(all(test, loom)))]
pub(crate) use std::sync::{
    atomic::{AtomicBool, AtomicU64, AtomicUsize},
    Arc, Mutex, MutexGuard,
};

pub(crate) use std::sync::atomic::Ordering;

/// Locks a mutex, ignoring poisoning: the only user code that runs while a lock of this crate
/// is held is `Waker::clone`, before anything guarded is changed (wakers are woken and dropped
/// after the lock is released), so a poisoned lock still guards consistent data.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
