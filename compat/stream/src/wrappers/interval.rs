//! [`IntervalStream`]: a weft interval as a stream.

use futures_core::stream::FusedStream;
use futures_core::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft::time::{Instant, Interval};

/// A [`weft::time::Interval`] as a never-ending [`Stream`] of the instants it ticks at (the
/// first at once, as `Interval::tick`'s).
///
/// This wraps weft's own timer, so it needs no tokio context, and weft's paused test clock
/// drives it.
#[derive(Debug)]
pub struct IntervalStream {
    interval: Interval,
}

impl IntervalStream {
    /// Wraps `interval`.
    pub fn new(interval: Interval) -> Self {
        IntervalStream { interval }
    }

    /// Unwraps the interval; its next tick is the one the stream would have yielded next.
    pub fn into_inner(self) -> Interval {
        self.interval
    }
}

impl Stream for IntervalStream {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().interval.poll_tick(cx).map(Some)
    }

    /// Endless: `(usize::MAX, None)`.
    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, None)
    }
}

impl FusedStream for IntervalStream {
    /// Never: an interval ticks for ever.
    fn is_terminated(&self) -> bool {
        false
    }
}

impl AsRef<Interval> for IntervalStream {
    fn as_ref(&self) -> &Interval {
        &self.interval
    }
}

impl AsMut<Interval> for IntervalStream {
    fn as_mut(&mut self) -> &mut Interval {
        &mut self.interval
    }
}
