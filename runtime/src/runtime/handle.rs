//! `Handle`: a cheap, cloneable reference to a runtime.

use super::context;
use super::thread_park::ThreadPark;
use super::{RuntimeFlavor, RuntimeMetrics};
use crate::scheduler::Handle as SchedulerHandle;
use crate::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::pin;
use std::task::{Context, Poll};

/// A handle to a runtime: spawn on it, block on it, or read its metrics from any thread.
///
/// ```
/// let runtime = weft::runtime::Runtime::new().unwrap();
/// let handle = runtime.handle().clone();
/// let joined = std::thread::spawn(move || handle.block_on(handle.spawn(async { 7 })))
///     .join()
///     .unwrap();
/// assert_eq!(joined.unwrap(), 7);
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: SchedulerHandle,
}

/// The error of [`Handle::try_current`] outside a runtime.
#[derive(Debug)]
pub struct TryCurrentError(());

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(super::context::NO_RUNTIME)
    }
}

impl std::error::Error for TryCurrentError {}

/// Keeps a runtime current on this thread; from [`Runtime::enter`](super::Runtime::enter) or
/// [`Handle::enter`].
///
/// Guards nest, and must be dropped in the reverse order of their creation, as in tokio.
///
/// # Panics
///
/// Dropping a guard while a guard made after it on this thread is still alive panics. Before
/// it panics, it restores the state from before its own `enter`: the runtimes entered after
/// it are no longer current either, and dropping their guards later does nothing.
#[must_use = "the runtime is current only while the guard lives"]
pub struct EnterGuard<'a> {
    _guard: context::SetSchedulerGuard,
    /// The guard restores a thread-local: it must drop on the thread that made it.
    _not_send: PhantomData<(&'a Handle, *const ())>,
}

// SAFETY: an `EnterGuard` has no methods and no fields anyone can reach: a `&EnterGuard` on
// another thread can do nothing with it, and only the owner drops it (it stays `!Send`, so on
// the thread whose thread-local it restores). tokio's guard is `Sync` too.
unsafe impl Sync for EnterGuard<'_> {}

impl Handle {
    /// The handle of the runtime this thread is in.
    ///
    /// # Panics
    /// Outside a weft runtime; see [`try_current`](Handle::try_current).
    #[track_caller]
    pub fn current() -> Handle {
        // A `match`, not `unwrap_or_else`: a closure would lose `#[track_caller]`, and the
        // panic would point here instead of at the caller.
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(_) => super::context::no_runtime("Handle::current"),
        }
    }

    /// The handle of the runtime this thread is in, or an error outside one.
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::try_scheduler()
            .map(|inner| Handle { inner })
            .ok_or(TryCurrentError(()))
    }

    /// Spawns a task on this runtime.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.spawn(future)
    }

    /// Runs a blocking closure on this runtime's blocking pool.
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.spawn_blocking(f)
    }

    /// Runs `future` to completion on this thread; see
    /// [`Runtime::block_on`](super::Runtime::block_on).
    ///
    /// # Panics
    /// Inside a running runtime: use `.await` there.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _runtime = context::enter_runtime(self.inner.clone());
        match &self.inner {
            // A wait may spin first (`thread_park.rs`) while a worker sleeps: with every
            // worker busy, the cores are too, and a spinning thread would take the one that the
            // task it waits for needs.
            SchedulerHandle::MultiThread(shared) => {
                block_on_thread(future, Some(&|| shared.has_sleeping_worker()))
            }
            SchedulerHandle::CurrentThread(shared) => shared.block_on(future),
        }
    }

    /// Makes this runtime current on this thread until the guard drops.
    pub fn enter(&self) -> EnterGuard<'_> {
        EnterGuard {
            _guard: context::set_scheduler(self.inner.clone()),
            _not_send: PhantomData,
        }
    }

    /// A view of the runtime's counters; see [`RuntimeMetrics`].
    ///
    /// ```
    /// let runtime = weft::runtime::Builder::new_current_thread().build().unwrap();
    /// let metrics = runtime.handle().metrics();
    /// assert_eq!(metrics.num_workers(), 1);
    /// assert_eq!(metrics.num_alive_tasks(), 0);
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        RuntimeMetrics::new(self.clone())
    }

    /// Which scheduler the runtime runs: current-thread or multi-thread.
    ///
    /// ```
    /// use weft::runtime::{Handle, RuntimeFlavor};
    ///
    /// #[weft::main(flavor = "current_thread")]
    /// async fn main() {
    ///     assert_eq!(Handle::current().runtime_flavor(), RuntimeFlavor::CurrentThread);
    /// }
    /// ```
    pub fn runtime_flavor(&self) -> RuntimeFlavor {
        match self.inner {
            SchedulerHandle::MultiThread(_) => RuntimeFlavor::MultiThread,
            SchedulerHandle::CurrentThread(_) => RuntimeFlavor::CurrentThread,
        }
    }

    /// The runtime's [`Id`](super::Id).
    ///
    /// ```
    /// #[weft::main]
    /// async fn main() {
    ///     let here = weft::runtime::Handle::current();
    ///     let id = here.id();
    ///     let seen_by_a_task = weft::spawn(async { weft::runtime::Handle::current().id() });
    ///     assert_eq!(seen_by_a_task.await.unwrap(), id);
    /// }
    /// ```
    pub fn id(&self) -> super::Id {
        self.inner.id()
    }

    /// The runtime's name, if [`Builder::name`](super::Builder::name) gave it one.
    ///
    /// ```
    /// #[weft::main(flavor = "current_thread", name = "my-runtime")]
    /// async fn main() {
    ///     assert_eq!(weft::runtime::Handle::current().name(), Some("my-runtime"));
    /// }
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.inner.name()
    }
}

/// Polls `future` on this thread, sleeping between wakes (outside a runtime: `blocking_*`).
///
/// The parker and its waker are made once per thread and reused, so a `block_on` costs no
/// allocation (benchmarks and request handlers call it in a loop). Reuse is safe: `block_on`
/// cannot nest on a thread (`enter_runtime` forbids it), and a stale wake from an earlier call
/// only makes the next park return early, after which the future is polled again.
#[cfg_attr(any(all(test, loom), weft_loom), allow(dead_code))] // its one user, `sync::blocking`, is not modelled
pub(crate) fn block_on_this_thread<F: Future>(future: F) -> F::Output {
    block_on_thread(future, None)
}

/// [`block_on_this_thread`], whose waits may spin first while `spare` says so (a multi-thread
/// runtime's `block_on`: while a worker sleeps); with `None`, they never spin.
fn block_on_thread<F: Future>(future: F, spare: Option<&dyn Fn() -> bool>) -> F::Output {
    fn poll_loop<F: Future + ?Sized>(
        mut future: std::pin::Pin<&mut F>,
        park: &ThreadPark,
        spare: Option<&dyn Fn() -> bool>,
    ) -> F::Output {
        let mut cx = Context::from_waker(park.waker());
        loop {
            park.before_poll();
            if let Poll::Ready(output) = weft_io::coop::budget(|| future.as_mut().poll(&mut cx)) {
                return output;
            }
            park.wait(spare.is_some_and(|spare| spare()));
        }
    }
    thread_local! {
        static PARK: ThreadPark = ThreadPark::new();
    }
    let mut future = pin!(future);
    if let Ok(output) = PARK.try_with(|park| poll_loop(future.as_mut(), park, spare)) {
        return output;
    }
    // The thread-local is gone (a `block_on` from another thread-local's destructor).
    poll_loop(future, &ThreadPark::new(), spare)
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flavor = match self.inner {
            SchedulerHandle::MultiThread(_) => "multi_thread",
            SchedulerHandle::CurrentThread(_) => "current_thread",
        };
        f.debug_struct("Handle")
            .field("flavor", &flavor)
            .field("id", &self.id())
            .field("name", &self.name())
            .finish()
    }
}

impl std::panic::UnwindSafe for Handle {}

impl std::panic::RefUnwindSafe for Handle {}

impl fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish()
    }
}
