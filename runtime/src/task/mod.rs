//! Tasks: spawning, joining, aborting, yielding, and waiting on many.
//!
//! Waiting on many: [`join_all`] gathers futures inside the current task (outputs in input
//! order), [`JoinSet`] collects spawned tasks in completion order, and [`TaskGroup`] runs
//! spawned tasks that succeed together or fail together (asyncio's `TaskGroup`; its docs compare
//! it with `JoinSet`). For a fixed number of futures of different types, see
//! [`join!`](crate::join), [`try_join!`](crate::try_join) and [`select!`](crate::select).
//!
//! A spawned task is one heap block (see `raw.rs`) shared by a few owners, each holding one
//! reference counted in the state word (see `state.rs`): the runtime's owned-task list, the
//! [`JoinHandle`], any [`Waker`](std::task::Waker)s, and the `Notified` sitting in a run
//! queue. Those owners are the types below.
//!
//! ```
//! # weft::runtime::Runtime::new().unwrap().block_on(async {
//! let handle = weft::spawn(async {
//!     weft::task::yield_now().await;
//!     "done"
//! });
//! assert_eq!(handle.await.unwrap(), "done");
//! # });
//! ```

mod blocking;
mod error;
mod group_state;
mod id;
mod join;
mod join_all;
mod join_set;
pub(crate) mod owned;
mod raw;
mod ready;
mod state;
mod task_group;
mod waker;
mod yield_now;

#[cfg(all(test, loom))]
mod join_loom_tests;
#[cfg(all(test, not(loom)))]
mod join_test_util;
#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(test)]
mod tests;

pub use blocking::spawn_blocking;
pub(crate) use blocking::BlockingTask;
pub use error::JoinError;
pub use id::Id;
pub use join::{AbortHandle, JoinHandle};
pub use join_all::{join_all, JoinAll};
pub use join_set::JoinSet;
pub use task_group::TaskGroup;
pub use yield_now::yield_now;

pub(crate) use raw::Header;
use std::future::Future;
use std::ptr::NonNull;
use std::{fmt, mem};

/// A scheduler as tasks see it.
pub(crate) trait Schedule: Send + Sync + 'static {
    /// Queues a task that was woken.
    fn schedule(&self, task: Notified);

    /// Queues a task that woke itself while it ran (`yield_now`): behind the queued work.
    fn yield_now(&self, task: Notified) {
        self.schedule(task);
    }

    /// The task completed: remove it from the owned-task list, returning the list's reference.
    fn release(&self, task: &Task) -> Option<Task>;
}

/// One counted reference to a task.
pub(crate) struct Task {
    ptr: NonNull<Header>,
}

/// A task's reference that sits in a run queue: running it consumes it.
pub(crate) struct Notified(Task);

// SAFETY: a task's shared state is synchronised by its state word, and everything in it
// (the future, the output, the scheduler handle) is `Send`: `spawn` requires it.
unsafe impl Send for Task {}
// SAFETY: `&Task` only reads the header through atomics.
unsafe impl Sync for Task {}

impl Task {
    /// # Safety
    /// `ptr` is a live task and the caller hands over one reference that it counted.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> Task {
        Task { ptr }
    }

    /// A `Task` that does not own its reference; wrap it so it is never dropped.
    ///
    /// # Safety
    /// The caller holds a reference for as long as the result lives.
    pub(crate) unsafe fn borrowed(ptr: NonNull<Header>) -> mem::ManuallyDrop<Task> {
        mem::ManuallyDrop::new(Task { ptr })
    }

    fn header(&self) -> &Header {
        // SAFETY: a `Task` holds a reference, so the header is alive.
        unsafe { self.ptr.as_ref() }
    }

    pub(crate) fn id(&self) -> Id {
        self.header().id
    }

    /// Cancels the task for runtime shutdown: drops its future now if no one is polling it.
    pub(crate) fn shutdown(self) {
        let ptr = self.into_raw();
        // SAFETY: `into_raw` handed us the reference that `shutdown` consumes.
        unsafe { (ptr.as_ref().vtable.shutdown)(ptr) }
    }

    fn into_raw(self) -> NonNull<Header> {
        mem::ManuallyDrop::new(self).ptr
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        if self.header().state.ref_dec() {
            // SAFETY: that was the last reference.
            unsafe { (self.header().vtable.dealloc)(self.ptr) }
        }
    }
}

impl Notified {
    /// # Safety
    /// As [`Task::from_raw`], and the task's NOTIFIED bit was set for this reference.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> Notified {
        // SAFETY: forwarded from the caller.
        Notified(unsafe { Task::from_raw(ptr) })
    }

    /// Polls the task once (or drops its future if it was cancelled).
    pub(crate) fn run(self) {
        let ptr = self.0.into_raw();
        // SAFETY: the `Notified` reference moves into `poll`, which consumes it.
        unsafe { (ptr.as_ref().vtable.poll)(ptr) }
    }

    /// Cancels a queued task that will never run (its scheduler has shut down).
    pub(crate) fn shutdown(self) {
        self.0.shutdown();
    }

    /// The header's address, for queues that store tasks as raw pointers.
    pub(crate) fn into_raw(self) -> NonNull<Header> {
        self.0.into_raw()
    }

    #[cfg(all(test, loom))]
    pub(crate) fn id(&self) -> Id {
        self.0.id()
    }
}

impl fmt::Debug for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task")
            .field("id", &self.id())
            .field("state", &self.header().state)
            .finish()
    }
}

impl fmt::Debug for Notified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Notified").field(&self.0).finish()
    }
}

/// Allocates a task: the reference for the owned list, the first `Notified`, and the handle.
pub(crate) fn new_task<F, S>(
    future: F,
    scheduler: S,
    id: Id,
) -> (Task, Notified, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let ptr = raw::allocate(future, scheduler, id);
    // SAFETY: a new task starts with three references and NOTIFIED set (`state::INITIAL`);
    // each of the three values below takes one.
    unsafe {
        (
            Task::from_raw(ptr),
            Notified::from_raw(ptr),
            JoinHandle::from_raw(ptr),
        )
    }
}

/// Spawns a task on the runtime this thread is in.
///
/// The task starts running at once, on any worker, whether or not the returned [`JoinHandle`]
/// is awaited; dropping the handle detaches the task.
///
/// # Panics
/// Outside a weft runtime (no task, `#[weft::main]`, `block_on` or `enter` on this thread).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let handles: Vec<_> = (0..10).map(|i| weft::spawn(async move { i * 2 })).collect();
/// let mut sum = 0;
/// for handle in handles {
///     sum += handle.await.unwrap();
/// }
/// assert_eq!(sum, 90);
/// # });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match crate::runtime::context::try_scheduler() {
        Some(scheduler) => scheduler.spawn(future),
        None => panic!(
            "no weft runtime is running: weft::spawn must be called from a task, \
             #[weft::main], Runtime::block_on or inside Runtime::enter"
        ),
    }
}
