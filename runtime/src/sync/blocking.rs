//! Waiting for a channel operation from synchronous code (`blocking_recv`, `blocking_send`).
//!
//! The calling thread parks until the operation's future is woken. Inside a runtime that would
//! stall the tasks this thread drives (and deadlock if one of them is the peer), so it panics
//! with a message that says what to do instead. Under loom the future is driven by loom's own
//! `block_on`, so that a model's threads block through loom.

use std::future::Future;

/// Runs `future` to completion on this thread; `what` names the caller for the panic message.
///
/// # Panics
/// If this thread is inside a runtime (a worker, or a `block_on`).
#[track_caller]
pub(crate) fn block_on<F: Future>(what: &str, future: F) -> F::Output {
    if crate::runtime::context::in_runtime() {
        // tokio's words first, so that a ported `should_panic(expected = ...)` still matches.
        panic!(
            "Cannot block the current thread from within a runtime. This happens because a \
             function attempted to block the current thread while the thread is being used to \
             drive asynchronous tasks. ({what} cannot be called inside a running runtime: use \
             .await, or call it from spawn_blocking or a thread of your own)"
        );
    }
    park_on(future)
}

#[cfg(any(all(test, loom), weft_loom))]
fn park_on<F: Future>(future: F) -> F::Output {
    loom::future::block_on(future)
}

#[cfg(not(any(all(test, loom), weft_loom)))]
fn park_on<F: Future>(future: F) -> F::Output {
    // The same loop as `Runtime::block_on` on a plain thread (a reused per-thread parker).
    crate::runtime::handle::block_on_this_thread(future)
}
