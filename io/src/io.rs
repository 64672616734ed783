//! tokio's I/O traits and utilities (its runtime-free `io-util`), with weft's [`Interest`] and
//! [`Ready`]; tokio's leaves made leaves of weft's cooperative budget: [`empty`], [`repeat`],
//! [`sink`], the pipes ([`duplex`], [`simplex`]) and the copies ([`copy`], [`copy_buf`],
//! [`copy_bidirectional`]); and, under [`futures`], the `futures-io` traits with futures-lite's
//! extensions.
//!
//! weft's sockets implement tokio's `AsyncRead`/`AsyncWrite`, so these work on them as on
//! tokio's, and so do the crates built on them (tokio-util's codecs, hyper-util's `TokioIo`,
//! tokio-rustls, ...). The traits and the adapters (`BufReader`, `split`, `Lines`, ...) are
//! tokio's own code, re-exported: they need no runtime, only the traits, and poll only the
//! streams they wrap. The rest is tokio's code too, wrapped so that it spends weft's budget
//! as it spends tokio's under tokio: a loop of copies between in-memory readers and writers,
//! or of writes and reads through a `duplex` pipe, yields every so often like a loop over a
//! socket, so a biased `select!` reaches its other branch and a `timeout` fires.
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

pub use crate::copy::{copy, copy_bidirectional, copy_bidirectional_with_sizes, copy_buf};
pub use crate::mem_io::{empty, repeat, sink, Empty, Repeat, Sink};
pub use crate::net::interest::{Interest, Ready};
pub use crate::pipe::{duplex, simplex, DuplexStream, SimplexStream};
pub use std::io::{Error, ErrorKind, Result, SeekFrom};
pub use tokio::io::{
    join, split, AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt,
    AsyncWrite, AsyncWriteExt, BufReader, BufStream, BufWriter, Chain, Join, Lines, ReadBuf,
    ReadHalf, Split, Take, WriteHalf,
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
