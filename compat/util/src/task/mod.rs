//! Utilities for spawning tasks: [`TaskTracker`], whose spawns run on weft, [`JoinMap`] over
//! weft's `JoinSet`, and [`AbortOnDropHandle`]/[`AbortOnDrop`] over weft's task handles.
//!
//! tokio-util's other task utilities (`JoinQueue`, `LocalPoolHandle`) wrap tokio's
//! `JoinHandle` or start tokio runtimes of their own, so they are not here.

mod abort_on_drop;
mod join_map;
pub mod task_tracker;

pub use abort_on_drop::{AbortOnDrop, AbortOnDropHandle};
pub use join_map::{JoinMap, JoinMapKeys};
#[doc(inline)]
pub use task_tracker::TaskTracker;
