//! The one wait list: a FIFO of waiters kept in a slab, under a lock its owner holds.
//!
//! The batch semaphore (and so `Semaphore`, `Mutex`, `RwLock` and the bounded channel),
//! `Notify` and `broadcast` each keep `WaitQueue`s behind their `Mutex`. A waiting future owns
//! one slot, named by the [`Key`] it keeps. The semaphore and `Notify` serve a waiter by
//! hand-over: they take its slot out of the FIFO, free it, and give the result to the future
//! through the future's own outcome cell (`outcome.rs`). `broadcast` only unlinks a woken
//! receiver's slot, which the receiver frees or queues again itself.
//!
//! There is no `unsafe` here: the links are indices into a `Vec`, not pointers, and no proof
//! rests on a future's address (the outcome cell's does, in `outcome.rs`).
//!
//! Invariants:
//! - Each slot is vacant (on the free list), queued (linked into the FIFO) or unlinked (taken
//!   out of the FIFO, still owned by its future, holding the outcome).
//! - A slot is freed ([`WaitQueue::remove`]) by the holder of its [`Key`], or by a server
//!   that hands the outcome over through the future's cell, after which that future never
//!   uses its key again. Either way a slot is reused only after its key is dead, and a live
//!   key never names someone else's slot: keys need no generation.
//! - `head`, `tail` and the `prev`/`next` links of queued slots form one doubly linked list in
//!   push order; vacant slots are chained from `free` through `next`.
//! - Memory: the slab grows to the largest number of futures that waited at the same time and
//!   is reused afterwards, so waiting allocates nothing in steady state. When every slot is
//!   vacant again and the slab grew beyond [`SHRINK_ABOVE`] slots, it is freed.

use std::fmt;

const NIL: u32 = u32::MAX;

/// Slab size above which an idle queue gives its memory back.
const SHRINK_ABOVE: usize = 64;

/// Names one waiter's slot; held by exactly one future.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key(u32);

pub(crate) struct WaitQueue<T> {
    slots: Vec<Slot<T>>,
    head: u32,
    tail: u32,
    free: u32,
    /// Slots in the FIFO.
    queued: usize,
    /// Slots not vacant (queued or unlinked).
    occupied: usize,
}

struct Slot<T> {
    prev: u32,
    next: u32,
    linked: bool,
    /// `None` exactly when the slot is vacant.
    value: Option<T>,
}

impl<T> WaitQueue<T> {
    pub(crate) const fn new() -> WaitQueue<T> {
        WaitQueue {
            slots: Vec::new(),
            head: NIL,
            tail: NIL,
            free: NIL,
            queued: 0,
            occupied: 0,
        }
    }

    /// Whether no waiter is queued (unlinked slots do not count).
    pub(crate) fn is_empty(&self) -> bool {
        self.queued == 0
    }

    /// Queued waiters.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.queued
    }

    /// Queues `value` at the back; the caller keeps the key and must `remove` it eventually.
    pub(crate) fn push_back(&mut self, value: T) -> Key {
        let index = if self.free != NIL {
            let index = self.free;
            self.free = self.slots[index as usize].next;
            index
        } else {
            let index = u32::try_from(self.slots.len())
                .ok()
                .filter(|&index| index != NIL)
                .expect("more than u32::MAX - 1 futures waiting on one weft::sync primitive");
            self.slots.push(Slot {
                prev: NIL,
                next: NIL,
                linked: false,
                value: None,
            });
            index
        };
        let tail = self.tail;
        let slot = &mut self.slots[index as usize];
        debug_assert!(slot.value.is_none(), "a free slot holds no value");
        *slot = Slot {
            prev: tail,
            next: NIL,
            linked: true,
            value: Some(value),
        };
        if tail == NIL {
            self.head = index;
        } else {
            self.slots[tail as usize].next = index;
        }
        self.tail = index;
        self.queued += 1;
        self.occupied += 1;
        Key(index)
    }

    /// The value of the oldest queued waiter.
    pub(crate) fn front_mut(&mut self) -> Option<&mut T> {
        if self.head == NIL {
            return None;
        }
        self.slots[self.head as usize].value.as_mut()
    }

    /// Takes the oldest waiter out of the FIFO; its slot (and value) stay, owned by its key.
    pub(crate) fn pop_front(&mut self) -> Option<Key> {
        if self.head == NIL {
            return None;
        }
        let key = Key(self.head);
        self.unlink(key);
        Some(key)
    }

    /// Takes the newest waiter out of the FIFO; its slot (and value) stay, owned by its key.
    pub(crate) fn pop_back(&mut self) -> Option<Key> {
        if self.tail == NIL {
            return None;
        }
        let key = Key(self.tail);
        self.unlink(key);
        Some(key)
    }

    /// Whether `key`'s waiter is still in the FIFO.
    pub(crate) fn is_queued(&self, key: Key) -> bool {
        self.slot(key).linked
    }

    /// The value in `key`'s slot, queued or unlinked.
    pub(crate) fn get_mut(&mut self, key: Key) -> &mut T {
        self.slots[key.0 as usize]
            .value
            .as_mut()
            .expect("a key names an occupied slot")
    }

    /// Frees `key`'s slot (unlinking it first if it is still queued) and returns its value.
    pub(crate) fn remove(&mut self, key: Key) -> T {
        if self.slot(key).linked {
            self.unlink(key);
        }
        let free = self.free;
        let slot = &mut self.slots[key.0 as usize];
        let value = slot.value.take().expect("a key names an occupied slot");
        slot.next = free;
        slot.prev = NIL;
        self.free = key.0;
        self.occupied -= 1;
        if self.occupied == 0 && self.slots.len() > SHRINK_ABOVE {
            // Every slot is vacant: no key is outstanding, so the indices can start over.
            self.slots = Vec::new();
            self.free = NIL;
        }
        value
    }

    fn slot(&self, key: Key) -> &Slot<T> {
        let slot = &self.slots[key.0 as usize];
        debug_assert!(slot.value.is_some(), "a key names an occupied slot");
        slot
    }

    fn unlink(&mut self, key: Key) {
        let (prev, next) = {
            let slot = &mut self.slots[key.0 as usize];
            debug_assert!(slot.linked, "only a queued slot is unlinked");
            slot.linked = false;
            (slot.prev, slot.next)
        };
        if prev == NIL {
            self.head = next;
        } else {
            self.slots[prev as usize].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.slots[next as usize].prev = prev;
        }
        self.queued -= 1;
    }
}

impl<T> fmt::Debug for WaitQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitQueue")
            .field("queued", &self.queued)
            .field("occupied", &self.occupied)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn drain(queue: &mut WaitQueue<u32>) -> Vec<u32> {
        let mut out = Vec::new();
        while let Some(key) = queue.pop_front() {
            out.push(queue.remove(key));
        }
        out
    }

    #[test]
    fn fifo_order_and_removal_from_the_middle() {
        let mut queue = WaitQueue::new();
        let keys: Vec<Key> = (0..5).map(|i| queue.push_back(i)).collect();
        assert_eq!(queue.len(), 5);
        assert_eq!(queue.remove(keys[2]), 2);
        assert_eq!(queue.remove(keys[0]), 0);
        assert_eq!(queue.remove(keys[4]), 4);
        assert_eq!(drain(&mut queue), vec![1, 3]);
        assert!(queue.is_empty());
    }

    #[test]
    fn popped_slots_stay_owned_until_removed_and_are_then_reused() {
        let mut queue = WaitQueue::new();
        let a = queue.push_back(10);
        let b = queue.push_back(20);
        assert_eq!(queue.pop_front(), Some(a));
        assert!(!queue.is_queued(a));
        assert!(queue.is_queued(b));
        *queue.get_mut(a) += 1;
        // A new waiter never takes a popped slot that its owner has not removed.
        let c = queue.push_back(30);
        assert_ne!(c, a);
        assert_eq!(queue.remove(a), 11);
        let d = queue.push_back(40);
        assert_eq!(d, a, "the freed slot is reused");
        assert_eq!(drain(&mut queue), vec![20, 30, 40]);
    }

    #[test]
    fn front_mut_sees_the_oldest_and_the_slab_shrinks_when_idle() {
        let mut queue = WaitQueue::new();
        assert!(queue.front_mut().is_none());
        let keys: Vec<Key> = (0..100).map(|i| queue.push_back(i)).collect();
        *queue.front_mut().unwrap() += 1000;
        for key in keys.iter().rev() {
            queue.remove(*key);
        }
        assert!(queue.is_empty());
        assert_eq!(queue.slots.capacity(), 0, "an idle large slab is freed");
        let k = queue.push_back(7);
        assert_eq!(k, Key(0));
        assert_eq!(drain(&mut queue), vec![7]);
    }
}
