//! Utilities for spawning tasks: [`TaskTracker`], whose spawns run on weft, [`JoinMap`] over
//! weft's `JoinSet`, [`JoinQueue`] (outputs in spawn order), [`LocalPoolHandle`] (`!Send`
//! futures pinned to a pool of weft `LocalRuntime` threads), and
//! [`AbortOnDropHandle`]/[`AbortOnDrop`] over weft's task handles.

mod abort_on_drop;
mod join_map;
mod join_queue;
mod spawn_pinned;
pub mod task_tracker;

pub use abort_on_drop::{AbortOnDrop, AbortOnDropHandle};
pub use join_map::{JoinMap, JoinMapKeys};
pub use join_queue::JoinQueue;
pub use spawn_pinned::LocalPoolHandle;
#[doc(inline)]
pub use task_tracker::TaskTracker;
