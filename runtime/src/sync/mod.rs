//! Coordination between tasks: channels, locks, semaphores, notifications.
//!
//! Each type is runtime-independent (it needs only wakers), cancellation-safe as documented on
//! it, and reports a closed peer instead of hanging.

mod prim;

#[allow(dead_code)] // until the public types and the channels use all of it
pub(crate) mod batch_semaphore;
#[allow(dead_code)]
mod wait_queue;
#[allow(dead_code)]
mod wake_list;

pub use batch_semaphore::{AcquireError, TryAcquireError};

#[cfg(all(test, not(loom)))]
mod test_util;

mod atomic_waker;
mod blocking;
pub mod mpsc;
pub mod oneshot;
