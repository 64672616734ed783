//! [`LocalSet`] and [`spawn_local`]: tasks whose futures are not `Send`, run on one thread.
//!
//! A `LocalSet` owns its tasks (`runtime::task::local_owned`) and two run queues
//! (`shared.rs`, whose top comment states the queue and wake invariants). It runs them only
//! while something drives it on its thread: [`LocalSet::run_until`], [`LocalSet::block_on`], or
//! awaiting the set itself; each of those polls enter the set's *context* (this module's
//! thread-local), which is what [`spawn_local`] finds.
//!
//! Invariants:
//! - A set is used only on the thread that made it: `LocalSet` is `!Send` and `!Sync`, its
//!   context guard is `!Send`, and the scheduler asserts the thread where it matters.
//! - The context is restored by guards in reverse order, so sets nest (a `run_until` inside a
//!   task of another set) and a panic unwinds cleanly.

mod shared;

pub(crate) use shared::Shared;

#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(all(test, not(loom)))]
mod tests;

use super::JoinHandle;
use crate::loom::Arc;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

std::thread_local! {
    /// The set entered on this thread, if any.
    static CURRENT: RefCell<Option<Arc<Shared>>> = const { RefCell::new(None) };
}

/// Whether a [`LocalSet`] is entered on this thread (its tasks or the future it drives are
/// being polled, or a [`LocalEnterGuard`] lives): `block_in_place` refuses to run there, since
/// the set's other tasks could not move to another thread while it blocks.
pub(crate) fn is_entered() -> bool {
    CURRENT
        .try_with(|current| current.borrow().is_some())
        .unwrap_or(false)
}

/// A set of tasks that run on the current thread, so that their futures need not be `Send`.
///
/// [`weft::spawn`](crate::spawn) needs a `Send` future, because a multi-thread runtime may
/// poll it on any worker. A future that holds an `Rc`, a `RefCell` borrow across an `.await`,
/// or a `!Send` handle goes into a `LocalSet` instead: spawn it with
/// [`spawn_local`](LocalSet::spawn_local) (or [`task::spawn_local`](spawn_local) from inside
/// the set), and drive the set on this thread:
///
/// - [`run_until`](LocalSet::run_until)`(future).await` runs the set's tasks while `future`
///   runs, and returns its output (the tasks left are kept for the next drive);
/// - [`block_on`](LocalSet::block_on)`(&runtime, future)` is `runtime.block_on(run_until(..))`;
/// - `set.await` runs until every task of the set has completed.
///
/// The tasks run inside the runtime that drives the set (current-thread or multi-thread), so
/// they can use its timers, sockets, `spawn` and `spawn_blocking`; they just never leave this
/// thread. Wakes from other threads (a timer fired elsewhere, a channel send from a spawned
/// task) reach the set through a shared queue.
///
/// Dropping the set cancels its tasks: their futures are dropped there and then, inside the
/// set's context, and their [`JoinHandle`]s report [`is_cancelled`](super::JoinError::is_cancelled).
///
/// ```
/// use std::rc::Rc;
/// use weft::task::{self, LocalSet};
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let shared = Rc::new("not Send");
///     let local = LocalSet::new();
///     let output = local
///         .run_until(async move {
///             let shared = shared.clone();
///             task::spawn_local(async move { shared.len() }).await.unwrap()
///         })
///         .await;
///     assert_eq!(output, 8);
/// }
/// ```
///
/// Awaiting the whole set:
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use weft::task::LocalSet;
///
/// #[weft::main]
/// async fn main() {
///     let count = Rc::new(Cell::new(0));
///     let local = LocalSet::new();
///     for _ in 0..3 {
///         let count = count.clone();
///         local.spawn_local(async move {
///             weft::time::sleep(std::time::Duration::from_millis(1)).await;
///             count.set(count.get() + 1);
///         });
///     }
///     local.await;
///     assert_eq!(count.get(), 3);
/// }
/// ```
///
/// As in tokio, a set cannot be driven from inside [`weft::spawn`](crate::spawn) (the set is
/// not `Send`); give it a thread of its own and talk to it over a channel instead, or drive it
/// from `#[weft::main]`, `#[weft::test]` or `Runtime::block_on`.
pub struct LocalSet {
    shared: Arc<Shared>,
    /// Not `Send`, not `Sync`: the set, its queues and its tasks belong to this thread.
    _not_send: PhantomData<*const ()>,
}

/// The future of [`LocalSet::run_until`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct RunUntil<'a, F> {
    set: &'a LocalSet,
    future: F,
}

/// Keeps a [`LocalSet`] entered on this thread; from [`LocalSet::enter`].
#[must_use = "the set is entered only while the guard lives"]
pub struct LocalEnterGuard {
    previous: Option<Arc<Shared>>,
    _not_send: PhantomData<*const ()>,
}

/// Spawns a `!Send` future on the [`LocalSet`] this thread is running (or has entered), or
/// on the [`LocalRuntime`](crate::runtime::LocalRuntime) this thread runs.
///
/// The task runs on this thread, when the set is driven; the [`JoinHandle`] works as for
/// [`weft::spawn`](crate::spawn) and is `Send` if the output is.
///
/// # Panics
/// Outside a `LocalSet` (not inside `run_until`, `block_on`, an awaited set or
/// [`LocalSet::enter`]), with tokio's message: "`spawn_local` called from outside of a
/// `task::LocalSet` or `runtime::LocalRuntime`".
///
/// ```
/// use std::rc::Rc;
/// use weft::task::{self, LocalSet};
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     LocalSet::new()
///         .run_until(async {
///             let rc = Rc::new(41);
///             let handle = task::spawn_local(async move { *rc + 1 });
///             assert_eq!(handle.await.unwrap(), 42);
///         })
///         .await;
/// }
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let current = CURRENT.try_with(|current| current.borrow().clone());
    if let Ok(Some(shared)) = current {
        return Shared::spawn(&shared, future);
    }
    // No set entered: the tasks of a `LocalRuntime` (its own, and its `Send` ones) may spawn
    // on its set, from its thread.
    let runtime_set = crate::runtime::context::with_scheduler(|handle| match handle {
        Some(crate::scheduler::Handle::CurrentThread(runtime)) => runtime.local.clone(),
        _ => None,
    });
    match runtime_set {
        Some(shared) if shared.is_owner_thread() => Shared::spawn(&shared, future),
        Some(_) => panic!(
            "Local tasks can only be spawned on a LocalRuntime from the thread the runtime was \
             created on"
        ),
        None => panic!(
            "`spawn_local` called from outside of a `task::LocalSet` or `runtime::LocalRuntime`"
        ),
    }
}

impl LocalSet {
    /// An empty set, owned by this thread.
    ///
    /// ```
    /// let local = weft::task::LocalSet::new();
    /// # drop(local);
    /// ```
    pub fn new() -> LocalSet {
        LocalSet {
            shared: Shared::new(),
            _not_send: PhantomData,
        }
    }

    /// Enters the set's context until the guard drops, so that [`spawn_local`] works from plain
    /// code. The tasks spawned run when the set is next driven.
    ///
    /// ```
    /// use weft::task::{self, LocalSet};
    ///
    /// let local = LocalSet::new();
    /// let handle = {
    ///     let _guard = local.enter();
    ///     task::spawn_local(async { "spawned before the runtime" })
    /// };
    /// let runtime = weft::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(local.block_on(&runtime, handle).unwrap(), "spawned before the runtime");
    /// ```
    pub fn enter(&self) -> LocalEnterGuard {
        let previous = CURRENT.with(|current| current.replace(Some(self.shared.clone())));
        LocalEnterGuard {
            previous,
            _not_send: PhantomData,
        }
    }

    /// Spawns a `!Send` future on this set. It runs when the set is driven (`run_until`,
    /// `block_on`, or awaiting the set), on this thread.
    ///
    /// ```
    /// use std::rc::Rc;
    /// use weft::task::LocalSet;
    ///
    /// let local = LocalSet::new();
    /// let rc = Rc::new(5);
    /// let handle = local.spawn_local(async move { *rc * 2 });
    /// let runtime = weft::runtime::Builder::new_current_thread().build().unwrap();
    /// assert_eq!(local.block_on(&runtime, handle).unwrap(), 10);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        Shared::spawn(&self.shared, future)
    }

    /// Runs `future` to completion on `runtime`, driving this set's tasks meanwhile:
    /// `runtime.block_on(self.run_until(future))`.
    ///
    /// # Panics
    /// Inside a running runtime, as [`Runtime::block_on`](crate::runtime::Runtime::block_on).
    ///
    /// ```
    /// use weft::task::{self, LocalSet};
    ///
    /// let runtime = weft::runtime::Runtime::new().unwrap();
    /// let local = LocalSet::new();
    /// let answer = local.block_on(&runtime, async {
    ///     task::spawn_local(async { 42 }).await.unwrap()
    /// });
    /// assert_eq!(answer, 42);
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, runtime: &crate::runtime::Runtime, future: F) -> F::Output {
        runtime.block_on(self.run_until(future))
    }

    /// Runs this set's tasks until `future` completes, and returns its output. Tasks still
    /// pending then stay in the set, for the next drive (or for `Drop` to cancel).
    ///
    /// `future` itself runs inside the set's context, so it may call [`spawn_local`].
    ///
    /// ```
    /// use weft::task::{self, LocalSet};
    ///
    /// #[weft::main(flavor = "current_thread")]
    /// async fn main() {
    ///     let local = LocalSet::new();
    ///     let (tx, rx) = weft::sync::oneshot::channel();
    ///     local.spawn_local(async move { tx.send("from the set").unwrap() });
    ///     let got = local.run_until(async { rx.await.unwrap() }).await;
    ///     assert_eq!(got, "from the set");
    /// }
    /// ```
    pub fn run_until<F: Future>(&self, future: F) -> RunUntil<'_, F> {
        RunUntil { set: self, future }
    }

    /// The set's id, unique among live runtimes and sets (tokio gives a set a runtime id too).
    ///
    /// ```
    /// let a = weft::task::LocalSet::new();
    /// let b = weft::task::LocalSet::new();
    /// assert_ne!(a.id(), b.id());
    /// ```
    pub fn id(&self) -> crate::runtime::Id {
        self.shared.id()
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Runs `f` with the set entered (and restores the previous context even on a panic).
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        let _guard = self.enter();
        f()
    }
}

impl Default for LocalSet {
    fn default() -> LocalSet {
        LocalSet::new()
    }
}

impl Future for LocalSet {
    type Output = ();

    /// Runs the set's tasks; `Ready` once every task has completed.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let shared = &self.shared;
        // Before looking at the queues: see `shared.rs` ("no lost wake").
        shared.register(cx.waker());
        if self.with(|| shared.tick()) {
            // Out of budget with tasks still queued: come back after the runtime's other work.
            crate::runtime::task::yield_mark::mark_yield();
            cx.waker().wake_by_ref();
            Poll::Pending
        } else if shared.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is structurally pinned: it is never moved out of `self` nor exposed
        // unpinned, and `RunUntil` has no `Drop` impl that could move it.
        let this = unsafe { self.get_unchecked_mut() };
        let set = this.set;
        // SAFETY: as above: this pin projection of `future` is the only one.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        set.with(|| {
            set.shared.register(cx.waker());
            if let Poll::Ready(output) = future.poll(cx) {
                return Poll::Ready(output);
            }
            if set.shared.tick() {
                // As `LocalSet::poll`: a yield, behind the runtime's other work.
                crate::runtime::task::yield_mark::mark_yield();
                cx.waker().wake_by_ref();
            }
            Poll::Pending
        })
    }
}

impl LocalSet {
    /// Cancels every task and refuses new ones; what `Drop` does, and idempotent.
    pub(crate) fn close(&self) {
        // Inside the set's context, as tokio does: a future's destructor may call
        // `spawn_local` (the closed set refuses the task and cancels it on the spot). If the
        // context's thread-local is already gone (the set lives in another thread-local), the
        // tasks are dropped without it.
        let entered = CURRENT
            .try_with(|current| current.replace(Some(self.shared.clone())))
            .ok();
        let restore = RestoreOnDrop(entered);
        self.shared.close();
        drop(restore);
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        self.close();
    }
}

/// Puts the previous context back (also if a destructor panics inside `close`).
struct RestoreOnDrop(Option<Option<Arc<Shared>>>);

impl Drop for RestoreOnDrop {
    fn drop(&mut self) {
        if let Some(previous) = self.0.take() {
            restore(previous);
        }
    }
}

impl Drop for LocalEnterGuard {
    fn drop(&mut self) {
        restore(self.previous.take());
    }
}

/// Makes `previous` the entered set again. The set being left is dropped after the borrow
/// ends: if that was its last reference, its tasks' wakers drop, and they may run any code.
fn restore(previous: Option<Arc<Shared>>) {
    let left = CURRENT.try_with(|current| current.replace(previous));
    drop(left);
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shared.fmt(f)
    }
}

impl<F> fmt::Debug for RunUntil<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunUntil")
            .field("set", &self.set)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for LocalEnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalEnterGuard").finish_non_exhaustive()
    }
}
