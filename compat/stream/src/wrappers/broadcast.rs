//! [`BroadcastStream`]: a broadcast receiver as a stream, and its error.

use futures_core::Stream;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio_util::sync::ReusableBoxFuture;
use weft::sync::broadcast::error::RecvError;
use weft::sync::broadcast::Receiver;

/// A [`weft::sync::broadcast::Receiver`] as a [`Stream`]: yields `Ok` with each message sent
/// after the receiver subscribed, in order; an `Err(Lagged(n))` where the receiver fell `n`
/// messages behind, then the oldest message still kept and on from there; and ends once every
/// sender is gone and the rest is read.
///
/// ```
/// use weft_stream::wrappers::{errors::BroadcastStreamRecvError, BroadcastStream};
/// use weft_stream::StreamExt;
///
/// weft::runtime::Runtime::new().unwrap().block_on(async {
///     let (tx, rx) = weft::sync::broadcast::channel(2);
///     for i in 0..3 {
///         tx.send(i).unwrap(); // the third overwrites the first
///     }
///     drop(tx);
///     let items: Vec<_> = BroadcastStream::new(rx).collect().await;
///     assert_eq!(items, [Err(BroadcastStreamRecvError::Lagged(1)), Ok(1), Ok(2)]);
/// });
/// ```
pub struct BroadcastStream<T> {
    /// The pending `recv`, which owns the receiver (it borrows it mutably for as long as it
    /// waits) and hands it back with its result, to be lent to the next one.
    next: ReusableBoxFuture<'static, (Result<T, RecvError>, Receiver<T>)>,
}

/// Receives one message with the receiver it owns, and gives the receiver back.
async fn receive<T: Clone>(mut receiver: Receiver<T>) -> (Result<T, RecvError>, Receiver<T>) {
    let result = receiver.recv().await;
    (result, receiver)
}

impl<T: 'static + Clone + Send> BroadcastStream<T> {
    /// Wraps `receiver`; the stream starts where the receiver stands.
    pub fn new(receiver: Receiver<T>) -> Self {
        BroadcastStream {
            next: ReusableBoxFuture::new(receive(receiver)),
        }
    }
}

impl<T: 'static + Clone + Send> Stream for BroadcastStream<T> {
    type Item = Result<T, BroadcastStreamRecvError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let (result, receiver) = std::task::ready!(this.next.poll(cx));
        // Re-armed even after `Closed`, so that a stream polled past its end ends again.
        this.next.set(receive(receiver));
        Poll::Ready(match result {
            Ok(message) => Some(Ok(message)),
            Err(RecvError::Lagged(missed)) => Some(Err(BroadcastStreamRecvError::Lagged(missed))),
            Err(RecvError::Closed) => None,
        })
    }
}

impl<T> fmt::Debug for BroadcastStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BroadcastStream").finish_non_exhaustive()
    }
}

impl<T: 'static + Clone + Send> From<Receiver<T>> for BroadcastStream<T> {
    fn from(receiver: Receiver<T>) -> Self {
        BroadcastStream::new(receiver)
    }
}

/// An error item of a [`BroadcastStream`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BroadcastStreamRecvError {
    /// The receiver fell behind: the channel overwrote this many messages before it read them.
    /// The stream goes on with the oldest message still kept.
    Lagged(u64),
}

impl fmt::Display for BroadcastStreamRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BroadcastStreamRecvError::Lagged(missed) => write!(f, "channel lagged by {missed}"),
        }
    }
}

impl std::error::Error for BroadcastStreamRecvError {}
