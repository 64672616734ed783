//! [`UnboundedReceiverStream`]: an unbounded mpsc receiver as a stream.

use futures_core::Stream;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft::sync::mpsc::UnboundedReceiver;

/// A [`weft::sync::mpsc::UnboundedReceiver`] as a [`Stream`]: yields each message in the
/// order sent, and ends once every sender is gone (or the stream was
/// [closed](UnboundedReceiverStream::close)) and the buffered messages are drained.
pub struct UnboundedReceiverStream<T> {
    receiver: UnboundedReceiver<T>,
}

impl<T> UnboundedReceiverStream<T> {
    /// Wraps `receiver`.
    pub fn new(receiver: UnboundedReceiver<T>) -> Self {
        UnboundedReceiverStream { receiver }
    }

    /// Unwraps the receiver, with the messages it still holds.
    pub fn into_inner(self) -> UnboundedReceiver<T> {
        self.receiver
    }

    /// Closes the channel without dropping the receiver: senders can send no more, and the
    /// stream yields what is buffered, then ends.
    pub fn close(&mut self) {
        self.receiver.close();
    }
}

impl<T> Stream for UnboundedReceiverStream<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().receiver.poll_recv(cx)
    }

    /// `(buffered, None)` while senders may add more; `(buffered, Some(buffered))` once the
    /// channel is closed, as tokio-stream's.
    fn size_hint(&self) -> (usize, Option<usize>) {
        let buffered = self.receiver.len();
        let closed = self.receiver.is_closed();
        (buffered, closed.then_some(buffered))
    }
}

impl<T> fmt::Debug for UnboundedReceiverStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiverStream")
            .field("receiver", &self.receiver)
            .finish()
    }
}

impl<T> AsRef<UnboundedReceiver<T>> for UnboundedReceiverStream<T> {
    fn as_ref(&self) -> &UnboundedReceiver<T> {
        &self.receiver
    }
}

impl<T> AsMut<UnboundedReceiver<T>> for UnboundedReceiverStream<T> {
    fn as_mut(&mut self) -> &mut UnboundedReceiver<T> {
        &mut self.receiver
    }
}

impl<T> From<UnboundedReceiver<T>> for UnboundedReceiverStream<T> {
    fn from(receiver: UnboundedReceiver<T>) -> Self {
        UnboundedReceiverStream::new(receiver)
    }
}
