//! The owned-task list of a `LocalSet`: its tasks, whose futures need not be `Send`.
//!
//! A local task's future and output may be `!Send`, so they must be polled and dropped on one
//! thread only, the *owner* (the thread that made the `LocalSet`). This list is where that
//! rule is enforced for shutdown, and `bind` is where local tasks are made: see
//! [`new_local_task`](super::new_local_task) for the whole contract.
//!
//! Invariants:
//! - The list is touched only on the owner thread: every method is `unsafe` with that
//!   contract, and checks it in debug builds. So a plain cell suffices (no lock), and a
//!   `Task` whose future is `!Send` is shut down (its future dropped) only on the owner.
//! - A task is either in the list (holding one reference), or was rejected by the closed list
//!   and shut down at once, or has completed; as in `owned.rs`, but without a lock, since
//!   close and bind cannot race on one thread.
//! - No borrow of the cell is held while user code runs: `close_and_shutdown_all` takes the
//!   tasks out first, so a future's destructor may spawn (rejected) or complete another task
//!   (which removes itself) without re-entering a live borrow.

use super::slab::TaskSlab;
use super::{new_local_task, Id, JoinHandle, Notified, Schedule, Task};
use crate::loom::UnsafeCell;
use crate::runtime::thread_id::ThreadId;
use std::future::Future;

pub(crate) struct LocalOwnedTasks {
    owner: ThreadId,
    inner: UnsafeCell<Inner>,
}

struct Inner {
    tasks: TaskSlab,
    closed: bool,
}

// SAFETY: the list is shared with other threads only as part of its `LocalSet`'s scheduler,
// which wakers carry everywhere; but every access to the cell (and so to the tasks, whose
// futures may be `!Send`) is on the owner thread, by the contract of each method.
unsafe impl Send for LocalOwnedTasks {}
// SAFETY: as above: `&LocalOwnedTasks` reaches the cell only on the owner thread.
unsafe impl Sync for LocalOwnedTasks {}

impl LocalOwnedTasks {
    /// An empty list owned by the calling thread.
    pub(crate) fn new() -> LocalOwnedTasks {
        LocalOwnedTasks {
            owner: ThreadId::current(),
            inner: UnsafeCell::new(Inner {
                tasks: TaskSlab::new(),
                closed: false,
            }),
        }
    }

    /// The thread whose tasks these are.
    pub(crate) fn owner(&self) -> ThreadId {
        self.owner
    }

    /// Runs `f` on the list.
    ///
    /// # Safety
    /// On the owner thread, and not from inside another `with` (no user code runs in `f`).
    unsafe fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        debug_assert_eq!(
            ThreadId::current(),
            self.owner,
            "a LocalSet's task list was touched off its thread"
        );
        // SAFETY: only the owner thread reaches the cell (the caller's contract), and `with`
        // does not nest (the closures below run no user code), so this borrow is unique.
        self.inner.with_mut(|inner| f(unsafe { &mut *inner }))
    }

    /// Creates a local task owned by this list. `None` for the `Notified` if the list is
    /// closed: the task was cancelled on the spot and its handle reports it.
    ///
    /// # Safety
    /// On the owner thread; and `scheduler` hands every `Notified` of the task to the owner
    /// thread only, and calls nothing but `remove` on this list from `Schedule::release`
    /// (the contract of [`new_local_task`](super::new_local_task), which this fulfils for
    /// shutdown).
    pub(crate) unsafe fn bind<F, S>(
        &self,
        future: F,
        scheduler: S,
        id: Id,
    ) -> (JoinHandle<F::Output>, Option<Notified>)
    where
        F: Future + 'static,
        F::Output: 'static,
        S: Schedule,
    {
        // SAFETY: we are on the owner thread (our contract), the scheduler runs the task there
        // (our contract), and the list shuts its tasks down there (below, and
        // `close_and_shutdown_all`'s contract).
        let (task, notified, join) = unsafe { new_local_task(future, scheduler, id) };
        // SAFETY: on the owner thread; the closure runs no user code.
        let rejected = unsafe {
            self.with(|inner| {
                if inner.closed {
                    Some(task)
                } else {
                    inner.tasks.insert(task);
                    None
                }
            })
        };
        match rejected {
            Some(task) => {
                drop(notified);
                // On the owner thread: the future is dropped here.
                task.shutdown();
                (join, None)
            }
            None => (join, Some(notified)),
        }
    }

    /// Removes a completed task, returning the list's reference.
    ///
    /// # Safety
    /// On the owner thread.
    pub(crate) unsafe fn remove(&self, task: &Task) -> Option<Task> {
        // SAFETY: forwarded; the closure runs no user code (the removed task, if any, is
        // returned, not dropped, and the caller's reference keeps it alive anyway).
        unsafe { self.with(|inner| inner.tasks.remove(task)) }
    }

    /// Closes the list to new tasks and cancels every task in it, dropping their futures here.
    ///
    /// # Safety
    /// On the owner thread.
    pub(crate) unsafe fn close_and_shutdown_all(&self) {
        // SAFETY: forwarded; the closure runs no user code.
        let tasks: Vec<Task> = unsafe {
            self.with(|inner| {
                inner.closed = true;
                inner.tasks.drain()
            })
        };
        // Outside the borrow: a future's destructor may spawn (rejected: closed) or complete
        // another task, which calls `remove`.
        for task in tasks {
            task.shutdown();
        }
    }

    /// Tasks alive now.
    ///
    /// # Safety
    /// On the owner thread.
    pub(crate) unsafe fn len(&self) -> usize {
        // SAFETY: forwarded; the closure runs no user code.
        unsafe { self.with(|inner| inner.tasks.len()) }
    }
}

impl std::fmt::Debug for LocalOwnedTasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalOwnedTasks")
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}
