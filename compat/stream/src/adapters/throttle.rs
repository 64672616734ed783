//! [`Throttle`]: a stream slowed to at most one item per period.

use super::after;
use futures_core::Stream;
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use weft::time::Sleep;

pin_project! {
    /// The stream of [`StreamExt::throttle`](crate::StreamExt::throttle): the items, the
    /// next one not polled for until the period after the last has passed.
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Throttle<S> {
        #[pin]
        stream: S,
        delay: Sleep,
        period: Duration,
        // Whether the wait since the last item is over (true before the first).
        waited: bool,
    }
}

impl<S> Throttle<S> {
    #[track_caller]
    pub(crate) fn new(stream: S, period: Duration) -> Throttle<S> {
        Throttle {
            stream,
            delay: weft::time::sleep(period),
            period,
            waited: true,
        }
    }

    /// The inner stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// The inner stream, mutably (taking items from it directly skips the throttle).
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Unwraps the inner stream.
    pub fn into_inner(self) -> S {
        self.stream
    }
}

impl<S: Stream> Stream for Throttle<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        let throttled = !this.period.is_zero();
        if throttled && !*this.waited {
            std::task::ready!(Pin::new(&mut *this.delay).poll(cx));
            *this.waited = true;
        }
        let item = std::task::ready!(this.stream.poll_next(cx));
        if item.is_some() {
            if throttled {
                Pin::new(this.delay).reset(after(*this.period));
            }
            *this.waited = false;
        }
        Poll::Ready(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.stream.size_hint()
    }
}
