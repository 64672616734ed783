//! A channel for sending a single value between tasks (asyncio's `Future` set from elsewhere).
//!
//! [`channel`] makes a [`Sender`] and a [`Receiver`]. The sender hands over one value with
//! [`Sender::send`], which never waits; the receiver is a future that resolves to the value, or
//! to [`RecvError`] if the sender was dropped without sending.
//!
//! ```
//! use weft::sync::oneshot;
//!
//! #[weft::main]
//! async fn main() {
//!     let (tx, rx) = oneshot::channel();
//!     weft::spawn(async move {
//!         if tx.send(6 * 7).is_err() {
//!             println!("the receiver dropped");
//!         }
//!     });
//!     assert_eq!(rx.await, Ok(42));
//! }
//! ```
//!
//! Each channel is one allocation holding the value, both halves' wakers and an atomic state
//! word (see `state.rs`); sending, receiving and closing are lock-free.
//!
//! Invariants (with those of `state.rs`): the `Inner` is shared by exactly the two halves; the
//! value cell is written only by the sender before `VALUE_SENT`, and read only by the receiver
//! after it (or by the sender taking its value back when `CLOSED` refused it).

pub mod error;
mod state;

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;

use crate::sync::prim::{Arc, AtomicUsize, UnsafeCell};
use error::{RecvError, TryRecvError};
use state::State;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Makes a oneshot channel: the [`Sender`] sends one value to the [`Receiver`].
///
/// ```
/// use weft::sync::oneshot;
///
/// #[weft::main]
/// async fn main() {
///     let (tx, rx) = oneshot::channel::<&str>();
///     drop(tx);
///     assert!(rx.await.is_err(), "the sender dropped without sending");
/// }
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: State::new_cell(),
        value: UnsafeCell::new(None),
        tx_task: UnsafeCell::new(None),
        rx_task: UnsafeCell::new(None),
    });
    let tx = Sender {
        inner: Some(inner.clone()),
    };
    let rx = Receiver { inner: Some(inner) };
    (tx, rx)
}

/// Sends a value to the paired [`Receiver`]. Made by [`channel`].
///
/// Dropping the sender without sending completes the receiver with
/// [`RecvError`].
pub struct Sender<T> {
    inner: Option<Arc<Inner<T>>>,
}

/// Receives the value sent by the paired [`Sender`]: await it, or poll it with
/// [`try_recv`](Receiver::try_recv). Made by [`channel`].
///
/// Awaiting it resolves to `Ok(value)`, or `Err(RecvError)` if the sender was dropped without
/// sending. It is cancel safe: dropping a pending `Receiver` future (for example the losing
/// branch of a `select!` over `&mut rx`) loses nothing, and awaiting it again later still gets
/// the value.
///
/// Dropping the receiver closes the channel: a later [`Sender::send`] hands its value back.
pub struct Receiver<T> {
    inner: Option<Arc<Inner<T>>>,
}

struct Inner<T> {
    state: AtomicUsize,
    value: UnsafeCell<Option<T>>,
    tx_task: UnsafeCell<Option<Waker>>,
    rx_task: UnsafeCell<Option<Waker>>,
}

// SAFETY: the value is moved from the sending thread to the receiving one (hence `T: Send`);
// every access to the cells is exclusive by the state protocol (`state.rs`), and wakers are
// `Send + Sync`.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above; no `&T` is ever shared between the halves, so `T: Sync` is not needed.
unsafe impl<T: Send> Sync for Inner<T> {}

impl<T> Inner<T> {
    /// The sender is done (its value, if any, is in the cell): sets `VALUE_SENT` and wakes the
    /// receiver. `false` if the receiver had closed: the cell is still the sender's.
    fn complete(&self) -> bool {
        let previous = State::set_complete(&self.state);
        if previous.is_closed() {
            return false;
        }
        if previous.is_rx_task_set() {
            self.rx_task.with(|slot| {
                // SAFETY: the flag was set when `VALUE_SENT` went in, so the receiver stored its
                // waker and from now on only reads the slot (it may not replace it after
                // `VALUE_SENT`; `state.rs`): shared access is sound.
                if let Some(waker) = unsafe { &*slot } {
                    waker.wake_by_ref();
                }
            });
        }
        true
    }

    /// Sets `CLOSED` and wakes a sender waiting in `closed()`; returns the previous state.
    fn close(&self) -> State {
        let previous = State::set_closed(&self.state);
        if previous.is_tx_task_set() && !previous.is_complete() {
            self.tx_task.with(|slot| {
                // SAFETY: the flag was set when `CLOSED` went in: the sender stored its waker and
                // only reads the slot from now on (`state.rs`).
                if let Some(waker) = unsafe { &*slot } {
                    waker.wake_by_ref();
                }
            });
        }
        previous
    }

    /// Takes the value out of the cell.
    ///
    /// # Safety
    /// The caller owns the cell: the receiver after observing `VALUE_SENT`, or the sender after
    /// `complete` returned `false`.
    unsafe fn take_value(&self) -> Option<T> {
        // SAFETY: exclusive access, by the caller's contract.
        self.value.with_mut(|value| unsafe { (*value).take() })
    }

    /// The receiver's side of a poll (`&mut Receiver` makes it the only caller).
    fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        crate::task::coop::leaf(cx, |cx| self.poll_recv_unbudgeted(cx))
    }

    fn poll_recv_unbudgeted(&self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let mut state = State::load(&self.state);
        if state.is_complete() {
            // SAFETY: `VALUE_SENT` observed (Acquire): the cell is the receiver's.
            return Poll::Ready(unsafe { self.take_value() }.ok_or(RecvError(())));
        }
        if state.is_closed() {
            return Poll::Ready(Err(RecvError(())));
        }
        if state.is_rx_task_set() {
            let same = self.rx_task.with(|slot| {
                // SAFETY: a read of our own slot; the sender only ever reads it too.
                unsafe { &*slot }
                    .as_ref()
                    .is_some_and(|waker| waker.will_wake(cx.waker()))
            });
            if same {
                return Poll::Pending;
            }
            state = State::unset_rx_task(&self.state);
            if state.is_complete() {
                // The sender may be waking the old waker right now: leave the slot alone (the
                // channel drops it). The value is ours.
                // SAFETY: `VALUE_SENT` observed (AcqRel): the cell is the receiver's.
                return Poll::Ready(unsafe { self.take_value() }.ok_or(RecvError(())));
            }
        }
        self.rx_task.with_mut(|slot| {
            // SAFETY: `RX_TASK_SET` is clear and `VALUE_SENT` was not set while it was: the
            // sender will not read the slot until we set the flag again.
            unsafe { *slot = Some(cx.waker().clone()) };
        });
        state = State::set_rx_task(&self.state);
        if state.is_complete() {
            // SAFETY: `VALUE_SENT` observed (AcqRel): the cell is the receiver's.
            return Poll::Ready(unsafe { self.take_value() }.ok_or(RecvError(())));
        }
        Poll::Pending
    }

    /// The sender's side of `closed()` (`&mut Sender` makes it the only caller).
    fn poll_closed(&self, cx: &mut Context<'_>) -> Poll<()> {
        crate::task::coop::leaf(cx, |cx| self.poll_closed_unbudgeted(cx))
    }

    fn poll_closed_unbudgeted(&self, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = State::load(&self.state);
        if state.is_closed() {
            return Poll::Ready(());
        }
        if state.is_tx_task_set() {
            let same = self.tx_task.with(|slot| {
                // SAFETY: a read of our own slot; the receiver only ever reads it too.
                unsafe { &*slot }
                    .as_ref()
                    .is_some_and(|waker| waker.will_wake(cx.waker()))
            });
            if same {
                return Poll::Pending;
            }
            state = State::unset_tx_task(&self.state);
            if state.is_closed() {
                // The receiver may be waking the old waker: leave the slot alone.
                return Poll::Ready(());
            }
        }
        self.tx_task.with_mut(|slot| {
            // SAFETY: `TX_TASK_SET` is clear and `CLOSED` was not set while it was: the receiver
            // will not read the slot until we set the flag again.
            unsafe { *slot = Some(cx.waker().clone()) };
        });
        state = State::set_tx_task(&self.state);
        if state.is_closed() {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl<T> Sender<T> {
    /// Sends `value` to the receiver, without waiting. Returns it back in `Err` if the receiver
    /// was dropped or closed first; once this returns `Ok`, the receiver gets the value (or, if
    /// it is dropped before taking it, the value is dropped with it).
    ///
    /// ```
    /// use weft::sync::oneshot;
    ///
    /// let (tx, rx) = oneshot::channel();
    /// drop(rx);
    /// assert_eq!(tx.send(7), Err(7));
    /// ```
    pub fn send(mut self, value: T) -> Result<(), T> {
        let inner = self
            .inner
            .take()
            .expect("a Sender holds its channel until it sends");
        inner.value.with_mut(|cell| {
            // SAFETY: `VALUE_SENT` is not set (only this sender sets it, and it has not): the
            // cell is the sender's.
            unsafe { *cell = Some(value) };
        });
        if inner.complete() {
            return Ok(());
        }
        // SAFETY: `complete` refused (`CLOSED`), so `VALUE_SENT` stays clear and the cell is
        // still the sender's.
        let value = unsafe { inner.take_value() }.expect("the value was just stored");
        Err(value)
    }

    /// Whether the receiver was dropped or closed (a send would fail).
    ///
    /// ```
    /// use weft::sync::oneshot;
    ///
    /// let (tx, rx) = oneshot::channel::<()>();
    /// assert!(!tx.is_closed());
    /// drop(rx);
    /// assert!(tx.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        match &self.inner {
            Some(inner) => State::load(&inner.state).is_closed(),
            None => true,
        }
    }

    /// Waits until the receiver is dropped or closed: useful to stop computing a value that
    /// nobody wants any more.
    ///
    /// Cancel safe: dropping this future only forgets the registration.
    ///
    /// ```
    /// use weft::sync::oneshot;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     let (mut tx, rx) = oneshot::channel::<u32>();
    ///     weft::spawn(async move { drop(rx) });
    ///     tx.closed().await;
    ///     assert!(tx.send(1).is_err());
    /// }
    /// ```
    pub async fn closed(&mut self) {
        poll_fn(|cx| self.poll_closed(cx)).await
    }

    /// Polls for the receiver being dropped or closed; registers `cx`'s waker if not yet.
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match &self.inner {
            Some(inner) => inner.poll_closed(cx),
            None => Poll::Ready(()),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            // The cell holds `None`: the receiver completes with `RecvError`.
            inner.complete();
        }
    }
}

impl<T> Receiver<T> {
    /// Takes the value if it has arrived, without waiting.
    ///
    /// `Err(Empty)` while the sender is alive and has not sent; `Err(Closed)` if the sender
    /// dropped without sending, the value was already taken, or the receiver was closed before
    /// a value arrived.
    ///
    /// ```
    /// use weft::sync::oneshot::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// tx.send("hi").unwrap();
    /// assert_eq!(rx.try_recv(), Ok("hi"));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let result = match &self.inner {
            Some(inner) => {
                let state = State::load(&inner.state);
                if state.is_complete() {
                    // SAFETY: `VALUE_SENT` observed (Acquire): the cell is the receiver's.
                    unsafe { inner.take_value() }.ok_or(TryRecvError::Closed)
                } else if state.is_closed() {
                    Err(TryRecvError::Closed)
                } else {
                    return Err(TryRecvError::Empty);
                }
            }
            None => Err(TryRecvError::Closed),
        };
        self.inner = None;
        result
    }

    /// Closes the channel without dropping the receiver: a later [`Sender::send`] fails and
    /// [`Sender::closed`] completes. A value sent before the close can still be taken with
    /// [`try_recv`](Receiver::try_recv) (or by awaiting).
    ///
    /// ```
    /// use weft::sync::oneshot;
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// rx.close();
    /// assert_eq!(tx.send(1), Err(1));
    /// assert!(rx.try_recv().is_err());
    /// ```
    pub fn close(&mut self) {
        if let Some(inner) = &self.inner {
            inner.close();
        }
    }

    /// Whether the receiver already produced its result (a value or an error): awaiting it
    /// again would panic.
    pub fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }

    /// Whether no value is waiting (none sent yet, or already taken).
    pub fn is_empty(&self) -> bool {
        match &self.inner {
            // The cell may only be peeked at by the receiver after `VALUE_SENT`; a sent `None`
            // (sender dropped) counts as empty.
            Some(inner) => {
                let state = State::load(&inner.state);
                // SAFETY: `VALUE_SENT` observed (Acquire): the cell is the receiver's to read.
                !(state.is_complete() && inner.value.with(|value| unsafe { (*value).is_some() }))
            }
            None => true,
        }
    }

    /// Waits for the value from synchronous code, blocking this thread.
    ///
    /// # Panics
    /// Inside a runtime (a worker or a `block_on`): blocking there would stall the tasks this
    /// thread drives. Use `.await` there.
    ///
    /// ```
    /// use weft::sync::oneshot;
    ///
    /// let (tx, rx) = oneshot::channel();
    /// let sender = std::thread::spawn(move || tx.send(5).unwrap());
    /// assert_eq!(rx.blocking_recv(), Ok(5));
    /// sender.join().unwrap();
    /// ```
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        crate::sync::blocking::block_on("oneshot::Receiver::blocking_recv", self)
    }
}

#[cfg(all(test, not(loom)))]
impl<T> Sender<T> {
    /// Whether the receiver has stored its waker: tests wait on it rather than sleep until a
    /// receiver blocks.
    pub(crate) fn receiver_is_waiting(&self) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|inner| State::load(&inner.state).is_rx_task_set())
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            if inner.close().is_complete() {
                // SAFETY: `VALUE_SENT` observed (AcqRel): the cell is the receiver's; drop the
                // value now rather than whenever the sender's half goes.
                drop(unsafe { inner.take_value() });
            }
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self
            .inner
            .as_ref()
            .expect("oneshot::Receiver polled after it completed");
        let result = std::task::ready!(inner.poll_recv(cx));
        self.inner = None;
        Poll::Ready(result)
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Sender")
            .field("state", &self.inner.as_ref().map(|i| State::load(&i.state)))
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("oneshot::Receiver")
            .field("state", &self.inner.as_ref().map(|i| State::load(&i.state)))
            .finish()
    }
}
