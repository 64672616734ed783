//! The task core: the raw task, its state word, its waker, the owned-task list and the
//! `JoinHandle` internals. The user-level API (`spawn`, `JoinSet`, `TaskGroup`, `join_all`,
//! `yield_now`) lives in [`crate::task`] and is built on what this module exports.
//!
//! # One task, one heap block
//!
//! `spawn` allocates one block, `raw::Cell<F, S>`: the [`Header`] (state word, vtable, id,
//! owned-list slot), the scheduler handle `S`, the *stage* (the future, then its output or its
//! `JoinError`, then nothing) and the *join-waker slot* (the waker of the task awaiting the
//! `JoinHandle`).
//! Everything outside `raw.rs` sees only `NonNull<Header>` and calls through the vtable.
//!
//! # Who holds a reference
//!
//! The state word (`state.rs`) counts references; the last one to go frees the block. The
//! holders are: the runtime's owned-task list (`owned.rs`: one, until the task completes or
//! shutdown takes it), the [`JoinHandle`] (one, until dropped), every [`Waker`](std::task::Waker)
//! (one each) and the [`Notified`] that sits in a run queue (one, while `NOTIFIED` is set).
//! Running a task consumes its `Notified`: that reference becomes the *runner's* reference.
//!
//! # Which thread may touch which field, and when
//!
//! | field | who may touch it |
//! |---|---|
//! | header: state word | anyone holding a reference, through atomic transitions only |
//! | header: vtable, id | anyone holding a reference (written once, before the task is shared) |
//! | header: owned-list slot | the owned list that holds the task, under its shard's lock (`slab.rs`) |
//! | scheduler handle `S` | anyone holding a reference (shared, `Sync`) |
//! | stage, while not `COMPLETE` | only the thread that set `RUNNING` (polls the future, drops it on cancel, stores the output) |
//! | stage, once `COMPLETE` | the `JoinHandle` (takes the output), or, when no `JoinHandle` is interested, the completing thread (drops it) or the thread that drops the handle (drops it) — never two of them: `JOIN_INTEREST` decides |
//! | join-waker slot, `JOIN_WAKER` clear | only the `JoinHandle` (stores or replaces its waker) |
//! | join-waker slot, `JOIN_WAKER` set | only the runtime, to wake it at completion; the handle must clear the bit (a successful transition) before it writes the slot again |
//!
//! # The `JOIN_WAKER` rules
//!
//! 1. The `JoinHandle` writes the slot only while `JOIN_WAKER` is clear, then sets the bit with
//!    a compare-exchange that fails if the task completed meanwhile (it then takes the output
//!    instead and clears the slot itself).
//! 2. To replace a stored waker (awaited from another task), the handle first clears the bit
//!    with a compare-exchange that fails if the task completed; on failure the output is ready
//!    and the old waker is still the runtime's to wake.
//! 3. Completion, if it finds `JOIN_WAKER` set, wakes the stored waker (by reference; a panic
//!    in it is caught), then clears the bit. If the handle was dropped meanwhile (`JOIN_INTEREST` clear), the
//!    completing thread drops the waker; otherwise the handle owns the slot again.
//! 4. Dropping the handle clears `JOIN_INTEREST`, and `JOIN_WAKER` too unless the task is
//!    complete. If the task is complete it drops the output (user code: a panic there is
//!    caught). It drops the stored waker unless `JOIN_WAKER` is still set, which means the
//!    completing thread is waking it right now and drops it by rule 3.
//!
//! # Local tasks
//!
//! A `LocalSet`'s tasks may hold `!Send` futures. They use the same cell, state word and
//! waker; [`new_local_task`] states the contract that keeps their futures on one thread, and
//! `local_owned.rs` is their owned-task list, touched only on that thread.
//!
//! # User code the core runs, and what a panic in it does
//!
//! The core runs on workers, which never unwind, and at shutdown; a panic in user code must
//! neither unwind into them nor leave a task half-done. Every such call is caught
//! (`runtime::user_code::catch_user_panic`, or `catch_unwind` where the payload is kept):
//!
//! | user code | where | a panic in it |
//! |---|---|---|
//! | the future's `poll` | the runner | caught; the future is dropped *during* the unwind (its destructors see `thread::panicking()`, as in tokio) and the task completes with `JoinError::panic` |
//! | the future's destructor | the runner, or shutdown | caught; the task completes with `JoinError::panic` (except during the poll's unwind above, where Rust aborts, as for any destructor that panics while unwinding) |
//! | the output's destructor | completion (detached task), or the handle's drop | caught and dropped; the panic hook has reported it |
//! | the join waker's `wake_by_ref` and destructor | completion, the handle's drop | caught and dropped, as tokio does; the protocol goes on: the handle still gets the output, the block is freed once |
//! | anything left in the block | `dealloc`, by the last reference | caught: freeing never unwinds into whoever dropped that reference |
//!
//! The loom models in `loom_tests.rs` check these races (completion, abort, handle drop,
//! wakes and shutdown against each other), and `tests.rs` counts polls, drops, schedules and
//! wakes exactly.

mod error;
mod id;
mod join;
pub(crate) mod local_owned;
pub(crate) mod owned;
mod raw;
mod slab;
mod state;
mod waker;
pub(crate) mod yield_mark;

#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(test)]
mod tests;

pub use error::JoinError;
pub use id::{id, try_id, Id};
pub use join::{AbortHandle, JoinHandle};

pub(crate) use raw::Header;
use std::future::Future;
use std::ptr::NonNull;
use std::{fmt, mem};

/// A scheduler as tasks see it.
pub(crate) trait Schedule: Send + Sync + 'static {
    /// Queues a task that was woken.
    fn schedule(&self, task: Notified);

    /// Queues a task that was woken while it ran, now that its poll returned; `yielded` if it
    /// woke itself to yield (see `yield_mark.rs`): then it goes behind the queued work, else
    /// wherever a wake-up of an idle task would put it.
    fn reschedule(&self, task: Notified, _yielded: bool) {
        self.schedule(task);
    }

    /// The task completed: remove it from the owned-task list, returning the list's reference.
    fn release(&self, task: &Task) -> Option<Task>;

    /// The task's output is stored and its `JoinHandle`'s waker woken: the last step of
    /// completion, once per task, while the task is still alive. (The blocking pool gives a
    /// paused clock's auto-advance back here, after the awaiting task was woken, so that the
    /// clock never jumps past a job whose result is about to be seen.)
    fn completed(&self) {}
}

/// One counted reference to a task.
pub(crate) struct Task {
    ptr: NonNull<Header>,
}

/// A task's reference that sits in a run queue: running it consumes it.
pub(crate) struct Notified(Task);

// SAFETY: a task's shared state is synchronised by its state word, and the scheduler handle is
// `Send + Sync` (`Schedule` requires it). The future and the output are `Send` for tasks made
// by `new_task`; for local tasks (`new_local_task`) they may not be, and that function's
// contract keeps every access to them on the owner thread (a `Task` moved elsewhere may only
// count references, which touches the state word alone).
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
    // SAFETY: the future and its output are `Send`, so any thread may poll or drop them: the
    // contract of `new_local_task` asks nothing more.
    unsafe { new_local_task(future, scheduler, id) }
}

/// Allocates a task whose future and output need not be `Send` (a `LocalSet`'s task).
///
/// Such a task is shared with other threads like any other (its wakers, its `JoinHandle` when
/// the output is `Send`, its `Notified` in a remote queue), but those parties only touch the
/// state word, the scheduler handle and the join-waker slot. The future and the output are
/// touched by whoever holds `RUNNING` (poll, cancel, shutdown), by completion, and by the
/// `JoinHandle` (take or drop the output); and the block is freed, on any thread, only after the
/// future is gone and the output was taken or dropped (the owned list keeps a reference until
/// completion, and a stored output is dropped by completion or by the handle before they let go
/// of theirs).
///
/// # Safety
/// Unless `F` and `F::Output` are `Send`, the caller guarantees, for the *owner* thread (the
/// one calling this):
/// 1. every `Notified` of the task is run (`Notified::run`) on the owner thread: `scheduler`
///    queues them so that only the owner takes them out;
/// 2. `Task::shutdown` (and `Notified::shutdown`) is called on a reference of this task only
///    on the owner thread; a reference dropped elsewhere is fine;
/// 3. the `Task` returned here is kept (by an owned list) until `Schedule::release` returns it
///    or the list shuts it down, so the future is dropped before the block can be freed.
///
/// The `JoinHandle` needs no promise: it is `Send` only if the output is, so a `!Send` output
/// is taken or dropped on the thread that made the handle, the owner.
pub(crate) unsafe fn new_local_task<F, S>(
    future: F,
    scheduler: S,
    id: Id,
) -> (Task, Notified, JoinHandle<F::Output>)
where
    F: Future + 'static,
    F::Output: 'static,
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
