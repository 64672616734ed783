//! [`WatchStream`]: a watch receiver as a stream.

use futures_core::Stream;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio_util::sync::ReusableBoxFuture;
use weft::sync::watch::error::RecvError;
use weft::sync::watch::Receiver;

/// A [`weft::sync::watch::Receiver`] as a [`Stream`] of the channel's values (clones).
///
/// Made by [`new`](WatchStream::new), it first yields the value current when it is first
/// polled (whether the initial one or one sent since), then one value per change; made by
/// [`from_changes`](WatchStream::from_changes), only the values the receiver has not seen.
/// Several sends between two polls yield only the latest. It ends once the sender is gone and
/// the last value was yielded.
///
/// ```
/// use weft_stream::{wrappers::WatchStream, StreamExt};
///
/// weft::runtime::Runtime::new().unwrap().block_on(async {
///     let (tx, rx) = weft::sync::watch::channel("hello");
///     let mut values = WatchStream::new(rx);
///     assert_eq!(values.next().await, Some("hello"));
///     tx.send("goodbye").unwrap();
///     assert_eq!(values.next().await, Some("goodbye"));
///     drop(tx);
///     assert_eq!(values.next().await, None);
/// });
/// ```
pub struct WatchStream<T> {
    /// The pending wait for a change, which owns the receiver and hands it back.
    next: ReusableBoxFuture<'static, (Result<(), RecvError>, Receiver<T>)>,
}

/// Waits for a value the receiver has not seen, and gives the receiver back.
async fn next_change<T: Send + Sync>(
    mut receiver: Receiver<T>,
) -> (Result<(), RecvError>, Receiver<T>) {
    let result = receiver.changed().await;
    (result, receiver)
}

/// The first wait of a stream made by `new`: "changed" at once, so that its first poll yields
/// the value current then.
async fn current<T>(receiver: Receiver<T>) -> (Result<(), RecvError>, Receiver<T>) {
    (Ok(()), receiver)
}

impl<T: 'static + Clone + Send + Sync> WatchStream<T> {
    /// Wraps `receiver`: yields the current value first, then each change.
    pub fn new(receiver: Receiver<T>) -> Self {
        WatchStream {
            next: ReusableBoxFuture::new(current(receiver)),
        }
    }

    /// Wraps `receiver`: yields only values it has not seen (for a receiver fresh from
    /// `channel`, the values sent after the initial one).
    pub fn from_changes(receiver: Receiver<T>) -> Self {
        WatchStream {
            next: ReusableBoxFuture::new(next_change(receiver)),
        }
    }
}

impl<T: 'static + Clone + Send + Sync> Stream for WatchStream<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        let (result, mut receiver) = std::task::ready!(this.next.poll(cx));
        // Marked seen as it is read, so that the next wait is for a newer value.
        let value = result.map(|()| receiver.borrow_and_update().clone());
        this.next.set(next_change(receiver));
        Poll::Ready(value.ok())
    }
}

impl<T> fmt::Debug for WatchStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WatchStream").finish_non_exhaustive()
    }
}

impl<T: 'static + Clone + Send + Sync> From<Receiver<T>> for WatchStream<T> {
    fn from(receiver: Receiver<T>) -> Self {
        WatchStream::new(receiver)
    }
}
