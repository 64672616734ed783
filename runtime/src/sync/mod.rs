//! Coordination between tasks: channels, locks, semaphores, notifications.
//!
//! Each type is runtime-independent (it needs only wakers), cancellation-safe as documented on
//! it, and reports a closed peer instead of hanging.

mod prim;

mod atomic_waker;
mod blocking;
pub mod oneshot;
