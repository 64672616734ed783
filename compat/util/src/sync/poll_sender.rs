//! [`PollSender`]: a bounded weft sender with a poll-based reservation, and a [`Sink`].

use futures_sink::Sink;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio_util::sync::ReusableBoxFuture;
use weft::sync::mpsc::{OwnedPermit, Sender};

/// The error of a [`PollSender`] whose channel is closed (by the receiver, or by
/// [`PollSender::close`]). Holds the value that [`send_item`](PollSender::send_item) could
/// not send, if any.
///
/// tokio-util's type of the same name cannot be made outside tokio-util (its field is
/// private), so this is its twin: the same `into_inner`, `Display` ("channel closed") and
/// `Error`.
#[derive(Debug)]
pub struct PollSendError<T>(Option<T>);

impl<T> PollSendError<T> {
    /// The value that could not be sent: `Some` from `send_item`, `None` from a reservation.
    pub fn into_inner(self) -> Option<T> {
        self.0
    }
}

impl<T> fmt::Display for PollSendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel closed")
    }
}

impl<T: fmt::Debug> std::error::Error for PollSendError<T> {}

type Reservation<T> = Result<OwnedPermit<T>, PollSendError<T>>;

/// Where the sender is in its reserve-then-send cycle.
enum State<T> {
    /// Holds a sender, with no reservation under way.
    Idle(Sender<T>),
    /// The reservation future (`PollSender::acquire`) owns the sender.
    Acquiring,
    /// A slot is reserved; `send_item` fills it.
    ReadyToSend(OwnedPermit<T>),
    /// Closed by `close` or by the receiver: no more sends.
    Closed,
}

/// A [`weft::sync::mpsc::Sender`] that reserves a slot with a `poll` method (where the sender
/// has only `async fn`s), so it can back a [`Sink`] or a hand-written future: call
/// [`poll_reserve`](PollSender::poll_reserve) until ready, then
/// [`send_item`](PollSender::send_item).
///
/// tokio-util's `PollSender`, for weft's channel; the same methods and semantics. One
/// difference: `T` must be `'static` (the pending reservation is a boxed future that owns a
/// sender of `T`; tokio-util erases that lifetime with unsafe code, this crate has none).
///
/// ```
/// use futures_sink::Sink;
/// use std::future::poll_fn;
/// use std::pin::Pin;
/// use weft_util::sync::PollSender;
///
/// weft::runtime::Runtime::new().unwrap().block_on(async {
///     let (tx, mut rx) = weft::sync::mpsc::channel(1);
///     let mut sink = PollSender::new(tx);
///     poll_fn(|cx| Pin::new(&mut sink).poll_ready(cx)).await.unwrap();
///     Pin::new(&mut sink).start_send("hello").unwrap();
///     assert_eq!(rx.recv().await, Some("hello"));
/// });
/// ```
pub struct PollSender<T> {
    /// A clone kept to start each next reservation; `None` once closed.
    sender: Option<Sender<T>>,
    state: State<T>,
    /// Reused for every reservation, so a busy sink allocates once.
    acquire: ReusableBoxFuture<'static, Reservation<T>>,
}

/// Waits for a slot, the sender moved in (weft's `reserve_owned` is an `async fn`).
async fn reserve<T>(sender: Sender<T>) -> Reservation<T> {
    sender
        .reserve_owned()
        .await
        .map_err(|_| PollSendError(None))
}

/// What `acquire` holds while no reservation is under way (never polled then); setting it also
/// drops the sender that a cancelled reservation owned.
async fn no_reservation<T>() -> Reservation<T> {
    Err(PollSendError(None))
}

impl<T: Send + 'static> PollSender<T> {
    /// Wraps `sender`.
    pub fn new(sender: Sender<T>) -> Self {
        PollSender {
            sender: Some(sender.clone()),
            state: State::Idle(sender),
            acquire: ReusableBoxFuture::new(no_reservation()),
        }
    }

    /// Reserves a slot for the next [`send_item`](PollSender::send_item): `Ready(Ok(()))` once
    /// reserved (at once if one already is), `Pending` while the channel is full (`cx` is woken
    /// when a slot frees), `Ready(Err(_))` once the channel is closed.
    pub fn poll_reserve(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), PollSendError<T>>> {
        if let State::Idle(_) = self.state {
            let State::Idle(sender) = std::mem::replace(&mut self.state, State::Acquiring) else {
                unreachable!("matched just above")
            };
            self.acquire.set(reserve(sender));
        }
        match self.state {
            State::Idle(_) => unreachable!("left just above"),
            State::Acquiring => match self.acquire.poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Ok(permit)) => {
                    self.state = State::ReadyToSend(permit);
                    Poll::Ready(Ok(()))
                }
                Poll::Ready(Err(error)) => {
                    self.state = State::Closed;
                    Poll::Ready(Err(error))
                }
            },
            State::ReadyToSend(_) => Poll::Ready(Ok(())),
            State::Closed => Poll::Ready(Err(PollSendError(None))),
        }
    }

    /// Sends `value` in the slot that [`poll_reserve`](PollSender::poll_reserve) reserved.
    ///
    /// # Errors
    /// The channel is closed: the error holds `value`.
    ///
    /// # Panics
    /// No slot is reserved (`poll_reserve` has not returned `Ready(Ok(()))` since the last
    /// send).
    #[track_caller]
    pub fn send_item(&mut self, value: T) -> Result<(), PollSendError<T>> {
        match std::mem::replace(&mut self.state, State::Closed) {
            State::ReadyToSend(permit) => {
                let sender = permit.send(value);
                // After `close`, the permit's sender is dropped here rather than kept.
                if self.sender.is_some() {
                    self.state = State::Idle(sender);
                }
                Ok(())
            }
            State::Closed => Err(PollSendError(Some(value))),
            state @ (State::Idle(_) | State::Acquiring) => {
                self.state = state;
                panic!("`send_item` called without first calling `poll_reserve`")
            }
        }
    }

    /// Whether this sender can send no more: [`close`](PollSender::close) was called, or a
    /// reservation found the channel closed. (A receiver that closed since the last
    /// reservation shows here only at the next `poll_reserve`.)
    pub fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed) || self.sender.is_none()
    }

    /// The sender, `None` once [`close`](PollSender::close) was called.
    pub fn get_ref(&self) -> Option<&Sender<T>> {
        self.sender.as_ref()
    }

    /// Lets go of the sender (the channel closes once every sender is gone). A reservation
    /// under way is cancelled; one already made can still [`send_item`](PollSender::send_item)
    /// once, after which this sender is closed.
    pub fn close(&mut self) {
        self.sender = None;
        match self.state {
            State::Idle(_) => self.state = State::Closed,
            State::Acquiring => {
                self.acquire.set(no_reservation());
                self.state = State::Closed;
            }
            State::ReadyToSend(_) | State::Closed => {}
        }
    }

    /// Gives up the reservation under way or made, freeing its slot; returns whether there
    /// was one. The next [`poll_reserve`](PollSender::poll_reserve) starts afresh.
    pub fn abort_send(&mut self) -> bool {
        let state = std::mem::replace(&mut self.state, State::Closed);
        let (aborted, next) = match state {
            State::Acquiring => {
                self.acquire.set(no_reservation());
                (true, self.sender.clone().map(State::Idle))
            }
            State::ReadyToSend(permit) => {
                let sender = permit.release();
                (true, self.sender.as_ref().map(|_| State::Idle(sender)))
            }
            state @ (State::Idle(_) | State::Closed) => (false, Some(state)),
        };
        self.state = next.unwrap_or(State::Closed);
        aborted
    }
}

impl<T: Send + 'static> Clone for PollSender<T> {
    /// A sender of the same channel, with no reservation (closed if this one is closed).
    fn clone(&self) -> Self {
        match &self.sender {
            Some(sender) => PollSender::new(sender.clone()),
            None => PollSender {
                sender: None,
                state: State::Closed,
                acquire: ReusableBoxFuture::new(no_reservation()),
            },
        }
    }
}

impl<T> fmt::Debug for PollSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Idle(_) => "Idle",
            State::Acquiring => "Acquiring",
            State::ReadyToSend(_) => "ReadyToSend",
            State::Closed => "Closed",
        };
        f.debug_struct("PollSender")
            .field("sender", &self.sender)
            .field("state", &state)
            .finish()
    }
}

/// tokio-util's sink: `poll_ready` reserves, `start_send` sends, `poll_flush` has nothing to
/// do (a sent value is in the channel), `poll_close` [closes](PollSender::close).
impl<T: Send + 'static> Sink<T> for PollSender<T> {
    type Error = PollSendError<T>;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_reserve(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: T) -> Result<(), Self::Error> {
        self.get_mut().send_item(item)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().close();
        Poll::Ready(Ok(()))
    }
}
