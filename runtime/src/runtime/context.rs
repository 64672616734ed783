//! The thread-local context: which runtime this thread belongs to, and whether it is inside
//! one (a worker, or a `block_on`), where blocking on another future would deadlock.
//!
//! Invariants: guards restore the previous value when dropped, in reverse order of creation,
//! so nesting (a `block_on` inside a blocking-pool thread, an `enter` inside another) unwinds
//! correctly even on a panic.

use crate::scheduler::Handle;
use crate::time::driver::TimeDriver;
use std::cell::{Cell, RefCell};

struct Context {
    scheduler: RefCell<Option<Handle>>,
    in_runtime: Cell<bool>,
}

thread_local! {
    static CONTEXT: Context = const {
        Context {
            scheduler: RefCell::new(None),
            in_runtime: Cell::new(false),
        }
    };
}

/// Runs `f` with the current scheduler (`None` outside a runtime, or while the thread-local
/// is being destroyed).
pub(crate) fn with_scheduler<R>(f: impl FnOnce(Option<&Handle>) -> R) -> R {
    let mut f = Some(f);
    let result = CONTEXT.try_with(|context| {
        let scheduler = context.scheduler.borrow();
        (f.take().expect("called once"))(scheduler.as_ref())
    });
    match result {
        Ok(result) => result,
        Err(_) => (f.take().expect("called once"))(None),
    }
}

/// A clone of the current scheduler handle.
pub(crate) fn try_scheduler() -> Option<Handle> {
    with_scheduler(|handle| handle.cloned())
}

/// The time driver of the runtime this thread is in, if any.
pub(crate) fn time_driver() -> Option<crate::loom::Arc<TimeDriver>> {
    with_scheduler(|handle| handle.map(|handle| handle.time().clone()))
}

/// Makes `handle` current until the guard drops (spawn works; `block_on` still allowed).
/// Its reactor becomes current too, so that sockets created here register with it.
pub(crate) fn set_scheduler(handle: Handle) -> SetSchedulerGuard {
    let reactor = handle.io().reactor().map(|reactor| reactor.enter());
    let previous = CONTEXT.with(|context| context.scheduler.replace(Some(handle)));
    SetSchedulerGuard {
        previous,
        _reactor: reactor,
    }
}

pub(crate) struct SetSchedulerGuard {
    previous: Option<Handle>,
    // Dropped after `previous` is restored (fields drop after `Drop::drop`).
    _reactor: Option<weft_io::EnterGuard>,
}

impl Drop for SetSchedulerGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let _ = CONTEXT.try_with(|context| *context.scheduler.borrow_mut() = previous);
    }
}

/// Marks this thread as running inside `handle`'s runtime until the guard drops.
///
/// # Panics
/// If the thread already runs inside a runtime: blocking there would stall its tasks.
#[track_caller]
pub(crate) fn enter_runtime(handle: Handle) -> RuntimeGuard {
    let already = CONTEXT.with(|context| context.in_runtime.replace(true));
    if already {
        panic!(
            "cannot block_on inside a running runtime: use .await (this thread is already \
             driving a weft runtime's tasks, and blocking it would stall them)"
        );
    }
    RuntimeGuard {
        _scheduler: set_scheduler(handle),
    }
}

pub(crate) struct RuntimeGuard {
    _scheduler: SetSchedulerGuard,
}

impl Drop for RuntimeGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|context| context.in_runtime.set(false));
    }
}

/// Whether this thread is inside a runtime (a worker or a `block_on`).
pub(crate) fn in_runtime() -> bool {
    CONTEXT
        .try_with(|context| context.in_runtime.get())
        .unwrap_or(false)
}

/// What kind of runtime this thread is inside (a worker or a `block_on`), if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entered {
    pub(crate) multi_thread: bool,
}

/// The runtime this thread is inside (`None` outside, or inside a `block_in_place`).
pub(crate) fn scheduler_kind() -> Option<Entered> {
    if !in_runtime() {
        return None;
    }
    with_scheduler(|handle| {
        handle.map(|handle| Entered {
            multi_thread: matches!(handle, Handle::MultiThread(_)),
        })
    })
}

/// Runs `f` as if this thread were outside the runtime, so that it may block (`block_on`
/// included); the runtime stays current (spawn still works). Restored on return or unwind.
pub(crate) fn exit_runtime<R>(f: impl FnOnce() -> R) -> R {
    struct Reenter {
        was_in_runtime: bool,
    }
    impl Drop for Reenter {
        fn drop(&mut self) {
            let was = self.was_in_runtime;
            let _ = CONTEXT.try_with(|context| context.in_runtime.set(was));
        }
    }
    let _reenter = Reenter {
        was_in_runtime: CONTEXT
            .try_with(|context| context.in_runtime.replace(false))
            .unwrap_or(false),
    };
    f()
}
