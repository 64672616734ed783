//! [`FutureExt`]: tokio-util's adapters for any future, with its `timeout`s on weft's timer.

use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio_util::sync::{
    CancellationToken, WaitForCancellationFuture, WaitForCancellationFutureOwned,
};

/// Adapters for every future: tokio-util's `FutureExt` (its `time::FutureExt` is the same
/// trait), with `timeout` and `timeout_at` giving weft's [`Timeout`](weft::time::Timeout).
///
/// ```
/// use std::time::Duration;
/// use weft_util::future::FutureExt;
/// use weft_util::sync::CancellationToken;
///
/// #[weft::main(flavor = "current_thread", start_paused = true)]
/// async fn main() {
///     let slow = weft::time::sleep(Duration::from_secs(5));
///     assert!(slow.timeout(Duration::from_secs(1)).await.is_err());
///
///     let token = CancellationToken::new();
///     let work = std::future::pending::<u32>().with_cancellation_token(&token);
///     token.cancel();
///     assert_eq!(work.await, None);
/// }
/// ```
pub trait FutureExt: Future {
    /// This future, limited to `timeout` from now: `Err(Elapsed)` if it has not finished by
    /// then. weft's [`time::timeout`](weft::time::timeout).
    #[cfg(feature = "time")]
    #[track_caller]
    fn timeout(self, timeout: std::time::Duration) -> weft::time::Timeout<Self>
    where
        Self: Sized,
    {
        weft::time::timeout(timeout, self)
    }

    /// This future, limited to `deadline`: `Err(Elapsed)` if it has not finished by then.
    /// weft's [`time::timeout_at`](weft::time::timeout_at).
    #[cfg(feature = "time")]
    #[track_caller]
    fn timeout_at(self, deadline: weft::time::Instant) -> weft::time::Timeout<Self>
    where
        Self: Sized,
    {
        weft::time::timeout_at(deadline, self)
    }

    /// This future, unless `cancellation_token` is cancelled first: `Some(output)`, or `None`
    /// once cancelled (at once, without polling this future, if it already is).
    fn with_cancellation_token(
        self,
        cancellation_token: &CancellationToken,
    ) -> WithCancellationTokenFuture<'_, Self>
    where
        Self: Sized,
    {
        WithCancellationTokenFuture {
            race: (!cancellation_token.is_cancelled()).then(|| Race {
                future: self,
                cancelled: cancellation_token.cancelled(),
            }),
        }
    }

    /// [`with_cancellation_token`](FutureExt::with_cancellation_token), owning the token.
    fn with_cancellation_token_owned(
        self,
        cancellation_token: CancellationToken,
    ) -> WithCancellationTokenFutureOwned<Self>
    where
        Self: Sized,
    {
        WithCancellationTokenFutureOwned {
            race: (!cancellation_token.is_cancelled()).then(|| Race {
                future: self,
                cancelled: cancellation_token.cancelled_owned(),
            }),
        }
    }
}

impl<F: Future + ?Sized> FutureExt for F {}

pin_project! {
    /// The future of [`FutureExt::with_cancellation_token`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct WithCancellationTokenFuture<'a, F> {
        #[pin]
        race: Option<Race<F, WaitForCancellationFuture<'a>>>,
    }
}

pin_project! {
    /// The future of [`FutureExt::with_cancellation_token_owned`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct WithCancellationTokenFutureOwned<F> {
        #[pin]
        race: Option<Race<F, WaitForCancellationFutureOwned>>,
    }
}

pin_project! {
    /// A future against a cancellation: the future is polled first, so an output that is
    /// ready when the token is cancelled is still returned.
    #[derive(Debug)]
    struct Race<F, C> {
        #[pin]
        future: F,
        #[pin]
        cancelled: C,
    }
}

impl<F: Future, C: Future<Output = ()>> Race<F, C> {
    fn poll_race(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        let this = self.project();
        if let Poll::Ready(output) = this.future.poll(cx) {
            return Poll::Ready(Some(output));
        }
        this.cancelled.poll(cx).map(|()| None)
    }
}

impl<F: Future> Future for WithCancellationTokenFuture<'_, F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        match self.project().race.as_pin_mut() {
            Some(race) => race.poll_race(cx),
            None => Poll::Ready(None),
        }
    }
}

impl<F: Future> Future for WithCancellationTokenFutureOwned<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        match self.project().race.as_pin_mut() {
            Some(race) => race.poll_race(cx),
            None => Poll::Ready(None),
        }
    }
}
