//! `spawn_blocking`: run blocking code on the blocking pool, awaited like a task.

use super::JoinHandle;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs `f` on the runtime's blocking pool, a set of threads kept apart from the async
/// workers, and returns a handle that gives its result.
///
/// Use it for code that blocks (file I/O, a blocking library call, heavy computation) so that
/// it does not hold up the tasks on a worker. The pool grows up to
/// [`max_blocking_threads`](crate::runtime::Builder::max_blocking_threads) threads; jobs beyond
/// that wait in a queue. Idle threads exit after a keep-alive. A blocking job cannot be
/// cancelled once it started: `abort` only stops it if it is still queued. Dropping the runtime
/// lets the jobs already queued or running finish, and waits for them
/// ([`Runtime::shutdown_timeout`](crate::runtime::Runtime::shutdown_timeout) bounds the wait);
/// a job spawned once shutdown has begun is cancelled without running.
///
/// # Panics
/// Outside a weft runtime.
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let sum = weft::task::spawn_blocking(|| (1..=100u32).sum::<u32>()).await.unwrap();
/// assert_eq!(sum, 5050);
/// # });
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match crate::runtime::context::try_scheduler() {
        Some(scheduler) => scheduler.spawn_blocking(f),
        None => panic!(
            "no weft runtime is running: weft::spawn_blocking must be called from a task, \
             #[weft::main], Runtime::block_on or inside Runtime::enter"
        ),
    }
}

/// A future that runs a blocking closure on its first poll.
pub(crate) struct BlockingTask<F> {
    f: Option<F>,
}

impl<F> BlockingTask<F> {
    pub(crate) fn new(f: F) -> BlockingTask<F> {
        BlockingTask { f: Some(f) }
    }
}

impl<F> Unpin for BlockingTask<F> {}

impl<F, R> Future for BlockingTask<F>
where
    F: FnOnce() -> R,
{
    type Output = R;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self
            .f
            .take()
            .expect("a blocking task was polled after it completed");
        Poll::Ready(f())
    }
}
