//! The waiter lists of a source: per list, the waker of the last `poll_*` caller (`polled`)
//! and the slots of futures' `Waiter`s (see the module docs of `source` for the two kinds).
//!
//! Invariants of a [`List`]: `free` heads a list of the `Slot::Free` entries linked by `next`
//! and ending at `slots.len()`; every other entry is owned by exactly one `Waiter`; `waiting`
//! counts the entries that hold a waker. `polled` holds at most one waker, the last stored: a
//! store replaces it (tokio's `poll_*` contract), and the one replaced is handed back to be
//! dropped, never woken.
//!
//! No user code runs in here: a waker to store is cloned by the caller before it changes
//! anything ([`List::needs_slot`], [`List::needs_polled`] say whether a clone is needed), and
//! replaced or released wakers are handed back to be dropped after the lock.

use super::direction::LISTS;
use std::task::Waker;

/// The lists of one source, by index (`direction.rs`: read, write, other).
#[derive(Debug, Default)]
pub(super) struct Waiters {
    pub(super) lists: [List; LISTS],
}

/// The waiters of one list.
#[derive(Debug, Default)]
pub(super) struct List {
    polled: Option<Waker>,
    slots: Vec<Slot>,
    free: usize,
    waiting: usize,
}

#[derive(Debug)]
enum Slot {
    Free {
        next: usize,
    },
    /// Owned by a `Waiter`: its waker while it waits, `None` once an event took it.
    Owned(Option<Waker>),
}

impl List {
    /// Whether a `poll_*` caller with `waker` must store a clone: not if the same task's
    /// waker is the one stored already.
    pub(super) fn needs_polled(&self, waker: &Waker) -> bool {
        !self
            .polled
            .as_ref()
            .is_some_and(|stored| stored.will_wake(waker))
    }

    /// Stores a `poll_*` caller's waker (cloned by the caller, after `needs_polled`) in place
    /// of the previous caller's. Returns the waker it replaced, for the caller to drop after
    /// unlocking: that caller is not woken by the next event (tokio's contract: only the last
    /// `poll_*` caller of a direction is).
    pub(super) fn store_polled(&mut self, waker: Waker) -> Option<Waker> {
        self.polled.replace(waker)
    }

    /// Whether the waiter whose slot is `slot` must store a clone of `waker`: not if its slot
    /// holds the same task's waker already.
    pub(super) fn needs_slot(&self, slot: Option<usize>, waker: &Waker) -> bool {
        match slot {
            Some(index) => match &self.slots[index] {
                Slot::Owned(stored) => !stored
                    .as_ref()
                    .is_some_and(|stored| stored.will_wake(waker)),
                Slot::Free { .. } => unreachable!("a waiter's slot is owned until it is released"),
            },
            None => true,
        }
    }

    /// Stores `waker` in the slot `slot` names, taking a free slot first if it names none.
    /// Returns the waker it replaced, for the caller to drop after unlocking.
    pub(super) fn store_in_slot(
        &mut self,
        slot: &mut Option<usize>,
        waker: Waker,
    ) -> Option<Waker> {
        if let Some(index) = *slot {
            let Slot::Owned(stored) = &mut self.slots[index] else {
                unreachable!("a waiter's slot is owned until the waiter releases it")
            };
            if stored.is_none() {
                self.waiting += 1;
            }
            return stored.replace(waker);
        }
        let index = self.free;
        if index == self.slots.len() {
            self.slots.push(Slot::Owned(Some(waker)));
            self.free = self.slots.len();
        } else {
            let Slot::Free { next } = self.slots[index] else {
                unreachable!("the free list holds only free slots")
            };
            self.free = next;
            self.slots[index] = Slot::Owned(Some(waker));
        }
        self.waiting += 1;
        *slot = Some(index);
        None
    }

    /// Frees `index` (owned by the caller); returns the waker still in it, for the caller to
    /// drop after unlocking.
    pub(super) fn release(&mut self, index: usize) -> Option<Waker> {
        let slot = std::mem::replace(&mut self.slots[index], Slot::Free { next: self.free });
        self.free = index;
        match slot {
            Slot::Owned(waker) => {
                if waker.is_some() {
                    self.waiting -= 1;
                }
                waker
            }
            Slot::Free { .. } => unreachable!("a slot is released once, by its owner"),
        }
    }

    /// Moves every stored waker to `wake`; slots stay owned by their waiters.
    pub(super) fn take_all(&mut self, wake: &mut Vec<Waker>) {
        wake.extend(self.polled.take());
        if self.waiting == 0 {
            return;
        }
        for slot in &mut self.slots {
            if let Slot::Owned(waker) = slot {
                wake.extend(waker.take());
            }
        }
        self.waiting = 0;
    }

    /// How many wakers wait in this list (both kinds).
    #[cfg(all(test, loom))]
    pub(super) fn stored(&self) -> usize {
        usize::from(self.polled.is_some()) + self.waiting
    }
}
