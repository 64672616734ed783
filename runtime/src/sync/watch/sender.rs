//! The sending half of a watch channel (invariants in `mod.rs`).

use super::error::SendError;
use super::{Receiver, Ref, Shared, CLOSED, VERSION_ONE};
use crate::sync::prim::{write, Arc, Ordering::SeqCst};
use std::fmt;
use std::mem;

/// Sends values to the [`Receiver`]s of a watch channel; clone it for more senders. Dropping
/// the last one closes the channel.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Sender<T> {
    pub(super) fn from_shared(shared: Arc<Shared<T>>) -> Sender<T> {
        Sender { shared }
    }

    /// A sender of a new channel holding `init`, with no receiver yet (make them with
    /// [`subscribe`](Sender::subscribe)).
    ///
    /// ```
    /// let tx = weft::sync::watch::Sender::new(1);
    /// assert!(tx.send(2).is_err(), "nobody watches yet");
    /// let rx = tx.subscribe();
    /// tx.send(3).unwrap();
    /// assert_eq!(*rx.borrow(), 3);
    /// ```
    pub fn new(init: T) -> Sender<T> {
        Sender::from_shared(Shared::new(init))
    }

    /// How many senders of this channel are alive.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::watch::channel(0);
    /// let tx2 = tx.clone();
    /// assert_eq!(tx.sender_count(), 2);
    /// drop(tx2);
    /// assert_eq!(tx.sender_count(), 1);
    /// ```
    pub fn sender_count(&self) -> usize {
        self.shared.senders.load(SeqCst)
    }

    /// Whether both senders belong to the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Stores `value` and notifies the receivers; fails (giving the value back, storing
    /// nothing) if every receiver is gone.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::watch::channel(1);
    /// assert!(tx.send(2).is_ok());
    /// drop(rx);
    /// assert_eq!(tx.send(3).unwrap_err().0, 3);
    /// assert_eq!(*tx.borrow(), 2);
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.receiver_count() == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Stores `value` whether or not anyone receives it, notifies the receivers, and
    /// returns the previous value.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::watch::channel(1);
    /// assert_eq!(tx.send_replace(2), 1);
    /// ```
    pub fn send_replace(&self, value: T) -> T {
        let mut value = Some(value);
        let mut old = None;
        self.send_modify(|current| {
            old = Some(mem::replace(current, value.take().expect("called once")));
        });
        old.expect("send_modify runs its closure")
    }

    /// Changes the value in place and notifies the receivers, whether or not anyone
    /// receives it.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::watch::channel(vec![1]);
    /// tx.send_modify(|v| v.push(2));
    /// assert_eq!(*rx.borrow(), [1, 2]);
    /// ```
    pub fn send_modify<F: FnOnce(&mut T)>(&self, modify: F) {
        self.send_if_modified(|value| {
            modify(value);
            true
        });
    }

    /// Runs `modify` on the value; if it returns `true`, the change is published and the
    /// receivers notified. Returns what `modify` returned.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::watch::channel(1);
    /// assert!(!tx.send_if_modified(|_| false));
    /// assert!(!rx.has_changed().unwrap());
    /// assert!(tx.send_if_modified(|v| { *v = 2; true }));
    /// assert!(rx.has_changed().unwrap());
    /// ```
    pub fn send_if_modified<F: FnOnce(&mut T) -> bool>(&self, modify: F) -> bool {
        {
            let mut value = write(&self.shared.value);
            if !modify(&mut value) {
                return false;
            }
            // Under the write lock, so the version matches the value (invariant).
            self.shared.state.fetch_add(VERSION_ONE, SeqCst);
        }
        self.shared.notify_rx.notify_waiters();
        true
    }

    /// The current value, without marking anything seen.
    pub fn borrow(&self) -> Ref<'_, T> {
        self.shared.borrow(None).0
    }

    /// Whether every receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Waits until every receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe: it only observes the channel.
    ///
    /// ```
    /// use weft::sync::watch;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let (tx, rx) = watch::channel(());
    ///     weft::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert!(tx.is_closed());
    /// }
    /// ```
    pub async fn closed(&self) {
        // A leaf of the cooperative budget, also when the receivers are already gone.
        crate::task::coop::single_leaf(self.closed_unbudgeted()).await
    }

    async fn closed_unbudgeted(&self) {
        loop {
            // Created before the check, so a drop after the check wakes it (invariant).
            let notified = self.shared.notify_tx.notified();
            if self.receiver_count() == 0 {
                return;
            }
            notified.await;
        }
    }

    /// A new receiver, which counts the current value as seen.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::watch::channel(1);
    /// drop(rx);
    /// let rx = tx.subscribe();
    /// assert_eq!(tx.receiver_count(), 1);
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn subscribe(&self) -> Receiver<T> {
        let current = super::version(self.shared.state.load(SeqCst));
        Receiver::new(self.shared.clone(), current)
    }

    /// How many receivers are alive.
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.load(SeqCst)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        // Made from a live sender: the count is above zero, so the channel is not closed.
        self.shared.senders.fetch_add(1, SeqCst);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.senders.fetch_sub(1, SeqCst) == 1 {
            self.shared.state.fetch_or(CLOSED, SeqCst);
            self.shared.notify_rx.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("shared", &*self.shared)
            .finish()
    }
}
