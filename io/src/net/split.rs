//! Halves of a stream: borrowed (`split`) or owned (`into_split`), generic over the
//! stream type ([`TcpStream`](super::TcpStream) and [`UnixStream`](super::UnixStream) name
//! their own aliases).
//!
//! Both halves read and write through `&Stream`, which implements the I/O traits, so no lock
//! is needed: the reactor keeps the two directions' waiters apart.

use futures_io::{AsyncRead, AsyncWrite};
use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A stream whose writing direction can be shut down on its own (a sealed trait: implemented
/// by weft-io's stream types).
pub trait ShutdownWrite: sealed::Sealed {
    /// Shuts down the writing direction: the peer reads EOF.
    ///
    /// # Errors
    /// The `shutdown` error (`NotConnected` if the connection is already gone).
    fn shutdown_write(&self) -> io::Result<()>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::super::TcpStream {}
    impl Sealed for super::super::UnixStream {}
}

/// The read half of a borrowed stream.
pub struct ReadHalf<'a, T>(&'a T);

/// The write half of a borrowed stream.
pub struct WriteHalf<'a, T>(&'a T);

/// The read half of a stream split by `into_split`.
pub struct OwnedReadHalf<T>(Arc<T>);

/// The write half of a stream split by `into_split`; dropping it shuts down writing.
pub struct OwnedWriteHalf<T: ShutdownWrite> {
    stream: Arc<T>,
    shutdown_on_drop: bool,
}

/// `reunite` was given halves of two different streams; both are handed back.
pub struct ReuniteError<T: ShutdownWrite>(pub OwnedReadHalf<T>, pub OwnedWriteHalf<T>);

pub(crate) fn split<T>(stream: &mut T) -> (ReadHalf<'_, T>, WriteHalf<'_, T>) {
    (ReadHalf(stream), WriteHalf(stream))
}

pub(crate) fn into_split<T: ShutdownWrite>(stream: T) -> (OwnedReadHalf<T>, OwnedWriteHalf<T>) {
    let stream = Arc::new(stream);
    let write = OwnedWriteHalf {
        stream: stream.clone(),
        shutdown_on_drop: true,
    };
    (OwnedReadHalf(stream), write)
}

impl<T: ShutdownWrite> OwnedReadHalf<T> {
    /// Puts the stream back together.
    ///
    /// # Errors
    /// If the halves come from two different streams.
    pub fn reunite(self, mut write: OwnedWriteHalf<T>) -> Result<T, ReuniteError<T>> {
        if !Arc::ptr_eq(&self.0, &write.stream) {
            return Err(ReuniteError(self, write));
        }
        write.shutdown_on_drop = false;
        drop(write);
        Ok(Arc::into_inner(self.0).expect("the two halves held the only references"))
    }
}

impl<T: ShutdownWrite> Drop for OwnedWriteHalf<T> {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // The peer is gone already if this fails; there is no one left to tell.
            let _ = self.stream.shutdown_write();
        }
    }
}

macro_rules! forward_read {
    ($half:ty, $($generics:tt)*) => {
        impl<$($generics)*> AsyncRead for $half
        where
            for<'b> &'b T: AsyncRead,
        {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut &*self.0).poll_read(cx, buf)
            }
        }
    };
}

forward_read!(ReadHalf<'_, T>, T);
forward_read!(OwnedReadHalf<T>, T);

impl<T> AsyncWrite for WriteHalf<'_, T>
where
    for<'b> &'b T: AsyncWrite,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.0).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.0).poll_close(cx)
    }
}

impl<T: ShutdownWrite> AsyncWrite for OwnedWriteHalf<T>
where
    for<'b> &'b T: AsyncWrite,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.stream).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.stream).poll_close(cx)
    }
}

/// The stream itself, for what the halves do not forward (addresses, `try_read`, ...).
impl<T> AsRef<T> for ReadHalf<'_, T> {
    fn as_ref(&self) -> &T {
        self.0
    }
}

/// The stream itself, for what the halves do not forward (addresses, `try_write`, ...).
impl<T> AsRef<T> for WriteHalf<'_, T> {
    fn as_ref(&self) -> &T {
        self.0
    }
}

/// The stream itself, for what the halves do not forward (addresses, `try_read`, ...).
impl<T> AsRef<T> for OwnedReadHalf<T> {
    fn as_ref(&self) -> &T {
        &self.0
    }
}

/// The stream itself, for what the halves do not forward (addresses, `try_write`, ...).
impl<T: ShutdownWrite> AsRef<T> for OwnedWriteHalf<T> {
    fn as_ref(&self) -> &T {
        &self.stream
    }
}

impl<T: fmt::Debug> fmt::Debug for ReadHalf<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ReadHalf").field(self.0).finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for WriteHalf<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WriteHalf").field(self.0).finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedReadHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OwnedReadHalf").field(&self.0).finish()
    }
}

impl<T: ShutdownWrite + fmt::Debug> fmt::Debug for OwnedWriteHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OwnedWriteHalf").field(&self.stream).finish()
    }
}

impl<T: ShutdownWrite> fmt::Debug for ReuniteError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReuniteError(..)")
    }
}

impl<T: ShutdownWrite> fmt::Display for ReuniteError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same stream")
    }
}

impl<T: ShutdownWrite> std::error::Error for ReuniteError<T> {}
