//! [tokio-test] 0.4 for programs ported to weft.
//!
//! ```
//! use std::time::Duration;
//! use weft_test::{assert_pending, assert_ready_eq, task};
//!
//! // `block_on` runs on a weft runtime, so weft's timers, sockets and `spawn` work inside.
//! let answer = weft_test::block_on(async {
//!     weft::time::sleep(Duration::from_millis(1)).await;
//!     weft::spawn(async { 6 * 7 }).await.unwrap()
//! });
//! assert_eq!(answer, 42);
//!
//! // A future polled by hand, its wake-ups counted.
//! let (tx, rx) = weft::sync::oneshot::channel();
//! let mut receive = task::spawn(rx);
//! assert_pending!(receive.poll());
//! tx.send(7).unwrap();
//! assert!(receive.is_woken());
//! assert_ready_eq!(receive.poll(), Ok(7));
//! ```
//!
//! # The port
//!
//! A tokio program's tests move to weft by renaming their dependencies in `Cargo.toml`:
//!
//! ```toml
//! [dev-dependencies]
//! tokio = { package = "weft", version = "0.1", features = ["full", "test-util"] }
//! tokio-test = { package = "weft-test", version = "0.1" }
//! ```
//!
//! tokio-test's [`block_on`](https://docs.rs/tokio-test/0.4/tokio_test/fn.block_on.html) builds
//! a runtime of tokio's, on which weft's timers, sockets and `spawn` find no weft runtime and
//! panic; this crate's [`block_on`] builds a weft runtime instead. tokio-test's mock I/O
//! ([`io`]) and mock stream ([`stream_mock`]) wait on tokio's timers; this crate's are written
//! for weft's, with the same builders, methods, semantics and panic messages, so weft's paused
//! test clock (`start_paused`, `time::advance`) skips their waits and no tokio runtime is
//! needed. The rest is tokio-test's own, re-exported: it needs no runtime (the `assert_*`
//! macros, the mock [`task`]). tokio-test's own test files pass against this crate:
//! `compat/scripts/upstream_tests.sh` runs them.
//!
//! [tokio-test]: https://docs.rs/tokio-test/0.4

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]

use std::future::Future;

pub use tokio_test::task;
pub use tokio_test::{
    assert_elapsed, assert_err, assert_ok, assert_pending, assert_ready, assert_ready_eq,
    assert_ready_err, assert_ready_ok,
};

pub mod io;
pub mod stream_mock;

/// Runs `future` to completion on a new weft current-thread runtime (every driver on), as
/// tokio-test's `block_on` does on a tokio one.
///
/// # Panics
/// Inside a running runtime (as any `block_on`), or if the runtime cannot be built.
#[track_caller]
pub fn block_on<F: Future>(future: F) -> F::Output {
    let runtime = weft::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|error| panic!("weft-test could not build a runtime: {error}"));
    runtime.block_on(future)
}
