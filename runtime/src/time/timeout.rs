//! [`Timeout`], [`timeout`] and [`timeout_at`].

use super::error::Elapsed;
use super::sleep::Sleep;
use super::Instant;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use weft_io::coop;

/// Requires `future` to complete before `duration` has elapsed.
///
/// The returned [`Timeout`] resolves to `Ok(output)` if the future completes first, or to
/// `Err(Elapsed)` once `duration` has passed; the future is then dropped with the `Timeout`.
/// The future is polled before the deadline is checked, so a future that is ready wins even if
/// the deadline has passed (`timeout(Duration::ZERO, ready)` is `Ok`). A duration that overflows
/// the clock never elapses in practice (about 30 years).
///
/// # Panics
///
/// Outside a weft runtime (even if the future is already ready).
///
/// ```
/// use std::time::Duration;
/// use weft::time::timeout;
///
/// #[weft::main]
/// async fn main() {
///     let fast = timeout(Duration::from_secs(1), async { 7 }).await;
///     assert_eq!(fast, Ok(7));
///
///     let slow = timeout(Duration::from_millis(10), std::future::pending::<()>()).await;
///     assert!(slow.is_err());
/// }
/// ```
#[track_caller]
pub fn timeout<F>(duration: Duration, future: F) -> Timeout<F::IntoFuture>
where
    F: IntoFuture,
{
    let deadline = Instant::now()
        .checked_add(duration)
        .unwrap_or_else(Instant::far_future);
    Timeout::new(future.into_future(), Sleep::new(deadline))
}

/// Requires `future` to complete before `deadline`; see [`timeout`].
///
/// # Panics
///
/// Outside a weft runtime.
///
/// ```
/// use std::time::Duration;
/// use weft::time::{timeout_at, Instant};
///
/// #[weft::main]
/// async fn main() {
///     let deadline = Instant::now() + Duration::from_millis(10);
///     let result = timeout_at(deadline, std::future::pending::<()>()).await;
///     assert!(result.is_err());
///     assert!(Instant::now() >= deadline);
/// }
/// ```
#[track_caller]
pub fn timeout_at<F>(deadline: Instant, future: F) -> Timeout<F::IntoFuture>
where
    F: IntoFuture,
{
    Timeout::new(future.into_future(), Sleep::new(deadline))
}

pin_project_lite::pin_project! {
    /// A future with a deadline; made by [`timeout`] and [`timeout_at`].
    ///
    /// Resolves to `Ok(output)` if the inner future completes first (checked first at every
    /// poll), to `Err(Elapsed)` once the deadline passes. `Timeout<F>` is `Unpin` when `F` is.
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    #[derive(Debug)]
    pub struct Timeout<F> {
        #[pin]
        value: F,
        // Not pinned (`Sleep` is `Unpin`).
        delay: Sleep,
    }
}

impl<F> Timeout<F> {
    pub(super) fn new(value: F, delay: Sleep) -> Timeout<F> {
        Timeout { value, delay }
    }

    /// The inner future.
    pub fn get_ref(&self) -> &F {
        &self.value
    }

    /// The inner future, mutably.
    pub fn get_mut(&mut self) -> &mut F {
        &mut self.value
    }

    /// Consumes the `Timeout`, returning the inner future (its timer is removed).
    pub fn into_inner(self) -> F {
        self.value
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(output) = this.value.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        // The deadline is a leaf future too, so a future that spends the whole budget every
        // poll would keep the deadline from ever being checked: when it is the inner future
        // that ran the budget out, the deadline is checked without one.
        let delay = this.delay;
        let poll_delay = || Pin::new(delay).poll(cx);
        let elapsed = if had_budget && !coop::has_budget_remaining() {
            coop::with_unconstrained(poll_delay)
        } else {
            poll_delay()
        };
        elapsed.map(|()| Err(Elapsed::new()))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::Timeout;
    use crate::loom::Arc;
    use crate::test_util::counting_waker;
    use crate::time::driver::TimeDriver;
    use crate::time::error::Elapsed;
    use crate::time::sleep::Sleep;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll};
    use std::time::Duration;

    fn timeout_in<F>(driver: &Arc<TimeDriver>, after: Duration, future: F) -> Timeout<F> {
        let deadline = crate::time::Instant::from_std(driver.now()) + after;
        Timeout::new(future, Sleep::with_driver(deadline, driver.clone()))
    }

    #[test]
    fn ready_future_wins_even_past_deadline() {
        let driver = Arc::new(TimeDriver::new_manual(Box::new(|| {})));
        let (waker, _) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut timeout = pin!(timeout_in(&driver, Duration::ZERO, async { 5 }));
        assert_eq!(timeout.as_mut().poll(&mut cx), Poll::Ready(Ok(5)));
        assert_eq!(driver.pending(), 0);
    }

    #[test]
    fn elapses_and_drops_the_future() {
        struct DropFlag(Arc<crate::loom::AtomicBool>);
        impl Drop for DropFlag {
            fn drop(&mut self) {
                self.0.store(true, crate::loom::Ordering::SeqCst);
            }
        }
        let driver = Arc::new(TimeDriver::new_manual(Box::new(|| {})));
        let dropped = Arc::new(crate::loom::AtomicBool::new(false));
        let flag = DropFlag(dropped.clone());
        // A !Unpin future that is never ready.
        let never = async move {
            let _flag = flag;
            std::future::pending::<()>().await
        };
        let (waker, count) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        {
            let mut timeout = Box::pin(timeout_in(&driver, Duration::from_millis(50), never));
            assert_eq!(timeout.as_mut().poll(&mut cx), Poll::Pending);
            assert_eq!(driver.pending(), 1);
            driver.advance(Duration::from_millis(51));
            assert_eq!(driver.process(), 1);
            assert_eq!(count.wakes(), 1);
            assert_eq!(
                timeout.as_mut().poll(&mut cx),
                Poll::Ready(Err(Elapsed::new()))
            );
            assert!(!dropped.load(crate::loom::Ordering::SeqCst));
        }
        assert!(dropped.load(crate::loom::Ordering::SeqCst));
        assert_eq!(driver.pending(), 0);
    }

    #[test]
    fn accessors_and_drop_cancel() {
        let driver = Arc::new(TimeDriver::new_manual(Box::new(|| {})));
        let (waker, _) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut timeout = timeout_in(
            &driver,
            Duration::from_secs(5),
            std::future::pending::<u8>(),
        );
        assert_eq!(Box::pin(&mut timeout).as_mut().poll(&mut cx), Poll::Pending);
        assert_eq!(driver.pending(), 1);
        let _: &std::future::Pending<u8> = timeout.get_ref();
        let inner: &mut std::future::Pending<u8> = timeout.get_mut();
        assert_eq!(Box::pin(inner).as_mut().poll(&mut cx), Poll::Pending);
        let _inner: std::future::Pending<u8> = timeout.into_inner();
        assert_eq!(driver.pending(), 0, "into_inner drops the timer");
    }
}
