//! [`iter`]: an iterator as a stream that spends weft's cooperative budget.

use futures_core::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};

/// An iterator as a [`Stream`] whose items are always ready: tokio-stream's `iter`, spending
/// weft's cooperative budget as tokio-stream's (with its `rt` feature) spends tokio's. Each item
/// takes one unit of the polling task's budget, so a loop over an endless `iter` yields to the
/// rest of the runtime once the budget is spent, rather than holding its worker; outside a
/// weft task the budget is unconstrained and it never yields.
///
/// ```
/// use weft_stream::StreamExt;
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let squares: Vec<u32> = weft_stream::iter(1..=4).map(|n| n * n).collect().await;
///     assert_eq!(squares, [1, 4, 9, 16]);
/// }
/// ```
pub fn iter<I: IntoIterator>(items: I) -> Iter<I::IntoIter> {
    Iter {
        iter: items.into_iter(),
    }
}

/// The stream of [`iter`].
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Iter<I> {
    iter: I,
}

// `Iter` never pins its iterator (it calls `next(&mut self)`), as tokio-stream's is `Unpin`
// for every iterator.
impl<I> Unpin for Iter<I> {}

impl<I: Iterator> Stream for Iter<I> {
    type Item = I::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<I::Item>> {
        let progress = std::task::ready!(weft::task::coop::poll_proceed(cx));
        let item = self.iter.next();
        progress.made_progress();
        Poll::Ready(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.iter.size_hint()
    }
}
