//! The bounded channel's handles: [`Sender`], [`WeakSender`], [`Receiver`].
//!
//! Thin faces over `chan.rs` with `Bounded` capacity (`capacity.rs`); reserving a slot is
//! `permit.rs`. Invariant: every message stored holds one of the semaphore's permits.

use super::capacity::Bounded;
use super::chan::{self, Chan, Rx, Tx, WeakTx};
use super::error::{SendError, SendTimeoutError, TryRecvError, TrySendError};
use super::permit::{OwnedPermit, Permit, PermitIterator, Reserve};
use crate::sync::batch_semaphore::TryAcquireError;
use std::fmt;
use std::future::poll_fn;
use std::task::{Context, Poll};
use std::time::Duration;

/// Makes a bounded channel that holds at most `buffer` messages: [`Sender::send`] waits for a
/// free slot once it is full (back-pressure).
///
/// # Panics
/// If `buffer` is 0 ("mpsc bounded channel requires buffer > 0"), or larger than the most
/// permits a semaphore holds (`usize::MAX >> 3`).
///
/// ```
/// use weft::sync::mpsc;
///
/// #[weft::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::channel(8);
///     for i in 0..3 {
///         let tx = tx.clone();
///         weft::spawn(async move { tx.send(i).await.unwrap() });
///     }
///     drop(tx);
///     let mut got = Vec::new();
///     while let Some(i) = rx.recv().await {
///         got.push(i);
///     }
///     got.sort();
///     assert_eq!(got, [0, 1, 2]);
/// }
/// ```
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    let capacity = Bounded::new(buffer);
    let (tx, rx) = chan::channel(capacity);
    (Sender { tx }, Receiver { rx })
}

/// Sends messages into a bounded channel; clone it for more producers. Made by [`channel`].
///
/// The channel stays open while any `Sender` lives: when the last one drops, the receiver gets
/// what was sent and then `None`.
pub struct Sender<T> {
    tx: Tx<T, Bounded>,
}

/// A sender that does not keep the channel open; [`upgrade`](WeakSender::upgrade) it to send.
/// Made by [`Sender::downgrade`].
pub struct WeakSender<T> {
    tx: WeakTx<T, Bounded>,
}

/// Receives the messages of a bounded channel. Made by [`channel`].
///
/// Dropping it closes the channel (senders get their values back in `Err`) and drops the
/// messages still stored.
pub struct Receiver<T> {
    rx: Rx<T, Bounded>,
}

impl<T> Sender<T> {
    pub(super) fn chan(&self) -> &Chan<T, Bounded> {
        self.tx.chan()
    }

    /// Sends `value`, waiting for a free slot if the channel is full. Returns the value back in
    /// `Err` if the receiver is gone or closed (then or while waiting).
    ///
    /// Cancel safe in the sense tokio gives: dropping the future while it waits loses its place
    /// in the queue of waiting senders and drops `value` (it was moved in), but takes no slot
    /// (a slot granted just before the drop is freed again). To keep the value when cancelled,
    /// [`reserve`](Sender::reserve) first, then send with the permit.
    ///
    /// ```
    /// use weft::sync::mpsc;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(1);
    ///     tx.send("a").await.unwrap();
    ///     // Full: this send waits until the receiver takes "a".
    ///     let second = weft::spawn(async move { tx.send("b").await });
    ///     assert_eq!(rx.recv().await, Some("a"));
    ///     assert_eq!(rx.recv().await, Some("b"));
    ///     second.await.unwrap().unwrap();
    /// }
    /// ```
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        match Reserve::new(self.chan()).await {
            Ok(()) => {
                self.chan().push(value);
                Ok(())
            }
            Err(_) => Err(SendError(value)),
        }
    }

    /// Sends `value` if a slot is free now, without waiting: `Full(value)` if not (or if other
    /// senders are already waiting for slots), `Closed(value)` if the receiver is gone.
    ///
    /// ```
    /// use weft::sync::mpsc::{self, error::TrySendError};
    ///
    /// let (tx, mut rx) = mpsc::channel(1);
    /// tx.try_send(1).unwrap();
    /// assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
    /// assert_eq!(rx.try_recv(), Ok(1));
    /// drop(rx);
    /// assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.chan().capacity.semaphore.try_acquire(1) {
            Ok(()) => {
                self.chan().push(value);
                Ok(())
            }
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(value)),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(value)),
        }
    }

    /// Sends from synchronous code, blocking this thread while the channel is full.
    ///
    /// # Panics
    /// Inside a runtime (a worker or a `block_on`): use `.await` there.
    ///
    /// ```
    /// use weft::sync::mpsc;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(1);
    ///     let producer = std::thread::spawn(move || {
    ///         tx.blocking_send(1).unwrap();
    ///         tx.blocking_send(2).unwrap();
    ///     });
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     assert_eq!(rx.recv().await, Some(2));
    ///     producer.join().unwrap();
    /// }
    /// ```
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        crate::sync::blocking::block_on("mpsc::Sender::blocking_send", self.send(value))
    }

    /// Waits for a free slot and reserves it: the returned [`Permit`] sends without waiting.
    /// `Err` if the receiver is gone or closed.
    ///
    /// Cancel safe: dropping the future loses its place in the queue of waiting senders, and
    /// no slot (a slot granted just before the drop is freed again).
    ///
    /// ```
    /// use weft::sync::mpsc;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(4);
    ///     let permit = tx.reserve().await.unwrap();
    ///     assert_eq!(tx.capacity(), 3);
    ///     permit.send(9);
    ///     assert_eq!(rx.recv().await, Some(9));
    /// }
    /// ```
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        Reserve::new(self.chan()).await?;
        Ok(Permit::new(self.chan()))
    }

    /// Waits for `n` free slots and reserves them all at once (in line with other waiting
    /// senders: a large request is not starved by small ones); the iterator yields one
    /// [`Permit`] per slot. `Err` if the receiver is gone or closed, or if `n` exceeds the
    /// channel's bound (it could never be granted). `n == 0` yields an empty iterator.
    ///
    /// Cancel safe like [`reserve`](Sender::reserve): dropping the future loses its place in
    /// line and holds no slot.
    ///
    /// ```
    /// use weft::sync::mpsc;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(2);
    ///     let mut permits = tx.reserve_many(2).await.unwrap();
    ///     assert!(tx.try_send(0).is_err(), "both slots are reserved");
    ///     permits.next().unwrap().send(1);
    ///     permits.next().unwrap().send(2);
    ///     assert!(permits.next().is_none());
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     assert!(tx.reserve_many(3).await.is_err(), "more than the bound");
    /// }
    /// ```
    pub async fn reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, SendError<()>> {
        let Some(count) = self.many_within_bound(n) else {
            return Err(SendError(()));
        };
        Reserve::many(self.chan(), count).await?;
        Ok(PermitIterator::new(self.chan(), n))
    }

    /// [`reserve_many`](Sender::reserve_many) without waiting: `Full` if fewer than `n` slots
    /// are free now (or `n` exceeds the bound), `Closed` if the receiver is gone.
    ///
    /// ```
    /// use weft::sync::mpsc::{self, error::TrySendError};
    ///
    /// let (tx, _rx) = mpsc::channel::<u8>(3);
    /// let two = tx.try_reserve_many(2).unwrap();
    /// assert!(matches!(tx.try_reserve_many(2), Err(TrySendError::Full(()))));
    /// drop(two);
    /// assert_eq!(tx.try_reserve_many(3).unwrap().len(), 3);
    /// ```
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        let Some(count) = self.many_within_bound(n) else {
            return Err(TrySendError::Full(()));
        };
        match self.chan().capacity.semaphore.try_acquire(count) {
            Ok(()) => Ok(PermitIterator::new(self.chan(), n)),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(())),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(())),
        }
    }

    /// `n` as a semaphore request, if the channel can ever grant it.
    fn many_within_bound(&self, n: usize) -> Option<u32> {
        if n > self.max_capacity() {
            return None;
        }
        // A bound above `u32::MAX` slots is allowed, a single request that large is not
        // (the semaphore counts requests in `u32`): refused like one above the bound.
        u32::try_from(n).ok()
    }

    /// Sends `value`, waiting at most `timeout` for a free slot: `Timeout(value)` if none
    /// came in time, `Closed(value)` if the receiver is gone or closed. Needs the runtime's
    /// timer (call it from a task or a `block_on`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::sync::mpsc::{self, error::SendTimeoutError};
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let (tx, _rx) = mpsc::channel(1);
    ///     tx.send_timeout(1, Duration::from_millis(10)).await.unwrap();
    ///     // Full, and nobody receives: the second send gives up.
    ///     let late = tx.send_timeout(2, Duration::from_millis(10)).await;
    ///     assert!(matches!(late, Err(SendTimeoutError::Timeout(2))));
    /// }
    /// ```
    pub async fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        match crate::time::timeout(timeout, self.reserve()).await {
            Ok(Ok(permit)) => {
                permit.send(value);
                Ok(())
            }
            Ok(Err(_)) => Err(SendTimeoutError::Closed(value)),
            Err(_) => Err(SendTimeoutError::Timeout(value)),
        }
    }

    /// [`reserve`](Sender::reserve) for a permit that owns this sender (so it can move into
    /// another task). Cancel safe like `reserve`; the sender is dropped with the future.
    pub async fn reserve_owned(self) -> Result<OwnedPermit<T>, SendError<()>> {
        Reserve::new(self.chan()).await?;
        Ok(OwnedPermit::new(self))
    }

    /// Reserves a slot if one is free now, without waiting.
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        match self.chan().capacity.semaphore.try_acquire(1) {
            Ok(()) => Ok(Permit::new(self.chan())),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(())),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(())),
        }
    }

    /// [`try_reserve`](Sender::try_reserve) for a permit that owns this sender; the sender comes
    /// back in the error.
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Self>> {
        match self.chan().capacity.semaphore.try_acquire(1) {
            Ok(()) => Ok(OwnedPermit::new(self)),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(self)),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(self)),
        }
    }

    /// Waits until the receiver is dropped or closed.
    ///
    /// Cancel safe: dropping the future only forgets the registration.
    ///
    /// ```
    /// use weft::sync::mpsc;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let (tx, rx) = mpsc::channel::<u8>(1);
    ///     weft::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert!(tx.is_closed());
    /// }
    /// ```
    pub async fn closed(&self) {
        self.tx.closed().await
    }

    /// Whether the receiver is dropped or closed (sends fail).
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// Free slots right now.
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::channel(2);
    /// assert_eq!((tx.capacity(), tx.max_capacity()), (2, 2));
    /// tx.try_send(()).unwrap();
    /// assert_eq!(tx.capacity(), 1);
    /// ```
    pub fn capacity(&self) -> usize {
        self.chan().capacity.semaphore.available_permits()
    }

    /// The bound the channel was made with.
    pub fn max_capacity(&self) -> usize {
        self.chan().capacity.bound
    }

    /// Whether both senders feed the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        self.tx.same_channel(&other.tx)
    }

    /// A [`WeakSender`] of this channel, which does not keep it open.
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            tx: self.tx.downgrade(),
        }
    }

    /// How many `Sender`s of this channel are alive.
    pub fn strong_count(&self) -> usize {
        self.tx.strong_count()
    }

    /// How many `WeakSender`s of this channel are alive.
    pub fn weak_count(&self) -> usize {
        self.tx.weak_count()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`], if one is still alive (the channel is not disconnected).
    ///
    /// ```
    /// let (tx, _rx) = weft::sync::mpsc::channel::<u8>(1);
    /// let weak = tx.downgrade();
    /// assert!(weak.upgrade().is_some());
    /// drop(tx);
    /// assert!(weak.upgrade().is_none());
    /// ```
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.tx.upgrade().map(|tx| Sender { tx })
    }

    /// How many `Sender`s of this channel are alive.
    pub fn strong_count(&self) -> usize {
        self.tx.strong_count()
    }

    /// How many `WeakSender`s of this channel are alive.
    pub fn weak_count(&self) -> usize {
        self.tx.weak_count()
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        WeakSender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> Receiver<T> {
    /// Receives the next message, waiting for one; `None` once every sender is gone (or the
    /// receiver closed) and everything sent before was received.
    ///
    /// Cancel safe: a message is taken only in the poll that returns it, so dropping the
    /// future (a losing `select!` branch) loses nothing.
    ///
    /// ```
    /// use weft::sync::mpsc;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(2);
    ///     tx.send(1).await.unwrap();
    ///     drop(tx);
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     assert_eq!(rx.recv().await, None);
    /// }
    /// ```
    pub async fn recv(&mut self) -> Option<T> {
        poll_fn(|cx| self.rx.poll_recv(cx)).await
    }

    /// Receives up to `limit` messages into `buffer` (appending), waiting for at least one;
    /// returns how many. 0 means the channel is closed and drained (or `limit` is 0).
    ///
    /// Cancel safe, like [`recv`](Receiver::recv).
    ///
    /// ```
    /// use weft::sync::mpsc;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(8);
    ///     for i in 0..5 {
    ///         tx.send(i).await.unwrap();
    ///     }
    ///     let mut buffer = Vec::new();
    ///     assert_eq!(rx.recv_many(&mut buffer, 3).await, 3);
    ///     assert_eq!(buffer, [0, 1, 2]);
    /// }
    /// ```
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        poll_fn(|cx| self.rx.poll_recv_many(cx, buffer, limit)).await
    }

    /// Takes a message if one is stored, without waiting: `Empty` if none yet, `Disconnected`
    /// if none will ever come.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.rx.try_recv()
    }

    /// Receives from synchronous code, blocking this thread until a message comes.
    ///
    /// # Panics
    /// Inside a runtime (a worker or a `block_on`): use `.await` there.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::sync::blocking::block_on("mpsc::Receiver::blocking_recv", self.recv())
    }

    /// [`blocking_recv`](Receiver::blocking_recv) for up to `limit` messages.
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        crate::sync::blocking::block_on(
            "mpsc::Receiver::blocking_recv_many",
            self.recv_many(buffer, limit),
        )
    }

    /// Closes the channel without dropping the receiver: sends fail from now on (waiting ones
    /// too), and the receiver can still take what was sent before.
    ///
    /// ```
    /// use weft::sync::mpsc;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let (tx, mut rx) = mpsc::channel(2);
    ///     tx.send(1).await.unwrap();
    ///     rx.close();
    ///     assert!(tx.send(2).await.is_err());
    ///     assert_eq!(rx.recv().await, Some(1));
    ///     assert_eq!(rx.recv().await, None);
    /// }
    /// ```
    pub fn close(&mut self) {
        self.rx.close();
    }

    /// Polls for the next message (the `poll` form of [`recv`](Receiver::recv), for manual
    /// `Future` or `Stream` implementations); registers `cx`'s waker when pending.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }

    /// The `poll` form of [`recv_many`](Receiver::recv_many).
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        self.rx.poll_recv_many(cx, buffer, limit)
    }

    /// Whether the channel is closed: every sender dropped, or [`close`](Receiver::close) was
    /// called. Messages may still be stored.
    pub fn is_closed(&self) -> bool {
        self.rx.is_closed()
    }

    /// How many messages are stored now.
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// Whether no message is stored now.
    pub fn is_empty(&self) -> bool {
        self.rx.len() == 0
    }

    /// Free slots right now.
    pub fn capacity(&self) -> usize {
        self.rx_chan().capacity.semaphore.available_permits()
    }

    /// The bound the channel was made with.
    pub fn max_capacity(&self) -> usize {
        self.rx_chan().capacity.bound
    }

    /// How many `Sender`s are alive.
    pub fn sender_strong_count(&self) -> usize {
        self.rx.sender_strong_count()
    }

    /// How many `WeakSender`s are alive.
    pub fn sender_weak_count(&self) -> usize {
        self.rx.sender_weak_count()
    }

    fn rx_chan(&self) -> &Chan<T, Bounded> {
        self.rx.chan()
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("mpsc::Sender")
            .field("capacity", &self.capacity())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.tx.fmt(f)
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.rx.fmt(f)
    }
}
