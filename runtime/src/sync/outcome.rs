//! A waiting future's outcome cell: how a wait list hands a queued future its result without
//! the future taking the lock again to read it.
//!
//! A future that queues in a [`WaitQueue`](super::wait_queue::WaitQueue) stores, in its slot,
//! an [`OutcomePtr`] to the [`Outcome`] cell inside itself. Whoever serves the waiter (a
//! release, a notification, a close) takes the slot out of the queue, frees it, and
//! [delivers](OutcomePtr::deliver) the result into the cell, all under the list's lock. The
//! woken future reads the cell with [`Outcome::get`], lock-free: that is one lock acquisition
//! fewer per wake-up than reading the result from the slot, on exactly the locks that are
//! contended (tokio's waiters read their state the same way).
//!
//! Invariants, which each user of the cell (`Notify`, the batch semaphore) upholds:
//! - The cell is [`PENDING`] until a single delivery; it is written only under the list's
//!   lock, so what a future reads while holding that lock is final.
//! - A future points its slot to its cell only while pinned (it queues from a pinned `poll`),
//!   and its drop removes a still-queued slot under the lock. So while a slot is queued its
//!   cell is alive and in place, which is what [`OutcomePtr::deliver`] needs.
//! - The server frees the slot before delivering and touches neither afterwards; the future
//!   reads its cell before every use of its key, and forgets the key once the cell is set (the
//!   slot may already be another waiter's).
//! - The cell type is `!Unpin`, so the futures holding it are too: a `&mut` to a pinned
//!   future then claims no exclusive access to the cell that the server writes through its
//!   pointer.

use super::prim::{AtomicUsize, Ordering};
use std::fmt;
use std::marker::PhantomPinned;
use std::ptr::NonNull;

/// The cell's value until the one delivery.
pub(crate) const PENDING: usize = 0;

/// The cell inside a waiting future.
pub(crate) struct Outcome {
    cell: AtomicUsize,
    _pinned: PhantomPinned,
}

impl Outcome {
    pub(crate) fn new() -> Outcome {
        Outcome {
            cell: AtomicUsize::new(PENDING),
            _pinned: PhantomPinned,
        }
    }

    /// What was delivered, or [`PENDING`]. `Acquire`: pairs with the delivery's `Release`, so
    /// everything the server did before delivering (and before its caller's release, wake or
    /// notify) is visible to the future that sees the value.
    pub(crate) fn get(&self) -> usize {
        self.cell.load(Ordering::Acquire)
    }

    /// What was delivered, read without the lock if it is there already; else read again
    /// under the guard that `lock` returns (deliveries happen only under that lock), and, if
    /// still [`PENDING`], that guard: the future is then still queued and its key still names
    /// its slot, for as long as the guard is held.
    pub(crate) fn get_or_lock<G>(&self, lock: impl FnOnce() -> G) -> Delivery<G> {
        let value = self.get();
        if value != PENDING {
            return Delivery::Delivered(value);
        }
        let guard = lock();
        match self.get() {
            PENDING => Delivery::Pending(guard),
            value => Delivery::Delivered(value),
        }
    }

    /// A pointer for the slot the future is about to queue. The future must be pinned from
    /// now until its drop (see the module's invariants).
    pub(crate) fn ptr(&self) -> OutcomePtr {
        OutcomePtr(NonNull::from(self))
    }
}

impl fmt::Debug for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Outcome").field(&self.get()).finish()
    }
}

/// The result of [`Outcome::get_or_lock`].
pub(crate) enum Delivery<G> {
    /// The value delivered (no lock is held).
    Delivered(usize),
    /// Nothing delivered yet; the list's lock guard, held.
    Pending(G),
}

/// A queued slot's pointer to its future's [`Outcome`].
pub(crate) struct OutcomePtr(NonNull<Outcome>);

// SAFETY: the pointer is only dereferenced by `deliver`, whose contract makes the cell alive
// then; the cell is an atomic (`Sync`), so writing it from whichever thread serves the queue
// is sound wherever the future lives.
unsafe impl Send for OutcomePtr {}

impl OutcomePtr {
    /// Writes `value` (not [`PENDING`]) into the future's cell: the server's last touch of it.
    ///
    /// # Safety
    ///
    /// The caller holds the lock of the list this pointer's slot was queued in, and has just
    /// taken the slot out of the queue (it was queued until then, so its future is alive and
    /// pinned: its drop would have had to take that lock to remove the slot). The caller must
    /// not use the pointer, nor expect the future to use its key, afterwards.
    pub(crate) unsafe fn deliver(self, value: usize) {
        debug_assert_ne!(value, PENDING, "a delivery carries an outcome");
        // SAFETY: the caller's contract: the cell is alive and in place until the future sees
        // this value, and nobody here touches it after this store.
        let outcome = unsafe { self.0.as_ref() };
        outcome.cell.store(value, Ordering::Release);
    }
}
