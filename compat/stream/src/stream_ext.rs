//! [`StreamExt`]: tokio-stream's combinators, with its timer combinators on weft's timer.

use crate::FromStream;
use futures_core::Stream;
use std::future::Future;
use tokio_stream::adapters::{
    Chain, Filter, FilterMap, Fuse, Map, MapWhile, Merge, Peekable, Skip, SkipWhile, Take,
    TakeWhile, Then,
};
use tokio_stream::StreamExt as TokioStreamExt;

#[cfg(feature = "time")]
use crate::adapters::{ChunksTimeout, Throttle, Timeout, TimeoutRepeating};
#[cfg(feature = "time")]
use std::time::Duration;

/// Combinators for every [`Stream`]: tokio-stream's `StreamExt`, method for method.
///
/// The combinators that need no timer are tokio-stream's own (each method here calls it, and
/// returns its adapter). The four that do (`timeout`, `timeout_repeating`, `throttle`,
/// `chunks_timeout`) are written for weft's timer, so weft's paused test clock drives them,
/// `timeout_repeating` takes weft's `Interval` (the one `tokio::time::interval` gives after the
/// rename), and no tokio runtime is needed. The futures that `next`, `try_next`, `all`, `any`,
/// `fold` and `collect` return are tokio-stream's (named `impl Future` here, as they are
/// unnameable there), and are `Send` and `Unpin` exactly when tokio-stream's are.
///
/// ```
/// use std::time::Duration;
/// use weft_stream::{self as tokio_stream, StreamExt};
///
/// #[weft::main(flavor = "current_thread", start_paused = true)]
/// async fn main() {
///     let slow = tokio_stream::iter(1..=3).then(|n| async move {
///         weft::time::sleep(Duration::from_millis(n * 40)).await;
///         n
///     });
///     // Each item may take up to 100 ms: the third does not make it.
///     let items: Vec<_> = slow.timeout(Duration::from_millis(100)).take(3).collect().await;
///     assert!(items[..2] == [Ok(1), Ok(2)] && items[2].is_err());
/// }
/// ```
pub trait StreamExt: Stream {
    /// The next item, or `None` once the stream has ended.
    fn next(&mut self) -> impl Future<Output = Option<Self::Item>>
    where
        Self: Unpin,
    {
        TokioStreamExt::next(self)
    }

    /// The next item of a stream of `Result`s, with the error taken out: `Ok(None)` at the end.
    fn try_next<T, E>(&mut self) -> impl Future<Output = Result<Option<T>, E>>
    where
        Self: Stream<Item = Result<T, E>> + Unpin,
    {
        TokioStreamExt::try_next(self)
    }

    /// Each item passed through `f`.
    fn map<T, F>(self, f: F) -> Map<Self, F>
    where
        F: FnMut(Self::Item) -> T,
        Self: Sized,
    {
        TokioStreamExt::map(self, f)
    }

    /// Each item passed through `f`, until `f` returns `None`.
    fn map_while<T, F>(self, f: F) -> MapWhile<Self, F>
    where
        F: FnMut(Self::Item) -> Option<T>,
        Self: Sized,
    {
        TokioStreamExt::map_while(self, f)
    }

    /// Each item passed through the async `f`, one at a time.
    fn then<F, Fut>(self, f: F) -> Then<Self, Fut, F>
    where
        F: FnMut(Self::Item) -> Fut,
        Fut: Future,
        Self: Sized,
    {
        TokioStreamExt::then(self, f)
    }

    /// The items of both streams as they come, ending when both have.
    fn merge<U>(self, other: U) -> Merge<Self, U>
    where
        U: Stream<Item = Self::Item>,
        Self: Sized,
    {
        TokioStreamExt::merge(self, other)
    }

    /// The items for which `f` is true.
    fn filter<F>(self, f: F) -> Filter<Self, F>
    where
        F: FnMut(&Self::Item) -> bool,
        Self: Sized,
    {
        TokioStreamExt::filter(self, f)
    }

    /// The `Some` outputs of `f` on each item.
    fn filter_map<T, F>(self, f: F) -> FilterMap<Self, F>
    where
        F: FnMut(Self::Item) -> Option<T>,
        Self: Sized,
    {
        TokioStreamExt::filter_map(self, f)
    }

    /// This stream, returning `None` forever once it has returned `None` once.
    fn fuse(self) -> Fuse<Self>
    where
        Self: Sized,
    {
        TokioStreamExt::fuse(self)
    }

    /// The first `n` items.
    fn take(self, n: usize) -> Take<Self>
    where
        Self: Sized,
    {
        TokioStreamExt::take(self, n)
    }

    /// The items until `f` is false for one.
    fn take_while<F>(self, f: F) -> TakeWhile<Self, F>
    where
        F: FnMut(&Self::Item) -> bool,
        Self: Sized,
    {
        TokioStreamExt::take_while(self, f)
    }

    /// The items after the first `n`.
    fn skip(self, n: usize) -> Skip<Self>
    where
        Self: Sized,
    {
        TokioStreamExt::skip(self, n)
    }

    /// The items from the first for which `f` is false.
    fn skip_while<F>(self, f: F) -> SkipWhile<Self, F>
    where
        F: FnMut(&Self::Item) -> bool,
        Self: Sized,
    {
        TokioStreamExt::skip_while(self, f)
    }

    /// Whether `f` is true for every item (stops at the first false).
    fn all<F>(&mut self, f: F) -> impl Future<Output = bool>
    where
        Self: Unpin,
        F: FnMut(Self::Item) -> bool,
    {
        TokioStreamExt::all(self, f)
    }

    /// Whether `f` is true for some item (stops at the first true).
    fn any<F>(&mut self, f: F) -> impl Future<Output = bool>
    where
        Self: Unpin,
        F: FnMut(Self::Item) -> bool,
    {
        TokioStreamExt::any(self, f)
    }

    /// The items of this stream, then those of `other`.
    fn chain<U>(self, other: U) -> Chain<Self, U>
    where
        U: Stream<Item = Self::Item>,
        Self: Sized,
    {
        TokioStreamExt::chain(self, other)
    }

    /// `f` applied to an accumulator, from `init`, and each item in turn.
    fn fold<B, F>(self, init: B, f: F) -> impl Future<Output = B>
    where
        Self: Sized,
        F: FnMut(B, Self::Item) -> B,
    {
        TokioStreamExt::fold(self, init, f)
    }

    /// Every item, collected into `T` (`Vec`, `String`, `Result<Vec<_>, E>`, ...).
    fn collect<T>(self) -> impl Future<Output = T>
    where
        T: FromStream<Self::Item>,
        Self: Sized,
    {
        TokioStreamExt::collect(self)
    }

    /// Each item as `Ok`, and an `Err(Elapsed)` whenever `duration` passes without one (the
    /// stream goes on: the next item may still come). The clock restarts at each item.
    #[cfg(feature = "time")]
    #[track_caller]
    fn timeout(self, duration: Duration) -> Timeout<Self>
    where
        Self: Sized,
    {
        Timeout::new(self, duration)
    }

    /// Each item as `Ok`, and an `Err(Elapsed)` at each tick of `interval` that passes without
    /// one (repeatedly, unlike [`timeout`](StreamExt::timeout)). The interval restarts at each
    /// item.
    #[cfg(feature = "time")]
    fn timeout_repeating(self, interval: weft::time::Interval) -> TimeoutRepeating<Self>
    where
        Self: Sized,
    {
        TimeoutRepeating::new(self, interval)
    }

    /// The items, at most one per `duration`: after each item, the next waits until
    /// `duration` has passed.
    #[cfg(feature = "time")]
    #[track_caller]
    fn throttle(self, duration: Duration) -> Throttle<Self>
    where
        Self: Sized,
    {
        Throttle::new(self, duration)
    }

    /// The items in `Vec`s of up to `max_size`: a chunk comes out when full, or `duration`
    /// after its first item, whichever is first.
    ///
    /// # Panics
    ///
    /// If `max_size` is 0.
    #[cfg(feature = "time")]
    #[track_caller]
    fn chunks_timeout(self, max_size: usize, duration: Duration) -> ChunksTimeout<Self>
    where
        Self: Sized,
    {
        assert!(max_size > 0, "`max_size` must be non-zero.");
        ChunksTimeout::new(self, max_size, duration)
    }

    /// This stream, with [`Peekable::peek`] to look at the next item without taking it.
    fn peekable(self) -> Peekable<Self>
    where
        Self: Sized,
    {
        TokioStreamExt::peekable(self)
    }
}

impl<S: Stream + ?Sized> StreamExt for S {}
