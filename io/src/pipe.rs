//! The in-memory pipes of `weft::io`: [`duplex`] / [`DuplexStream`] and [`simplex`] /
//! [`SimplexStream`], tokio's, but leaves of the cooperative budget (`coop.rs`).
//!
//! tokio's pipes spend its runtime's budget on every read and write; compiled without that
//! runtime (weft takes only tokio's `io-util`) they spend nothing, so a task that writes into a
//! pipe and reads back out of it never yields. These wrap tokio's and spend one unit of weft's
//! budget per read or write that completes; once the budget is spent, the call returns
//! `Pending` with the task woken, before it touches the pipe. Flush and shutdown never wait
//! and spend nothing, as in tokio.

use crate::coop::leaf;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf, ReadHalf, WriteHalf};

/// tokio's `AsyncRead`/`AsyncWrite` for a newtype `$pipe` over one of tokio's pipes: reads and
/// writes are leaves of the budget; flush and shutdown pass through.
macro_rules! budgeted_io {
    ($pipe:ident) => {
        impl AsyncRead for $pipe {
            fn poll_read(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                let inner = &mut self.0;
                leaf(cx, |cx| Pin::new(inner).poll_read(cx, buf))
            }
        }

        impl AsyncWrite for $pipe {
            fn poll_write(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                let inner = &mut self.0;
                leaf(cx, |cx| Pin::new(inner).poll_write(cx, buf))
            }

            fn poll_write_vectored(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                let inner = &mut self.0;
                leaf(cx, |cx| Pin::new(inner).poll_write_vectored(cx, bufs))
            }

            fn is_write_vectored(&self) -> bool {
                self.0.is_write_vectored()
            }

            fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Pin::new(&mut self.0).poll_flush(cx)
            }

            fn poll_shutdown(
                mut self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<io::Result<()>> {
                Pin::new(&mut self.0).poll_shutdown(cx)
            }
        }
    };
}

/// One end of a bidirectional in-memory pipe that acts like a connected socket (tokio's
/// `io::DuplexStream`); made in pairs by [`duplex`]. Dropping one end makes the other read EOF
/// and fail its writes with `BrokenPipe`.
#[derive(Debug)]
pub struct DuplexStream(tokio::io::DuplexStream);

/// A pair of connected in-memory streams: what one writes, the other reads. Each direction
/// buffers at most `max_buf_size` bytes; a write into a full direction waits for the reader.
///
/// ```
/// use weft_io::io::{duplex, AsyncReadExt, AsyncWriteExt};
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let (mut client, mut server) = duplex(64);
/// client.write_all(b"ping").await?;
/// let mut buf = [0u8; 4];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
///
/// # Panics
/// If `max_buf_size` is 0.
#[track_caller]
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    let (one, two) = tokio::io::duplex(max_buf_size);
    (DuplexStream(one), DuplexStream(two))
}

budgeted_io!(DuplexStream);

/// A one-way in-memory pipe (tokio's `io::SimplexStream`): what is written is read back from
/// the same object, or from the other half after [`simplex`] split it.
#[derive(Debug)]
pub struct SimplexStream(tokio::io::SimplexStream);

impl SimplexStream {
    /// A pipe that buffers at most `max_buf_size` bytes, with both ends in one object.
    ///
    /// ```
    /// use weft_io::io::{AsyncReadExt, AsyncWriteExt, SimplexStream};
    /// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
    /// # reactor.block_on(async {
    /// let mut pipe = SimplexStream::new_unsplit(16);
    /// pipe.write_all(b"hello").await?;
    /// let mut buf = [0u8; 5];
    /// pipe.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"hello");
    /// # std::io::Result::Ok(()) })?;
    /// # std::io::Result::Ok(())
    /// ```
    ///
    /// # Panics
    /// If `max_buf_size` is 0.
    #[track_caller]
    pub fn new_unsplit(max_buf_size: usize) -> SimplexStream {
        SimplexStream(tokio::io::SimplexStream::new_unsplit(max_buf_size))
    }
}

/// A one-way in-memory pipe split into its reading and writing halves (tokio's `io::simplex`).
///
/// ```
/// use weft_io::io::{simplex, AsyncReadExt, AsyncWriteExt};
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let (mut receiver, mut sender) = simplex(64);
/// sender.write_all(b"ping").await?;
/// let mut buf = [0u8; 4];
/// receiver.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
///
/// # Panics
/// If `max_buf_size` is 0.
#[track_caller]
pub fn simplex(max_buf_size: usize) -> (ReadHalf<SimplexStream>, WriteHalf<SimplexStream>) {
    tokio::io::split(SimplexStream::new_unsplit(max_buf_size))
}

budgeted_io!(SimplexStream);
