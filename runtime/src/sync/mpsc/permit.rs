//! Reserved slots of a bounded channel: [`Permit`], [`OwnedPermit`], [`PermitIterator`], and
//! the future that waits for slots.
//!
//! Invariants:
//! - A permit holds exactly one of the semaphore's permits: sending consumes it into a stored
//!   message (the receiver returns it), dropping it unsent returns it. A `PermitIterator`
//!   holds one per permit it has still to yield, and returns them when dropped.
//! - A permit returned without a message after the receiver closed may be what the receiver
//!   waits for to see the channel idle, so whoever returns one wakes the receiver if closed;
//!   so does a dropped wait, whose slot may have been granted just before (the semaphore
//!   returns it in the drop), and a wait that fails on the close after its slot was granted
//!   (the semaphore returns it in that poll).

use super::bounded::Sender;
use super::capacity::Bounded;
use super::chan::Chan;
use super::error::SendError;
use crate::sync::batch_semaphore::Acquire;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Waits for `n` free slots: `Ok` holding them, `Err` if the receiver closed.
pub(super) struct Reserve<'a, T> {
    chan: &'a Chan<T, Bounded>,
    acquire: Option<Acquire<'a>>,
}

impl<'a, T> Reserve<'a, T> {
    pub(super) fn new(chan: &'a Chan<T, Bounded>) -> Reserve<'a, T> {
        Reserve::many(chan, 1)
    }

    pub(super) fn many(chan: &'a Chan<T, Bounded>, n: u32) -> Reserve<'a, T> {
        Reserve {
            chan,
            acquire: Some(chan.capacity.semaphore.acquire(n)),
        }
    }
}

impl<T> Future for Reserve<'_, T> {
    type Output = Result<(), SendError<()>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `acquire` is structurally pinned: it is only polled in place and dropped in
        // place (set to `None` here, or by `Drop`), never moved out; `chan` is a shared
        // reference.
        let this = unsafe { self.get_unchecked_mut() };
        let acquire = this
            .acquire
            .as_mut()
            .expect("Reserve polled after it completed");
        // SAFETY: see above: `this.acquire` stays where it is until it is dropped.
        let result = ready!(unsafe { Pin::new_unchecked(acquire) }.poll(cx));
        this.acquire = None;
        if result.is_err() {
            // A slot granted before the close went back in that poll: it may be the one a
            // closed receiver waits for.
            this.chan.wake_rx_if_closed_and_idle();
        }
        Poll::Ready(result.map_err(|_| SendError(())))
    }
}

impl<T> Drop for Reserve<'_, T> {
    fn drop(&mut self) {
        if self.acquire.is_some() {
            // Gives back a slot granted but not yet taken (dropping the wait in place, as it
            // is pinned), then lets a closed receiver recheck.
            self.acquire = None;
            self.chan.wake_rx_if_closed_and_idle();
        }
    }
}

/// One reserved slot in a bounded channel, from [`Sender::reserve`] or
/// [`Sender::try_reserve`]: [`send`](Permit::send) cannot fail or wait. Dropping it unsent
/// frees the slot.
///
/// ```
/// use weft::sync::mpsc;
///
/// #[weft::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::channel(1);
///     let permit = tx.reserve().await.unwrap();
///     // The only slot is reserved: a try_send finds the channel full.
///     assert!(tx.try_send(2).is_err());
///     permit.send(1);
///     assert_eq!(rx.recv().await, Some(1));
/// }
/// ```
pub struct Permit<'a, T> {
    chan: &'a Chan<T, Bounded>,
}

impl<'a, T> Permit<'a, T> {
    pub(super) fn new(chan: &'a Chan<T, Bounded>) -> Permit<'a, T> {
        Permit { chan }
    }

    /// Sends `value` in the reserved slot. If the receiver has gone since the reservation, the
    /// value is dropped with the channel.
    pub fn send(self, value: T) {
        let chan = self.chan;
        // The slot now belongs to the message; the receiver returns it. Forgotten before the
        // push, whose wake runs the receiver's waker: if that panics, the unwinding must not
        // free the slot the stored message holds.
        std::mem::forget(self);
        chan.push(value);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        release_unsent(self.chan);
    }
}

/// One reserved slot that owns its [`Sender`], from [`Sender::reserve_owned`] or
/// [`Sender::try_reserve_owned`]: it can move into another task. [`send`](OwnedPermit::send)
/// gives the sender back; dropping it unsent frees the slot.
///
/// ```
/// use weft::sync::mpsc;
///
/// #[weft::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::channel(1);
///     let permit = tx.reserve_owned().await.unwrap();
///     weft::spawn(async move {
///         let _tx = permit.send("from a task");
///     });
///     assert_eq!(rx.recv().await, Some("from a task"));
/// }
/// ```
pub struct OwnedPermit<T> {
    /// `None` only after `send` or `release` took it.
    sender: Option<Sender<T>>,
}

impl<T> OwnedPermit<T> {
    pub(super) fn new(sender: Sender<T>) -> OwnedPermit<T> {
        OwnedPermit {
            sender: Some(sender),
        }
    }

    /// Sends `value` in the reserved slot and gives the sender back.
    pub fn send(mut self, value: T) -> Sender<T> {
        let sender = self.sender.take().expect("an OwnedPermit holds its sender");
        sender.chan().push(value);
        sender
    }

    /// Frees the slot without sending and gives the sender back.
    pub fn release(mut self) -> Sender<T> {
        let sender = self.sender.take().expect("an OwnedPermit holds its sender");
        release_unsent(sender.chan());
        sender
    }
}

fn release_unsent<T>(chan: &Chan<T, Bounded>) {
    release_unsent_many(chan, 1);
}

fn release_unsent_many<T>(chan: &Chan<T, Bounded>, n: usize) {
    chan.capacity.semaphore.release(n);
    chan.wake_rx_if_closed_and_idle();
}

/// `n` reserved slots, from [`Sender::reserve_many`] or [`Sender::try_reserve_many`]: yields
/// one [`Permit`] per slot. Dropping it frees the slots it has not yielded.
///
/// ```
/// use weft::sync::mpsc;
///
/// #[weft::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::channel(4);
///     let permits = tx.reserve_many(3).await.unwrap();
///     assert_eq!((permits.len(), tx.capacity()), (3, 1));
///     for (permit, word) in permits.zip(["a", "b"]) {
///         permit.send(word);
///     }
///     // The third slot was never used: it is free again.
///     assert_eq!(tx.capacity(), 2);
///     assert_eq!(rx.recv().await, Some("a"));
/// }
/// ```
pub struct PermitIterator<'a, T> {
    chan: &'a Chan<T, Bounded>,
    /// Slots still held (not yet yielded as a `Permit`).
    left: usize,
}

impl<'a, T> PermitIterator<'a, T> {
    pub(super) fn new(chan: &'a Chan<T, Bounded>, n: usize) -> PermitIterator<'a, T> {
        PermitIterator { chan, left: n }
    }
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Permit<'a, T>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        // One of the slots this iterator holds becomes the permit's.
        Some(Permit::new(self.chan))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}

impl<T> std::iter::FusedIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        if self.left > 0 {
            release_unsent_many(self.chan, self.left);
        }
    }
}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermitIterator")
            .field("left", &self.left)
            .finish_non_exhaustive()
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(sender) = self.sender.take() {
            release_unsent(sender.chan());
        }
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}
