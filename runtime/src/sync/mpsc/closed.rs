//! The senders waiting in `closed()` for the receiver to close or drop.
//!
//! A small slab of wakers behind a lock: waiting for the close is rare and never on a message's
//! path. Each waiting future owns one slot (named by its key) and frees it when dropped, so a
//! sender that polls `closed()` in a `select!` loop does not grow the set.
//!
//! Invariants:
//! - A waiter registers under the lock and then re-checks the closed flag; the closer sets the
//!   flag before it takes the lock to wake everyone. Whichever takes the lock second sees the
//!   other's write: the waiter sees the flag, or the closer sees the waker. No lost wake-up.
//! - Only the key's holder frees its slot; waking only empties it.

use crate::sync::prim::{lock, Mutex};
use std::task::Waker;

pub(super) struct ClosedWaiters {
    slots: Mutex<Slots>,
}

#[derive(Default)]
struct Slots {
    /// `None` in a slot: owned by a future but not waiting (woken, or not yet registered).
    wakers: Vec<Option<Waker>>,
    /// Indices of vacant slots.
    free: Vec<usize>,
}

impl ClosedWaiters {
    pub(super) fn new() -> ClosedWaiters {
        ClosedWaiters {
            slots: Mutex::new(Slots::default()),
        }
    }

    /// Stores `waker` in the slot named by `key`, taking a slot first if `key` is `None`.
    pub(super) fn register(&self, key: &mut Option<usize>, waker: &Waker) {
        let mut slots = lock(&self.slots);
        let index = match *key {
            Some(index) => index,
            None => {
                let index = match slots.free.pop() {
                    Some(index) => index,
                    None => {
                        slots.wakers.push(None);
                        slots.wakers.len() - 1
                    }
                };
                *key = Some(index);
                index
            }
        };
        let slot = &mut slots.wakers[index];
        let stale = match slot {
            Some(current) if current.will_wake(waker) => None,
            _ => slot.replace(waker.clone()),
        };
        drop(slots);
        drop(stale);
    }

    /// Frees the slot named by `key`.
    pub(super) fn remove(&self, key: usize) {
        let mut slots = lock(&self.slots);
        let stale = slots.wakers[key].take();
        slots.free.push(key);
        if slots.free.len() == slots.wakers.len() {
            // Nobody waits any more: give the memory back.
            *slots = Slots::default();
        }
        drop(slots);
        drop(stale);
    }

    /// Wakes every waiter (the closed flag is already set).
    pub(super) fn wake_all(&self) {
        let wakers: Vec<Waker> = {
            let mut slots = lock(&self.slots);
            slots.wakers.iter_mut().filter_map(Option::take).collect()
        };
        for waker in wakers {
            waker.wake();
        }
    }
}
