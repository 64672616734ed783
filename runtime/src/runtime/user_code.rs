//! Calling user code where a panic must not unwind: workers, shutdown, the last reference
//! to a task.
//!
//! Which calls go through here, and why each may swallow the panic, is listed in the task
//! core's top comment ("User code the core runs") and in the multi-thread scheduler's
//! "Shutdown" section; the others are the timer wheel's and the I/O driver's wakers and the
//! threads' `on_thread_start`/`on_thread_stop` hooks. The panic hook has already reported the panic when it is caught here,
//! which is what tokio gives its users too.

use std::mem;
use std::panic::{self, AssertUnwindSafe};

/// Runs `f`: its result, or `None` if it panicked, the payload dropped. A payload whose own
/// destructor panics is forgotten, so that nothing unwinds from here.
pub(crate) fn catch_user_panic<R>(f: impl FnOnce() -> R) -> Option<R> {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => Some(result),
        Err(payload) => {
            if let Err(again) = panic::catch_unwind(AssertUnwindSafe(|| drop(payload))) {
                mem::forget(again);
            }
            None
        }
    }
}
