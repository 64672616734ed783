//! Calling user code where a panic must not unwind: workers, shutdown, the last reference
//! to a task.
//!
//! Which calls go through here, and why each may swallow the panic, is listed in the task
//! core's top comment ("User code the core runs") and in the multi-thread scheduler's
//! "Shutdown" section. The panic hook has already reported the panic when it is caught here,
//! which is what tokio gives its users too.

use std::mem;
use std::panic::{self, AssertUnwindSafe};

/// Runs `f`, catching a panic and dropping its payload. A payload whose own destructor panics
/// is forgotten, so that nothing unwinds from here.
pub(crate) fn catch_user_panic(f: impl FnOnce()) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(f)) {
        if let Err(again) = panic::catch_unwind(AssertUnwindSafe(|| drop(payload))) {
            mem::forget(again);
        }
    }
}
