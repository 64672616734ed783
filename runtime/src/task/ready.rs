//! The ready list behind [`join_all`](super::join_all) and [`JoinSet`](super::JoinSet): which of
//! many futures were woken since they were last polled.
//!
//! Each future is polled with its own waker, a [`ReadyWaker`], which carries the future's key.
//! Waking it pushes the key onto the shared [`ReadyList`] and wakes the one waker registered
//! there (the task that awaits the whole collection). The collection then polls only the futures
//! whose keys it pops: one wake-up costs O(1) per woken future, not a pass over all of them.
//!
//! Invariants:
//! - No lost wake-up: [`ReadyList::register`] checks for queued keys and stores the waker under
//!   the same lock that [`ReadyWaker`]'s push takes, so a key pushed after a `register` that
//!   returned `true` finds the waker and wakes it.
//! - A key is queued at most once until it is popped and its owner calls
//!   [`ReadyWaker::take_queued`], which it does *before* polling the future: a wake during or
//!   after that poll queues the key again, a wake before it is absorbed (the poll sees its
//!   effect). The `AcqRel` swaps order the waker's writes before the poll that follows.
//! - A key may be stale when popped (its future finished and was removed): the owner skips it.
//! - User code cannot break the list: the registered waker is woken after the key is queued and
//!   the waker taken, outside the lock, so a panic in it unwinds into whoever woke the
//!   `ReadyWaker` (the task core, the timer wheel: both catch it) with the list consistent.
//!   `register` clones the waker under the lock before it changes anything: a panic there leaves
//!   the list as it was (`lock` ignores the poisoning). The waker it replaces is dropped after
//!   the lock is released, since a waker's drop is user code too and may push.
//!
//! The `Arc` here is std's, not the loom facade's: `Waker::from` needs `std::sync::Arc`. What it
//! shares (the lock, the flag) comes from `crate::loom`, so models see every synchronisation.

use crate::loom::{lock, AtomicBool, Mutex, Ordering::AcqRel};
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::task::{Wake, Waker};

/// Keys of woken futures, and the waker of the task that waits on them.
pub(crate) struct ReadyList<K> {
    inner: Mutex<Inner<K>>,
}

struct Inner<K> {
    keys: VecDeque<K>,
    waker: Option<Waker>,
}

impl<K> ReadyList<K> {
    pub(crate) fn new() -> Arc<ReadyList<K>> {
        Arc::new(ReadyList {
            inner: Mutex::new(Inner {
                keys: VecDeque::new(),
                waker: None,
            }),
        })
    }

    /// Queues `key` and wakes the registered waker, if any (outside the lock).
    pub(crate) fn push(&self, key: K) {
        let waker = {
            let mut inner = lock(&self.inner);
            inner.keys.push_back(key);
            inner.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Queues `key` without waking anyone: for a key the owner adds itself.
    pub(crate) fn push_quiet(&self, key: K) {
        lock(&self.inner).keys.push_back(key);
    }

    /// The oldest queued key.
    pub(crate) fn pop(&self) -> Option<K> {
        lock(&self.inner).keys.pop_front()
    }

    /// Moves every queued key, oldest first, to the end of `batch`.
    pub(crate) fn take_all(&self, batch: &mut Vec<K>) {
        batch.extend(lock(&self.inner).keys.drain(..));
    }

    /// Forgets every queued key.
    pub(crate) fn clear(&self) {
        lock(&self.inner).keys.clear();
    }

    /// How many keys are queued.
    #[cfg(all(test, not(loom)))]
    pub(crate) fn queued(&self) -> usize {
        lock(&self.inner).keys.len()
    }

    /// Stores `waker` for the next push and returns `true`, or returns `false` without storing
    /// it if keys are already queued (pop them instead of sleeping).
    pub(crate) fn register(&self, waker: &Waker) -> bool {
        let replaced = {
            let mut inner = lock(&self.inner);
            if !inner.keys.is_empty() {
                return false;
            }
            match &inner.waker {
                Some(stored) if stored.will_wake(waker) => return true,
                _ => inner.waker.replace(waker.clone()),
            }
        };
        // Dropped outside the lock: dropping a waker runs user code, which may wake one of
        // this list's `ReadyWaker`s (a waker whose last drop drives a runtime that completes a
        // task of the set), and `push` takes the lock.
        drop(replaced);
        true
    }
}

impl<K> fmt::Debug for ReadyList<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = lock(&self.inner);
        f.debug_struct("ReadyList")
            .field("queued", &inner.keys.len())
            .field("waker", &inner.waker.is_some())
            .finish()
    }
}

/// The waker of one future in the collection: waking it queues `key`.
pub(crate) struct ReadyWaker<K> {
    key: K,
    queued: AtomicBool,
    list: Arc<ReadyList<K>>,
}

impl<K: Copy> ReadyWaker<K> {
    /// A waker for `key`. `queued`: the caller has already pushed `key` (a new future, to be
    /// polled for the first time).
    pub(crate) fn new(key: K, list: &Arc<ReadyList<K>>, queued: bool) -> Arc<ReadyWaker<K>> {
        Arc::new(ReadyWaker {
            key,
            queued: AtomicBool::new(queued),
            list: list.clone(),
        })
    }

    /// The owner popped our key and is about to poll the future: let the next wake queue it.
    pub(crate) fn take_queued(&self) -> bool {
        self.queued.swap(false, AcqRel)
    }
}

impl<K: Copy + Send + Sync + 'static> Wake for ReadyWaker<K> {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, AcqRel) {
            self.list.push(self.key);
        }
    }
}

impl<K: fmt::Debug> fmt::Debug for ReadyWaker<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadyWaker")
            .field("key", &self.key)
            .finish()
    }
}
