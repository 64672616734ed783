//! The thread-local context: which runtime this thread belongs to, and whether it is inside
//! one (a worker, or a `block_on`), where blocking on another future would deadlock.
//!
//! Invariants: guards restore the previous value when dropped, in reverse order of creation,
//! so nesting (a `block_on` inside a blocking-pool thread, an `enter` inside another) unwinds
//! correctly even on a panic. `entered` holds one entry per live scheduler guard, innermost
//! last, with what to restore when it goes; a guard knows its place (depth) and its entry (a
//! per-thread id). A guard dropped while inner ones are still alive (only a user's
//! `EnterGuard`s can be) restores the state from before it, closes the inner entries in
//! reverse order, and panics, as tokio does; the inner guards then find their entry gone and
//! do nothing. So once every guard is gone the thread is back where it started.

use crate::loom::Arc;
use crate::scheduler::Handle;
use crate::time::ThreadDriver;
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;

/// The start of every panic for a missing runtime: tokio's words (its `CONTEXT_MISSING_ERROR`),
/// so that a ported `#[should_panic(expected = ...)]` still matches, then weft's. weft's runtime
/// is a Tokio 1.x runtime in the sense of the message: it runs the same programs.
pub(crate) const NO_RUNTIME: &str = concat!(
    "there is no reactor running, must be called from the context of a Tokio 1.x runtime",
    " such as weft's: no weft runtime is running on this thread"
);

/// The panic of `entry` (`weft::spawn`, `Handle::current`, ...) called outside a runtime.
/// `#[track_caller]`, like its callers, so the panic points at the user's call.
#[cold]
#[track_caller]
pub(crate) fn no_runtime(entry: &str) -> ! {
    panic!(
        "{NO_RUNTIME}; {entry} must be called from a task, #[weft::main], Runtime::block_on or \
         inside Runtime::enter"
    )
}

struct Context {
    scheduler: RefCell<Option<Handle>>,
    /// This thread's reference to `scheduler`'s time driver, made by the first timer created in
    /// this entry (see `ThreadDriver`); `None` until then, and outside a runtime.
    time: RefCell<Option<Arc<ThreadDriver>>>,
    entered: RefCell<Vec<Entered>>,
    /// Ids for `Entered`, unique on this thread.
    next_id: Cell<u64>,
    in_runtime: Cell<bool>,
}

/// One live scheduler guard: what it replaced, and the reactor and blocking-spawner guards it
/// holds.
struct Entered {
    id: u64,
    previous: Option<Handle>,
    previous_time: Option<Arc<ThreadDriver>>,
    reactor: Option<weft_io::EnterGuard>,
    blocking: weft_io::BlockingSpawnerGuard,
    /// `--features tokio-context`: the runtime's tokio companion's context, entered with this
    /// entry and left with it (so in reverse order of creation, as tokio requires).
    #[cfg(feature = "tokio-context")]
    _tokio: Option<super::tokio_context::TokioEntry>,
}

thread_local! {
    static CONTEXT: Context = const {
        Context {
            scheduler: RefCell::new(None),
            time: RefCell::new(None),
            entered: RefCell::new(Vec::new()),
            next_id: Cell::new(0),
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

/// The id of the runtime this thread is in, if any.
pub(crate) fn current_runtime_id() -> Option<super::Id> {
    with_scheduler(|handle| handle.map(Handle::id))
}

/// This thread's reference to the time driver of the runtime it is in, if any: made by the
/// first call in each entry into a runtime, then cloned (see `ThreadDriver`). (A sleep binds
/// through [`time_driver_of`]; `time::advance` and the tests use this.)
#[cfg(any(test, feature = "test-util"))]
pub(crate) fn time_driver() -> Option<Arc<ThreadDriver>> {
    CONTEXT.try_with(thread_driver).ok().flatten()
}

/// [`time_driver`] if this thread is in the runtime `id`; `None` in another or in none.
pub(crate) fn time_driver_of(id: super::Id) -> Option<Arc<ThreadDriver>> {
    CONTEXT
        .try_with(|context| {
            if context.scheduler.borrow().as_ref().map(Handle::id) == Some(id) {
                thread_driver(context)
            } else {
                None
            }
        })
        .ok()
        .flatten()
}

fn thread_driver(context: &Context) -> Option<Arc<ThreadDriver>> {
    if let Some(driver) = context.time.borrow().as_ref() {
        return Some(Arc::clone(driver));
    }
    let driver = ThreadDriver::new(context.scheduler.borrow().as_ref()?.time().clone());
    *context.time.borrow_mut() = Some(Arc::clone(&driver));
    Some(driver)
}

/// Makes `handle` current until the guard drops (spawn works; `block_on` still allowed).
/// Its reactor becomes current too, so that sockets created here register with it, and its
/// blocking pool becomes where weft-io resolves host names (see `spawn_on_blocking_pool`).
pub(crate) fn set_scheduler(handle: Handle) -> SetSchedulerGuard {
    #[cfg(feature = "tokio-context")]
    let tokio = super::tokio_context::enter(&handle);
    set_scheduler_with(
        handle,
        #[cfg(feature = "tokio-context")]
        tokio,
    )
}

/// `set_scheduler` on a tokio companion's own thread, which is inside tokio's context already.
#[cfg(feature = "tokio-context")]
pub(crate) fn set_scheduler_without_tokio(handle: Handle) -> SetSchedulerGuard {
    set_scheduler_with(handle, None)
}

fn set_scheduler_with(
    handle: Handle,
    #[cfg(feature = "tokio-context")] tokio: Option<super::tokio_context::TokioEntry>,
) -> SetSchedulerGuard {
    let reactor = handle.io().reactor().map(|reactor| reactor.enter());
    let blocking = weft_io::enter_blocking_spawner(spawn_on_blocking_pool);
    let entered = CONTEXT
        .try_with(|context| {
            let previous = context.scheduler.replace(Some(handle));
            let previous_time = context.time.take();
            let id = context.next_id.get();
            context.next_id.set(id + 1);
            let mut entered = context.entered.borrow_mut();
            entered.push(Entered {
                id,
                previous,
                previous_time,
                reactor,
                blocking,
                #[cfg(feature = "tokio-context")]
                _tokio: tokio,
            });
            SetSchedulerGuard {
                depth: entered.len(),
                id,
                _not_send: PhantomData,
            }
        })
        .ok();
    // `None`: the thread-locals are being destroyed (a runtime dropped by a thread-local's
    // destructor) and this one is gone; nothing was made current, and the guard's drop finds
    // no entry to restore.
    entered.unwrap_or(SetSchedulerGuard {
        depth: 0,
        id: u64::MAX,
        _not_send: PhantomData,
    })
}

pub(crate) struct SetSchedulerGuard {
    /// This guard's place in `entered` (1 = outermost) and its entry's id.
    depth: usize,
    id: u64,
    /// Restores a thread-local: dropped on the thread that made it.
    _not_send: PhantomData<*const ()>,
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
        let Ok(closed) = CONTEXT.try_with(|context| self.close(context)) else {
            return; // The thread-local is gone: nothing left to restore.
        };
        if closed > 1 && !std::thread::panicking() {
            panic!(
                "`EnterGuard`s dropped out of order: the guards of `Runtime::enter` and \
                 `Handle::enter` must be dropped in the reverse order of their creation (this \
                 one was dropped while {} entered after it were alive; they are no longer \
                 current)",
                closed - 1
            );
        }
    }
}

impl SetSchedulerGuard {
    /// Closes this guard's entry and every inner one, innermost first, restoring what each
    /// replaced; returns how many were closed (0 if an outer guard already closed ours).
    fn close(&self, context: &Context) -> usize {
        let closing: Vec<Entered> = {
            let mut entered = context.entered.borrow_mut();
            match entered.get(self.depth.wrapping_sub(1)) {
                // The usual case, ours is the innermost entry: no list to build (`block_on`
                // closes one per call).
                Some(entry) if entry.id == self.id && entered.len() == self.depth => {
                    let entry = entered.pop().expect("the entry just read");
                    drop(entered);
                    Self::restore(context, entry);
                    return 1;
                }
                Some(entry) if entry.id == self.id => entered.drain(self.depth - 1..).collect(),
                _ => return 0,
            }
        };
        let closed = closing.len();
        for entry in closing.into_iter().rev() {
            Self::restore(context, entry);
        }
        closed
    }

    /// Puts back what `entry` replaced. Called outside the borrow of `entered`: dropping a
    /// handle or a reactor guard may run arbitrary code.
    fn restore(context: &Context, entry: Entered) {
        let replaced = context.scheduler.replace(entry.previous);
        let replaced_time = context.time.replace(entry.previous_time);
        drop((replaced, replaced_time));
        drop(entry.reactor);
        drop(entry.blocking);
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
        // tokio's words, so that a ported `should_panic(expected = ...)` still matches, then
        // the short form that API.md promises.
        panic!(
            "Cannot start a runtime from within a runtime. This happens because a function \
             (like `block_on`) attempted to block the current thread while the thread is being \
             used to drive asynchronous tasks. If you are in an async function, use `.await` \
             on the future instead of blocking on it. (cannot block_on inside a running \
             runtime: use .await)"
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

/// What kind of runtime this thread is inside (a worker or a `block_on`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct InRuntime {
    pub(crate) multi_thread: bool,
}

/// The runtime this thread is inside (`None` outside, or inside a `block_in_place`).
pub(crate) fn in_runtime_kind() -> Option<InRuntime> {
    if !in_runtime() {
        return None;
    }
    with_scheduler(|handle| {
        handle.map(|handle| InRuntime {
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
