//! The unbounded channel's handles: [`UnboundedSender`], [`WeakUnboundedSender`],
//! [`UnboundedReceiver`].
//!
//! Thin faces over `chan.rs` with `Unbounded` capacity (`capacity.rs`). Invariant: a message
//! is stored only by a send that `Unbounded::try_send` counted while the channel was open.

use super::capacity::Unbounded;
use super::chan::{self, Rx, Tx, WeakTx};
use super::error::{SendError, TryRecvError};
use std::fmt;
use std::future::poll_fn;
use std::task::{Context, Poll};

/// Makes an unbounded channel: [`UnboundedSender::send`] never waits, and the channel holds as
/// many messages as memory allows (prefer [`channel`](super::channel) where producers can
/// outrun the consumer).
///
/// ```
/// use weft::sync::mpsc;
///
/// #[weft::main]
/// async fn main() {
///     let (tx, mut rx) = mpsc::unbounded_channel();
///     weft::spawn(async move {
///         for i in 0..3 {
///             tx.send(i).unwrap();
///         }
///     });
///     let mut got = Vec::new();
///     while let Some(i) = rx.recv().await {
///         got.push(i);
///     }
///     assert_eq!(got, [0, 1, 2]);
/// }
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let (tx, rx) = chan::channel(Unbounded::new());
    (UnboundedSender { tx }, UnboundedReceiver { rx })
}

/// Sends messages into an unbounded channel; clone it for more producers. Made by
/// [`unbounded_channel`].
pub struct UnboundedSender<T> {
    tx: Tx<T, Unbounded>,
}

/// An unbounded sender that does not keep the channel open. Made by
/// [`UnboundedSender::downgrade`].
pub struct WeakUnboundedSender<T> {
    tx: WeakTx<T, Unbounded>,
}

/// Receives the messages of an unbounded channel. Made by [`unbounded_channel`].
///
/// Dropping it closes the channel (senders get their values back in `Err`) and drops the
/// messages still stored.
pub struct UnboundedReceiver<T> {
    rx: Rx<T, Unbounded>,
}

impl<T> UnboundedSender<T> {
    /// Sends `value` without waiting. Returns it back in `Err` if the receiver is gone or
    /// closed; once this returns `Ok`, the receiver gets the message (or, if it drops first,
    /// the message is dropped with the channel).
    ///
    /// ```
    /// use weft::sync::mpsc;
    ///
    /// let (tx, mut rx) = mpsc::unbounded_channel();
    /// tx.send("hi").unwrap();
    /// assert_eq!(rx.try_recv(), Ok("hi"));
    /// drop(rx);
    /// assert_eq!(tx.send("late").unwrap_err().0, "late");
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        let chan = self.tx.chan();
        if !chan.capacity.try_send() {
            return Err(SendError(value));
        }
        chan.push(value);
        Ok(())
    }

    /// Waits until the receiver is dropped or closed.
    ///
    /// Cancel safe: dropping the future only forgets the registration.
    pub async fn closed(&self) {
        self.tx.closed().await
    }

    /// Whether the receiver is dropped or closed (sends fail).
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }

    /// Whether both senders feed the same channel.
    pub fn same_channel(&self, other: &UnboundedSender<T>) -> bool {
        self.tx.same_channel(&other.tx)
    }

    /// A [`WeakUnboundedSender`] of this channel, which does not keep it open.
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender {
            tx: self.tx.downgrade(),
        }
    }

    /// How many `UnboundedSender`s of this channel are alive.
    pub fn strong_count(&self) -> usize {
        self.tx.strong_count()
    }

    /// How many `WeakUnboundedSender`s of this channel are alive.
    pub fn weak_count(&self) -> usize {
        self.tx.weak_count()
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        UnboundedSender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> WeakUnboundedSender<T> {
    /// An [`UnboundedSender`], if one is still alive.
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.tx.upgrade().map(|tx| UnboundedSender { tx })
    }

    /// How many `UnboundedSender`s of this channel are alive.
    pub fn strong_count(&self) -> usize {
        self.tx.strong_count()
    }

    /// How many `WeakUnboundedSender`s of this channel are alive.
    pub fn weak_count(&self) -> usize {
        self.tx.weak_count()
    }
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> Self {
        WeakUnboundedSender {
            tx: self.tx.clone(),
        }
    }
}

impl<T> UnboundedReceiver<T> {
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
    ///     let (tx, mut rx) = mpsc::unbounded_channel();
    ///     tx.send(1).unwrap();
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
    /// Cancel safe, like [`recv`](UnboundedReceiver::recv).
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        poll_fn(|cx| self.rx.poll_recv_many(cx, buffer, limit)).await
    }

    /// Takes a message if one is stored, without waiting: `Empty` if none yet, `Disconnected`
    /// if none will ever come.
    ///
    /// ```
    /// use weft::sync::mpsc::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.rx.try_recv()
    }

    /// Receives from synchronous code, blocking this thread until a message comes.
    ///
    /// # Panics
    /// Inside a runtime (a worker or a `block_on`): use `.await` there.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::sync::blocking::block_on("mpsc::UnboundedReceiver::blocking_recv", self.recv())
    }

    /// [`blocking_recv`](UnboundedReceiver::blocking_recv) for up to `limit` messages.
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        crate::sync::blocking::block_on(
            "mpsc::UnboundedReceiver::blocking_recv_many",
            self.recv_many(buffer, limit),
        )
    }

    /// Closes the channel without dropping the receiver: sends fail from now on, and the
    /// receiver can still take what was sent before.
    pub fn close(&mut self) {
        self.rx.close();
    }

    /// Polls for the next message (the `poll` form of [`recv`](UnboundedReceiver::recv));
    /// registers `cx`'s waker when pending.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.rx.poll_recv(cx)
    }

    /// The `poll` form of [`recv_many`](UnboundedReceiver::recv_many).
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        self.rx.poll_recv_many(cx, buffer, limit)
    }

    /// Whether the channel is closed: every sender dropped, or
    /// [`close`](UnboundedReceiver::close) was called. Messages may still be stored.
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

    /// How many `UnboundedSender`s are alive.
    pub fn sender_strong_count(&self) -> usize {
        self.rx.sender_strong_count()
    }

    /// How many `WeakUnboundedSender`s are alive.
    pub fn sender_weak_count(&self) -> usize {
        self.rx.sender_weak_count()
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.tx.fmt(f)
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.tx.fmt(f)
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.rx.fmt(f)
    }
}
