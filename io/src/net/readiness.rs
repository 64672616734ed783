//! Readiness for code that makes its own system calls, with tokio's names: `ready(Interest)`,
//! `readable`/`writable` and `poll_*_ready` wait until an operation is worth trying, `try_*`
//! tries it once without waiting, `try_io`/`async_io` wrap the caller's own system call; and
//! `AsFd`/`AsRawFd` for every socket type, so that `socket2::SockRef` (or any raw call) can
//! reach options weft does not wrap.
//!
//! Invariant: a `try_*` call that returns `WouldBlock` has cleared the readiness it read before
//! its system call (unless an event arrived since), so the next `readable`/`writable` waits for
//! a new event instead of returning at once forever.

use super::interest::{Interest, Ready};
use crate::io_source::IoSource;
use crate::source::Direction;
use std::io;
use std::os::fd::AsFd;

/// Waits until `io` is ready for any of `interest` and says which (only what `interest`
/// covers, as tokio's `ready`); the wait holds its own waiter slots, freed when it is dropped.
pub(crate) async fn ready<T: AsFd>(io: &IoSource<T>, interest: Interest) -> io::Result<Ready> {
    let direction = Direction::from(interest);
    let word = io.ready(direction).await?;
    Ok(Ready::from_word(word, direction))
}

/// `AsFd` and `AsRawFd` for a socket type whose field `io` is an `IoSource`.
macro_rules! impl_as_fd {
    ($socket:ty) => {
        impl std::os::fd::AsFd for $socket {
            fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
                self.io.get_ref().as_fd()
            }
        }

        impl std::os::fd::AsRawFd for $socket {
            fn as_raw_fd(&self) -> std::os::fd::RawFd {
                self.io.get_ref().as_raw_fd()
            }
        }
    };
}
pub(crate) use impl_as_fd;

/// `ready`, `readable`, `writable`, the two `poll_*_ready` (named `$poll_read`/`$poll_write`:
/// `poll_read_ready` on streams, `poll_recv_ready` on datagram sockets), `try_io` and
/// `async_io` for a socket type whose field `io` is an `IoSource`.
macro_rules! impl_readiness {
    ($socket:ty, $poll_read:ident, $poll_write:ident) => {
        impl $socket {
            /// Waits until the socket is ready for any of `interest` and says which (only what
            /// `interest` covers: `READABLE` and `READ_CLOSED` for reading, ...). Readiness is
            /// a hint: the operation may still say `WouldBlock` (after a spurious event, or at
            /// first for an accepted socket, assumed readable as in tokio), and then the next
            /// call waits for a new event.
            ///
            /// Cancel safe: dropping the future loses nothing, and frees its waker.
            ///
            /// # Errors
            /// Once the runtime that drives the socket has shut down.
            pub async fn ready(
                &self,
                interest: crate::net::Interest,
            ) -> std::io::Result<crate::net::Ready> {
                crate::net::readiness::ready(&self.io, interest).await
            }

            /// Waits until a read (receive) may be worth trying: `ready(Interest::READABLE)`.
            ///
            /// Cancel safe: dropping the future loses nothing, and frees its waker.
            ///
            /// # Errors
            /// Once the runtime that drives the socket has shut down.
            pub async fn readable(&self) -> std::io::Result<()> {
                self.io
                    .ready(crate::source::Direction::READ)
                    .await
                    .map(drop)
            }

            /// Waits until a write (send) may be worth trying: `ready(Interest::WRITABLE)`.
            ///
            /// Cancel safe: dropping the future loses nothing, and frees its waker.
            ///
            /// # Errors
            /// Once the runtime that drives the socket has shut down.
            pub async fn writable(&self) -> std::io::Result<()> {
                self.io
                    .ready(crate::source::Direction::WRITE)
                    .await
                    .map(drop)
            }

            /// Polls for read readiness: `Ready(Ok(()))` when a read may be worth trying,
            /// else the waker of `cx` is woken by the next readable event. As in tokio, only
            /// the waker of the most recent call (of this and the other `poll_*` reads) is
            /// woken: tasks that wait at once should use [`readable`](Self::readable).
            ///
            /// # Errors
            /// Once the runtime that drives the socket has shut down.
            pub fn $poll_read(
                &self,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                self.io
                    .poll_ready(cx, crate::source::Direction::READ)
                    .map_ok(drop)
            }

            /// Polls for write readiness (see the read counterpart).
            ///
            /// # Errors
            /// Once the runtime that drives the socket has shut down.
            pub fn $poll_write(
                &self,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                self.io
                    .poll_ready(cx, crate::source::Direction::WRITE)
                    .map_ok(drop)
            }

            /// Runs `f`, the caller's own non-blocking system call on this socket (through
            /// `AsFd`), once if the socket may be ready for `interest`; a `WouldBlock` from
            /// `f` clears that readiness (all of it, for several interests: `f` should make
            /// only the calls `interest` names), so that [`ready`](Self::ready) waits for the
            /// next event.
            ///
            /// # Errors
            /// `WouldBlock` without calling `f` if the socket is known not to be ready, or
            /// `f`'s error.
            pub fn try_io<R>(
                &self,
                interest: crate::net::Interest,
                f: impl FnOnce() -> std::io::Result<R>,
            ) -> std::io::Result<R> {
                self.io.try_io(interest.into(), |_| f())
            }

            /// Waits for `interest` and runs `f` (as [`try_io`](Self::try_io)) until it does
            /// something other than `WouldBlock`.
            ///
            /// # Errors
            /// `f`'s error, or the runtime's shutdown.
            pub async fn async_io<R>(
                &self,
                interest: crate::net::Interest,
                f: impl FnMut() -> std::io::Result<R>,
            ) -> std::io::Result<R> {
                self.io.async_io(interest.into(), f).await
            }
        }
    };
}
pub(crate) use impl_readiness;

/// The `try_` reads and writes of a stream type whose field `io` is an `IoSource` over a std
/// stream.
macro_rules! impl_stream_try_io {
    ($stream:ty) => {
        impl $stream {
            /// Reads once without waiting: the bytes read (0 at EOF), or `WouldBlock` if
            /// nothing is there yet (then wait with [`readable`](Self::readable)).
            ///
            /// # Errors
            /// `WouldBlock`, or the read's error (`ConnectionReset`, ...).
            pub fn try_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
                use std::io::Read;
                self.io
                    .try_io(crate::source::Direction::READ, |mut io| io.read(buf))
            }

            /// [`try_read`](Self::try_read) into several buffers, filled in order.
            ///
            /// # Errors
            /// As `try_read`.
            pub fn try_read_vectored(
                &self,
                bufs: &mut [std::io::IoSliceMut<'_>],
            ) -> std::io::Result<usize> {
                use std::io::Read;
                self.io.try_io(crate::source::Direction::READ, |mut io| {
                    io.read_vectored(bufs)
                })
            }

            /// [`try_read`](Self::try_read) into the spare capacity of `buf` (a
            /// `bytes::BytesMut`, a `Vec<u8>`, ...), which it advances: no zero-filling and
            /// no copy.
            ///
            /// # Errors
            /// As `try_read`.
            pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> std::io::Result<usize> {
                self.io.try_io(crate::source::Direction::READ, |io| {
                    crate::net::uninit::recv_buf_mut(socket2::SockRef::from(io), buf)
                })
            }

            /// Writes once without waiting: the bytes written (possibly fewer than
            /// `buf.len()`), or `WouldBlock` if the send buffer is full (then wait with
            /// [`writable`](Self::writable)).
            ///
            /// # Errors
            /// `WouldBlock`, or the write's error (`BrokenPipe`, `ConnectionReset`, ...).
            pub fn try_write(&self, buf: &[u8]) -> std::io::Result<usize> {
                use std::io::Write;
                self.io
                    .try_io(crate::source::Direction::WRITE, |mut io| io.write(buf))
            }

            /// [`try_write`](Self::try_write) from several buffers, taken in order.
            ///
            /// # Errors
            /// As `try_write`.
            pub fn try_write_vectored(
                &self,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::io::Result<usize> {
                use std::io::Write;
                self.io.try_io(crate::source::Direction::WRITE, |mut io| {
                    io.write_vectored(bufs)
                })
            }

            /// The pending error of the socket (`SO_ERROR`), cleared by this call.
            ///
            /// # Errors
            /// The `getsockopt` error.
            pub fn take_error(&self) -> std::io::Result<Option<std::io::Error>> {
                self.io.get_ref().take_error()
            }
        }
    };
}
pub(crate) use impl_stream_try_io;
