//! The primitives `weft::sync` is built on: `std`, or loom's.
//!
//! The sync types need no runtime (only wakers), so they can run inside a user's own loom
//! model: compiling with `RUSTFLAGS="--cfg weft_loom"` swaps the primitives below (and only
//! these: the scheduler keeps its own switch in `crate::loom`) for loom's, and a user's
//! `loom::model` test of, say, a producer/consumer on `weft::sync::mpsc` then explores the
//! interleavings of weft's channel too. weft's own models of these types run under
//! `cfg(all(test, loom))`, like the rest of the core.

#![allow(dead_code, unused_imports)]

#[cfg(any(all(test, loom), weft_loom))]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize};
    pub(crate) use loom::sync::{Arc, Mutex, MutexGuard};
}

#[cfg(not(any(all(test, loom), weft_loom)))]
mod imp {
    pub(crate) use crate::loom::UnsafeCell;
    pub(crate) use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize};
    pub(crate) use std::sync::{Arc, Mutex, MutexGuard};
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
