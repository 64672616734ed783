//! A mock stream that plays a script of items and waits: tokio-test's `stream_mock`, on
//! weft's timer.
//!
//! ```
//! use std::time::Duration;
//! use weft_stream::StreamExt;
//! use weft_test::stream_mock::StreamMockBuilder;
//!
//! #[weft::main(flavor = "current_thread", start_paused = true)]
//! async fn main() {
//!     let mut ticks = StreamMockBuilder::new()
//!         .next(1)
//!         .wait(Duration::from_secs(10))
//!         .next(2)
//!         .build();
//!     let start = weft::time::Instant::now();
//!     assert_eq!(ticks.next().await, Some(1));
//!     assert_eq!(ticks.next().await, Some(2));
//!     assert_eq!(ticks.next().await, None);
//!     // The paused clock skipped the ten seconds.
//!     assert_eq!(start.elapsed(), Duration::from_secs(10));
//! }
//! ```

use futures_core::Stream;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use weft::time::Sleep;

#[derive(Debug, Clone)]
enum Action<T> {
    Next(T),
    Wait(Duration),
}

/// Writes the script of a [`StreamMock`].
#[derive(Debug, Clone)]
pub struct StreamMockBuilder<T: Unpin> {
    actions: VecDeque<Action<T>>,
}

/// A [`Stream`] that yields its script's items, sleeping through its waits (on weft's clock),
/// then ends. Dropping it with items not yet yielded panics (unless the thread is already
/// panicking), as tokio-test's does.
#[derive(Debug)]
pub struct StreamMock<T: Unpin> {
    actions: VecDeque<Action<T>>,
    sleep: Option<Sleep>,
}

impl<T: Unpin> StreamMockBuilder<T> {
    /// An empty script.
    pub fn new() -> StreamMockBuilder<T> {
        StreamMockBuilder::default()
    }

    /// Next, the stream yields `value`.
    pub fn next(mut self, value: T) -> StreamMockBuilder<T> {
        self.actions.push_back(Action::Next(value));
        self
    }

    /// Next, the stream waits `duration` before its next item.
    pub fn wait(mut self, duration: Duration) -> StreamMockBuilder<T> {
        self.actions.push_back(Action::Wait(duration));
        self
    }

    /// The stream that plays this script.
    pub fn build(self) -> StreamMock<T> {
        StreamMock {
            actions: self.actions,
            sleep: None,
        }
    }
}

impl<T: Unpin> Default for StreamMockBuilder<T> {
    fn default() -> StreamMockBuilder<T> {
        StreamMockBuilder {
            actions: VecDeque::new(),
        }
    }
}

impl<T: Unpin> Stream for StreamMock<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        loop {
            if let Some(sleep) = &mut this.sleep {
                std::task::ready!(Pin::new(sleep).poll(cx));
                this.sleep = None;
            }
            match this.actions.pop_front() {
                Some(Action::Next(item)) => return Poll::Ready(Some(item)),
                Some(Action::Wait(duration)) => this.sleep = Some(weft::time::sleep(duration)),
                None => return Poll::Ready(None),
            }
        }
    }
}

impl<T: Unpin> Drop for StreamMock<T> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let left = self
            .actions
            .iter()
            .filter(|action| matches!(action, Action::Next(_)))
            .count();
        assert!(
            left == 0,
            "StreamMock was dropped before all actions were consumed, {left} actions were not consumed"
        );
    }
}
