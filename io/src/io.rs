//! tokio's I/O traits and utilities (its runtime-free `io-util`), with weft's [`Interest`] and
//! [`Ready`], and weft's own [`empty`], [`repeat`] and [`sink`] (tokio's, but leaves of weft's
//! cooperative budget); and, under [`futures`], the `futures-io` traits with futures-lite's
//! extensions.
//!
//! weft's sockets implement tokio's `AsyncRead`/`AsyncWrite`, so these work on them as on
//! tokio's, and so do the crates built on them (tokio-util's codecs, hyper-util's `TokioIo`,
//! tokio-rustls, ...). Everything here except `Interest`, `Ready`, `empty`, `repeat` and `sink`
//! is tokio's own code, re-exported: it needs no runtime, only the traits. (tokio's in-memory
//! `copy`, `copy_buf` and `duplex` therefore spend no coop budget of weft's: a loop over
//! in-memory readers and writers alone never yields. Over weft's sockets it does: they spend.)
//!
//! ```
//! use weft_io::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
//! use weft_io::net::UnixStream;
//! # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
//! # reactor.block_on(async {
//! let (mut a, b) = UnixStream::pair()?;
//! a.write_all(b"first line\nsecond line\n").await?;
//! a.write_u16(7).await?;
//! a.shutdown().await?;
//!
//! let mut b = BufReader::new(b);
//! let mut lines = Vec::new();
//! for _ in 0..2 {
//!     let mut line = String::new();
//!     b.read_line(&mut line).await?;
//!     lines.push(line);
//! }
//! assert_eq!(lines, ["first line\n", "second line\n"]);
//! assert_eq!(b.read_u16().await?, 7);
//! # std::io::Result::Ok(()) })?;
//! # std::io::Result::Ok(())
//! ```
//!
//! Both trait families are implemented by every weft stream. Import one family's extension
//! traits per scope: with both `weft_io::io::AsyncReadExt` and
//! `weft_io::io::futures::AsyncReadExt` in scope, `stream.read(..)` is ambiguous.

pub use crate::mem_io::{empty, repeat, sink, Empty, Repeat, Sink};
pub use crate::net::interest::{Interest, Ready};
pub use std::io::{Error, ErrorKind, Result, SeekFrom};
pub use tokio::io::{
    copy, copy_bidirectional, copy_bidirectional_with_sizes, copy_buf, duplex, join, simplex,
    split, AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt,
    AsyncWrite, AsyncWriteExt, BufReader, BufStream, BufWriter, Chain, DuplexStream, Join, Lines,
    ReadBuf, ReadHalf, SimplexStream, Split, Take, WriteHalf,
};

/// Unix specifics: [`AsyncFd`](unix::AsyncFd), tokio's readiness wrapper for any file
/// descriptor, with its guards.
pub mod unix {
    #[allow(deprecated)]
    pub use crate::async_fd::AsyncFdTryNewError;
    pub use crate::async_fd::{
        AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, AsyncFdRegisterError, TryIoError,
    };
}

/// The `futures-io` traits and futures-lite's extension traits, for code of the
/// runtime-independent (smol) ecosystem: weft's streams implement these too.
///
/// futures-lite names shutting down the writing direction `close` (tokio: `shutdown`).
///
/// ```
/// use weft_io::io::futures::{AsyncReadExt, AsyncWriteExt};
/// use weft_io::net::UnixStream;
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let (mut a, mut b) = UnixStream::pair()?;
/// a.write_all(b"smol").await?;
/// a.close().await?;
/// let mut got = String::new();
/// b.read_to_string(&mut got).await?;
/// assert_eq!(got, "smol");
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub mod futures {
    pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
    pub use futures_lite::io::{
        AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader, BufWriter, Cursor,
    };
}
