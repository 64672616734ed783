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
//! The API follows tokio's, so a tokio program ports by replacing `tokio::` with `weft::` (or by
//! renaming its dependency alone, `tokio = { package = "weft", ... }`, its sources untouched):
//!
//! - [`runtime`]: [`Builder`](runtime::Builder), [`Runtime`](runtime::Runtime),
//!   [`Handle`](runtime::Handle) and the `#[weft::main]` / `#[weft::test]` attributes;
//! - [`task`]: [`spawn`], [`spawn_blocking`], [`JoinHandle`](task::JoinHandle),
//!   [`yield_now`](task::yield_now);
//! - waiting on many: [`join!`], [`try_join!`], [`select!`], [`task::join_all`],
//!   [`task::JoinSet`] and [`task::TaskGroup`] (asyncio's `TaskGroup`, which tokio lacks);
//! - [`time`]: `sleep`, `timeout`, `interval`, on a hierarchical timer wheel;
//! - [`net`]: `TcpListener`, `TcpStream`, `TcpSocket`, `UdpSocket`, `UnixListener`,
//!   `UnixStream`, `UnixDatagram`, `UnixSocket`, pipes, `ToSocketAddrs` and `lookup_host`
//!   (host names resolved on the blocking pool), whose streams implement **tokio's**
//!   `AsyncRead`/`AsyncWrite` (so tokio-util, hyper-util's `TokioIo`, tokio-rustls, ... take
//!   them) and the `futures-io` traits; and [`io`]: tokio's runtime-free I/O utilities
//!   (`AsyncReadExt` with `read_buf` and the integer helpers, `AsyncWriteExt` with `shutdown`,
//!   `BufReader`, `copy`, `split`, `duplex`, ...), `Interest`/`Ready`, `io::unix::AsyncFd`, and
//!   futures-lite's extension traits under `io::futures`. The reactor is the `weft-io` crate,
//!   which any executor can drive;
//! - [`signal`]: `ctrl_c()` and `unix::signal(SignalKind)`, delivered through the reactor to
//!   any number of listeners in any number of runtimes; [`process`]: `Command` and a `Child`
//!   whose exit (a pidfd on Linux) and piped stdio are awaited through the reactor;
//!   [`io::stdin`], [`io::stdout`], [`io::stderr`] on the blocking pool;
//! - with the `hyper` feature, `weft::hyper`: the executor, timer and I/O adapters that hyper
//!   1.x needs to serve and request HTTP on weft (`runtime/examples/hello_http.rs`);
//! - with the `tokio-context` feature, crates built on tokio's own runtime (reqwest, tonic's
//!   transport, tokio-util's `DelayQueue`, axum's WebSockets, ...) work when called from weft's
//!   tasks: each weft runtime has a tokio companion (one thread) whose context every thread
//!   that runs weft's enters, which drives their sockets and timers and runs their
//!   `tokio::spawn`s inside the weft runtime's context.
//!
//! ```
//! use weft::io::{AsyncReadExt, AsyncWriteExt};
//! use weft::net::{TcpListener, TcpStream};
//!
//! #[weft::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let addr = listener.local_addr()?;
//!     let server = weft::spawn(async move {
//!         let (mut stream, _) = listener.accept().await?;
//!         let mut request = Vec::new();
//!         stream.read_to_end(&mut request).await?; // until the client's shutdown
//!         stream.write_all(&request).await?;
//!         std::io::Result::Ok(())
//!     });
//!     let mut client = TcpStream::connect(addr).await?;
//!     client.write_all(b"echo me").await?;
//!     client.shutdown().await?;
//!     let mut reply = Vec::new();
//!     client.read_to_end(&mut reply).await?;
//!     assert_eq!(reply, b"echo me");
//!     server.await.unwrap()
//! }
//! ```
//!
//! Coming from Python? [`docs::coming_from_asyncio`] shows each asyncio lesson as a weft
//! program.
//!
//! What weft does beyond tokio: a task that spawns a child and then blocks its worker does not
//! strand the child (a peer steals it, LIFO slot included, within a few milliseconds), a
//! long poll never stalls the timers, and [`Handle::metrics`](runtime::Handle::metrics) is
//! built in. The concurrent core is model-checked with loom.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub(crate) mod loom;

pub mod docs;
pub mod fs;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzz_hooks;
#[cfg(feature = "hyper")]
pub mod hyper;
mod io_std;
#[doc(hidden)]
pub mod macros;
pub mod runtime;
pub(crate) mod scheduler;
pub mod sync;
pub mod task;
#[cfg(test)]
mod test_util;
pub mod time;

pub use task::{spawn, spawn_blocking};
pub use weft_io::{net, process, signal};

/// The I/O traits and utilities (weft-io's [`io`](weft_io::io)), and the process's standard
/// streams: [`stdin`](io::stdin), [`stdout`](io::stdout), [`stderr`](io::stderr), driven on
/// the blocking pool.
pub mod io {
    pub use crate::io_std::{stderr, stdin, stdout, Stderr, Stdin, Stdout};
    pub use weft_io::io::*;
}
pub use weft_macros::{main, test};
