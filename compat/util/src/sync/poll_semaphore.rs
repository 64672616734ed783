//! [`PollSemaphore`]: a weft semaphore with poll-based acquisition, and a stream of permits.

use futures_core::Stream;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio_util::sync::ReusableBoxFuture;
use weft::sync::{AcquireError, OwnedSemaphorePermit, Semaphore, TryAcquireError};

type Acquire = ReusableBoxFuture<'static, Result<OwnedSemaphorePermit, AcquireError>>;

/// An `Arc<`[`weft::sync::Semaphore`]`>` whose permits are acquired with a `poll` method
/// (where the semaphore has only `async fn`s), and a [`Stream`] of single permits that ends
/// once the semaphore is closed.
///
/// tokio-util's `PollSemaphore`, for weft's semaphore; the same methods and semantics: a
/// waiting acquisition keeps its place in the semaphore's queue between polls, and one for a
/// different number of permits starts over at the back.
///
/// ```
/// use std::sync::Arc;
/// use weft_util::sync::PollSemaphore;
/// use futures_core::Stream;
/// use std::future::poll_fn;
/// use std::pin::Pin;
///
/// weft::runtime::Runtime::new().unwrap().block_on(async {
///     let mut semaphore = PollSemaphore::new(Arc::new(weft::sync::Semaphore::new(3)));
///     let two = poll_fn(|cx| semaphore.poll_acquire_many(cx, 2)).await.unwrap();
///     let one = poll_fn(|cx| Pin::new(&mut semaphore).poll_next(cx)).await.unwrap();
///     assert_eq!((two.num_permits(), one.num_permits()), (2, 1));
///     assert_eq!(semaphore.available_permits(), 0);
/// });
/// ```
pub struct PollSemaphore {
    semaphore: Arc<Semaphore>,
    /// The acquisition under way and how many permits it asks for; reused for the next one.
    acquire: Option<(u32, Acquire)>,
}

impl PollSemaphore {
    /// Wraps `semaphore`.
    pub fn new(semaphore: Arc<Semaphore>) -> Self {
        PollSemaphore {
            semaphore,
            acquire: None,
        }
    }

    /// Closes the semaphore: waiting acquisitions end with `None`, and so does every later one.
    pub fn close(&self) {
        self.semaphore.close();
    }

    /// The semaphore, shared.
    pub fn clone_inner(&self) -> Arc<Semaphore> {
        Arc::clone(&self.semaphore)
    }

    /// Unwraps the semaphore (an acquisition under way is cancelled).
    pub fn into_inner(self) -> Arc<Semaphore> {
        self.semaphore
    }

    /// Polls for one permit: `Ready(Some(_))` once acquired, `Pending` while none is free (`cx`
    /// is woken when one is), `Ready(None)` once the semaphore is closed.
    pub fn poll_acquire(&mut self, cx: &mut Context<'_>) -> Poll<Option<OwnedSemaphorePermit>> {
        self.poll_acquire_many(cx, 1)
    }

    /// Polls for `permits` permits at once, as [`poll_acquire`](PollSemaphore::poll_acquire).
    /// Asking for a different number than the acquisition under way cancels it and starts a new
    /// one at the back of the queue.
    pub fn poll_acquire_many(
        &mut self,
        cx: &mut Context<'_>,
        permits: u32,
    ) -> Poll<Option<OwnedSemaphorePermit>> {
        let semaphore = &self.semaphore;
        let acquire = match &mut self.acquire {
            Some((asked, acquire)) => {
                if *asked != permits {
                    acquire.set(Arc::clone(semaphore).acquire_many_owned(permits));
                    *asked = permits;
                }
                acquire
            }
            None => {
                // The fast path allocates nothing; a box is made the first time one must wait.
                match Arc::clone(semaphore).try_acquire_many_owned(permits) {
                    Ok(permit) => return Poll::Ready(Some(permit)),
                    Err(TryAcquireError::Closed) => return Poll::Ready(None),
                    Err(TryAcquireError::NoPermits) => {}
                }
                let future = Arc::clone(semaphore).acquire_many_owned(permits);
                &mut self
                    .acquire
                    .insert((permits, ReusableBoxFuture::new(future)))
                    .1
            }
        };
        let result = std::task::ready!(acquire.poll(cx));
        match result {
            Ok(permit) => {
                // Arm the next acquisition in the same box (it queues when first polled), so
                // a stream of permits allocates once.
                acquire.set(Arc::clone(semaphore).acquire_many_owned(permits));
                Poll::Ready(Some(permit))
            }
            Err(_closed) => {
                self.acquire = None;
                Poll::Ready(None)
            }
        }
    }

    /// The permits free now.
    pub fn available_permits(&self) -> usize {
        self.semaphore.available_permits()
    }

    /// Adds `n` permits, waking waiters that they satisfy.
    pub fn add_permits(&self, n: usize) {
        self.semaphore.add_permits(n);
    }
}

impl Stream for PollSemaphore {
    type Item = OwnedSemaphorePermit;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_acquire(cx)
    }
}

impl Clone for PollSemaphore {
    /// The same semaphore, with no acquisition under way.
    fn clone(&self) -> Self {
        PollSemaphore::new(self.clone_inner())
    }
}

impl fmt::Debug for PollSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PollSemaphore")
            .field("semaphore", &self.semaphore)
            .finish()
    }
}

impl AsRef<Semaphore> for PollSemaphore {
    fn as_ref(&self) -> &Semaphore {
        &self.semaphore
    }
}
