//! The I/O driver of weft: a reactor on [`polling`] that any executor can drive, and the
//! sockets that register with it.
//!
//! ```
//! use std::sync::Arc;
//! use weft_io::io::{AsyncReadExt, AsyncWriteExt};
//! use weft_io::net::{TcpListener, TcpStream};
//! use weft_io::Reactor;
//!
//! let reactor = Arc::new(Reactor::new()?);
//! let reply = reactor.block_on(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let mut client = TcpStream::connect(listener.local_addr()?).await?;
//!     let (mut server, _) = listener.accept().await?;
//!     client.write_all(b"hello").await?;
//!     client.close().await?; // the server reads EOF after the five bytes
//!     let mut received = Vec::new();
//!     server.read_to_end(&mut received).await?;
//!     std::io::Result::Ok(received)
//! })??;
//! assert_eq!(reply, b"hello");
//! # std::io::Result::Ok(())
//! ```
//!
//! # Driving the reactor
//!
//! The crate knows nothing of any scheduler. A [`Reactor`] is made current on a thread with
//! [`Reactor::enter`]; sockets created there register with it. Someone must then call
//! [`Reactor::turn`] whenever there is nothing else to do, with the time until the next timer
//! as the timeout, and [`Reactor::notify`] from any thread that makes new work for the
//! turning thread. weft's runtime turns it from the worker that parks in the driver and from
//! its monitor thread; [`Reactor::block_on`] turns it on one thread for one future; the
//! example on [`Reactor`] turns it from a thread of its own, for any executor.
//!
//! # How an operation runs
//!
//! A read first tries `read(2)` on the non-blocking socket. Only if that says `WouldBlock`
//! does it store the task's waker and wait; the reactor (edge-triggered `epoll`, one
//! registration per socket for its whole life) wakes it when the socket becomes readable.
//! No operation allocates, and none takes a lock shared by other sockets.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod block_on;
pub mod coop;
mod io_source;
mod loom;
pub mod net;
mod reactor;
mod source;

#[cfg(all(test, not(loom)))]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;

pub use reactor::{EnterGuard, Reactor};

/// The I/O traits, from `futures-io`, and their extension traits, from `futures-lite`.
///
/// `AsyncReadExt` gives `read`, `read_exact`, `read_to_end`, `read_to_string`;
/// `AsyncWriteExt` gives `write`, `write_all`, `flush`, `close`.
pub mod io {
    pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
    pub use futures_lite::io::{
        copy, empty, repeat, sink, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt,
        BufReader, BufWriter, Cursor,
    };
}
