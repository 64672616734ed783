//! The receiving half of a watch channel (invariants in `mod.rs`).
//!
//! Each receiver remembers the version it last marked seen.

use super::error::RecvError;
use super::{is_closed, version, Ref, Shared};
use crate::sync::prim::{Arc, Ordering::SeqCst};
use std::fmt;

/// Receives the values of a watch channel: the latest one, and a wake-up when it changes.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version last marked seen.
    seen: usize,
}

impl<T> Receiver<T> {
    pub(super) fn new(shared: Arc<Shared<T>>, seen: usize) -> Receiver<T> {
        shared.receivers.fetch_add(1, SeqCst);
        Receiver { shared, seen }
    }

    /// The latest value, without marking it seen (so a later [`changed`](Receiver::changed)
    /// still returns at once if it is new). Holds the channel's read lock while alive.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::watch::channel("hello");
    /// tx.send("goodbye").unwrap();
    /// let value = rx.borrow();
    /// assert_eq!(*value, "goodbye");
    /// assert!(value.has_changed());
    /// ```
    pub fn borrow(&self) -> Ref<'_, T> {
        self.shared.borrow(Some(self.seen)).0
    }

    /// The latest value, marked seen.
    ///
    /// ```
    /// let (tx, mut rx) = weft::sync::watch::channel(1);
    /// tx.send(2).unwrap();
    /// assert_eq!(*rx.borrow_and_update(), 2);
    /// assert!(!rx.has_changed().unwrap());
    /// ```
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let (value, current) = self.shared.borrow(Some(self.seen));
        self.seen = current;
        value
    }

    /// Whether a value not yet marked seen was sent. Fails once the sender is gone.
    ///
    /// ```
    /// let (tx, rx) = weft::sync::watch::channel(1);
    /// assert!(!rx.has_changed().unwrap());
    /// tx.send(2).unwrap();
    /// assert!(rx.has_changed().unwrap());
    /// drop(tx);
    /// assert!(rx.has_changed().is_err());
    /// ```
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.state.load(SeqCst);
        if is_closed(state) {
            return Err(RecvError(()));
        }
        Ok(version(state) != self.seen)
    }

    /// Whether every sender is gone (the value can no longer change).
    ///
    /// ```
    /// let (tx, rx) = weft::sync::watch::channel("A");
    /// let tx2 = tx.clone();
    /// drop(tx);
    /// assert!(!rx.is_closed(), "a sender is left");
    /// drop(tx2);
    /// assert!(rx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        is_closed(self.shared.state.load(SeqCst))
    }

    /// Waits for a value not yet marked seen, and marks it seen (returns at once if there is
    /// one already). Fails once the sender is gone and the last value was seen.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe: a cancelled call marks nothing seen, so the next call
    /// still reports the change.
    ///
    /// ```
    /// use weft::sync::watch;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let (tx, mut rx) = watch::channel("hello");
    ///     weft::spawn(async move { tx.send("goodbye").unwrap() });
    ///     assert!(rx.changed().await.is_ok());
    ///     assert_eq!(*rx.borrow_and_update(), "goodbye");
    ///     // The sender is gone and the last value was seen.
    ///     assert!(rx.changed().await.is_err());
    /// }
    /// ```
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        // A leaf of the cooperative budget, also when it fails at once (a closed channel).
        crate::task::coop::single_leaf(changed(&self.shared, &mut self.seen)).await
    }

    /// Waits until the value satisfies `condition` and returns it, marked seen. The current
    /// value is checked first, then each new one. Fails once the sender is gone and the last
    /// value does not satisfy it.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe; values it checked before being cancelled are marked seen.
    ///
    /// ```
    /// use weft::sync::watch;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let (tx, mut rx) = watch::channel(0);
    ///     weft::spawn(async move {
    ///         for i in 1..=5 {
    ///             tx.send(i).unwrap();
    ///             weft::task::yield_now().await;
    ///         }
    ///     });
    ///     assert!(*rx.wait_for(|v| *v >= 3).await.unwrap() >= 3);
    /// }
    /// ```
    pub async fn wait_for(
        &mut self,
        condition: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        // A leaf of the cooperative budget, also when the current value satisfies `condition`.
        crate::task::coop::single_leaf(self.wait_for_unbudgeted(condition)).await
    }

    async fn wait_for_unbudgeted(
        &mut self,
        mut condition: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        let mut closed = false;
        loop {
            {
                let (value, current) = self.shared.borrow(Some(self.seen));
                self.seen = current;
                if condition(&value) {
                    return Ok(value);
                }
            }
            if closed {
                return Err(RecvError(()));
            }
            if changed(&self.shared, &mut self.seen).await.is_err() {
                // One last look at the final value before reporting the close.
                closed = true;
            }
        }
    }

    /// Counts the current value as not seen: [`changed`](Receiver::changed) returns at once.
    pub fn mark_changed(&mut self) {
        let current = version(self.shared.state.load(SeqCst));
        self.seen = current.wrapping_sub(super::VERSION_ONE);
    }

    /// Counts the current value as seen.
    pub fn mark_unchanged(&mut self) {
        self.seen = version(self.shared.state.load(SeqCst));
    }

    /// Whether both receivers belong to the same channel.
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

/// Waits for a version other than `seen` (then records it) or for the close.
async fn changed<T>(shared: &Shared<T>, seen: &mut usize) -> Result<(), RecvError> {
    loop {
        // Created before the check, so a send after the check wakes it (invariant).
        let notified = shared.notify_rx.notified();
        let state = shared.state.load(SeqCst);
        if version(state) != *seen {
            *seen = version(state);
            return Ok(());
        }
        if is_closed(state) {
            return Err(RecvError(()));
        }
        notified.await;
    }
}

impl<T> Clone for Receiver<T> {
    /// Another receiver with the same seen version.
    fn clone(&self) -> Receiver<T> {
        Receiver::new(self.shared.clone(), self.seen)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.receivers.fetch_sub(1, SeqCst) == 1 {
            self.shared.notify_tx.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("shared", &*self.shared)
            .field("seen", &self.seen)
            .finish()
    }
}
