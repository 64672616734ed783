//! Building and entering a runtime: [`Builder`], [`Runtime`], [`Handle`].
//!
//! ```
//! use weft::runtime::Builder;
//!
//! let runtime = Builder::new_multi_thread().worker_threads(2).build().unwrap();
//! let answer = runtime.block_on(async { weft::spawn(async { 42 }).await.unwrap() });
//! assert_eq!(answer, 42);
//! ```

mod builder;
pub(crate) mod context;
pub(crate) mod handle;
mod metrics;
#[allow(clippy::module_inception)]
mod runtime;
pub(crate) mod scoped;
pub(crate) mod task;
pub(crate) mod user_code;

#[cfg(all(test, not(loom)))]
mod tests;

pub use builder::Builder;
pub use handle::{EnterGuard, Handle, TryCurrentError};
pub use metrics::RuntimeMetrics;
pub use runtime::Runtime;
