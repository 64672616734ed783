//! Task ids.

use crate::loom::{AtomicU64, Ordering::Relaxed};
use std::fmt;

/// A task's id: unique among the tasks of the process for its lifetime.
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq, Ord, PartialOrd)]
pub struct Id(pub(crate) u64);

impl Id {
    pub(crate) fn next() -> Id {
        #[cfg(not(all(test, loom)))]
        static NEXT: AtomicU64 = AtomicU64::new(1);
        #[cfg(all(test, loom))]
        loom::lazy_static! {
            static ref NEXT: AtomicU64 = AtomicU64::new(1);
        }
        Id(NEXT.fetch_add(1, Relaxed))
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

std::thread_local! {
    /// The task whose code runs on this thread now (its poll, or the drop of its future or
    /// output), for `task::id()`.
    static CURRENT: std::cell::Cell<Option<Id>> = const { std::cell::Cell::new(None) };
}

/// Makes `id` the current task until dropped, then restores the previous one (tasks nest: a
/// task's poll may drop another task's output).
pub(crate) struct CurrentTaskGuard(Option<Id>);

impl CurrentTaskGuard {
    pub(crate) fn enter(id: Id) -> CurrentTaskGuard {
        CurrentTaskGuard(
            CURRENT
                .try_with(|current| current.replace(Some(id)))
                .unwrap_or(None),
        )
    }
}

impl Drop for CurrentTaskGuard {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|current| current.set(self.0));
    }
}

/// The id of the task running on this thread.
///
/// # Panics
/// Outside a task: in `block_on`'s own future, or in plain code. See [`try_id`].
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let handle = weft::spawn(async { weft::task::id() });
/// let id = handle.id();
/// assert_eq!(handle.await.unwrap(), id);
/// # });
/// ```
#[track_caller]
pub fn id() -> Id {
    try_id().expect("Can't get a task id when not inside a task")
}

/// The id of the task running on this thread, or `None` outside a task (as in `block_on`'s own
/// future).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// assert!(weft::task::try_id().is_none()); // block_on's future is not a task
/// let inside = weft::spawn(async { weft::task::try_id() }).await.unwrap();
/// assert!(inside.is_some());
/// # });
/// ```
pub fn try_id() -> Option<Id> {
    CURRENT.try_with(|current| current.get()).unwrap_or(None)
}
