//! The one switch between std and loom.
//!
//! Every atomic, cell, mutex, condition variable, parker and thread that weft's concurrent core
//! uses is imported from here, never from `std` directly, so that loom can explore every
//! interleaving of the core in weft's own models.
//!
//! The switch is `cfg(all(test, loom))`, not `cfg(loom)`: a user who builds their own program
//! with `--cfg loom` to model-check *their* code must get weft's ordinary internals, not a
//! half-swapped runtime (tokio keys its facade the same way for the same reason). weft's models
//! run with `RUSTFLAGS="--cfg loom" cargo test -p weft --release --lib loom`, where `test` is set
//! for this crate.
//!
//! [`UnsafeCell`] exposes loom's closure API (`with`, `with_mut`) in both modes, so that the code
//! using it is the same under std and under loom.

#![allow(dead_code, unused_imports)]

#[cfg(all(test, loom))]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize};
    pub(crate) use loom::sync::{Arc, Condvar, Mutex, MutexGuard};
    pub(crate) use loom::thread;

    /// Under loom a model's threads must block through loom, so the parker is a small
    /// `Mutex` + `Condvar` one rather than crossbeam's (whose internals loom cannot see).
    pub(crate) use super::model_parker::{Parker, Unparker};

    /// `std::thread::yield_now` lets loom switch threads inside a spin loop.
    pub(crate) fn spin_loop_hint() {
        loom::thread::yield_now();
    }
}

#[cfg(not(all(test, loom)))]
mod imp {
    pub(crate) use crossbeam_utils::sync::{Parker, Unparker};
    pub(crate) use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize};
    pub(crate) use std::sync::{Arc, Condvar, Mutex, MutexGuard};
    pub(crate) use std::thread;

    /// A cell with loom's closure API over `std::cell::UnsafeCell`.
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        pub(crate) const fn new(value: T) -> UnsafeCell<T> {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

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

    pub(crate) fn spin_loop_hint() {
        std::hint::spin_loop();
    }
}

pub(crate) use imp::*;
pub(crate) use std::sync::atomic::Ordering;

/// Locks a mutex, ignoring poisoning: weft never panics while holding one of its own locks
/// (task panics are caught before they reach scheduler code), so a poisoned lock still guards
/// consistent data.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

#[cfg(all(test, loom))]
mod model_parker {
    //! A parker for loom models with crossbeam's semantics and API: one sticky token; `park`
    //! consumes it or blocks until `unpark` provides it.
    use loom::sync::{Arc, Condvar, Mutex};
    use std::time::Duration;

    #[derive(Debug, Default)]
    struct Inner {
        token: Mutex<bool>,
        condvar: Condvar,
    }

    #[derive(Debug, Default)]
    pub(crate) struct Parker {
        unparker: Unparker,
    }

    #[derive(Debug, Clone, Default)]
    pub(crate) struct Unparker(Arc<Inner>);

    impl Parker {
        pub(crate) fn new() -> Parker {
            Parker::default()
        }

        pub(crate) fn park(&self) {
            let inner = &self.unparker.0;
            let mut token = inner.token.lock().unwrap();
            while !*token {
                token = inner.condvar.wait(token).unwrap();
            }
            *token = false;
        }

        /// Loom has no clock: a timed park is a park that the model must end with `unpark`;
        /// if every thread of a model blocks, loom reports the deadlock.
        pub(crate) fn park_timeout(&self, _timeout: Duration) {
            self.park();
        }

        pub(crate) fn unparker(&self) -> &Unparker {
            &self.unparker
        }
    }

    impl Unparker {
        pub(crate) fn unpark(&self) {
            *self.0.token.lock().unwrap() = true;
            self.0.condvar.notify_one();
        }
    }
}
