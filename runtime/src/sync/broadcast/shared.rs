//! The state a broadcast channel's handles share: a ring of slots and the tail.
//!
//! Each slot holds the message last written to it, its position (the count of messages sent
//! before it) and how many receivers still have to read it. The tail holds the next position
//! to write, the receiver count, whether every sender is gone, and the tasks waiting (receivers
//! for the next message, senders in `closed()`).
//!
//! Invariants:
//! - Lock order: the tail, then a slot. A receiver that finds its slot not ready drops the
//!   slot's lock and decides again under the tail's.
//! - Positions only grow (wrapping `u64`). Slot `i` holds the newest position `p` with
//!   `p % capacity == i` that is below `tail.pos`, or, never written, `i - capacity`. So for a
//!   receiver at position `next <= tail.pos`: the slot of `next` holds `next` (ready), or
//!   `next - capacity` (nothing new: `next == tail.pos`), or a newer position (overwritten:
//!   the receiver lagged, and the oldest message still kept is `tail.pos - capacity`).
//! - A slot's `remaining` counts the receivers alive when it was written that have neither
//!   read it nor dropped; the one that takes it to 0 takes the value out and drops it (after
//!   cloning it, like every reader: tokio's rule, one clone per receiver), so a message lives
//!   no longer than someone may read it.
//! - `receivers` changes only under the tail lock: a send sees the exact count, and a receiver
//!   that subscribes starts at `tail.pos`, after every message counted without it.
//! - A waiting receiver registers under the tail lock after seeing `tail.pos == next` there,
//!   and a send advances `tail.pos` and takes every waiter under that lock: no lost wake-up.
//!   The same holds for `closed` (set once, by the last sender's drop) and for the senders
//!   waiting for `receivers == 0`.
//! - No user code runs under a lock but `Clone` of a message (as in tokio, a receiver that is
//!   not the last to read a message clones it under its slot's lock): values replaced or
//!   released are dropped, and wakers woken, after the locks are released.

use super::error::{SendError, TryRecvError};
use crate::sync::prim::{lock, AtomicUsize, Mutex, MutexGuard};
use crate::sync::wait_queue::{Key, WaitQueue};
use crate::sync::wake_list::WakeList;
use std::task::Waker;

pub(super) struct Shared<T> {
    slots: Box<[Mutex<Slot<T>>]>,
    /// `capacity - 1`; the capacity is a power of two.
    mask: usize,
    tail: Mutex<Tail>,
    pub(super) senders: AtomicUsize,
    pub(super) weak_senders: AtomicUsize,
}

struct Slot<T> {
    pos: u64,
    remaining: usize,
    value: Option<T>,
}

struct Tail {
    /// The position of the next message.
    pos: u64,
    receivers: usize,
    /// Every sender is gone.
    closed: bool,
    /// Receivers waiting for a message or the close.
    readers: WaitQueue<Option<Waker>>,
    /// Senders waiting in `closed()` for the receiver count to reach 0.
    watchers: WaitQueue<Option<Waker>>,
}

/// Which wait list a [`Registration`] is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum List {
    Readers,
    Watchers,
}

/// A waiting future's place in one of the tail's wait lists.
#[derive(Debug, Default)]
pub(super) struct Registration {
    key: Option<Key>,
}

impl<T> Shared<T> {
    /// A channel of at least `capacity` slots (rounded up to a power of two) with
    /// `receivers` receivers and one sender.
    #[track_caller]
    pub(super) fn new(capacity: usize, receivers: usize) -> Shared<T> {
        assert!(capacity > 0, "broadcast channel capacity cannot be zero");
        assert!(
            capacity <= usize::MAX >> 1,
            "broadcast channel capacity exceeded `usize::MAX / 2`"
        );
        let capacity = capacity.next_power_of_two();
        let slots = (0..capacity)
            .map(|index| {
                Mutex::new(Slot {
                    pos: (index as u64).wrapping_sub(capacity as u64),
                    remaining: 0,
                    value: None,
                })
            })
            .collect();
        Shared {
            slots,
            mask: capacity - 1,
            tail: Mutex::new(Tail {
                pos: 0,
                receivers,
                closed: false,
                readers: WaitQueue::new(),
                watchers: WaitQueue::new(),
            }),
            senders: AtomicUsize::new(1),
            weak_senders: AtomicUsize::new(0),
        }
    }

    fn capacity(&self) -> u64 {
        self.mask as u64 + 1
    }

    fn slot(&self, pos: u64) -> MutexGuard<'_, Slot<T>> {
        lock(&self.slots[pos as usize & self.mask])
    }

    /// Stores `value` for every receiver alive now and wakes the waiting ones; the receiver
    /// count, or the value back if there is none.
    pub(super) fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let mut tail = lock(&self.tail);
        if tail.receivers == 0 {
            return Err(SendError(value));
        }
        let pos = tail.pos;
        let overwritten = {
            let mut slot = self.slot(pos);
            slot.pos = pos;
            slot.remaining = tail.receivers;
            slot.value.replace(value)
        };
        tail.pos = pos.wrapping_add(1);
        let receivers = tail.receivers;
        let wakers = take_all(&mut tail.readers);
        drop(tail);
        drop(overwritten);
        wakers.wake_all();
        Ok(receivers)
    }

    /// The message at position `next` for a receiver there, advancing it; or why none.
    pub(super) fn try_recv(&self, next: &mut u64) -> Result<T, TryRecvError>
    where
        T: Clone,
    {
        {
            let slot = self.slot(*next);
            if slot.pos == *next {
                return Ok(read(slot, next));
            }
        }
        // Not written yet, or overwritten: the tail tells which, and orders us with sends.
        let tail = lock(&self.tail);
        let slot = self.slot(*next);
        if slot.pos == *next {
            drop(tail);
            return Ok(read(slot, next));
        }
        if slot.pos.wrapping_add(self.capacity()) == *next {
            debug_assert_eq!(tail.pos, *next, "a receiver is never ahead of the tail");
            return Err(if tail.closed {
                TryRecvError::Closed
            } else {
                TryRecvError::Empty
            });
        }
        let oldest = tail.pos.wrapping_sub(self.capacity());
        let missed = oldest.wrapping_sub(*next);
        *next = oldest;
        Err(TryRecvError::Lagged(missed))
    }

    /// After `try_recv` found nothing at `next`: registers the waker unless something
    /// changed meanwhile (then `false`: try again).
    pub(super) fn register_reader(
        &self,
        next: u64,
        registration: &mut Registration,
        waker: &Waker,
    ) -> bool {
        let mut tail = lock(&self.tail);
        if tail.pos != next || tail.closed {
            return false;
        }
        let stale = registration.store(&mut tail.readers, waker);
        drop(tail);
        drop(stale);
        true
    }

    /// Leaves the wait list, if in one.
    pub(super) fn unregister(&self, list: List, registration: &mut Registration) {
        if let Some(key) = registration.key.take() {
            let mut tail = lock(&self.tail);
            let waker = match list {
                List::Readers => tail.readers.remove(key),
                List::Watchers => tail.watchers.remove(key),
            };
            drop(tail);
            drop(waker);
        }
    }

    /// A new receiver: counted, and starting after every message sent so far.
    pub(super) fn subscribe(&self) -> u64 {
        let mut tail = lock(&self.tail);
        tail.receivers += 1;
        tail.pos
    }

    /// A receiver at `next` is dropped: it no longer holds back the messages it did not read.
    pub(super) fn unsubscribe(&self, next: u64) {
        let mut released = Vec::new();
        let mut tail = lock(&self.tail);
        tail.receivers -= 1;
        // Positions do not wrap in practice (2^64 messages), so plain comparisons hold.
        let mut pos = next.max(tail.pos.saturating_sub(self.capacity()));
        while pos != tail.pos {
            let mut slot = self.slot(pos);
            if slot.pos == pos {
                slot.remaining -= 1;
                if slot.remaining == 0 {
                    released.extend(slot.value.take());
                }
            }
            pos = pos.wrapping_add(1);
        }
        let wakers = if tail.receivers == 0 {
            take_all(&mut tail.watchers)
        } else {
            WakeList::new()
        };
        drop(tail);
        drop(released);
        wakers.wake_all();
    }

    /// The last sender is gone: receivers drain what is left and then see `Closed`.
    pub(super) fn close(&self) {
        let mut tail = lock(&self.tail);
        tail.closed = true;
        let wakers = take_all(&mut tail.readers);
        drop(tail);
        wakers.wake_all();
    }

    /// Whether no receiver is left; otherwise registers the waker for when none is.
    pub(super) fn poll_no_receivers(&self, registration: &mut Registration, waker: &Waker) -> bool {
        let mut tail = lock(&self.tail);
        if tail.receivers == 0 {
            let done = registration.key.take().map(|key| tail.watchers.remove(key));
            drop(tail);
            drop(done);
            return true;
        }
        let stale = registration.store(&mut tail.watchers, waker);
        drop(tail);
        drop(stale);
        false
    }

    pub(super) fn receiver_count(&self) -> usize {
        lock(&self.tail).receivers
    }

    /// Messages sent but not yet read by a receiver at `next` (lagged ones included).
    pub(super) fn len_from(&self, next: u64) -> usize {
        lock(&self.tail).pos.wrapping_sub(next) as usize
    }

    /// Messages still kept for some receiver.
    pub(super) fn queued(&self) -> usize {
        let tail = lock(&self.tail);
        let mut pos = tail.pos.saturating_sub(self.capacity());
        let mut queued = 0;
        while pos != tail.pos {
            let slot = self.slot(pos);
            queued += usize::from(slot.pos == pos && slot.remaining > 0);
            pos = pos.wrapping_add(1);
        }
        queued
    }
}

/// Reads the message in a ready slot: moves the receiver past it first (as in tokio, a clone
/// that panics skips the message rather than wedging the receiver), then clones it, under the
/// slot's lock unless this was the last reader, which takes the stored value out and clones it
/// after the lock is released (the original is dropped there).
fn read<T: Clone>(mut slot: MutexGuard<'_, Slot<T>>, next: &mut u64) -> T {
    *next = next.wrapping_add(1);
    slot.remaining -= 1;
    if slot.remaining > 0 {
        return slot
            .value
            .as_ref()
            .expect("a ready slot holds its value until its last reader")
            .clone();
    }
    let last = slot
        .value
        .take()
        .expect("a ready slot holds its value until its last reader");
    drop(slot);
    last.clone()
}

/// Takes every waiter out of `list` (each future frees its own slot), collecting the wakers.
fn take_all(list: &mut WaitQueue<Option<Waker>>) -> WakeList {
    let mut wakers = WakeList::new();
    while let Some(key) = list.pop_front() {
        if let Some(waker) = list.get_mut(key).take() {
            wakers.push(waker);
        }
    }
    wakers
}

impl Registration {
    /// Stores `waker` in `list` under this registration (queueing it again if it was woken);
    /// returns the waker it replaced, to drop after the lock.
    fn store(&mut self, list: &mut WaitQueue<Option<Waker>>, waker: &Waker) -> Option<Waker> {
        match self.key {
            Some(key) if list.is_queued(key) => {
                let slot = list.get_mut(key);
                match slot {
                    Some(current) if current.will_wake(waker) => None,
                    _ => slot.replace(waker.clone()),
                }
            }
            Some(key) => {
                let woken = list.remove(key);
                self.key = Some(list.push_back(Some(waker.clone())));
                woken
            }
            None => {
                self.key = Some(list.push_back(Some(waker.clone())));
                None
            }
        }
    }
}
