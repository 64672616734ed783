//! Tasks: spawning, joining, aborting, yielding, and waiting on many.
//!
//! Waiting on many: [`join_all`] gathers futures inside the current task (outputs in input
//! order), [`JoinSet`] collects spawned tasks in completion order, and [`TaskGroup`] runs
//! spawned tasks that succeed together or fail together (asyncio's `TaskGroup`; its docs compare
//! it with `JoinSet`). For a fixed number of futures of different types, see
//! [`join!`](crate::join), [`try_join!`](crate::try_join) and [`select!`](crate::select).
//!
//! This module is the user-level API. The task core it is built on (the raw task, its state
//! word, its waker, the owned-task list and the [`JoinHandle`] internals) lives in the crate's
//! `runtime::task` module, whose top comment says which thread may touch which part of a task
//! and when.
//!
//! ```
//! # weft::runtime::Runtime::new().unwrap().block_on(async {
//! let handle = weft::spawn(async {
//!     weft::task::yield_now().await;
//!     "done"
//! });
//! assert_eq!(handle.await.unwrap(), "done");
//! # });
//! ```

mod blocking;
pub mod coop;
mod group_state;
mod join_all;
mod join_set;
mod local;
mod ready;
mod task_group;
mod task_local;
mod yield_now;

#[cfg(all(test, loom))]
mod loom_tests;

pub use crate::runtime::task::{id, try_id, AbortHandle, Id, JoinError, JoinHandle};
pub(crate) use blocking::BlockingTask;
pub use blocking::{block_in_place, spawn_blocking};
pub use coop::{consume_budget, unconstrained, Unconstrained};
pub use join_all::{join_all, JoinAll};
pub use join_set::JoinSet;
pub(crate) use local::{is_entered as local_set_entered, Shared as LocalShared};
pub use local::{spawn_local, LocalEnterGuard, LocalSet, RunUntil};
pub use task_group::TaskGroup;
pub use task_local::{AccessError, LocalKey, TaskLocalFuture};
pub use yield_now::yield_now;

use std::future::Future;

/// Task-related futures, at tokio's path (`tokio::task::futures::TaskLocalFuture`).
pub mod futures {
    pub use super::task_local::TaskLocalFuture;
}

/// Spawns a task on the runtime this thread is in.
///
/// The task starts running at once, on any worker, whether or not the returned [`JoinHandle`]
/// is awaited; dropping the handle detaches the task.
///
/// # Panics
/// Outside a weft runtime (no task, `#[weft::main]`, `block_on` or `enter` on this thread).
///
/// ```
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let handles: Vec<_> = (0..10).map(|i| weft::spawn(async move { i * 2 })).collect();
/// let mut sum = 0;
/// for handle in handles {
///     sum += handle.await.unwrap();
/// }
/// assert_eq!(sum, 90);
/// # });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match crate::runtime::context::try_scheduler() {
        Some(scheduler) => scheduler.spawn(future),
        None => crate::runtime::context::no_runtime("weft::spawn"),
    }
}
