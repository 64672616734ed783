//! Utilities for spawning tasks: [`TaskTracker`], whose spawns run on weft.
//!
//! tokio-util's other task utilities (`AbortOnDropHandle`, `AbortOnDrop`, `JoinQueue`,
//! `JoinMap`, `LocalPoolHandle`) wrap tokio's `JoinHandle`, `AbortHandle` and `JoinSet` or
//! start tokio runtimes of their own, so they are not here.

pub mod task_tracker;

#[doc(inline)]
pub use task_tracker::TaskTracker;
