//! The scheduler of a `LocalSet`: where its tasks' wakes go, and the loop that runs them.
//!
//! Two run queues. The *local* queue is a plain `VecDeque` touched only on the owner thread
//! (the thread that made the set): wakes and spawns from the set's own tasks land there. The
//! *remote* queue sits behind a mutex, for wakes from other threads (a timer fired by another
//! worker, a channel send from a spawned task, an `abort`). The same mutex holds the waker of
//! whoever drives the set (`run_until`, or the awaited set) and the remote queue's closed flag.
//!
//! Invariants:
//! - Owner-only state (the local queue, the owned-task list) is touched only on the owner
//!   thread: `schedule` compares thread ids before it picks the local queue, and `spawn`,
//!   `tick` and `close` assert that they run on the owner. So a local task's `Notified` is
//!   run, and its future dropped, on the owner only: the contract of `new_local_task`.
//! - No lost wake: the driver registers its waker under the remote lock *before* it looks at
//!   the queues. A remote push takes that waker under the same lock, after pushing, so a task
//!   pushed after the driver's last look finds the waker and wakes it. A local push from
//!   outside the set's loop (a wake on the owner thread by something else) wakes it the same
//!   way; a push from inside the loop needs no wake, the loop sees it.
//! - After `close`, nothing stays queued: every future was dropped by the owned list first,
//!   both queues are emptied and marked closed (the remote one under its lock), and a push to
//!   a closed queue drops the `Notified`, which only counts a reference down.
//! - No `Notified` is dropped, and no waker is woken or dropped, while a queue is borrowed or
//!   the lock held: dropping the last reference of a task frees it, and that may drop this very
//!   scheduler or run arbitrary waker code.

use crate::loom::{lock, Arc, Mutex, UnsafeCell};
use crate::runtime::task::local_owned::LocalOwnedTasks;
use crate::runtime::task::{Id, JoinHandle, Notified, Schedule, Task};
use crate::runtime::thread_id::ThreadId;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::mem;
use std::task::Waker;

/// Tasks run by one `tick` before the driver yields to its runtime (as the current-thread
/// scheduler's event interval: other tasks, I/O and timers get their turn).
pub(crate) const MAX_TASKS_PER_TICK: usize = 61;

/// Every this many picks, the remote queue goes first, so that a set kept busy by local
/// wakes still runs the tasks woken from other threads.
const REMOTE_FIRST_INTERVAL: u32 = 31;

pub(crate) struct Shared {
    owned: LocalOwnedTasks,
    local: UnsafeCell<Local>,
    remote: Mutex<Remote>,
    id: crate::runtime::Id,
}

#[derive(Default)]
struct Local {
    queue: VecDeque<Notified>,
    closed: bool,
    /// Set while `tick` runs tasks: a push then needs no wake.
    ticking: bool,
    picks: u32,
}

#[derive(Default)]
struct Remote {
    queue: VecDeque<Notified>,
    closed: bool,
    /// The task driving the set.
    waker: Option<Waker>,
}

// SAFETY: `local` is reached only on the owner thread (see the module invariants: every path
// to it checks the thread id first), `remote` is behind a mutex, `owned` is `Sync` on its own
// terms and `id` is plain data. Sharing `Shared` lets wakers on other threads reach `remote`.
// (`Send` is derived: a `Shared` whose last `Arc` goes on another thread was closed, or leaked
// by its set; either way its local queue holds only `Notified`s, whose drop counts references.)
unsafe impl Sync for Shared {}

impl Shared {
    pub(crate) fn new() -> Arc<Shared> {
        Arc::new(Shared {
            owned: LocalOwnedTasks::new(),
            local: UnsafeCell::new(Local::default()),
            remote: Mutex::new(Remote::default()),
            id: crate::runtime::Id::next(),
        })
    }

    pub(crate) fn id(&self) -> crate::runtime::Id {
        self.id
    }

    pub(crate) fn is_owner_thread(&self) -> bool {
        ThreadId::current() == self.owned.owner()
    }

    #[track_caller]
    fn assert_owner_thread(&self) {
        assert!(
            self.is_owner_thread(),
            "a LocalSet was used off the thread that created it"
        );
    }

    /// Runs `f` on the owner-only state.
    ///
    /// # Safety
    /// On the owner thread, and not nested in another `with_local` (`f` runs no user code).
    unsafe fn with_local<R>(&self, f: impl FnOnce(&mut Local) -> R) -> R {
        debug_assert!(self.is_owner_thread());
        // SAFETY: only the owner thread reaches the cell (the caller's contract) and calls do
        // not nest, so this is the only borrow.
        self.local.with_mut(|local| f(unsafe { &mut *local }))
    }

    /// Spawns a local task on this set.
    ///
    /// # Panics
    /// Off the owner thread (a bug in weft: callers reach here through the owner's `LocalSet`
    /// or its entered context).
    #[track_caller]
    pub(crate) fn spawn<F>(this: &Arc<Shared>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        this.assert_owner_thread();
        // SAFETY: on the owner thread (just checked). Our `Schedule` impl hands every `Notified`
        // to a queue that only `tick` (owner only) pops, and its `release` only calls `remove`.
        let (join, notified) = unsafe { this.owned.bind(future, this.clone(), Id::next()) };
        if let Some(notified) = notified {
            this.schedule(notified);
        }
        join
    }

    /// Stores the waker of the task that drives the set; call it before `tick`.
    pub(crate) fn register(&self, waker: &Waker) {
        let old = {
            let mut remote = lock(&self.remote);
            match &remote.waker {
                Some(stored) if stored.will_wake(waker) => None,
                _ => remote.waker.replace(waker.clone()),
            }
        };
        drop(old);
    }

    /// Wakes the task that drives the set, if it registered.
    fn wake_driver(&self) {
        let waker = lock(&self.remote).waker.take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Runs up to [`MAX_TASKS_PER_TICK`] queued tasks; `true` if it stopped with work left.
    ///
    /// # Panics
    /// Off the owner thread.
    pub(crate) fn tick(&self) -> bool {
        self.assert_owner_thread();
        struct Ticking<'a>(&'a Shared, bool);
        impl Drop for Ticking<'_> {
            fn drop(&mut self) {
                let was = self.1;
                // SAFETY: on the owner thread (checked by `tick`); no user code runs inside.
                unsafe { self.0.with_local(|local| local.ticking = was) };
            }
        }
        // SAFETY: on the owner thread (checked above).
        let was = unsafe { self.with_local(|local| mem::replace(&mut local.ticking, true)) };
        let _ticking = Ticking(self, was);
        for _ in 0..MAX_TASKS_PER_TICK {
            match self.next_task() {
                // On the owner thread: the contract of `new_local_task`. Each poll gets its
                // own cooperative budget, as a scheduler's task does.
                Some(task) => weft_io::coop::budget(|| task.run()),
                None => return false,
            }
        }
        true
    }

    /// The next task to run: local first, except every `REMOTE_FIRST_INTERVAL`-th pick.
    fn next_task(&self) -> Option<Notified> {
        // SAFETY: only `tick` calls this, on the owner thread; no user code runs inside.
        let (remote_first, local) = unsafe {
            self.with_local(|local| {
                local.picks = local.picks.wrapping_add(1);
                let remote_first = local.picks % REMOTE_FIRST_INTERVAL == 0;
                let task = if remote_first {
                    None
                } else {
                    local.queue.pop_front()
                };
                (remote_first, task)
            })
        };
        if local.is_some() {
            return local;
        }
        let remote = lock(&self.remote).queue.pop_front();
        if remote.is_some() || !remote_first {
            return remote;
        }
        // SAFETY: as above.
        unsafe { self.with_local(|local| local.queue.pop_front()) }
    }

    /// Whether every task of the set has completed.
    pub(crate) fn is_empty(&self) -> bool {
        self.assert_owner_thread();
        // SAFETY: on the owner thread (checked above).
        unsafe { self.owned.len() == 0 }
    }

    /// Cancels every task (dropping its future here), empties the queues and refuses new work.
    ///
    /// # Panics
    /// Off the owner thread.
    pub(crate) fn close(&self) {
        self.assert_owner_thread();
        // SAFETY: on the owner thread (checked above).
        unsafe { self.owned.close_and_shutdown_all() };
        // SAFETY: as above; the queue is moved out and dropped after the borrow.
        let local = unsafe {
            self.with_local(|local| {
                local.closed = true;
                mem::take(&mut local.queue)
            })
        };
        drop(local);
        let (remote, waker) = {
            let mut remote = lock(&self.remote);
            remote.closed = true;
            (mem::take(&mut remote.queue), remote.waker.take())
        };
        drop(remote);
        drop(waker);
    }

    /// A wake from another thread: the remote queue, then the driver's waker.
    fn push_remote(&self, task: Notified) {
        let (rejected, waker) = {
            let mut remote = lock(&self.remote);
            if remote.closed {
                (Some(task), None)
            } else {
                remote.queue.push_back(task);
                (None, remote.waker.take())
            }
        };
        // Outside the lock: the last reference of a task may go here.
        drop(rejected);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Tasks waiting in the remote queue (for tests).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn remote_len(&self) -> usize {
        lock(&self.remote).queue.len()
    }
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified) {
        if !self.is_owner_thread() {
            return self.push_remote(task);
        }
        // SAFETY: on the owner thread (just checked); the `Notified` leaves the closure
        // undropped.
        let pushed = unsafe {
            self.with_local(|local| {
                if local.closed {
                    Err(task)
                } else {
                    local.queue.push_back(task);
                    Ok(!local.ticking)
                }
            })
        };
        match pushed {
            // Closed: the task was shut down; drop our reference outside the borrow.
            Err(task) => drop(task),
            Ok(true) => self.wake_driver(),
            Ok(false) => {}
        }
    }

    fn release(&self, task: &Task) -> Option<Task> {
        // SAFETY: completion runs where RUNNING was taken: in `tick` (owner only) or in a
        // shutdown by the owned list (owner only, by its contract).
        unsafe { self.owned.remove(task) }
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}
