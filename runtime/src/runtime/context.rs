//! SCAFFOLD: the thread-local context (which runtime this thread is in).
use crate::loom::Arc;
use crate::time::driver::TimeDriver;

/// The time driver of the runtime this thread is in, if any.
pub(crate) fn time_driver() -> Option<Arc<TimeDriver>> {
    None
}
