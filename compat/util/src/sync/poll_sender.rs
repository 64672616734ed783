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
/// tokio-util's `PollSender`, for weft's channel; the same methods, bounds (`T: Send`, not
/// `'static`: values that borrow can be sent) and semantics.
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
    acquire: Acquire<T>,
}

/// Waits for a slot, the sender moved in (weft's `reserve_owned` is an `async fn`).
async fn reserve<T>(sender: Sender<T>) -> Reservation<T> {
    sender
        .reserve_owned()
        .await
        .map_err(|_| PollSendError(None))
}

/// The reservation future, boxed once and reused.
///
/// The box's type says `'static`, but a reservation owns a `Sender<T>`, which is only valid
/// while every lifetime in `T` is. That is sound because the box never leaves this private
/// type (see [`Acquire::start`]): tokio-util's `PollSender` does the same, so that `T` need not
/// be `'static`.
struct Acquire<T> {
    future: ReusableBoxFuture<'static, Reservation<T>>,
}

impl<T: Send> Acquire<T> {
    /// Holding no reservation (its future, never polled then, captures nothing, so it is
    /// `'static` whatever `T` is).
    fn new() -> Acquire<T> {
        Acquire {
            future: ReusableBoxFuture::new(async { Err(PollSendError(None)) }),
        }
    }

    /// Starts a reservation with `sender`, in the same allocation as the last one.
    fn start(&mut self, sender: Sender<T>) {
        let future: *mut ReusableBoxFuture<'static, Reservation<T>> = &mut self.future;
        let future: *mut ReusableBoxFuture<'_, Reservation<T>> = future.cast();
        // SAFETY: the cast changes only the lifetime bound of the boxed `dyn Future`, not the
        // layout, and the pointer comes from `&mut self.future`, so this is that unique borrow
        // for the one `set` call. The lifetime that `set` infers is one that `reserve(sender)`
        // outlives, at most the shortest lifetime in `T`. Storing that future where the type
        // says `'static` is sound because the `'static` is never relied on: the box is only
        // ever polled (`poll`), replaced (`start`, `cancel`) or dropped through `self.future`,
        // never moved or lent out of this private type, and every `Acquire<T>` (a field of a
        // `PollSender<T>`) can only be used, and is dropped (drop check: the box's `dyn`
        // names `T`), while `T`'s lifetimes are live.
        let future = unsafe { &mut *future };
        future.set(reserve(sender));
    }

    /// Cancels the reservation under way, dropping the sender it owned.
    fn cancel(&mut self) {
        self.future.set(async { Err(PollSendError(None)) });
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Reservation<T>> {
        self.future.poll(cx)
    }
}

impl<T: Send> PollSender<T> {
    /// Wraps `sender`.
    pub fn new(sender: Sender<T>) -> Self {
        PollSender {
            sender: Some(sender.clone()),
            state: State::Idle(sender),
            acquire: Acquire::new(),
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
            self.acquire.start(sender);
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
                self.acquire.cancel();
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
                self.acquire.cancel();
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

impl<T: Send> Clone for PollSender<T> {
    /// A sender of the same channel, with no reservation (closed if this one is closed).
    fn clone(&self) -> Self {
        match &self.sender {
            Some(sender) => PollSender::new(sender.clone()),
            None => PollSender {
                sender: None,
                state: State::Closed,
                acquire: Acquire::new(),
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
impl<T: Send> Sink<T> for PollSender<T> {
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
