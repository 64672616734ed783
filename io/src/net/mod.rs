//! Sockets: TCP, UDP and Unix domain, registered with the current reactor.
//!
//! Every operation first tries its non-blocking system call and waits for readiness only when
//! the call says `WouldBlock`. Streams implement the `futures-io` traits for `T` and `&T`, so
//! `weft_io::io::{AsyncReadExt, AsyncWriteExt}` (futures-lite's) give them `read`,
//! `read_exact`, `read_to_end`, `write_all`, `flush` and `close`. For code that makes its own
//! system calls, every socket has tokio's `readable`/`writable` and `try_` operations, and
//! implements `AsFd`/`AsRawFd` (reach options weft does not wrap through `socket2::SockRef`).

mod addr;
mod readiness;
pub mod split;
pub mod tcp;
mod udp;
pub mod unix;

pub use tcp::{TcpListener, TcpStream};
pub use udp::UdpSocket;
pub use unix::{UnixListener, UnixStream};

/// `futures-io`'s `AsyncRead` and `AsyncWrite` for a stream type `$stream` (and `&$stream`)
/// whose field `io` is an `IoSource` over a std stream; `close` shuts down writing. Reads and
/// writes go through `poll_stream_read`/`poll_stream_write`: a short one clears the
/// readiness (byte streams only: see `io_source.rs`).
macro_rules! impl_async_io {
    ($stream:ty) => {
        impl futures_io::AsyncRead for &$stream {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                use std::io::Read;
                let capacity = buf.len();
                self.io
                    .poll_stream_read(cx, capacity, |mut io| io.read(buf))
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                use std::io::Read;
                let capacity = bufs.iter().map(|buf| buf.len()).sum();
                self.io
                    .poll_stream_read(cx, capacity, |mut io| io.read_vectored(bufs))
            }
        }

        impl futures_io::AsyncWrite for &$stream {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                use std::io::Write;
                self.io
                    .poll_stream_write(cx, buf.len(), |mut io| io.write(buf))
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                use std::io::Write;
                let len = bufs.iter().map(|buf| buf.len()).sum();
                self.io
                    .poll_stream_write(cx, len, |mut io| io.write_vectored(bufs))
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                // Nothing is buffered in user space.
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(crate::net::split::ShutdownWrite::shutdown_write(&**self))
            }
        }

        impl futures_io::AsyncRead for $stream {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self).poll_read(cx, buf)
            }

            fn poll_read_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self).poll_read_vectored(cx, bufs)
            }
        }

        impl futures_io::AsyncWrite for $stream {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self).poll_write(cx, buf)
            }

            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                std::pin::Pin::new(&mut &*self).poll_write_vectored(cx, bufs)
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut &*self).poll_flush(cx)
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::pin::Pin::new(&mut &*self).poll_close(cx)
            }
        }

        impl crate::net::split::ShutdownWrite for $stream {
            fn shutdown_write(&self) -> std::io::Result<()> {
                self.io.get_ref().shutdown(std::net::Shutdown::Write)
            }
        }
    };
}
pub(crate) use impl_async_io;
pub(crate) use readiness::{impl_as_fd, impl_stream_readiness};
