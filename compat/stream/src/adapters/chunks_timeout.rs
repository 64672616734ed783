//! [`ChunksTimeout`]: a stream's items in chunks, each out when full or when its time is up.

use futures_core::Stream;
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio_stream::adapters::Fuse;
use tokio_stream::StreamExt as _;
use weft::time::Sleep;

pin_project! {
    /// The stream of [`StreamExt::chunks_timeout`](crate::StreamExt::chunks_timeout): `Vec`s of
    /// up to `max_size` items, each out when full or `duration` after its first item.
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct ChunksTimeout<S: Stream> {
        #[pin]
        stream: Fuse<S>,
        // Armed at the first item of each chunk.
        deadline: Option<Sleep>,
        duration: Duration,
        items: Vec<S::Item>,
        max_size: usize,
    }
}

impl<S: Stream> ChunksTimeout<S> {
    pub(crate) fn new(stream: S, max_size: usize, duration: Duration) -> ChunksTimeout<S> {
        ChunksTimeout {
            stream: stream.fuse(),
            deadline: None,
            duration,
            items: Vec::with_capacity(max_size),
            max_size,
        }
    }

    /// Takes the items of the chunk under way, which the stream would have yielded next.
    pub fn into_remainder(self: Pin<&mut Self>) -> Vec<S::Item> {
        std::mem::take(self.project().items)
    }
}

impl<S: Stream> Stream for ChunksTimeout<S> {
    type Item = Vec<S::Item>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Vec<S::Item>>> {
        let mut this = self.project();
        loop {
            match this.stream.as_mut().poll_next(cx) {
                Poll::Pending => break,
                Poll::Ready(Some(item)) => {
                    if this.items.is_empty() {
                        *this.deadline = Some(weft::time::sleep(*this.duration));
                        this.items.reserve_exact(*this.max_size);
                    }
                    this.items.push(item);
                    if this.items.len() >= *this.max_size {
                        return Poll::Ready(Some(std::mem::take(this.items)));
                    }
                }
                Poll::Ready(None) => {
                    let last = (!this.items.is_empty()).then(|| std::mem::take(this.items));
                    return Poll::Ready(last);
                }
            }
        }
        if this.items.is_empty() {
            return Poll::Pending;
        }
        if let Some(deadline) = this.deadline {
            std::task::ready!(Pin::new(deadline).poll(cx));
        }
        Poll::Ready(Some(std::mem::take(this.items)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let under_way = usize::from(!self.items.is_empty());
        let (lower, upper) = self.stream.size_hint();
        let lower = (lower / self.max_size).saturating_add(under_way);
        (lower, upper.and_then(|n| n.checked_add(under_way)))
    }
}
