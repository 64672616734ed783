//! Coordination between tasks: channels, locks, semaphores, notifications.
//!
//! Each type is runtime-independent (it needs only wakers), cancellation-safe as documented on
//! it, and reports a closed peer instead of hanging.
//!
//! - [`Mutex`] and [`RwLock`]: locks whose guards may be held across `.await`;
//! - [`Semaphore`]: a pool of permits, to bound concurrency;
//! - [`Notify`]: wake one task, or all of them;
//! - [`Barrier`]: wait until `n` tasks have arrived;
//! - [`OnceCell`] and [`SetOnce`]: a value set once (by an async initializer, or awaited);
//! - [`watch`]: broadcast the latest value of something;
//! - [`broadcast`]: every receiver gets every message;
//! - [`mpsc`] and [`oneshot`]: channels to one receiver.
//!
//! `Mutex`, `RwLock` and `Semaphore` are fair: waiting tasks are served in the order they
//! started waiting. All of them share one waiter list (a slab-backed FIFO) and take their
//! internal lock only to wait or to wake: the uncontended paths are single atomic operations.

mod prim;

mod atomic_waker;
mod barrier;
pub(crate) mod batch_semaphore;
mod blocking;
pub mod broadcast;
pub mod mpsc;
mod mutex;
mod notify;
mod once_cell;
pub mod oneshot;
mod outcome;
mod rwlock;
mod rwlock_guards;
mod rwlock_owned;
mod semaphore;
mod set_once;
mod wait_queue;
mod wake_list;
pub mod watch;

pub use barrier::{Barrier, BarrierWaitResult};
pub use batch_semaphore::{AcquireError, TryAcquireError};
pub use mutex::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, TryLockError,
};
pub use notify::{Notified, Notify, OwnedNotified};
pub use once_cell::{OnceCell, SetError};
pub use rwlock::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
pub use semaphore::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};
pub use set_once::{SetOnce, SetOnceError};

/// The named futures of this module's types, at the path tokio gives them
/// (`tokio::sync::futures::Notified`); the same types as [`Notified`] and [`OwnedNotified`].
pub mod futures {
    pub use super::notify::{Notified, OwnedNotified};
}
