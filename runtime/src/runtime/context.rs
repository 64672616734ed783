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
/// Its reactor becomes current too, so that sockets created here register with it, and its
/// blocking pool becomes where weft-io resolves host names (see `spawn_on_blocking_pool`).
pub(crate) fn set_scheduler(handle: Handle) -> SetSchedulerGuard {
    let reactor = handle.io().reactor().map(|reactor| reactor.enter());
    let blocking = weft_io::enter_blocking_spawner(spawn_on_blocking_pool);
    let previous = CONTEXT.with(|context| context.scheduler.replace(Some(handle)));
    SetSchedulerGuard {
        previous,
        _reactor: reactor,
        _blocking: blocking,
    }
}

pub(crate) struct SetSchedulerGuard {
    previous: Option<Handle>,
    // Dropped after `previous` is restored (fields drop after `Drop::drop`).
    _reactor: Option<weft_io::EnterGuard>,
    _blocking: weft_io::BlockingSpawnerGuard,
}

/// weft-io's seam for the blocking calls it must not make on a worker (`getaddrinfo` for
/// `weft::net`'s host names): the job runs on the blocking pool of the runtime current on the
/// thread that polls the lookup. A pool that has shut down drops the job, which fails the
/// lookup with an error; with no runtime current, weft-io runs the job on a thread of its own.
fn spawn_on_blocking_pool(job: weft_io::BlockingJob) -> Result<(), weft_io::BlockingJob> {
    match try_scheduler() {
        Some(handle) => {
            // Detached: the job reports through weft-io's own slot.
            drop(handle.spawn_blocking(job));
            Ok(())
        }
        None => Err(job),
    }
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
