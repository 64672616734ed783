//! [`Receiver`] of a broadcast channel.

use super::error::{RecvError, TryRecvError};
use super::shared::{List, Registration, Shared};
use crate::sync::prim::{Arc, Ordering};
use std::fmt;
use std::future::poll_fn;
use std::task::{Context, Poll};

/// Receives every message sent on a broadcast channel after it subscribed. Made by
/// [`channel`](super::channel), [`Sender::subscribe`](super::Sender::subscribe) or
/// [`resubscribe`](Receiver::resubscribe).
///
/// Each receiver reads at its own pace; one that falls more than the capacity behind gets
/// [`RecvError::Lagged`] and skips to the oldest message still kept. Dropping it releases the
/// messages it had not read.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The position of the next message for this receiver.
    next: u64,
}

impl<T> Receiver<T> {
    pub(super) fn new(shared: Arc<Shared<T>>, next: u64) -> Receiver<T> {
        Receiver { shared, next }
    }

    pub(super) fn subscribe(shared: Arc<Shared<T>>) -> Receiver<T> {
        let next = shared.subscribe();
        Receiver { shared, next }
    }

    /// Messages sent that this receiver has not read yet (including any it lagged behind on).
    ///
    /// ```
    /// use weft::sync::broadcast;
    ///
    /// let (tx, rx) = broadcast::channel(4);
    /// tx.send(1).unwrap();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.shared.len_from(self.next)
    }

    /// Whether this receiver has read every message sent so far.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether both receivers belong to the same channel.
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Whether every sender is gone (messages may still be waiting for this receiver).
    pub fn is_closed(&self) -> bool {
        self.shared.senders.load(Ordering::Acquire) == 0
    }

    /// How many `Sender`s are alive.
    pub fn sender_strong_count(&self) -> usize {
        self.shared.senders.load(Ordering::Acquire)
    }

    /// How many `WeakSender`s are alive.
    pub fn sender_weak_count(&self) -> usize {
        self.shared.weak_senders.load(Ordering::Acquire)
    }
}

impl<T: Clone> Receiver<T> {
    /// A new receiver of the same channel, starting after every message sent so far (not at
    /// this receiver's position).
    ///
    /// ```
    /// use weft::sync::broadcast;
    ///
    /// let (tx, mut rx) = broadcast::channel(2);
    /// tx.send(1).unwrap();
    /// let mut rx2 = rx.resubscribe();
    /// tx.send(2).unwrap();
    /// assert_eq!(rx2.try_recv(), Ok(2));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// ```
    pub fn resubscribe(&self) -> Receiver<T> {
        Receiver::subscribe(self.shared.clone())
    }

    /// Receives the next message (a clone of it), waiting for one.
    ///
    /// - `Err(RecvError::Lagged(n))`: this receiver missed `n` messages, overwritten before it
    ///   read them; it now stands at the oldest message kept, which the next call returns.
    /// - `Err(RecvError::Closed)`: every sender is gone and this receiver has read the rest.
    ///
    /// Cancel safe: a message is taken only by the poll that returns it.
    ///
    /// ```
    /// use weft::sync::broadcast::{self, error::RecvError};
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let (tx, mut rx) = broadcast::channel(2);
    ///     for i in 0..3 {
    ///         tx.send(i).unwrap(); // the third overwrites the first
    ///     }
    ///     drop(tx);
    ///     assert_eq!(rx.recv().await, Err(RecvError::Lagged(1)));
    ///     assert_eq!(rx.recv().await, Ok(1));
    ///     assert_eq!(rx.recv().await, Ok(2));
    ///     assert_eq!(rx.recv().await, Err(RecvError::Closed));
    /// }
    /// ```
    pub async fn recv(&mut self) -> Result<T, RecvError> {
        let mut waiting = Waiting {
            receiver: self,
            registration: Registration::default(),
        };
        // A leaf of the cooperative budget: a channel that always has a message still yields.
        poll_fn(|cx| crate::task::coop::leaf(cx, |cx| waiting.poll(cx))).await
    }

    /// Takes the next message if there is one, without waiting: `Empty` if none yet,
    /// `Closed` and `Lagged` as for [`recv`](Receiver::recv).
    ///
    /// ```
    /// use weft::sync::broadcast::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = broadcast::channel(2);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send(7).unwrap();
    /// assert_eq!(rx.try_recv(), Ok(7));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.shared.try_recv(&mut self.next)
    }

    /// Receives from synchronous code, blocking this thread until a message comes.
    ///
    /// # Panics
    /// Inside a runtime (a worker or a `block_on`): use `.await` there.
    ///
    /// ```
    /// use weft::sync::broadcast;
    ///
    /// let (tx, mut rx) = broadcast::channel(1);
    /// let listener = std::thread::spawn(move || rx.blocking_recv());
    /// tx.send(5).unwrap();
    /// assert_eq!(listener.join().unwrap(), Ok(5));
    /// ```
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError> {
        crate::sync::blocking::block_on("broadcast::Receiver::blocking_recv", self.recv())
    }
}

/// The state of one `recv`: the receiver and its place in the readers' wait list, left when
/// dropped.
struct Waiting<'a, T> {
    receiver: &'a mut Receiver<T>,
    registration: Registration,
}

impl<T: Clone> Waiting<'_, T> {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let receiver = &mut *self.receiver;
        loop {
            let outcome = match receiver.shared.try_recv(&mut receiver.next) {
                Ok(value) => Ok(value),
                Err(TryRecvError::Closed) => Err(RecvError::Closed),
                Err(TryRecvError::Lagged(missed)) => Err(RecvError::Lagged(missed)),
                Err(TryRecvError::Empty) => {
                    if receiver.shared.register_reader(
                        receiver.next,
                        &mut self.registration,
                        cx.waker(),
                    ) {
                        return Poll::Pending;
                    }
                    // Something was sent, or the channel closed, since the look: again.
                    continue;
                }
            };
            receiver
                .shared
                .unregister(List::Readers, &mut self.registration);
            return Poll::Ready(outcome);
        }
    }
}

impl<T> Drop for Waiting<'_, T> {
    fn drop(&mut self) {
        self.receiver
            .shared
            .unregister(List::Readers, &mut self.registration);
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.shared.unsubscribe(self.next);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("broadcast::Receiver")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}
