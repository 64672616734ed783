//! What limits a channel and tells the receiver when a closed channel is drained.
//!
//! Bounded channels count free slots with the batch semaphore: a sender takes one permit per
//! message (waiting for it if none is free), the receiver returns it after taking the message.
//! Unbounded channels only count sends, in one word: `accepted << 1 | CLOSED`.
//!
//! Either way, closing the receiver refuses later sends atomically with respect to every send
//! that was accepted before, and the receiver keeps receiving until each of those messages
//! arrived (a send that got past the check may still be pushing): "idle" below.
//!
//! Invariants:
//! - Bounded: permits in the semaphore + permits held (by `Permit`s, pending pushes and stored
//!   messages) = the bound. After the close, the semaphore holds the bound exactly when no
//!   message is stored or on its way (idle).
//! - Unbounded: `accepted` counts sends that found the channel open, modulo 2^(bits-1); the
//!   receiver's close reads it in the same read-modify-write that sets `CLOSED`, so the
//!   accepted sends are exactly those counted then, and the channel is idle once the receiver
//!   took that many messages.

use crate::sync::batch_semaphore::Semaphore;
use crate::sync::prim::{AtomicUsize, Ordering};

/// The receiver-facing side of a channel's limit.
pub(super) trait Capacity {
    /// Whether the receiver closed the channel.
    fn is_closed(&self) -> bool;

    /// Closes the channel (receiver side, once); returns the ticket that [`is_idle`] needs.
    ///
    /// [`is_idle`]: Capacity::is_idle
    fn close(&self) -> usize;

    /// The receiver took `n` messages: free their slots.
    fn release(&self, n: usize);

    /// After the close that returned `ticket`: whether every accepted message was taken,
    /// given that the receiver took `received` messages in all (modulo 2^(bits-1)).
    fn is_idle(&self, ticket: usize, received: usize) -> bool;
}

/// A bounded channel's free slots.
pub(super) struct Bounded {
    pub(super) semaphore: Semaphore,
    pub(super) bound: usize,
}

impl Bounded {
    #[track_caller]
    pub(super) fn new(bound: usize) -> Bounded {
        assert!(bound > 0, "mpsc bounded channel requires buffer > 0");
        assert!(
            bound <= Semaphore::MAX_PERMITS,
            "a bounded channel cannot hold more than {} messages, but {bound} were asked for",
            Semaphore::MAX_PERMITS
        );
        Bounded {
            semaphore: Semaphore::new(bound),
            bound,
        }
    }
}

impl Capacity for Bounded {
    fn is_closed(&self) -> bool {
        self.semaphore.is_closed()
    }

    fn close(&self) -> usize {
        self.semaphore.close();
        0
    }

    fn release(&self, n: usize) {
        self.semaphore.release(n);
    }

    fn is_idle(&self, _ticket: usize, _received: usize) -> bool {
        self.semaphore.available_permits() == self.bound
    }
}

const CLOSED: usize = 1;
const ONE_SEND: usize = 2;
const COUNT_MASK: usize = usize::MAX >> 1;

/// An unbounded channel's send counter and closed flag.
pub(super) struct Unbounded {
    word: AtomicUsize,
}

impl Unbounded {
    pub(super) fn new() -> Unbounded {
        Unbounded {
            word: AtomicUsize::new(0),
        }
    }

    /// Counts one send; `false` if the channel is closed (the send is refused, and its count
    /// lands after the close's snapshot, where nobody reads it).
    #[inline]
    pub(super) fn try_send(&self) -> bool {
        // One read-modify-write, no retry loop: it wraps at the top bit, never into `CLOSED`.
        self.word.fetch_add(ONE_SEND, Ordering::AcqRel) & CLOSED == 0
    }
}

impl Capacity for Unbounded {
    fn is_closed(&self) -> bool {
        self.word.load(Ordering::Acquire) & CLOSED != 0
    }

    fn close(&self) -> usize {
        (self.word.fetch_or(CLOSED, Ordering::AcqRel) >> 1) & COUNT_MASK
    }

    fn release(&self, _n: usize) {}

    fn is_idle(&self, ticket: usize, received: usize) -> bool {
        ticket.wrapping_sub(received) & COUNT_MASK == 0
    }
}
