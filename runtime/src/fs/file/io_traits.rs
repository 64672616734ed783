//! `File`'s I/O traits: tokio's `AsyncRead`, `AsyncWrite` and `AsyncSeek` (the ones
//! `weft::io` exports) and the `futures-io` traits of the same names. Each is a thin face over
//! the state machine in `file.rs` (`Inner::poll_read`, `poll_write`, `poll_flush`,
//! `poll_seek`), so both families behave the same.

use super::File;
use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{Context, Poll};

impl weft_io::io::AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut weft_io::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let (inner, std, max) = self.get_mut().parts();
        // The bytes arrive by copy from the blocking job's buffer, so the destination must be
        // initialized (once per `ReadBuf`: it remembers how much it initialized).
        let n = std::task::ready!(inner.poll_read(cx, std, max, buf.initialize_unfilled()))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl weft_io::io::AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let (inner, std, max) = self.get_mut().parts();
        inner.poll_write(cx, std, max, &[IoSlice::new(buf)])
    }

    /// Takes every slice, in order, into one write-behind (up to `max_buf_size` bytes), as
    /// tokio's `File` does.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let (inner, std, max) = self.get_mut().parts();
        inner.poll_write(cx, std, max, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.get_mut().poll_flush(cx)
    }

    /// Flushes; the file itself closes when dropped.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.get_mut().poll_flush(cx)
    }
}

/// tokio's two-step seek: `start_seek` records the target, `poll_complete` runs it on the
/// blocking pool. `poll_complete` with no seek started reports the current position (tokio's
/// `seek` calls it first to finish an earlier seek, and `stream_position` relies on it).
impl weft_io::io::AsyncSeek for File {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        let inner = self.get_mut().inner.get_mut();
        if inner.pending_seek.is_some() {
            return Err(io::Error::other(
                "start_seek called while an earlier seek of this File is in progress (await \
                 poll_complete first)",
            ));
        }
        inner.pending_seek = Some(position);
        Ok(())
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let (inner, std, _) = self.get_mut().parts();
        let position = inner.pending_seek.unwrap_or(SeekFrom::Current(0));
        let result = std::task::ready!(inner.poll_seek(cx, std, position));
        inner.pending_seek = None;
        Poll::Ready(result)
    }
}

impl futures_io::AsyncRead for File {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let (inner, std, max) = self.get_mut().parts();
        inner.poll_read(cx, std, max, buf)
    }
}

impl futures_io::AsyncWrite for File {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let (inner, std, max) = self.get_mut().parts();
        inner.poll_write(cx, std, max, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let (inner, std, max) = self.get_mut().parts();
        inner.poll_write(cx, std, max, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.get_mut().poll_flush(cx)
    }

    /// Flushes; the file itself closes when dropped.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().inner.get_mut().poll_flush(cx)
    }
}

impl futures_io::AsyncSeek for File {
    fn poll_seek(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        let (inner, std, _) = self.get_mut().parts();
        inner.poll_seek(cx, std, pos)
    }
}
