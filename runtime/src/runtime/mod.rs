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
mod id;
mod local_runtime;
pub(crate) mod metrics;
#[allow(clippy::module_inception)]
mod runtime;
pub(crate) mod scoped;
pub(crate) mod task;
pub(crate) mod thread_id;
pub(crate) mod user_code;

#[cfg(all(test, not(loom)))]
mod tests;

pub use builder::Builder;
pub use handle::{EnterGuard, Handle, TryCurrentError};
pub use id::Id;
pub use local_runtime::{LocalOptions, LocalRuntime};
pub use metrics::RuntimeMetrics;
pub use runtime::{Runtime, RuntimeFlavor};

/// Whether `error` is the error of an I/O operation whose runtime has shut down: a socket made
/// on a runtime that was dropped since (tokio's `is_rt_shutdown_err`).
///
/// ```
/// use weft::net::TcpListener;
/// use weft::runtime::{is_rt_shutdown_err, Runtime};
///
/// let first = Runtime::new().unwrap();
/// let second = Runtime::new().unwrap();
/// let listener = first.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
/// drop(first);
/// second.block_on(async {
///     let error = listener.accept().await.unwrap_err();
///     assert!(is_rt_shutdown_err(&error));
///     assert!(!is_rt_shutdown_err(&std::io::Error::other("something else")));
/// });
/// ```
pub fn is_rt_shutdown_err(error: &std::io::Error) -> bool {
    weft_io::is_shutdown_error(error)
}
