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
        None => crate::runtime::context::no_runtime("weft::spawn_blocking"),
    }
}

/// Runs `f`, which blocks, on this thread without stalling the runtime's other tasks.
///
/// On a worker of a multi-thread runtime, the worker first hands its queued tasks (and its
/// role: its queues, its turn at the I/O driver) to another thread, which carries on as that
/// worker while `f` blocks; this thread then runs `f` and, once `f` returns, goes back to being
/// a worker if no thread took over yet, or else finishes the current task's poll and leaves.
/// Unlike [`spawn_blocking`], `f` may borrow from the task, but the task itself (and anything
/// it polls concurrently, such as the other branches of a `join!`) waits for `f`.
///
/// Elsewhere `f` simply runs: outside a runtime, in a multi-thread runtime's `block_on`, or
/// inside another `block_in_place`. Inside `f` the thread counts as outside the runtime, so `f`
/// may call `block_on` (of another runtime, or through a [`Handle`](crate::runtime::Handle)),
/// and the cooperative budget does not apply.
///
/// # Panics
/// On a current-thread runtime (its only thread would stall every task), and inside a
/// [`LocalSet`](crate::task::LocalSet) (the set's tasks cannot leave its thread): use
/// [`spawn_blocking`] there. The message is tokio's: "can call blocking only when running on
/// the multi-threaded runtime".
///
/// ```
/// #[weft::main(flavor = "multi_thread", worker_threads = 2)]
/// async fn main() {
///     let checksum = weft::task::block_in_place(|| {
///         // Blocking work: the other tasks of this worker moved to another thread meanwhile.
///         std::thread::sleep(std::time::Duration::from_millis(10));
///         (1..=100u32).sum::<u32>()
///     });
///     assert_eq!(checksum, 5050);
/// }
/// ```
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    crate::scheduler::multi_thread::block_in_place(f)
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
