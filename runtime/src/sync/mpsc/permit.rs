//! Reserved slots of a bounded channel: [`Permit`], [`OwnedPermit`], and the future that waits
//! for a slot.
//!
//! Invariants:
//! - A permit holds exactly one of the semaphore's permits: sending consumes it into a stored
//!   message (the receiver returns it), dropping it unsent returns it.
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

/// Waits for one free slot: `Ok` holding it, `Err` if the receiver closed.
pub(super) struct Reserve<'a, T> {
    chan: &'a Chan<T, Bounded>,
    acquire: Option<Acquire<'a>>,
}

impl<'a, T> Reserve<'a, T> {
    pub(super) fn new(chan: &'a Chan<T, Bounded>) -> Reserve<'a, T> {
        Reserve {
            chan,
            acquire: Some(chan.capacity.semaphore.acquire(1)),
        }
    }
}

impl<T> Future for Reserve<'_, T> {
    type Output = Result<(), SendError<()>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // `Reserve` is `Unpin`: `Acquire` is, and nothing else is pinned.
        let this = self.get_mut();
        let acquire = this
            .acquire
            .as_mut()
            .expect("Reserve polled after it completed");
        let result = ready!(Pin::new(acquire).poll(cx));
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
        if let Some(acquire) = self.acquire.take() {
            // Gives back a slot granted but not yet taken, then lets a closed receiver recheck.
            drop(acquire);
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
        self.chan.push(value);
        // The slot now belongs to the message; the receiver returns it.
        std::mem::forget(self);
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
    chan.capacity.semaphore.release(1);
    chan.wake_rx_if_closed_and_idle();
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
