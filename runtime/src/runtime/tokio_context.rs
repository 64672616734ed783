//! `--features tokio-context`: a tokio runtime's context on every thread that runs weft's, so
//! that crates built on tokio's own runtime (reqwest, tonic's client timers, tokio-util's
//! `DelayQueue` and `TaskTracker::spawn`, tokio-test's mock I/O, axum's WebSocket upgrades)
//! work when called from weft tasks.
//!
//! Such a crate depends on tokio itself, not on weft, and calls `tokio::spawn`, opens
//! `tokio::net` sockets or arms `tokio::time` timers; outside a tokio runtime those panic ("there
//! is no reactor running"). With this feature, each weft runtime has a *companion*: a tokio
//! runtime (multi-thread, one worker thread named `weft-tokio` unless
//! `Builder::tokio_companion_threads` says more, every driver tokio was built with), started
//! the first time the weft runtime is entered. Each time weft makes a runtime
//! current on a thread (`context::set_scheduler`: its workers, `block_on`, the blocking pool,
//! `Runtime::enter`) it enters that runtime's companion's context too, for as long; and the
//! companion's own threads (its worker and blocking pool) are inside the weft runtime's context
//! for their whole life. So the crate's sockets and timers are driven by the companion's thread
//! and wake weft's tasks through their wakers, and a future that the crate hands to
//! `tokio::spawn` (axum's WebSocket upgrade, hyper-util's `TokioExecutor`) runs on the
//! companion's worker, where weft's timers, sockets and `spawn` act on the same weft runtime.
//! The companion shuts down with its weft runtime. The design is smol's `async-compat` (a tokio
//! runtime entered around the futures that need it), entered per thread rather than per poll so
//! that weft's hot path pays nothing.
//!
//! Invariants:
//! - A companion's tokio runtime is owned by its `Companion`, which its weft runtime's shared
//!   state owns; it is started at most once, never after `shut_down`, and `shut_down` (called
//!   by the weft runtime's shutdown) stops it without waiting (`shutdown_background`), so no
//!   weft thread ever waits for tokio's.
//! - The companion's threads hold the weft runtime's handle (their context) only while they
//!   run; its builder's hooks hold a `Weak` one, so the two runtimes form no reference cycle
//!   once the companion has stopped.
//! - A `TokioEntry` keeps the companion's tokio handle alive (an `Arc`) for as long as the
//!   tokio guard that borrows it, and drops the guard first; entries are made and dropped by
//!   `context::set_scheduler` and its guard, which nest in reverse order of creation on each
//!   thread, as tokio requires of its own guards.
//! - Nothing here ever takes a weft thread down: a companion that cannot be built (no thread
//!   could be started), or a tokio thread-local already destroyed (a runtime entered from a
//!   thread-local's destructor), leaves the thread without a tokio context, which is what it
//!   would have without the feature.

use crate::scheduler::{Handle, WeakHandle};
use std::cell::RefCell;
use std::sync::{Arc, Mutex, OnceLock};

/// A weft runtime's tokio companion (see the module's comment).
#[derive(Default)]
pub(crate) struct Companion {
    /// The companion's handle once started (`None`: it could not be built, or the weft runtime
    /// had shut down first); read on every entry without a lock.
    handle: OnceLock<Option<Arc<tokio::runtime::Handle>>>,
    /// The companion itself, until `shut_down` takes it.
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
}

/// tokio's context on this thread, entered for one `context::set_scheduler` entry.
pub(crate) struct TokioEntry {
    /// Declared first, so dropped before the handle it borrows.
    _guard: tokio::runtime::EnterGuard<'static>,
    _handle: Arc<tokio::runtime::Handle>,
}

impl Companion {
    /// Keeps a companion that has not started from ever starting (the weft runtime is shutting
    /// down: its last entries, which drop its tasks, may run where no thread could start, such
    /// as a thread-local's destructor).
    pub(crate) fn forbid_start(&self) {
        let _ = self.handle.set(None);
    }

    /// Stops the companion without waiting for its threads, and keeps it from starting again.
    pub(crate) fn shut_down(&self) {
        self.forbid_start();
        let runtime = self
            .runtime
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(runtime) = runtime {
            runtime.shutdown_background();
        }
    }

    /// The companion's handle, starting it the first time (`None`: see `handle`).
    fn handle(&self, weft: &Handle) -> Option<&Arc<tokio::runtime::Handle>> {
        self.handle
            .get_or_init(|| {
                let runtime = start(weft.downgrade(), weft.config().tokio_companion_threads)?;
                let handle = Arc::new(runtime.handle().clone());
                *self
                    .runtime
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(runtime);
                Some(handle)
            })
            .as_ref()
    }
}

/// Builds a companion of `threads` workers whose threads enter `weft`'s context while they run
/// (`None` if tokio cannot: no thread could be started, or tokio's thread-local is gone, where
/// its builder panics).
fn start(weft: WeakHandle, threads: usize) -> Option<tokio::runtime::Runtime> {
    let build = move || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("weft-tokio")
            .enable_all()
            .on_thread_start(move || enter_weft_here(&weft))
            .on_thread_stop(leave_weft_here)
            .build()
            .ok()
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(build))
        .ok()
        .flatten()
}

thread_local! {
    /// On a companion's thread: the weft context it runs in.
    static WEFT_HERE: RefCell<Option<super::context::SetSchedulerGuard>> =
        const { RefCell::new(None) };
}

/// A companion's thread starts: it enters its weft runtime's context (not the companion's own
/// again: it is tokio's thread, inside tokio's context already).
fn enter_weft_here(weft: &WeakHandle) {
    if let Some(handle) = weft.upgrade() {
        let guard = super::context::set_scheduler_without_tokio(handle);
        let _ = WEFT_HERE.try_with(|here| *here.borrow_mut() = Some(guard));
    }
}

/// A companion's thread stops: it leaves the weft context (and drops the handle it held).
fn leave_weft_here() {
    let guard = WEFT_HERE.try_with(|here| here.borrow_mut().take());
    drop(guard);
}

/// Enters `weft`'s companion's context on this thread (starting the companion the first
/// time), or `None` where that is impossible (see the module's invariants).
pub(crate) fn enter(weft: &Handle) -> Option<TokioEntry> {
    let handle = weft.tokio_companion().handle(weft)?.clone();
    let entered: &tokio::runtime::Handle = &handle;
    // `Handle::enter` panics only where tokio's thread-local is gone (during thread exit).
    let guard = std::panic::catch_unwind(|| entered.enter()).ok()?;
    // SAFETY: the guard borrows `*handle`, a `tokio::runtime::Handle` on the heap inside the
    // `Arc` that `TokioEntry` stores next to it: the `Arc` keeps it at the same address and
    // alive for as long as the entry exists, the entry drops the guard before the `Arc`
    // (field order), and it never hands the guard out. So the borrow outlives every use of the
    // guard, which is all the `'static` lifetime is asked to stand for.
    let guard = unsafe {
        std::mem::transmute::<tokio::runtime::EnterGuard<'_>, tokio::runtime::EnterGuard<'static>>(
            guard,
        )
    };
    Some(TokioEntry {
        _guard: guard,
        _handle: handle,
    })
}

impl std::fmt::Debug for Companion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Companion")
            .field("started", &matches!(self.handle.get(), Some(Some(_))))
            .finish()
    }
}
