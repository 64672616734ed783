//! The always-ready I/O objects of `weft::io`: [`empty`], [`repeat`] and [`sink`], as tokio
//! has them, but leaves of the cooperative budget (`coop.rs`).
//!
//! tokio's own versions spend its runtime's budget; compiled without that runtime (weft takes
//! only tokio's `io-util`), they spend nothing, so a loop that reads `repeat` or writes `sink`
//! would never yield and could hold a worker for ever. These spend one unit of weft's budget
//! per operation and return `Pending` (with the task woken) once it is spent, so such a loop
//! yields every 128 steps like any other leaf.

use crate::coop::poll_proceed_and_make_progress;
use std::fmt;
use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};

/// A reader that is always at its end and a writer that accepts and drops everything
/// (tokio's `io::Empty`); made by [`empty`].
#[derive(Clone, Copy, Default)]
pub struct Empty {
    _private: (),
}

/// An empty reader, which also swallows whatever is written to it (tokio's `io::empty`).
///
/// ```
/// use weft_io::io::{empty, AsyncReadExt};
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let mut got = Vec::new();
/// assert_eq!(empty().read_to_end(&mut got).await?, 0);
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub fn empty() -> Empty {
    Empty { _private: () }
}

impl AsyncRead for Empty {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        _buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        ready!(poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(()))
    }
}

impl AsyncBufRead for Empty {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        ready!(poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(&[]))
    }

    fn consume(self: Pin<&mut Self>, _amt: usize) {}
}

/// Writes are swallowed as by [`Sink`] (one unit of budget each).
impl AsyncWrite for Empty {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut sink()).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut sink()).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut sink()).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut sink()).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }
}

/// Every position of an empty stream is 0.
impl AsyncSeek for Empty {
    fn start_seek(self: Pin<&mut Self>, _position: SeekFrom) -> io::Result<()> {
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        ready!(poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(0))
    }
}

impl fmt::Debug for Empty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("Empty { .. }")
    }
}

/// A reader that yields one byte over and over (tokio's `io::Repeat`); made by [`repeat`].
#[derive(Clone, Copy, Debug)]
pub struct Repeat {
    byte: u8,
}

/// A reader that fills every buffer with `byte`, for ever (tokio's `io::repeat`).
///
/// ```
/// use weft_io::io::{repeat, AsyncReadExt};
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let mut buf = [0u8; 3];
/// repeat(7).read_exact(&mut buf).await?;
/// assert_eq!(buf, [7, 7, 7]);
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub fn repeat(byte: u8) -> Repeat {
    Repeat { byte }
}

impl AsyncRead for Repeat {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        ready!(poll_proceed_and_make_progress(cx));
        let n = buf.remaining();
        buf.initialize_unfilled().fill(self.byte);
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

/// A writer that accepts and drops everything (tokio's `io::Sink`); made by [`sink`].
#[derive(Clone, Copy, Default)]
pub struct Sink {
    _private: (),
}

/// A writer that takes every byte and keeps none (tokio's `io::sink`).
///
/// ```
/// use weft_io::io::{sink, AsyncWriteExt};
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// assert_eq!(sink().write(b"gone").await?, 4);
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub fn sink() -> Sink {
    Sink { _private: () }
}

impl AsyncWrite for Sink {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(bufs.iter().map(|buf| buf.len()).sum()))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }
}

impl fmt::Debug for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("Sink { .. }")
    }
}
