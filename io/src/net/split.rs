//! Halves of a stream: borrowed (`split`) or owned (`into_split`), generic over the
//! stream type ([`TcpStream`](super::TcpStream) and [`UnixStream`](super::UnixStream) name
//! their own aliases).
//!
//! Both halves read and write through `&Stream`, which implements the I/O traits (tokio's and
//! futures-io's), so no lock is needed: the reactor keeps the two directions' waiters apart.

use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A stream whose writing direction can be shut down on its own (a sealed trait: implemented
/// by weft-io's stream types).
pub trait ShutdownWrite: sealed::Sealed {
    /// Shuts down the writing direction: the peer reads EOF. A connection that is already
    /// gone (`NotConnected`) counts as shut down.
    ///
    /// # Errors
    /// The `shutdown` error.
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

/// Puts a stream back together from its halves, or hands both back if they come from two
/// different streams (each stream type wraps them in its own `ReuniteError`).
#[allow(clippy::type_complexity)]
pub(crate) fn reunite<T: ShutdownWrite>(
    read: OwnedReadHalf<T>,
    mut write: OwnedWriteHalf<T>,
) -> Result<T, (OwnedReadHalf<T>, OwnedWriteHalf<T>)> {
    if !Arc::ptr_eq(&read.0, &write.stream) {
        return Err((read, write));
    }
    write.shutdown_on_drop = false;
    drop(write);
    Ok(Arc::into_inner(read.0).expect("the two halves held the only references"))
}

impl<T: ShutdownWrite> OwnedWriteHalf<T> {
    /// Drops the half without shutting down the writing direction (as tokio's `forget`): the
    /// peer does not read EOF until the read half is dropped too.
    pub fn forget(mut self) {
        self.shutdown_on_drop = false;
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
    ($half:ty, $field:tt, $($generics:tt)*) => {
        impl<$($generics)*> futures_io::AsyncRead for $half
        where
            for<'b> &'b T: futures_io::AsyncRead,
        {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                Pin::new(&mut &*self.$field).poll_read(cx, buf)
            }
        }

        impl<$($generics)*> tokio::io::AsyncRead for $half
        where
            for<'b> &'b T: tokio::io::AsyncRead,
        {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                Pin::new(&mut &*self.$field).poll_read(cx, buf)
            }
        }
    };
}

forward_read!(ReadHalf<'_, T>, 0, T);
forward_read!(OwnedReadHalf<T>, 0, T);

macro_rules! forward_write {
    ($half:ty, $($generics:tt)*) => {
        impl<$($generics)*> futures_io::AsyncWrite for $half
        where
            Self: tokio::io::AsyncWrite,
        {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                tokio::io::AsyncWrite::poll_write(self, cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                tokio::io::AsyncWrite::poll_write_vectored(self, cx, bufs)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                tokio::io::AsyncWrite::poll_flush(self, cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                tokio::io::AsyncWrite::poll_shutdown(self, cx)
            }
        }
    };
}

forward_write!(WriteHalf<'_, T>, T);
forward_write!(OwnedWriteHalf<T>, T: ShutdownWrite);

impl<T> tokio::io::AsyncWrite for WriteHalf<'_, T>
where
    for<'b> &'b T: tokio::io::AsyncWrite,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.0).poll_shutdown(cx)
    }
}

impl<T: ShutdownWrite> tokio::io::AsyncWrite for OwnedWriteHalf<T>
where
    for<'b> &'b T: tokio::io::AsyncWrite,
{
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut &*self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut &*self.stream).poll_flush(cx)
    }

    /// Shuts down writing now; the drop then has nothing left to shut down.
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut &*self.stream).poll_shutdown(cx);
        if result.is_ready() {
            self.shutdown_on_drop = false;
        }
        result
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

/// tokio's inherent methods of the four halves of `$stream` (readiness, `try_` operations,
/// addresses), each forwarded to the stream's method of the same name.
macro_rules! impl_half_methods {
    ($stream:ident, $addr:ty) => {
        /// [`OwnedReadHalf::reunite`] was given halves of two different streams; both are
        /// handed back.
        pub struct ReuniteError(pub OwnedReadHalf, pub OwnedWriteHalf);

        impl std::fmt::Debug for ReuniteError {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple("ReuniteError").field(&self.0).field(&self.1).finish()
            }
        }

        impl std::fmt::Display for ReuniteError {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("tried to reunite halves that are not from the same socket")
            }
        }

        impl std::error::Error for ReuniteError {}

        impl OwnedReadHalf {
            /// Puts the stream back together (without shutting down its writing direction).
            ///
            /// # Errors
            /// If the halves come from two different streams; both are handed back.
            pub fn reunite(self, write: OwnedWriteHalf) -> Result<$stream, ReuniteError> {
                $crate::net::split::reunite(self, write)
                    .map_err(|(read, write)| ReuniteError(read, write))
            }
        }

        $crate::net::split::impl_half_methods!(@common $crate::net::split::ReadHalf<'_, $stream>, $addr);
        $crate::net::split::impl_half_methods!(@common $crate::net::split::OwnedReadHalf<$stream>, $addr);
        $crate::net::split::impl_half_methods!(@common $crate::net::split::WriteHalf<'_, $stream>, $addr);
        $crate::net::split::impl_half_methods!(@common $crate::net::split::OwnedWriteHalf<$stream>, $addr);
        $crate::net::split::impl_half_methods!(@read $crate::net::split::ReadHalf<'_, $stream>);
        $crate::net::split::impl_half_methods!(@read $crate::net::split::OwnedReadHalf<$stream>);
        $crate::net::split::impl_half_methods!(@write $crate::net::split::WriteHalf<'_, $stream>);
        $crate::net::split::impl_half_methods!(@write $crate::net::split::OwnedWriteHalf<$stream>);
    };
    (@common $half:ty, $addr:ty) => {
        impl $half {
            /// Waits until the stream is ready for any of `interest` (see the stream's
            /// `ready`).
            ///
            /// # Errors
            /// Once the runtime that drives the stream has shut down.
            pub async fn ready(&self, interest: $crate::net::Interest) -> std::io::Result<$crate::net::Ready> {
                self.as_ref().ready(interest).await
            }

            /// The local address of the stream.
            ///
            /// # Errors
            /// The `getsockname` error.
            pub fn local_addr(&self) -> std::io::Result<$addr> {
                self.as_ref().local_addr()
            }

            /// The peer's address.
            ///
            /// # Errors
            /// The `getpeername` error.
            pub fn peer_addr(&self) -> std::io::Result<$addr> {
                self.as_ref().peer_addr()
            }
        }
    };
    (@read $half:ty) => {
        impl $half {
            /// Waits until a read may be worth trying (see the stream's `readable`).
            ///
            /// # Errors
            /// Once the runtime that drives the stream has shut down.
            pub async fn readable(&self) -> std::io::Result<()> {
                self.as_ref().readable().await
            }

            /// Reads once without waiting (see the stream's `try_read`).
            ///
            /// # Errors
            /// `WouldBlock`, or the read's error.
            pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.as_ref().try_read(buf)
            }

            /// Reads once into several buffers without waiting.
            ///
            /// # Errors
            /// `WouldBlock`, or the read's error.
            pub fn try_read_vectored(&self, bufs: &mut [std::io::IoSliceMut<'_>]) -> std::io::Result<usize> {
                self.as_ref().try_read_vectored(bufs)
            }

            /// Reads once into the spare capacity of `buf` without waiting.
            ///
            /// # Errors
            /// `WouldBlock`, or the read's error.
            pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> std::io::Result<usize> {
                self.as_ref().try_read_buf(buf)
            }
        }
    };
    (@write $half:ty) => {
        impl $half {
            /// Waits until a write may be worth trying (see the stream's `writable`).
            ///
            /// # Errors
            /// Once the runtime that drives the stream has shut down.
            pub async fn writable(&self) -> std::io::Result<()> {
                self.as_ref().writable().await
            }

            /// Writes once without waiting (see the stream's `try_write`).
            ///
            /// # Errors
            /// `WouldBlock`, or the write's error.
            pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
                self.as_ref().try_write(buf)
            }

            /// Writes once from several buffers without waiting.
            ///
            /// # Errors
            /// `WouldBlock`, or the write's error.
            pub fn try_write_vectored(&self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
                self.as_ref().try_write_vectored(bufs)
            }
        }
    };
}
pub(crate) use impl_half_methods;
