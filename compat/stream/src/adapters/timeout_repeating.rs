//! [`TimeoutRepeating`]: a stream that reports every tick of an interval without an item.

use super::Elapsed;
use futures_core::Stream;
use pin_project_lite::pin_project;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio_stream::adapters::Fuse;
use tokio_stream::StreamExt as _;
use weft::time::Interval;

pin_project! {
    /// The stream of [`StreamExt::timeout_repeating`](crate::StreamExt::timeout_repeating):
    /// each item as `Ok`, and an `Err(Elapsed)` at each tick of the interval that passes
    /// without one.
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct TimeoutRepeating<S> {
        #[pin]
        stream: Fuse<S>,
        interval: Interval,
    }
}

impl<S: Stream> TimeoutRepeating<S> {
    pub(crate) fn new(stream: S, interval: Interval) -> TimeoutRepeating<S> {
        TimeoutRepeating {
            stream: stream.fuse(),
            interval,
        }
    }
}

impl<S: Stream> Stream for TimeoutRepeating<S> {
    type Item = Result<S::Item, Elapsed>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        if let Poll::Ready(item) = this.stream.poll_next(cx) {
            if item.is_some() {
                this.interval.reset();
            }
            return Poll::Ready(item.map(Ok));
        }
        std::task::ready!(this.interval.poll_tick(cx));
        Poll::Ready(Some(Err(Elapsed::new())))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // Any number of `Elapsed`s may come between items.
        (self.stream.size_hint().0, None)
    }
}
