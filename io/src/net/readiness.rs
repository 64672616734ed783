//! Readiness for code that makes its own system calls, with tokio's names: `readable` and
//! `writable` wait until an operation is worth trying, `try_read`/`try_write` (`try_recv`,
//! `try_send`, ... on UDP) try it once without waiting; and `AsFd`/`AsRawFd` for every socket
//! type, so that `socket2::SockRef` (or any raw call) can reach options weft does not wrap.
//!
//! Invariant: a `try_*` call that returns `WouldBlock` has cleared the readiness it read before
//! its system call (unless an event arrived since), so the next `readable`/`writable` waits for
//! a new event instead of returning at once forever.

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

/// `readable`, `writable` and the `try_` reads and writes of a stream type whose field `io` is
/// an `IoSource` over a std stream.
macro_rules! impl_stream_readiness {
    ($stream:ty) => {
        impl $stream {
            /// Waits until the stream may be readable: data, EOF or an error is there to read.
            /// It may return when a read would still block (after a spurious event, or at
            /// first, as sockets start out assumed ready); [`try_read`](Self::try_read) then
            /// says `WouldBlock` and the next call waits for a new event.
            ///
            /// Cancel safe: dropping the future loses nothing.
            ///
            /// # Errors
            /// Once the runtime that drives the stream has shut down.
            pub async fn readable(&self) -> std::io::Result<()> {
                self.io.ready(crate::source::Direction::READ).await
            }

            /// Waits until the stream may be writable: the send buffer has room (see
            /// [`readable`](Self::readable) for spurious returns).
            ///
            /// Cancel safe: dropping the future loses nothing.
            ///
            /// # Errors
            /// Once the runtime that drives the stream has shut down.
            pub async fn writable(&self) -> std::io::Result<()> {
                self.io.ready(crate::source::Direction::WRITE).await
            }

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
        }
    };
}
pub(crate) use impl_stream_readiness;
