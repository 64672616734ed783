//! The owned-task list: every live task of a runtime, so that shutdown can cancel them all.
//!
//! Sharded by task id, each shard behind its own mutex, so that spawns and completions on
//! different workers rarely meet on a lock; each shard keeps its tasks in a `TaskSlab`
//! (`slab.rs`), where removing a completed task touches one slot.
//!
//! Invariants:
//! - A task is either in a shard (holding one reference), or was rejected by a closed shard and
//!   shut down at once, or has completed. Closing sets `closed` on each shard under that shard's
//!   lock, and `bind` checks it under the same lock, so no task can slip in after its shard was
//!   drained: shutdown racing a spawn loses no task and drops no future twice.
//! - A task's shard is `id % SHARDS`, for `bind` and `remove` alike, so its slab is always
//!   reached under the same lock (the slab's own invariants ask for that exclusion).

use super::slab::TaskSlab;
use super::{new_task, Id, JoinHandle, Notified, Schedule, Task};
use crate::loom::{lock, Mutex};
use std::future::Future;

const SHARDS: usize = if cfg!(all(test, loom)) { 2 } else { 64 };

pub(crate) struct OwnedTasks {
    shards: Box<[crossbeam_utils::CachePadded<Mutex<Shard>>]>,
}

struct Shard {
    tasks: TaskSlab,
    closed: bool,
    /// Tasks ever bound to this shard, for metrics.
    spawned: u64,
}

impl OwnedTasks {
    pub(crate) fn new() -> OwnedTasks {
        let shard = || {
            Mutex::new(Shard {
                tasks: TaskSlab::new(),
                closed: false,
                spawned: 0,
            })
        };
        OwnedTasks {
            shards: (0..SHARDS).map(|_| shard().into()).collect(),
        }
    }

    fn shard(&self, id: Id) -> &Mutex<Shard> {
        &self.shards[id.0 as usize % SHARDS]
    }

    /// Creates a task owned by this list. `None` for the `Notified` if the list is closed: the
    /// task was cancelled on the spot and its handle reports it.
    pub(crate) fn bind<F, S>(
        &self,
        future: F,
        scheduler: S,
        id: Id,
    ) -> (JoinHandle<F::Output>, Option<Notified>)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
        S: Schedule,
    {
        let (task, notified, join) = new_task(future, scheduler, id);
        let mut shard = lock(self.shard(id));
        if shard.closed {
            drop(shard);
            drop(notified);
            task.shutdown();
            return (join, None);
        }
        shard.spawned += 1;
        shard.tasks.insert(task);
        (join, Some(notified))
    }

    /// Removes a completed task, returning the list's reference.
    pub(crate) fn remove(&self, task: &Task) -> Option<Task> {
        lock(self.shard(task.id())).tasks.remove(task)
    }

    /// Closes the list to new tasks and cancels every task in it: futures of tasks that are
    /// not running are dropped here, on this thread; a running task drops its own at its next
    /// poll boundary.
    pub(crate) fn close_and_shutdown_all(&self) {
        for shard in self.shards.iter() {
            let tasks = {
                let mut shard = lock(shard);
                shard.closed = true;
                shard.tasks.drain()
            };
            // Outside the lock: a future's destructor may spawn (rejected: closed) or complete
            // another task (which takes the lock in `remove`).
            for task in tasks {
                task.shutdown();
            }
        }
    }

    /// Tasks alive now.
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| lock(shard).tasks.len())
            .sum()
    }

    /// Tasks ever spawned.
    pub(crate) fn spawned(&self) -> u64 {
        self.shards.iter().map(|shard| lock(shard).spawned).sum()
    }

    #[cfg(all(test, loom))]
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl std::fmt::Debug for OwnedTasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedTasks").finish_non_exhaustive()
    }
}
