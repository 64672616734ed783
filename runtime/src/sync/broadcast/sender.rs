//! [`Sender`] and [`WeakSender`] of a broadcast channel.

use super::error::SendError;
use super::receiver::Receiver;
use super::shared::{List, Registration, Shared};
use crate::sync::prim::{Arc, Ordering};
use std::fmt;
use std::future::poll_fn;
use std::task::Poll;

/// Sends messages to every [`Receiver`] of a broadcast channel; clone it for more producers.
/// Made by [`channel`](super::channel) or [`Sender::new`].
///
/// The channel closes when the last `Sender` drops: receivers get what was sent, then
/// [`RecvError::Closed`](super::error::RecvError::Closed). While a `Sender` lives the channel
/// stays usable even with no receiver: [`subscribe`](Sender::subscribe) makes a new one.
pub struct Sender<T> {
    pub(super) shared: Arc<Shared<T>>,
}

/// A sender that does not keep the channel open; [`upgrade`](WeakSender::upgrade) it to send.
/// Made by [`Sender::downgrade`].
pub struct WeakSender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    /// A sender of a new channel with no receiver yet (make them with
    /// [`subscribe`](Sender::subscribe)); the capacity is as for [`channel`](super::channel).
    ///
    /// # Panics
    /// If `capacity` is 0 or above `usize::MAX / 2`.
    ///
    /// ```
    /// use weft::sync::broadcast::Sender;
    ///
    /// let tx = Sender::new(4);
    /// assert!(tx.send(1).is_err(), "nobody listens yet");
    /// let mut rx = tx.subscribe();
    /// assert_eq!(tx.send(2), Ok(1));
    /// assert_eq!(rx.try_recv(), Ok(2));
    /// ```
    #[track_caller]
    pub fn new(capacity: usize) -> Sender<T> {
        Sender {
            shared: Arc::new(Shared::new(capacity, 0)),
        }
    }

    /// Sends `value` to every receiver alive now; returns how many that is. Never waits: when
    /// the channel is full the oldest message is overwritten, and receivers that had not read
    /// it get [`Lagged`](super::error::RecvError::Lagged).
    ///
    /// Fails, handing `value` back, only when there is no receiver. That does not close the
    /// channel: a later [`subscribe`](Sender::subscribe) makes sends succeed again.
    ///
    /// ```
    /// use weft::sync::broadcast;
    ///
    /// let (tx, rx) = broadcast::channel(2);
    /// let rx2 = tx.subscribe();
    /// assert_eq!(tx.send("hi"), Ok(2));
    /// drop((rx, rx2));
    /// assert_eq!(tx.send("anyone?").unwrap_err().0, "anyone?");
    /// ```
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        self.shared.send(value)
    }

    /// A new receiver, which gets every message sent from now on.
    pub fn subscribe(&self) -> Receiver<T> {
        Receiver::subscribe(self.shared.clone())
    }

    /// A [`WeakSender`], which does not keep the channel open.
    pub fn downgrade(&self) -> WeakSender<T> {
        self.shared.weak_senders.fetch_add(1, Ordering::Relaxed);
        WeakSender {
            shared: self.shared.clone(),
        }
    }

    /// Messages kept for some receiver: sent, and neither read by every receiver alive then
    /// nor overwritten.
    ///
    /// ```
    /// use weft::sync::broadcast;
    ///
    /// let (tx, mut rx) = broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(tx.len(), 2);
    /// rx.try_recv().unwrap();
    /// assert_eq!(tx.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.shared.queued()
    }

    /// Whether no message is kept for any receiver.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many receivers are alive.
    pub fn receiver_count(&self) -> usize {
        self.shared.receiver_count()
    }

    /// Whether both senders belong to the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Waits until no receiver is alive (right away if none is).
    ///
    /// Cancel safe: dropping the future only forgets the registration.
    ///
    /// ```
    /// use weft::sync::broadcast;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let (tx, rx) = broadcast::channel::<u8>(1);
    ///     weft::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert_eq!(tx.receiver_count(), 0);
    /// }
    /// ```
    pub async fn closed(&self) {
        let mut guard = Unregister {
            shared: &self.shared,
            registration: Registration::default(),
        };
        // A leaf of the cooperative budget, also when the receivers are already gone.
        poll_fn(|cx| {
            crate::task::coop::leaf(cx, |cx| {
                if guard
                    .shared
                    .poll_no_receivers(&mut guard.registration, cx.waker())
                {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            })
        })
        .await
    }

    /// How many `Sender`s of this channel are alive.
    pub fn strong_count(&self) -> usize {
        self.shared.senders.load(Ordering::Acquire)
    }

    /// How many `WeakSender`s of this channel are alive.
    pub fn weak_count(&self) -> usize {
        self.shared.weak_senders.load(Ordering::Acquire)
    }
}

/// Leaves the watchers' list when `closed()` is dropped.
struct Unregister<'a, T> {
    shared: &'a Shared<T>,
    registration: Registration,
}

impl<T> Drop for Unregister<'_, T> {
    fn drop(&mut self) {
        self.shared
            .unregister(List::Watchers, &mut self.registration);
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        // Made from a live sender: the count is above zero and needs no ordering (`Arc`'s rule).
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.senders.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.close();
        }
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`], if one is still alive (the channel is not closed).
    ///
    /// ```
    /// use weft::sync::broadcast;
    ///
    /// let (tx, _rx) = broadcast::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        let senders = &self.shared.senders;
        let mut current = senders.load(Ordering::Relaxed);
        loop {
            if current == 0 {
                return None;
            }
            match senders.compare_exchange_weak(
                current,
                current + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    return Some(Sender {
                        shared: self.shared.clone(),
                    })
                }
                Err(actual) => current = actual,
            }
        }
    }

    /// How many `Sender`s of this channel are alive.
    pub fn strong_count(&self) -> usize {
        self.shared.senders.load(Ordering::Acquire)
    }

    /// How many `WeakSender`s of this channel are alive.
    pub fn weak_count(&self) -> usize {
        self.shared.weak_senders.load(Ordering::Acquire)
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> WeakSender<T> {
        self.shared.weak_senders.fetch_add(1, Ordering::Relaxed);
        WeakSender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.shared.weak_senders.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Sender")
            .field("receivers", &self.receiver_count())
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::WeakSender")
            .finish_non_exhaustive()
    }
}
