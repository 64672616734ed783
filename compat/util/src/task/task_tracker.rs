//! [`TaskTracker`]: tokio-util's task tracker, spawning on weft.

use std::fmt;
use std::future::Future;
use weft::runtime::Handle;
use weft::task::{JoinHandle, LocalSet};

/// tokio-util's own: they poll futures and count tokens, and need no runtime.
pub use tokio_util::task::task_tracker::{TaskTrackerToken, TaskTrackerWaitFuture, TrackedFuture};

/// Counts the tasks spawned through it, and lets you [`wait`](TaskTracker::wait) for all of them
/// once it is [closed](TaskTracker::close): a graceful shutdown's "wait for the in-flight work".
///
/// tokio-util's `TaskTracker` (it is one inside, and every method but the spawns is its own);
/// its `spawn*` methods spawn on weft's runtime and return weft's
/// [`JoinHandle`], where tokio-util's spawn on tokio's. Unlike a
/// `JoinSet`, it keeps no handles, so finished tasks free their memory at once; dropping it
/// aborts nothing.
///
/// ```
/// use weft_util::task::TaskTracker;
///
/// weft::runtime::Runtime::new().unwrap().block_on(async {
///     let tracker = TaskTracker::new();
///     let (tx, mut rx) = weft::sync::mpsc::unbounded_channel();
///     for i in 0..3 {
///         let tx = tx.clone();
///         tracker.spawn(async move { tx.send(i).unwrap() });
///     }
///     tracker.close();
///     tracker.wait().await;
///     let mut sent = Vec::new();
///     rx.recv_many(&mut sent, 10).await;
///     sent.sort();
///     assert_eq!(sent, [0, 1, 2]);
/// });
/// ```
///
/// [`TaskTrackerToken::task_tracker`] returns tokio-util's tracker, the one inside this; its
/// spawns are tokio's.
#[derive(Clone, Default)]
pub struct TaskTracker {
    inner: tokio_util::task::TaskTracker,
}

impl TaskTracker {
    /// An open tracker with no tasks.
    #[must_use]
    pub fn new() -> Self {
        TaskTracker::default()
    }

    /// Waits until the tracker is closed and holds no tasks (at once if it already is).
    pub fn wait(&self) -> TaskTrackerWaitFuture<'_> {
        self.inner.wait()
    }

    /// Closes the tracker, so that [`wait`](TaskTracker::wait) can end once its tasks do; returns
    /// whether this call closed it. Tasks can still be spawned and tracked.
    pub fn close(&self) -> bool {
        self.inner.close()
    }

    /// Reopens the tracker; returns whether this call opened it.
    pub fn reopen(&self) -> bool {
        self.inner.reopen()
    }

    /// Whether the tracker is closed.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// How many tasks (and tokens) it tracks now.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether it tracks none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Spawns `task` on the current weft runtime, tracked until it finishes or is dropped.
    ///
    /// # Panics
    /// Outside a weft runtime, as [`weft::spawn`].
    #[track_caller]
    pub fn spawn<F>(&self, task: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        weft::spawn(self.track_future(task))
    }

    /// Spawns `task` on `handle`'s weft runtime, tracked.
    #[track_caller]
    pub fn spawn_on<F>(&self, task: F, handle: &Handle) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        handle.spawn(self.track_future(task))
    }

    /// Spawns `!Send` `task` on the current [`LocalSet`], tracked.
    ///
    /// # Panics
    /// Outside a `LocalSet`, as [`weft::task::spawn_local`].
    #[track_caller]
    pub fn spawn_local<F>(&self, task: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        weft::task::spawn_local(self.track_future(task))
    }

    /// Spawns `!Send` `task` on `local_set`, tracked.
    #[track_caller]
    pub fn spawn_local_on<F>(&self, task: F, local_set: &LocalSet) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        local_set.spawn_local(self.track_future(task))
    }

    /// Runs `task` on the current weft runtime's blocking pool, tracked until it returns.
    ///
    /// # Panics
    /// Outside a weft runtime, as [`weft::task::spawn_blocking`].
    #[track_caller]
    pub fn spawn_blocking<F, T>(&self, task: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        weft::task::spawn_blocking(self.tracked_closure(task))
    }

    /// Runs `task` on `handle`'s blocking pool, tracked until it returns.
    #[track_caller]
    pub fn spawn_blocking_on<F, T>(&self, task: F, handle: &Handle) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        handle.spawn_blocking(self.tracked_closure(task))
    }

    /// `task`, holding a token until it returns (or is dropped unrun).
    fn tracked_closure<F, T>(&self, task: F) -> impl FnOnce() -> T
    where
        F: FnOnce() -> T,
    {
        let token = self.token();
        move || {
            let output = task();
            // Counted until the closure's work is done, not until its output is taken.
            drop(token);
            output
        }
    }

    /// Tracks `future` until it completes or is dropped (spawn it yourself, on any executor).
    pub fn track_future<F: Future>(&self, future: F) -> TrackedFuture<F> {
        self.inner.track_future(future)
    }

    /// A token that counts as one tracked task until dropped.
    pub fn token(&self) -> TaskTrackerToken {
        self.inner.token()
    }

    /// Whether the two are the same tracker (clones share one).
    #[must_use]
    pub fn ptr_eq(left: &TaskTracker, right: &TaskTracker) -> bool {
        tokio_util::task::TaskTracker::ptr_eq(&left.inner, &right.inner)
    }
}

impl fmt::Debug for TaskTracker {
    /// tokio-util's: the task count and whether it is closed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}
