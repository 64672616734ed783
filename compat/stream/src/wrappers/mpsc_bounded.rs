//! [`ReceiverStream`]: a bounded mpsc receiver as a stream.

use futures_core::Stream;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft::sync::mpsc::Receiver;

/// A [`weft::sync::mpsc::Receiver`] as a [`Stream`]: yields each message in the order sent,
/// and ends once every sender is gone (or the stream was [closed](ReceiverStream::close)) and
/// the buffered messages are drained.
///
/// ```
/// use weft_stream::{wrappers::ReceiverStream, StreamExt};
///
/// weft::runtime::Runtime::new().unwrap().block_on(async {
///     let (tx, rx) = weft::sync::mpsc::channel(8);
///     for word in ["one", "two"] {
///         tx.send(word).await.unwrap();
///     }
///     drop(tx);
///     let words: Vec<_> = ReceiverStream::new(rx).collect().await;
///     assert_eq!(words, ["one", "two"]);
/// });
/// ```
pub struct ReceiverStream<T> {
    receiver: Receiver<T>,
}

impl<T> ReceiverStream<T> {
    /// Wraps `receiver`.
    pub fn new(receiver: Receiver<T>) -> Self {
        ReceiverStream { receiver }
    }

    /// Unwraps the receiver, with the messages it still holds.
    pub fn into_inner(self) -> Receiver<T> {
        self.receiver
    }

    /// Closes the channel without dropping the receiver: senders can send no more (a permit
    /// already reserved still can), and the stream yields what is buffered, then ends. Drain it
    /// to `None` to be sure no message is lost.
    pub fn close(&mut self) {
        self.receiver.close();
    }
}

impl<T> Stream for ReceiverStream<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().receiver.poll_recv(cx)
    }

    /// `(buffered, None)` while senders may add more; once the channel is closed, the upper
    /// bound is the slots in use (buffered messages plus reserved permits that may still
    /// send), as tokio-stream's.
    fn size_hint(&self) -> (usize, Option<usize>) {
        let buffered = self.receiver.len();
        if self.receiver.is_closed() {
            let in_use = self.receiver.max_capacity() - self.receiver.capacity();
            (buffered, Some(in_use))
        } else {
            (buffered, None)
        }
    }
}

impl<T> fmt::Debug for ReceiverStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReceiverStream")
            .field("receiver", &self.receiver)
            .finish()
    }
}

impl<T> AsRef<Receiver<T>> for ReceiverStream<T> {
    fn as_ref(&self) -> &Receiver<T> {
        &self.receiver
    }
}

impl<T> AsMut<Receiver<T>> for ReceiverStream<T> {
    fn as_mut(&mut self) -> &mut Receiver<T> {
        &mut self.receiver
    }
}

impl<T> From<Receiver<T>> for ReceiverStream<T> {
    fn from(receiver: Receiver<T>) -> Self {
        ReceiverStream::new(receiver)
    }
}
