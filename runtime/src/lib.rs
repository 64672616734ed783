//! weft: a multi-threaded, work-stealing async runtime.
//!
//! ```
//! #[weft::main]
//! async fn main() {
//!     let handle = weft::spawn(async { 6 * 7 });
//!     assert_eq!(handle.await.unwrap(), 42);
//! }
//! ```

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub(crate) mod loom;

pub mod runtime;
pub(crate) mod scheduler;
pub mod task;
pub mod time;

pub use task::{spawn, spawn_blocking};
pub use weft_macros::{main, test};
