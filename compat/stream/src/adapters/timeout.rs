//! [`Timeout`]: a stream whose every wait for an item is limited, and its [`Elapsed`] error.

use super::after;
use futures_core::Stream;
use pin_project_lite::pin_project;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio_stream::adapters::Fuse;
use tokio_stream::StreamExt as _;
use weft::time::Sleep;

pin_project! {
    /// The stream of [`StreamExt::timeout`](crate::StreamExt::timeout): each item as `Ok`, and
    /// one `Err(Elapsed)` when the wait for the next passes its duration.
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Timeout<S> {
        #[pin]
        stream: Fuse<S>,
        deadline: Sleep,
        duration: Duration,
        // Whether the current wait has not yet reported its `Elapsed`.
        armed: bool,
    }
}

/// The error of [`Timeout`] and [`TimeoutRepeating`](super::TimeoutRepeating): no item came
/// in time. tokio-stream's `Elapsed`: its own type, not `time::error::Elapsed`.
///
/// ```
/// use std::time::Duration;
/// use weft_stream::StreamExt;
///
/// #[weft::main(flavor = "current_thread", start_paused = true)]
/// async fn main() {
///     let mut silent = weft_stream::pending::<()>().timeout(Duration::from_secs(1));
///     let elapsed = silent.next().await.unwrap().unwrap_err();
///     assert_eq!(elapsed.to_string(), "deadline has elapsed");
///     let io: std::io::Error = elapsed.into();
///     assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
/// }
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct Elapsed(());

impl Elapsed {
    pub(crate) fn new() -> Elapsed {
        Elapsed(())
    }
}

impl<S: Stream> Timeout<S> {
    #[track_caller]
    pub(crate) fn new(stream: S, duration: Duration) -> Timeout<S> {
        Timeout {
            stream: stream.fuse(),
            deadline: weft::time::sleep(duration),
            duration,
            armed: true,
        }
    }
}

impl<S: Stream> Stream for Timeout<S> {
    type Item = Result<S::Item, Elapsed>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        if let Poll::Ready(item) = this.stream.poll_next(cx) {
            if item.is_some() {
                Pin::new(&mut *this.deadline).reset(after(*this.duration));
                *this.armed = true;
            }
            return Poll::Ready(item.map(Ok));
        }
        if !*this.armed {
            return Poll::Pending;
        }
        std::task::ready!(Pin::new(this.deadline).poll(cx));
        *this.armed = false;
        Poll::Ready(Some(Err(Elapsed::new())))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // At most one `Elapsed` before each item and one after the last.
        let (lower, upper) = self.stream.size_hint();
        let upper = upper.and_then(|n| n.checked_mul(2)?.checked_add(1));
        (lower, upper)
    }
}

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed")
    }
}

impl std::error::Error for Elapsed {}

impl From<Elapsed> for std::io::Error {
    fn from(_: Elapsed) -> std::io::Error {
        std::io::ErrorKind::TimedOut.into()
    }
}
