//! Utilities for spawning tasks: [`TaskTracker`], whose spawns run on weft, and
//! [`AbortOnDropHandle`]/[`AbortOnDrop`] over weft's task handles.
//!
//! tokio-util's other task utilities (`JoinQueue`, `JoinMap`, `LocalPoolHandle`) wrap tokio's
//! `JoinHandle` and `JoinSet` or start tokio runtimes of their own, so they are not here.

mod abort_on_drop;
pub mod task_tracker;

pub use abort_on_drop::{AbortOnDrop, AbortOnDropHandle};
#[doc(inline)]
pub use task_tracker::TaskTracker;
