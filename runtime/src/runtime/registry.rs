//! The live runtimes by id, for the rare timer first polled outside the runtime that made it.
//!
//! A `Sleep` notes only its runtime's id when it is made (no reference count to bump: a
//! `sleep` or `timeout` that is dropped unpolled, as most request timeouts are, touches no
//! shared memory), and binds to that runtime's time driver at its first poll. Polled on a
//! thread of that runtime, as nearly all are, it takes the thread's own reference
//! (`context::time_driver_of`); polled anywhere else (another runtime, a plain executor), it
//! finds its runtime here, or learns that the runtime is gone.
//!
//! Invariants:
//! - An entry holds a weak handle: the registry keeps no runtime's state alive, so it changes
//!   nothing about when a runtime is dropped.
//! - An entry whose runtime's state is gone is never returned (its upgrade fails), and is
//!   pruned at the next registration: the list holds the live runtimes plus those dropped
//!   since the last one was built.
//! - Ids are never reused (`Id::next`), so an id found here is the runtime that made the timer.
//!
//! The lock is std's under loom too: it is taken only when a runtime is built and on the
//! cross-runtime path above, guards no interleaving that a model checks, and a loom mutex
//! cannot live in a `static`, which outlives each of a model's executions.

use super::Id;
use crate::scheduler::{Handle, WeakHandle};
use std::sync::Mutex;

static RUNTIMES: Mutex<Vec<(Id, WeakHandle)>> = Mutex::new(Vec::new());

fn runtimes() -> std::sync::MutexGuard<'static, Vec<(Id, WeakHandle)>> {
    // Nothing panics while the lock is held (no user code runs under it), but a poisoned
    // list would still be consistent: each operation leaves it whole.
    RUNTIMES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Makes `handle`'s runtime findable by its id; called once, when the runtime is built.
pub(crate) fn register(handle: &Handle) {
    let mut runtimes = runtimes();
    runtimes.retain(|(_, weak)| weak.is_alive());
    runtimes.push((handle.id(), handle.downgrade()));
}

/// The runtime `id`, while its state lives (it may have shut down: its parts say so).
pub(crate) fn find(id: Id) -> Option<Handle> {
    let runtimes = runtimes();
    let (_, weak) = runtimes.iter().find(|(entry, _)| *entry == id)?;
    weak.upgrade()
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::runtime::Builder;

    #[test]
    #[cfg_attr(miri, ignore = "builds a runtime: epoll")]
    fn finds_a_live_runtime_and_forgets_a_dropped_one() {
        let runtime = Builder::new_current_thread().build().unwrap();
        let id = runtime.handle().id();
        let found = find(id).expect("a live runtime is registered");
        assert_eq!(found.id(), id);
        drop(found);
        drop(runtime);
        assert!(find(id).is_none(), "a dropped runtime is not found");
        // The next registration prunes the dead entry.
        let next = Builder::new_current_thread().build().unwrap();
        assert!(!runtimes().iter().any(|(entry, _)| *entry == id));
        assert!(find(next.handle().id()).is_some());
    }
}
