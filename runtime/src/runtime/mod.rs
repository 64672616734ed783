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
pub(crate) mod registry;
#[allow(clippy::module_inception)]
mod runtime;
pub(crate) mod scoped;
pub(crate) mod task;
pub(crate) mod thread_id;
mod thread_park;
#[cfg(feature = "tokio-context")]
pub(crate) mod tokio_context;
pub(crate) mod user_code;

#[cfg(all(test, not(loom)))]
mod tests;

pub use builder::Builder;
pub use handle::{EnterGuard, Handle, TryCurrentError};
pub use id::Id;
pub use local_runtime::{LocalOptions, LocalRuntime};
pub use metrics::{
    HistogramConfiguration, InvalidHistogramConfiguration, LogHistogram, LogHistogramBuilder,
    RuntimeMetrics,
};
pub use runtime::{Runtime, RuntimeFlavor};

/// The index of the worker thread this is called on, among the workers of its runtime
/// (`0..num_workers`, the index [`RuntimeMetrics`]' per-worker methods take), or `None` off
/// the workers: outside a runtime, on the blocking pool, inside
/// [`block_in_place`](crate::task::block_in_place) (the worker's core went to another thread),
/// and on a thread that waits in a multi-thread runtime's `block_on` (which runs only its own
/// future). A thread that drives a
/// current-thread runtime (in `block_on`, its own or through a [`Handle`]) is its worker 0;
/// a second thread in `block_on` at the same time, which polls only its own future, is none.
///
/// ```
/// use weft::runtime::{self, Builder};
///
/// assert_eq!(runtime::worker_index(), None);
/// let current = Builder::new_current_thread().build().unwrap();
/// assert_eq!(current.block_on(async { runtime::worker_index() }), Some(0));
///
/// let multi = Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// multi.block_on(async {
///     assert_eq!(runtime::worker_index(), None, "block_on's thread is no worker");
///     let index = weft::spawn(async { runtime::worker_index() }).await.unwrap();
///     assert!(matches!(index, Some(0 | 1)));
///     let blocking = weft::task::spawn_blocking(runtime::worker_index).await.unwrap();
///     assert_eq!(blocking, None);
/// });
/// ```
pub fn worker_index() -> Option<usize> {
    crate::scheduler::worker_index()
}

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
