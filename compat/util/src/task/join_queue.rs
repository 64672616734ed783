//! [`JoinQueue`]: tasks spawned on weft, joined in the order they were spawned.
//!
//! Invariant: `tasks` holds the handle of every task the queue owns, oldest first; a handle
//! leaves it only when its output is returned (or it is detached), so a `join_next` cancelled
//! before its task finished loses nothing.

use crate::task::AbortOnDropHandle;
use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use weft::runtime::Handle;
use weft::task::{AbortHandle, Id, JoinError};

/// A queue of tasks spawned on weft whose outputs are returned in the order the tasks were
/// spawned, not the order they finish: spawn A, B, C and [`join_next`](JoinQueue::join_next)
/// returns A's output first, even if C finished long before. Dropping the queue aborts every
/// task still in it.
///
/// tokio-util's `JoinQueue`, for weft's tasks. For outputs in the order of completion, use
/// weft's [`JoinSet`](weft::task::JoinSet).
///
/// ```
/// use std::time::Duration;
/// use weft_util::task::JoinQueue;
///
/// weft::runtime::Runtime::new().unwrap().block_on(async {
///     let mut queue = JoinQueue::new();
///     for (name, ms) in [("slow", 30), ("quick", 1)] {
///         queue.spawn(async move {
///             weft::time::sleep(Duration::from_millis(ms)).await;
///             name
///         });
///     }
///     // "quick" finished first, but "slow" was spawned first.
///     assert_eq!(queue.join_next().await.unwrap().unwrap(), "slow");
///     assert_eq!(queue.join_next().await.unwrap().unwrap(), "quick");
///     assert!(queue.join_next().await.is_none());
/// });
/// ```
pub struct JoinQueue<T> {
    tasks: VecDeque<AbortOnDropHandle<T>>,
}

impl<T> JoinQueue<T> {
    /// An empty queue.
    pub const fn new() -> Self {
        JoinQueue {
            tasks: VecDeque::new(),
        }
    }

    /// An empty queue with room for `capacity` tasks before it reallocates.
    pub fn with_capacity(capacity: usize) -> Self {
        JoinQueue {
            tasks: VecDeque::with_capacity(capacity),
        }
    }

    /// How many tasks the queue holds: running ones, and finished ones whose output waits for
    /// the tasks before them.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the queue holds no task.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    /// Spawns `task` on the current runtime (it starts at once, whether or not the queue is
    /// awaited) and queues it last.
    ///
    /// # Panics
    /// Outside a weft runtime, as [`weft::spawn`] does.
    #[track_caller]
    pub fn spawn<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        self.push_back(weft::spawn(task))
    }

    /// Spawns `task` on the runtime of `handle` and queues it last.
    #[track_caller]
    pub fn spawn_on<F>(&mut self, task: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        self.push_back(handle.spawn(task))
    }

    /// Spawns the `!Send` `task` on the current `LocalSet` or `LocalRuntime` and queues it last.
    ///
    /// # Panics
    /// Outside a `LocalSet` or `LocalRuntime`, as [`weft::task::spawn_local`] does.
    #[track_caller]
    pub fn spawn_local<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
        T: 'static,
    {
        self.push_back(weft::task::spawn_local(task))
    }

    /// Runs the blocking closure `f` on the current runtime's blocking pool and queues it
    /// last. (Aborting a blocking job that has started does not stop it: see
    /// [`weft::task::spawn_blocking`].)
    ///
    /// # Panics
    /// Outside a weft runtime.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.push_back(weft::task::spawn_blocking(f))
    }

    /// Runs the blocking closure `f` on the blocking pool of `handle`'s runtime and queues it
    /// last.
    #[track_caller]
    pub fn spawn_blocking_on<F>(&mut self, f: F, handle: &Handle) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.push_back(handle.spawn_blocking(f))
    }

    fn push_back(&mut self, handle: weft::task::JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        self.tasks.push_back(AbortOnDropHandle::new(handle));
        abort
    }

    /// Waits for the oldest task to finish and returns its output (`Err` if it panicked or was
    /// aborted); `None` once the queue is empty.
    ///
    /// Cancel safe: if it is dropped before it returns (a `select!` took another branch), no
    /// task has left the queue.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// [`join_next`](JoinQueue::join_next), with the id of the task. Cancel safe.
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// The oldest task's output if it has finished; `None` if the queue is empty or that task
    /// is still running (even if later ones have finished). Never waits, and spends no
    /// cooperative budget.
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.try_join_next_with_id()
            .map(|joined| joined.map(|(_, output)| output))
    }

    /// [`try_join_next`](JoinQueue::try_join_next), with the id of the task.
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        let oldest = self.tasks.front_mut()?;
        if !oldest.is_finished() {
            return None;
        }
        // Finished, so the handle is ready at once; outside the budget, so a spent budget
        // cannot turn that into `Pending`.
        let waker = Waker::from(Arc::new(NoWake));
        let mut cx = Context::from_waker(&waker);
        let id = oldest.as_ref().id();
        let joined = match Pin::new(&mut weft::task::unconstrained(oldest)).poll(&mut cx) {
            Poll::Ready(joined) => joined,
            Poll::Pending => return None,
        };
        self.tasks.pop_front();
        Some(joined.map(|output| (id, output)))
    }

    /// Aborts every task and waits until each has stopped; the queue is then empty. Outputs
    /// and panics of tasks that finished meanwhile are dropped.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Waits for every task and returns their outputs in the order they were spawned.
    ///
    /// # Panics
    /// If a task panicked (with its payload, after the tasks still queued are aborted) or was
    /// aborted. Not cancel safe: outputs joined before it is dropped are lost; for either,
    /// call [`join_next`](JoinQueue::join_next) in a loop instead.
    pub async fn join_all(mut self) -> Vec<T> {
        let mut outputs = Vec::with_capacity(self.len());
        while let Some(joined) = self.join_next().await {
            match joined {
                Ok(output) => outputs.push(output),
                Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
                Err(error) => panic!("JoinQueue::join_all: a task failed: {error}"),
            }
        }
        outputs
    }

    /// Aborts every task; they stay in the queue, and [`join_next`](JoinQueue::join_next)
    /// reports each as cancelled (or with its output if it finished first).
    pub fn abort_all(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }

    /// Empties the queue without aborting the tasks: they run on, unjoined.
    pub fn detach_all(&mut self) {
        for task in self.tasks.drain(..) {
            drop(task.detach());
        }
    }

    /// Polls for the oldest task's output: `Ready(Some(..))` removes it from the queue,
    /// `Ready(None)` says the queue is empty, and `Pending` wakes the waker of the latest call
    /// once the oldest task finishes.
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx)
            .map(|joined| joined.map(|joined| joined.map(|(_, output)| output)))
    }

    /// [`poll_join_next`](JoinQueue::poll_join_next), with the id of the task.
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        let Some(oldest) = self.tasks.front_mut() else {
            return Poll::Ready(None);
        };
        let id = oldest.as_ref().id();
        // A leaf of the cooperative budget, as the handle is.
        let joined = std::task::ready!(Pin::new(oldest).poll(cx));
        self.tasks.pop_front();
        Poll::Ready(Some(joined.map(|output| (id, output))))
    }
}

/// The waker of a poll that is never repeated (`Waker::noop` needs Rust 1.85; the MSRV is 1.80).
struct NoWake;

impl Wake for NoWake {
    fn wake(self: Arc<Self>) {}
}

impl<T> Default for JoinQueue<T> {
    fn default() -> Self {
        JoinQueue::new()
    }
}

impl<T> fmt::Debug for JoinQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinQueue")
            .field("len", &self.len())
            .finish()
    }
}

/// Spawns each future, in order, into a new queue (as [`JoinQueue::spawn`] does).
impl<T, F> FromIterator<F> for JoinQueue<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> Self {
        let mut queue = JoinQueue::new();
        for task in iter {
            queue.spawn(task);
        }
        queue
    }
}
