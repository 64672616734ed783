//! The task cell and its type-erased handle.
//!
//! A task is one heap block, `Cell<F, S>`: the [`Header`] (state word, vtable, id, owned-list
//! slot) first, then the scheduler handle, the stage (the future, later its output) and the
//! join-waker slot.
//! Everything outside this module sees only `NonNull<Header>` and calls through the vtable,
//! whose functions are monomorphised for the concrete future and scheduler.
//!
//! Invariants:
//! - The block is freed exactly once, by whoever drops the last reference (see `state.rs`).
//! - The stage is touched only by the thread that set `RUNNING` (poll, cancel, store output),
//!   or, once `COMPLETE`, by the `JoinHandle` (take or drop the output) or by completion itself
//!   when no `JoinHandle` is interested.
//! - The future is pinned: it lives in the heap block and is dropped in place.
//! - No user code (poll, destructors, the join waker) unwinds out of a vtable function: see
//!   "User code the core runs" in `mod.rs`.

use super::error::JoinError;
use super::id::CurrentTaskGuard;
use super::state::{State, ToIdle, ToRunning};
use super::{waker, yield_mark, Id, Notified, Schedule, Task};
use crate::loom::{AtomicUsize, UnsafeCell};
use crate::runtime::user_code::catch_user_panic;
use std::future::Future;
use std::mem;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

/// The part of a task that every party can read without knowing its types.
#[repr(C)]
pub(crate) struct Header {
    pub(crate) state: State,
    pub(crate) vtable: &'static Vtable,
    pub(crate) id: Id,
    /// Where the owned-task list keeps this task: its slot in a `TaskSlab` (`slab.rs`),
    /// written and read only through that slab, under its owner's exclusion.
    pub(crate) owned_slot: AtomicUsize,
}

pub(crate) struct Vtable {
    /// Runs the task once; consumes the `Notified` reference.
    pub(crate) poll: unsafe fn(NonNull<Header>),
    /// Hands a `Notified` (one reference, already counted) to the task's scheduler.
    pub(crate) schedule: unsafe fn(NonNull<Header>),
    /// Frees the block; the caller dropped the last reference.
    pub(crate) dealloc: unsafe fn(NonNull<Header>),
    /// Writes `Poll<Result<T, JoinError>>` to `dst` if the output is ready, else stores the
    /// waker.
    pub(crate) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// The `JoinHandle` is gone; consumes its reference.
    pub(crate) drop_join_handle: unsafe fn(NonNull<Header>),
    /// Runtime shutdown; consumes one reference.
    pub(crate) shutdown: unsafe fn(NonNull<Header>),
}

#[repr(C)]
struct Cell<F: Future, S> {
    header: Header,
    scheduler: S,
    stage: UnsafeCell<Stage<F>>,
    join_waker: UnsafeCell<Option<Waker>>,
}

enum Stage<F: Future> {
    Running(F),
    Finished(Result<F::Output, JoinError>),
    Consumed,
}

/// Allocates a task; its state starts with three references (see `state::INITIAL`).
///
/// The bounds ask for no `Send`: the callers, `new_task` (which requires it) and
/// `new_local_task` (whose contract keeps a `!Send` future on one thread), decide.
pub(super) fn allocate<F, S>(future: F, scheduler: S, id: Id) -> NonNull<Header>
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    let cell = Box::new(Cell {
        header: Header {
            state: State::new(),
            vtable: vtable::<F, S>(),
            id,
            owned_slot: AtomicUsize::new(super::slab::NO_SLOT),
        },
        scheduler,
        stage: UnsafeCell::new(Stage::Running(future)),
        join_waker: UnsafeCell::new(None),
    });
    // `Cell` is `repr(C)` with the header first, so the block's address is the header's.
    NonNull::from(Box::leak(cell)).cast()
}

fn vtable<F, S>() -> &'static Vtable
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    &Vtable {
        poll: poll::<F, S>,
        schedule: schedule::<F, S>,
        dealloc: dealloc::<F, S>,
        try_read_output: try_read_output::<F, S>,
        drop_join_handle: drop_join_handle::<F, S>,
        shutdown: shutdown::<F, S>,
    }
}

/// # Safety
/// `ptr` points to a live `Cell<F, S>` (the vtable that reached here was built for it).
unsafe fn cell<'a, F: Future, S>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
    // SAFETY: the caller guarantees the block is a live `Cell<F, S>`; the header is its first
    // field of a `repr(C)` struct, so the cast recovers the allocation's original type.
    unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
}

unsafe fn poll<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable was built for `Cell<F, S>`, and the `Notified` we consume keeps the
    // block alive until we drop its reference below.
    let cell = unsafe { cell::<F, S>(ptr) };
    match cell.header.state.transition_to_running() {
        ToRunning::Poll => {
            let waker = waker::borrowed(ptr);
            let mut cx = Context::from_waker(&waker);
            if cell.poll_future(&mut cx).is_ready() {
                // SAFETY: we hold RUNNING and the runner's reference.
                return unsafe { complete::<F, S>(ptr) };
            }
            match cell.header.state.transition_to_idle() {
                ToIdle::Idle { dealloc: false } => {}
                // SAFETY: our reference was the last one.
                ToIdle::Idle { dealloc: true } => unsafe { self::dealloc::<F, S>(ptr) },
                ToIdle::Notified => {
                    // SAFETY: `transition_to_idle` kept our reference for this `Notified`.
                    let task = unsafe { Notified::from_raw(ptr) };
                    cell.scheduler
                        .reschedule(task, yield_mark::take_yield_mark());
                }
                ToIdle::Cancelled => {
                    cell.cancel_future();
                    // SAFETY: we still hold RUNNING and the runner's reference.
                    unsafe { complete::<F, S>(ptr) }
                }
            }
        }
        ToRunning::Cancel => {
            cell.cancel_future();
            // SAFETY: the transition gave us RUNNING; the `Notified` reference is the runner's.
            unsafe { complete::<F, S>(ptr) }
        }
        ToRunning::Failed => {
            if cell.header.state.ref_dec() {
                // SAFETY: that was the last reference.
                unsafe { dealloc::<F, S>(ptr) }
            }
        }
    }
}

/// Release the task from its owner, RUNNING -> COMPLETE, hand the output to the `JoinHandle`
/// (or drop it) and drop the runner's reference.
///
/// A free function over the raw pointer, not a method: it may free the block, which must not
/// happen while a `&Cell` is alive as a function argument.
///
/// # Safety
/// `ptr` is a live `Cell<F, S>` and the caller holds RUNNING and the runner's reference, which
/// this consumes.
unsafe fn complete<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller's reference keeps the block alive until the end of this function.
    let cell = unsafe { cell::<F, S>(ptr) };
    // Leave the owned list before anyone can see COMPLETE, so that once a `JoinHandle` has the
    // output the task no longer counts as alive. The future is already gone: shutdown has
    // nothing left to cancel here.
    // SAFETY: we hold the runner's reference, so the header is alive while `task` lives.
    let task = unsafe { Task::borrowed(ptr) };
    let mut count = 1;
    if let Some(owned) = cell.scheduler.release(&task) {
        // The owner's reference is dropped together with ours at the end.
        mem::forget(owned);
        count += 1;
    }
    let snapshot = cell.header.state.transition_to_complete();
    if !snapshot.is_join_interested() {
        // No one will read the output; its destructor is user code.
        catch_user_panic(|| cell.set_stage(Stage::Consumed));
    } else if snapshot.is_join_waker_set() {
        // The waker is user code: a panic in it is caught (the panic hook has reported it, as
        // tokio does) and the protocol goes on, so the handle still finds the output and the
        // block is still freed once. The runner is a worker, which never unwinds.
        catch_user_panic(|| {
            cell.join_waker.with(|slot| {
                // SAFETY: JOIN_WAKER was set when we completed: the slot is the runtime's to
                // read until we clear the bit below, and no one writes it meanwhile.
                let waker = unsafe { &*slot };
                if let Some(waker) = waker {
                    waker.wake_by_ref();
                }
            });
        });
        let snapshot = cell.header.state.unset_waker_after_complete();
        if !snapshot.is_join_interested() {
            // The handle was dropped while we woke it and left the waker to us.
            // SAFETY: JOIN_WAKER is clear and the handle is gone: the slot is ours.
            catch_user_panic(|| cell.join_waker.with_mut(|slot| unsafe { *slot = None }));
        }
    }
    cell.scheduler.completed();
    if cell.header.state.transition_to_terminal(count) {
        // SAFETY: those were the last references; `cell` and `task` are not used again.
        unsafe { dealloc::<F, S>(ptr) }
    }
}

unsafe fn schedule<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller counted one reference for the `Notified`, which keeps the block alive.
    let cell = unsafe { cell::<F, S>(ptr) };
    // SAFETY: as above: that reference now belongs to the `Notified`.
    cell.scheduler.schedule(unsafe { Notified::from_raw(ptr) });
}

unsafe fn dealloc<F: Future, S>(ptr: NonNull<Header>) {
    // SAFETY: the last reference is gone, so no one else can reach the block, and it was
    // allocated by `allocate` as a `Box<Cell<F, S>>`.
    let cell = unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) };
    // By now the stage and the join-waker slot are empty on every path, but the scheduler
    // handle may be a runtime's last one: whoever drops the last reference (a waker, on any
    // thread) must not unwind from here. The block is freed even if a field's drop panics.
    catch_user_panic(|| drop(cell));
}

unsafe fn try_read_output<F: Future, S: Schedule>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: the `JoinHandle` calling us holds a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    if cell.can_read_output(waker) {
        // SAFETY: `JoinHandle<F::Output>` passes a pointer to its own
        // `Poll<Result<F::Output, JoinError>>` slot.
        let dst = unsafe { &mut *dst.cast::<Poll<Result<F::Output, JoinError>>>() };
        *dst = Poll::Ready(cell.take_output());
    }
}

unsafe fn drop_join_handle<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the `JoinHandle` being dropped holds a reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    let (drop_output, drop_waker) = cell.header.state.transition_to_join_handle_dropped();
    // The output's and the waker's destructors are user code: a panic in them is caught, so
    // that the reference below is still released (the handle may be dropped on a worker,
    // inside another task's poll or the runtime's shutdown).
    if drop_output {
        catch_user_panic(|| cell.set_stage(Stage::Consumed));
    }
    if drop_waker {
        // SAFETY: JOIN_WAKER is clear and we held JOIN_INTEREST: the slot is ours.
        catch_user_panic(|| cell.join_waker.with_mut(|slot| unsafe { *slot = None }));
    }
    if cell.header.state.ref_dec() {
        // SAFETY: that was the last reference.
        unsafe { dealloc::<F, S>(ptr) }
    }
}

unsafe fn shutdown<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the caller hands us one reference.
    let cell = unsafe { cell::<F, S>(ptr) };
    if cell.header.state.transition_to_shutdown() {
        // We set RUNNING: the future is ours to drop; our reference is the runner's.
        cell.cancel_future();
        // SAFETY: as just said: RUNNING and the runner's reference are ours.
        unsafe { complete::<F, S>(ptr) }
    } else if cell.header.state.ref_dec() {
        // Running elsewhere (it sees CANCELLED at its poll boundary) or already complete.
        // SAFETY: that was the last reference.
        unsafe { dealloc::<F, S>(ptr) }
    }
}

impl<F: Future, S: Schedule> Cell<F, S> {
    /// Polls the future; on `Ready` (or a panic) stores the output. Only the runner calls this.
    ///
    /// A future that panics is dropped while its panic unwinds, as it would be on the stack
    /// (and as tokio does), so its destructors see `std::thread::panicking()`: guards that
    /// roll back or poison on a panic behave as they do outside a task. The price is Rust's
    /// rule for every unwind: a destructor that panics *then* aborts the process. A destructor
    /// that panics after a normal `Ready` (or on cancellation) is caught and reported as the
    /// task's panic.
    fn poll_future(&self, cx: &mut Context<'_>) -> Poll<()> {
        let _current = CurrentTaskGuard::enter(self.header.id);
        /// Drops the future if the poll unwinds; forgotten when the poll returns.
        struct DropOnUnwind<'a, F: Future, S: Schedule>(&'a Cell<F, S>);
        impl<F: Future, S: Schedule> Drop for DropOnUnwind<'_, F, S> {
            fn drop(&mut self) {
                self.0.set_stage(Stage::Consumed);
            }
        }

        let polled = panic::catch_unwind(AssertUnwindSafe(|| {
            let on_unwind = DropOnUnwind(self);
            let poll = self.stage.with_mut(|stage| {
                // SAFETY: we hold RUNNING, so the stage is ours alone, and it is `Running`
                // (a task is polled only before completion).
                let Stage::Running(future) = (unsafe { &mut *stage }) else {
                    unreachable!("a task was polled after it completed")
                };
                // SAFETY: the future lives in the heap block and is only ever dropped in place
                // (by `set_stage`), so it never moves after this pin.
                unsafe { Pin::new_unchecked(future) }.poll(cx)
            });
            mem::forget(on_unwind);
            poll
        }));
        let output = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(output)) => match self.drop_future() {
                Ok(()) => Ok(output),
                Err(payload) => {
                    // The output goes too: the task reports the destructor's panic.
                    catch_user_panic(|| drop(output));
                    Err(JoinError::panic(self.header.id, payload))
                }
            },
            // The future was dropped during the unwind.
            Err(payload) => Err(JoinError::panic(self.header.id, payload)),
        };
        self.set_stage(Stage::Finished(output));
        Poll::Ready(())
    }

    /// Drops the future (cancellation) and stores the cancelled error. Only the runner.
    fn cancel_future(&self) {
        let error = match self.drop_future() {
            Ok(()) => JoinError::cancelled(self.header.id),
            Err(payload) => JoinError::panic(self.header.id, payload),
        };
        self.set_stage(Stage::Finished(Err(error)));
    }

    /// Drops whatever the stage holds, catching a panic from the future's destructor.
    fn drop_future(&self) -> std::thread::Result<()> {
        panic::catch_unwind(AssertUnwindSafe(|| self.set_stage(Stage::Consumed)))
    }

    fn set_stage(&self, stage: Stage<F>) {
        // The old stage's destructor is the task's code: `task::id()` names it.
        let _current = CurrentTaskGuard::enter(self.header.id);
        // SAFETY: callers hold RUNNING, or are the sole owner of a COMPLETE output (see the
        // module invariants); the old value is dropped in place, as pinning requires.
        self.stage.with_mut(|slot| unsafe { *slot = stage });
    }

    fn take_output(&self) -> Result<F::Output, JoinError> {
        // SAFETY: called by the `JoinHandle` after `can_read_output` saw COMPLETE: the output
        // is the handle's alone.
        self.stage.with_mut(
            |slot| match mem::replace(unsafe { &mut *slot }, Stage::Consumed) {
                Stage::Finished(output) => output,
                _ => panic!("JoinHandle polled after it returned the task's output"),
            },
        )
    }

    /// The `JoinHandle`'s side of the join-waker protocol: `true` if the output is ready;
    /// otherwise `waker` is stored so that completion wakes it.
    fn can_read_output(&self, waker: &Waker) -> bool {
        let snapshot = self.header.state.load();
        if snapshot.is_complete() {
            return true;
        }
        let stored = if !snapshot.is_join_waker_set() {
            self.store_join_waker(waker)
        } else {
            let same = self.join_waker.with(|slot| {
                // SAFETY: JOIN_WAKER is set, so the runtime may read the slot concurrently,
                // but no one writes it: a shared read is fine.
                let stored = unsafe { &*slot };
                stored.as_ref().is_some_and(|w| w.will_wake(waker))
            });
            if same {
                return false;
            }
            self.header
                .state
                .unset_waker()
                .and_then(|_| self.store_join_waker(waker))
        };
        match stored {
            Ok(_) => false,
            Err(snapshot) => {
                debug_assert!(snapshot.is_complete());
                true
            }
        }
    }

    fn store_join_waker(
        &self,
        waker: &Waker,
    ) -> Result<super::state::Snapshot, super::state::Snapshot> {
        // SAFETY: JOIN_WAKER is clear and the task is not complete: only the handle (us)
        // touches the slot.
        self.join_waker
            .with_mut(|slot| unsafe { *slot = Some(waker.clone()) });
        let result = self.header.state.set_join_waker();
        if result.is_err() {
            // Completed meanwhile: the slot stays ours; empty it.
            // SAFETY: `set_join_waker` failed, so JOIN_WAKER is still clear.
            self.join_waker.with_mut(|slot| unsafe { *slot = None });
        }
        result
    }
}
