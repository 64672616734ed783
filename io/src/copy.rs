//! `weft::io::copy`, `copy_buf`, `copy_bidirectional` and `copy_bidirectional_with_sizes`:
//! tokio's own copy loops, run over readers that spend weft's cooperative budget (`coop.rs`).
//!
//! tokio's copies spend its runtime's budget once per step of their loop. Compiled without
//! that runtime (weft takes only tokio's `io-util`), they spend nothing, so a copy between
//! in-memory readers and writers (`&[u8]`, `Vec<u8>`, a `Cursor`) never returns `Pending` and a
//! loop of them holds its worker for ever: a biased `select!` never reaches its other branch,
//! a `timeout` never fires. Here each side that the copy reads from is wrapped in
//! [`Budgeted`], a leaf of the budget: every read (or `fill_buf`) that completes spends one
//! unit, and once the budget is spent the read returns `Pending` with the task woken, so the
//! copy yields and resumes where it stopped (nothing is lost: a read that did not run read
//! nothing). A copy from a weft socket spends twice per read, the socket's unit and this one,
//! as tokio's copy does over tokio's sockets.
//!
//! Invariant: `Budgeted` changes no byte and no result of the stream it wraps; it only turns
//! some polls into a `Pending` that woke the task, *before* the inner stream is touched.

use crate::coop::leaf;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};

/// A borrowed stream whose reads are leaves of the cooperative budget; writes pass through.
struct Budgeted<'a, T: ?Sized>(&'a mut T);

impl<T: AsyncRead + Unpin + ?Sized> AsyncRead for Budgeted<'_, T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let inner = &mut *self.0;
        leaf(cx, |cx| Pin::new(inner).poll_read(cx, buf))
    }
}

impl<T: AsyncBufRead + Unpin + ?Sized> AsyncBufRead for Budgeted<'_, T> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let inner = &mut *self.get_mut().0;
        leaf(cx, |cx| Pin::new(inner).poll_fill_buf(cx))
    }

    fn consume(mut self: Pin<&mut Self>, amt: usize) {
        Pin::new(&mut *self.0).consume(amt)
    }
}

impl<T: AsyncWrite + Unpin + ?Sized> AsyncWrite for Budgeted<'_, T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

/// Copies everything `reader` yields into `writer`, then flushes it; returns the bytes copied
/// (tokio's `io::copy`, spending the cooperative budget once per read).
///
/// ```
/// use weft_io::io::copy;
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let mut reader: &[u8] = b"hello";
/// let mut writer: Vec<u8> = Vec::new();
/// assert_eq!(copy(&mut reader, &mut writer).await?, 5);
/// assert_eq!(writer, b"hello");
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
///
/// # Errors
/// The first error of a read, a write or the flush (a read or write interrupted with
/// `ErrorKind::Interrupted` is retried); the bytes written so far stay written.
pub async fn copy<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    tokio::io::copy(&mut Budgeted(reader), writer).await
}

/// Copies everything a buffered `reader` yields into `writer`, using the reader's own buffer,
/// then flushes; returns the bytes copied (tokio's `io::copy_buf`, spending the cooperative
/// budget once per `fill_buf`).
///
/// ```
/// use weft_io::io::{copy_buf, BufReader};
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let mut reader = BufReader::new(&b"hello"[..]);
/// let mut writer: Vec<u8> = Vec::new();
/// assert_eq!(copy_buf(&mut reader, &mut writer).await?, 5);
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
///
/// # Errors
/// As [`copy`].
pub async fn copy_buf<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncBufRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    tokio::io::copy_buf(&mut Budgeted(reader), writer).await
}

/// Copies both ways between `a` and `b` until each has reached EOF, shutting down each
/// writing side when its reading side ends; returns the bytes copied `a` to `b` and `b` to `a`
/// (tokio's `io::copy_bidirectional`, with 8 KiB buffers, spending the cooperative budget once
/// per read).
///
/// ```
/// use weft_io::io::{copy_bidirectional, duplex, AsyncReadExt, AsyncWriteExt};
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let (mut client, mut proxy_front) = duplex(64);
/// let (mut proxy_back, mut server) = duplex(64);
/// client.write_all(b"ping").await?;
/// client.shutdown().await?;
/// server.write_all(b"pong").await?;
/// server.shutdown().await?;
/// let copied = copy_bidirectional(&mut proxy_front, &mut proxy_back).await?;
/// assert_eq!(copied, (4, 4));
/// let mut got = Vec::new();
/// server.read_to_end(&mut got).await?;
/// assert_eq!(got, b"ping");
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
///
/// # Errors
/// The first error either way; the copy in the other direction stops with it.
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    tokio::io::copy_bidirectional(&mut Budgeted(a), &mut Budgeted(b)).await
}

/// [`copy_bidirectional`] with buffers of the given sizes (`a_to_b_buf_size` for the bytes from
/// `a` to `b`), as tokio's `io::copy_bidirectional_with_sizes`.
///
/// # Errors
/// As [`copy_bidirectional`].
pub async fn copy_bidirectional_with_sizes<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b_buf_size: usize,
    b_to_a_buf_size: usize,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    tokio::io::copy_bidirectional_with_sizes(
        &mut Budgeted(a),
        &mut Budgeted(b),
        a_to_b_buf_size,
        b_to_a_buf_size,
    )
    .await
}
