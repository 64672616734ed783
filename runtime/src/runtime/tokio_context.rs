//! `--features tokio-context`: a tokio runtime's context on every thread that runs weft's, so
//! that crates built on tokio's own runtime (reqwest, tonic's transport, tokio-util's
//! `DelayQueue` and `TaskTracker::spawn`, tokio-test's mock I/O) work when called from weft tasks.
//!
//! Such a crate depends on tokio itself, not on weft, and calls `tokio::spawn`, opens
//! `tokio::net` sockets or arms `tokio::time` timers; outside a tokio runtime those panic ("there
//! is no reactor running"). With this feature, one tokio runtime per process (multi-thread, one
//! worker thread named `weft-tokio`, every driver tokio was built with) is started the first
//! time a weft runtime is entered, and each time weft makes a runtime current on a thread
//! (`context::set_scheduler`: its workers, `block_on`, the blocking pool, `Runtime::enter`) it
//! enters that tokio runtime's context too, for as long. The crate's sockets and timers are then
//! driven by tokio's thread and wake weft's tasks through their wakers, and its `tokio::spawn`
//! runs tasks on tokio's worker, which has no weft runtime: a future of the program handed to
//! such a spawn (hyper-util's `TokioExecutor` does that with each connection) cannot use weft's
//! timers, sockets or `spawn` there, and runs on that one thread; the README says what to use
//! instead. (A tokio runtime per weft runtime, whose worker also entered that weft runtime,
//! would lift the first limit; not built.) The design is smol's `async-compat` (a process-wide
//! tokio runtime entered around the futures that need it), entered per thread rather than per
//! poll so that the hot path pays nothing.
//!
//! Invariants:
//! - The tokio runtime lives in a `static` and is never dropped, so the `&'static Handle` that
//!   every guard borrows stays valid for the life of the process, and no weft thread ever waits
//!   for it to shut down (dropping a tokio runtime inside a weft task would panic in tokio).
//! - Guards are made and dropped by `context::set_scheduler` and its guard, which nest in
//!   reverse order of creation on each thread (closing inner entries first even when a user's
//!   `EnterGuard`s are dropped out of order), as tokio requires of its own guards.
//! - Nothing here ever takes a weft thread down: a tokio runtime that cannot be built (no thread
//!   could be started), or a tokio thread-local already destroyed (a runtime entered from a
//!   thread-local's destructor), leaves the thread without a tokio context, which is what it
//!   would have without the feature.

use std::sync::OnceLock;

/// The process-wide tokio runtime (`None`: it could not be built).
static TOKIO: OnceLock<Option<tokio::runtime::Runtime>> = OnceLock::new();

/// Keeps tokio's context entered on this thread until dropped.
pub(crate) type TokioGuard = tokio::runtime::EnterGuard<'static>;

/// Enters the process-wide tokio runtime's context on this thread (starting it the first time),
/// or `None` where that is impossible (see the module's invariants).
pub(crate) fn enter() -> Option<TokioGuard> {
    let handle = handle()?;
    // `Handle::enter` panics only where tokio's thread-local is gone (during thread exit).
    std::panic::catch_unwind(|| handle.enter()).ok()
}

/// The handle of the process-wide tokio runtime, started on first use (tried once per
/// process: `None` ever after if it could not be built).
fn handle() -> Option<&'static tokio::runtime::Handle> {
    TOKIO
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("weft-tokio")
                .enable_all()
                .build()
                .ok()
        })
        .as_ref()
        .map(tokio::runtime::Runtime::handle)
}
