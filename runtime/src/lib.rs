//! weft: a multi-threaded, work-stealing async runtime.
//!
//! ```
//! use std::time::Duration;
//!
//! #[weft::main]
//! async fn main() {
//!     let handle = weft::spawn(async {
//!         weft::time::sleep(Duration::from_millis(1)).await;
//!         6 * 7
//!     });
//!     assert_eq!(handle.await.unwrap(), 42);
//! }
//! ```
//!
//! The API follows tokio's, so a tokio program ports by replacing `tokio::` with `weft::`:
//!
//! - [`runtime`]: [`Builder`](runtime::Builder), [`Runtime`](runtime::Runtime),
//!   [`Handle`](runtime::Handle) and the `#[weft::main]` / `#[weft::test]` attributes;
//! - [`task`]: [`spawn`], [`spawn_blocking`], [`JoinHandle`](task::JoinHandle),
//!   [`yield_now`](task::yield_now);
//! - waiting on many: [`join!`], [`try_join!`], [`select!`], [`task::join_all`],
//!   [`task::JoinSet`] and [`task::TaskGroup`] (asyncio's `TaskGroup`, which tokio lacks);
//! - [`time`]: `sleep`, `timeout`, `interval`, on a hierarchical timer wheel.
//! - with the `hyper` feature, `weft::hyper`: the executor, timer and I/O adapters that hyper
//!   1.x needs to serve and request HTTP on weft.
//!
//! Coming from Python? [`docs::coming_from_asyncio`] shows each asyncio lesson as a weft
//! program.
//!
//! What weft does beyond tokio: a task that spawns a child and then blocks its worker does not
//! strand the child (a peer steals it, LIFO slot included, within a couple of milliseconds), a
//! long poll never stalls the timers, and [`Handle::metrics`](runtime::Handle::metrics) is
//! built in. The concurrent core is model-checked with loom.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub(crate) mod loom;

pub mod docs;
#[cfg(feature = "hyper")]
pub mod hyper;
#[doc(hidden)]
pub mod macros;
pub mod runtime;
pub(crate) mod scheduler;
pub mod sync;
pub mod task;
pub mod time;

pub use task::{spawn, spawn_blocking};
pub use weft_io::{io, net};
pub use weft_macros::{main, test};
