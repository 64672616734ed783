//! `JoinSet`: a set of spawned tasks, joined in the order they complete.
//!
//! Each task's [`JoinHandle`] sits in a map under a key that is never reused. The set polls a
//! handle with that key's own waker (a [`ReadyWaker`]); the task's completion wakes it, which
//! pushes the key onto the set's [`ReadyList`]. `join_next` pops keys, oldest first, and polls
//! only those handles: it finds the finished task without a pass over the set, and tasks come
//! out in the order they finished.
//!
//! Invariants:
//! - Every live entry's key is either queued or registered as the join waker of its task. A new
//!   entry is queued at spawn; when a popped entry's poll is `Pending`, that poll stored the
//!   key's waker in the task, and the task's completion queues the key again.
//! - Keys are never reused, so a key that is stale when popped (its entry was already joined or
//!   detached) matches no entry and is skipped.
//! - Nothing is held across a `Pending`: an entry is removed in the same poll that takes its
//!   output, which makes `join_next` cancel safe.

use super::ready::{ReadyList, ReadyWaker};
use super::{AbortHandle, Id, JoinError, JoinHandle, LocalSet};
use crate::runtime::Handle;
use std::collections::HashMap;
use std::fmt;
use std::future::{poll_fn, Future};
use std::panic;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// A collection of spawned tasks that can be awaited in the order they complete.
///
/// Every task is [`spawn`](JoinSet::spawn)ed at once and runs in parallel with the others (on
/// any worker); [`join_next`](JoinSet::join_next) gives the output of whichever finishes first.
/// Dropping the set aborts every task still in it: a `JoinSet` owns its tasks, so they cannot
/// outlive the scope that awaits them by accident.
///
/// All tasks have the same output type `T`. For a fixed list of results in spawn order, with
/// the first error cancelling the rest, see [`TaskGroup`](super::TaskGroup), which compares the
/// two.
///
/// ```
/// use std::time::Duration;
/// use weft::task::JoinSet;
/// use weft::time::sleep;
///
/// // One thread: the timers fire, and the tasks finish, in deadline order even on a loaded
/// // machine (on several workers two late timers could finish in either order).
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let mut set = JoinSet::new();
///     for ms in [30, 10, 20] {
///         set.spawn(async move {
///             sleep(Duration::from_millis(ms)).await;
///             ms
///         });
///     }
///     let mut finished = Vec::new();
///     while let Some(joined) = set.join_next().await {
///         finished.push(joined.unwrap());
///     }
///     assert_eq!(finished, [10, 20, 30]); // completion order
/// }
/// ```
pub struct JoinSet<T> {
    entries: HashMap<u64, Entry<T>>,
    ready: Arc<ReadyList<u64>>,
    next_key: u64,
}

struct Entry<T> {
    handle: JoinHandle<T>,
    waker: Arc<ReadyWaker<u64>>,
}

impl<T> JoinSet<T> {
    /// An empty set.
    ///
    /// ```
    /// let set = weft::task::JoinSet::<u32>::new();
    /// assert!(set.is_empty());
    /// ```
    pub fn new() -> JoinSet<T> {
        JoinSet {
            entries: HashMap::new(),
            ready: ReadyList::new(),
            next_key: 0,
        }
    }

    /// The number of tasks in the set: spawned and not yet joined (finished tasks count until
    /// they are joined).
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = weft::task::JoinSet::new();
    /// set.spawn(async { 1 });
    /// set.spawn(async { 2 });
    /// assert_eq!(set.len(), 2);
    /// set.join_next().await;
    /// assert_eq!(set.len(), 1);
    /// # });
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set holds no task.
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = weft::task::JoinSet::new();
    /// assert!(set.is_empty());
    /// set.spawn(async {});
    /// assert!(!set.is_empty());
    /// # });
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Aborts every task in the set. They stay in the set: joining them gives a [`JoinError`]
    /// that [`is_cancelled`](JoinError::is_cancelled), or the output of a task that had already
    /// finished. As with [`JoinHandle::abort`], a task stops at its next `.await`.
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = weft::task::JoinSet::new();
    /// for _ in 0..3 {
    ///     set.spawn(std::future::pending::<()>());
    /// }
    /// set.abort_all();
    /// while let Some(joined) = set.join_next().await {
    ///     assert!(joined.unwrap_err().is_cancelled());
    /// }
    /// # });
    /// ```
    pub fn abort_all(&mut self) {
        for entry in self.entries.values() {
            entry.handle.abort();
        }
    }

    /// Removes every task from the set without aborting it: they run on, detached, as if their
    /// [`JoinHandle`]s were dropped.
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let mut set = weft::task::JoinSet::new();
    /// set.spawn(async move { tx.send("still ran").unwrap() });
    /// set.detach_all();
    /// assert!(set.is_empty());
    /// drop(set); // does not abort the detached task
    /// assert_eq!(rx.recv().unwrap(), "still ran");
    /// # });
    /// ```
    pub fn detach_all(&mut self) {
        self.entries.clear();
        self.ready.clear();
    }

    /// Polls for the next task to complete; the poll form of [`join_next`](JoinSet::join_next).
    ///
    /// `Ready(Some(result))` for a completed task (now removed from the set), `Ready(None)` if
    /// the set is empty, or `Pending`, in which case `cx`'s waker is woken when a task
    /// completes. Only tasks that completed since the last poll are looked at.
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = weft::task::JoinSet::new();
    /// set.spawn(async { 7 });
    /// let joined = poll_fn(|cx| set.poll_join_next(cx)).await;
    /// assert_eq!(joined.unwrap().unwrap(), 7);
    /// # });
    /// ```
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx)
            .map(|joined| joined.map(|output| output.map(|(_, output)| output)))
    }

    /// [`poll_join_next`](JoinSet::poll_join_next), with the id of the task that completed.
    ///
    /// ```
    /// use std::future::poll_fn;
    ///
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = weft::task::JoinSet::new();
    /// let id = set.spawn(async { 7 }).id();
    /// let joined = poll_fn(|cx| set.poll_join_next_with_id(cx)).await;
    /// assert_eq!(joined.unwrap().unwrap(), (id, 7));
    /// # });
    /// ```
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        // The set is the leaf future of the cooperative budget: one unit per task joined.
        let progress = std::task::ready!(crate::task::coop::poll_proceed(cx));
        loop {
            if let Some(output) = self.join_queued() {
                progress.made_progress();
                return Poll::Ready(Some(output));
            }
            if self.entries.is_empty() {
                return Poll::Ready(None);
            }
            if self.ready.register(cx.waker()) {
                return Poll::Pending;
            }
            // A task completed since `join_queued` looked: look again.
        }
    }

    /// Joins a task that has already completed, without waiting: `Some(result)` (the task is
    /// removed from the set), or `None` if no task has completed or the set is empty.
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = weft::task::JoinSet::new();
    /// assert!(set.try_join_next().is_none());
    /// set.spawn(async { "done" });
    /// // The task runs on a worker: look again until it has finished.
    /// let joined = loop {
    ///     if let Some(joined) = set.try_join_next() {
    ///         break joined;
    ///     }
    ///     weft::time::sleep(std::time::Duration::from_millis(1)).await;
    /// };
    /// assert_eq!(joined.unwrap(), "done");
    /// # });
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.try_join_next_with_id()
            .map(|output| output.map(|(_, output)| output))
    }

    /// [`try_join_next`](JoinSet::try_join_next), with the id of the task that completed.
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = weft::task::JoinSet::new();
    /// let id = set.spawn(async { "done" }).id();
    /// let joined = loop {
    ///     if let Some(joined) = set.try_join_next_with_id() {
    ///         break joined;
    ///     }
    ///     weft::task::yield_now().await;
    /// };
    /// assert_eq!(joined.unwrap(), (id, "done"));
    /// # });
    /// ```
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        self.join_queued()
    }

    /// Pops queued keys until one belongs to a completed task; `None` once the queue is empty.
    /// The handles are polled outside the budget (the caller spends it): a handle refused for
    /// lack of budget would wake its key's waker, queue the key again, and spin here.
    fn join_queued(&mut self) -> Option<Result<(Id, T), JoinError>> {
        weft_io::coop::with_unconstrained(|| self.join_queued_unconstrained())
    }

    fn join_queued_unconstrained(&mut self) -> Option<Result<(Id, T), JoinError>> {
        while let Some(key) = self.ready.pop() {
            let Some(entry) = self.entries.get_mut(&key) else {
                continue; // stale: joined or detached already
            };
            entry.waker.take_queued();
            let waker = Waker::from(entry.waker.clone());
            if let Poll::Ready(output) =
                Pin::new(&mut entry.handle).poll(&mut Context::from_waker(&waker))
            {
                let id = entry.handle.id();
                self.entries.remove(&key);
                return Some(output.map(|output| (id, output)));
            }
            // Pending: the task now holds this key's waker and queues the key when it ends.
        }
        None
    }

    /// Adds a handle under a fresh key, queued so that the first `join_next` polls it.
    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let key = self.next_key;
        self.next_key += 1;
        let abort = handle.abort_handle();
        self.ready.push_quiet(key);
        let waker = ReadyWaker::new(key, &self.ready, true);
        self.entries.insert(key, Entry { handle, waker });
        abort
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns `task` on the current runtime and adds it to the set; the returned
    /// [`AbortHandle`] can cancel this one task.
    ///
    /// # Panics
    /// Outside a weft runtime, as [`spawn`](crate::spawn).
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = weft::task::JoinSet::new();
    /// let slow = set.spawn(std::future::pending::<u32>());
    /// set.spawn(async { 1 });
    /// slow.abort();
    /// let mut outcomes = Vec::new();
    /// while let Some(joined) = set.join_next().await {
    ///     outcomes.push(joined.map_err(|e| e.is_cancelled()));
    /// }
    /// outcomes.sort();
    /// assert_eq!(outcomes, [Ok(1), Err(true)]);
    /// # });
    /// ```
    #[track_caller]
    pub fn spawn<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        self.insert(crate::spawn(task))
    }

    /// Spawns `task` on the runtime of `handle` and adds it to the set.
    ///
    /// ```
    /// let runtime = weft::runtime::Runtime::new().unwrap();
    /// let mut set = weft::task::JoinSet::new();
    /// set.spawn_on(async { 5 }, runtime.handle()); // no runtime needs to be current
    /// let joined = runtime.block_on(set.join_next());
    /// assert_eq!(joined.unwrap().unwrap(), 5);
    /// ```
    pub fn spawn_on<F>(&mut self, task: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        self.insert(handle.spawn(task))
    }

    /// Spawns a `!Send` future on the [`LocalSet`] this thread is running and adds it to the
    /// set; see [`spawn_local`](super::spawn_local).
    ///
    /// # Panics
    /// Outside a `LocalSet`.
    ///
    /// ```
    /// use std::rc::Rc;
    /// use weft::task::{JoinSet, LocalSet};
    ///
    /// #[weft::main(flavor = "current_thread")]
    /// async fn main() {
    ///     LocalSet::new()
    ///         .run_until(async {
    ///             let mut set = JoinSet::new();
    ///             let rc = Rc::new(2);
    ///             set.spawn_local(async move { *rc * 21 });
    ///             assert_eq!(set.join_next().await.unwrap().unwrap(), 42);
    ///         })
    ///         .await;
    /// }
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(super::spawn_local(task))
    }

    /// Spawns a `!Send` future on `local_set` and adds it to the set; it runs when that
    /// `LocalSet` is driven.
    ///
    /// ```
    /// use std::rc::Rc;
    /// use weft::task::{JoinSet, LocalSet};
    ///
    /// let runtime = weft::runtime::Builder::new_current_thread().build().unwrap();
    /// let local = LocalSet::new();
    /// let mut set = JoinSet::new();
    /// let rc = Rc::new("local");
    /// set.spawn_local_on(async move { *rc }, &local);
    /// let joined = local.block_on(&runtime, set.join_next());
    /// assert_eq!(joined.unwrap().unwrap(), "local");
    /// ```
    #[track_caller]
    pub fn spawn_local_on<F>(&mut self, task: F, local_set: &LocalSet) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(local_set.spawn_local(task))
    }

    /// Runs the blocking closure `f` on the current runtime's blocking pool (see
    /// [`spawn_blocking`](super::spawn_blocking)) and adds it to the set. Aborting it only has
    /// an effect if it has not started.
    ///
    /// # Panics
    /// Outside a weft runtime.
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = weft::task::JoinSet::new();
    /// set.spawn_blocking(|| (1..=10u32).product::<u32>());
    /// assert_eq!(set.join_next().await.unwrap().unwrap(), 3628800);
    /// # });
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        self.insert(super::spawn_blocking(f))
    }

    /// [`spawn_blocking`](JoinSet::spawn_blocking) on the runtime of `handle`.
    ///
    /// ```
    /// let runtime = weft::runtime::Runtime::new().unwrap();
    /// let mut set = weft::task::JoinSet::new();
    /// set.spawn_blocking_on(|| 6 * 7, runtime.handle());
    /// assert_eq!(runtime.block_on(set.join_next()).unwrap().unwrap(), 42);
    /// ```
    pub fn spawn_blocking_on<F>(&mut self, f: F, handle: &Handle) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        self.insert(handle.spawn_blocking(f))
    }

    /// Waits for the next task to complete and returns its output, or `None` if the set is
    /// empty. Tasks come out in the order they complete, not the order they were spawned.
    ///
    /// # Cancel safety
    /// Cancel safe: if the future is dropped before it completes (it lost a
    /// [`select!`](crate::select), say), no task's output is lost; it stays in the set for the
    /// next call.
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = weft::task::JoinSet::new();
    /// set.spawn(async { panic!("boom") });
    /// let error = set.join_next().await.unwrap().unwrap_err();
    /// assert!(error.is_panic());
    /// assert!(set.join_next().await.is_none());
    /// # });
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// [`join_next`](JoinSet::join_next), with the id of the task that completed (the same
    /// id as its [`AbortHandle::id`] and, for a failure, [`JoinError::id`]). Cancel safe.
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = weft::task::JoinSet::new();
    /// let id = set.spawn(async { 3 }).id();
    /// assert_eq!(set.join_next_with_id().await.unwrap().unwrap(), (id, 3));
    /// # });
    /// ```
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// Waits for every task and returns their outputs, in the order they completed.
    ///
    /// # Panics
    /// If a task panicked, its panic is resumed here (`std::panic::resume_unwind`); if a task
    /// was cancelled, this panics with the [`JoinError`]. Either way the tasks still in the set
    /// are aborted, as the set is dropped. Use [`join_next`](JoinSet::join_next) to handle
    /// failures one by one instead.
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = weft::task::JoinSet::new();
    /// for i in 0..4u32 {
    ///     set.spawn(async move { i * i });
    /// }
    /// let mut squares = set.join_all().await;
    /// squares.sort();
    /// assert_eq!(squares, [0, 1, 4, 9]);
    /// # });
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut outputs = Vec::with_capacity(self.len());
        while let Some(joined) = self.join_next().await {
            match joined {
                Ok(output) => outputs.push(output),
                Err(error) => match error.try_into_panic() {
                    Ok(payload) => panic::resume_unwind(payload),
                    Err(error) => panic!("a task of the JoinSet failed: {error}"),
                },
            }
        }
        outputs
    }

    /// Aborts every task and waits until all of them have stopped (their futures dropped, or
    /// their outputs dropped if they had finished). The set is empty afterwards.
    ///
    /// ```
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let mut set = weft::task::JoinSet::new();
    /// set.spawn(std::future::pending::<()>());
    /// set.shutdown().await;
    /// assert!(set.is_empty());
    /// # });
    /// ```
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

/// Spawns every future of the iterator into a new set, as [`JoinSet::spawn`] does.
///
/// # Panics
/// Outside a weft runtime, as [`spawn`](crate::spawn).
///
/// ```
/// use weft::task::JoinSet;
///
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let set: JoinSet<u32> = (1..=3).map(|i| async move { i * 10 }).collect();
/// let mut outputs = set.join_all().await;
/// outputs.sort();
/// assert_eq!(outputs, [10, 20, 30]);
/// # });
/// ```
impl<T, F> FromIterator<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> JoinSet<T> {
        let mut set = JoinSet::new();
        set.extend(iter);
        set
    }
}

/// Spawns every future of the iterator into the set, as [`JoinSet::spawn`] does.
///
/// # Panics
/// Outside a weft runtime, as [`spawn`](crate::spawn).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let mut set = weft::task::JoinSet::new();
/// set.spawn(async { 0 });
/// set.extend((1..4).map(|i| async move { i }));
/// assert_eq!(set.len(), 4);
/// # });
/// ```
impl<T, F> Extend<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    fn extend<I: IntoIterator<Item = F>>(&mut self, iter: I) {
        for task in iter {
            self.spawn(task);
        }
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
