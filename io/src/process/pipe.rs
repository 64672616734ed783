//! [`ChildStdin`], [`ChildStdout`], [`ChildStderr`]: the parent's ends of a child's piped
//! stdio, made non-blocking and registered with the reactor like sockets.
//!
//! Invariant: a pipe end is registered with the reactor that was current when the child was
//! spawned, for its whole life (as a socket is); setting `O_NONBLOCK` on it affects only our
//! end, never the child's (the two ends are different open file descriptions).

use crate::io_source::IoSource;
use std::fmt;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::ReadBuf;

/// One end of a pipe, registered with the reactor.
struct Pipe {
    io: IoSource<File>,
}

impl Pipe {
    fn new(fd: OwnedFd) -> io::Result<Pipe> {
        set_nonblocking(fd.as_fd())?;
        Ok(Pipe {
            io: IoSource::new(File::from(fd))?,
        })
    }

    // A pipe is a byte stream: a read shorter than asked found it empty, a write shorter than
    // asked found it full, so the stream variants may skip the call that would say
    // `WouldBlock` (see `io_source.rs`).

    fn poll_read(&self, cx: &Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io
            .poll_stream_read(cx, buf.len(), |mut file| file.read(buf))
    }

    /// A read into the unfilled (possibly uninitialized) part of tokio's `ReadBuf`.
    fn poll_read_buf(&self, cx: &Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let capacity = buf.remaining();
        self.io
            .poll_stream_read(cx, capacity, |file| {
                crate::net::uninit::read_read_buf(file, buf)
            })
            .map_ok(drop)
    }

    fn poll_write(&self, cx: &Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io
            .poll_stream_write(cx, buf.len(), |mut file| file.write(buf))
    }

    fn poll_write_vectored(
        &self,
        cx: &Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|buf| buf.len()).sum();
        self.io
            .poll_stream_write(cx, len, |mut file| file.write_vectored(bufs))
    }
}

fn set_nonblocking(fd: BorrowedFd<'_>) -> io::Result<()> {
    set_blocking_mode(fd, true)
}

/// Sets or clears `O_NONBLOCK` on the open file description `fd` refers to.
fn set_blocking_mode(fd: BorrowedFd<'_>, nonblocking: bool) -> io::Result<()> {
    let raw = fd.as_raw_fd();
    // SAFETY: fcntl(F_GETFL) on a descriptor that `fd` borrows, so it stays open for the call.
    let flags = unsafe { libc::fcntl(raw, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    let flags = if nonblocking {
        flags | libc::O_NONBLOCK
    } else {
        flags & !libc::O_NONBLOCK
    };
    // SAFETY: as above; F_SETFL only changes this open file description's status flags.
    if unsafe { libc::fcntl(raw, libc::F_SETFL, flags) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

impl Pipe {
    /// The pipe end as a blocking descriptor, out of the reactor: a duplicate (the
    /// registration goes with `self`, which closes the original), made blocking again.
    fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        let fd = OwnedFd::from(self.io.get_ref().try_clone()?);
        drop(self);
        set_blocking_mode(fd.as_fd(), false)?;
        Ok(fd)
    }
}

macro_rules! pipe_end {
    ($(#[$doc:meta])* $name:ident, $std:ty) => {
        $(#[$doc])*
        pub struct $name {
            pipe: Pipe,
        }

        impl $name {
            /// Wraps a std pipe end (from a `std::process::Child` spawned elsewhere): makes it
            /// non-blocking and registers it with the current reactor.
            ///
            /// # Errors
            /// If `fcntl` fails, or registering fails (the reactor shut down, or epoll is out
            /// of room).
            ///
            /// # Panics
            /// When no reactor is current on this thread.
            pub fn from_std(inner: $std) -> io::Result<$name> {
                Ok($name {
                    pipe: Pipe::new(OwnedFd::from(inner))?,
                })
            }
        }

        impl $name {
            /// The pipe end as a blocking `OwnedFd`, deregistered from the reactor: to hand
            /// it to a thread that does blocking I/O, or to another child.
            ///
            /// # Errors
            /// If duplicating the descriptor or `fcntl` fails.
            pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
                self.pipe.into_blocking_fd()
            }
        }

        /// Hands the pipe to another child as its stdio: `cmd.stdin(first_stdout.try_into()?)`
        /// pipes one child's output into the next one's input, as a shell pipeline does.
        impl TryFrom<$name> for std::process::Stdio {
            type Error = io::Error;

            fn try_from(end: $name) -> io::Result<std::process::Stdio> {
                end.into_owned_fd().map(std::process::Stdio::from)
            }
        }

        impl AsFd for $name {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.pipe.io.get_ref().as_fd()
            }
        }

        impl AsRawFd for $name {
            fn as_raw_fd(&self) -> RawFd {
                self.pipe.io.get_ref().as_raw_fd()
            }
        }

        impl TryFrom<$std> for $name {
            type Error = io::Error;

            fn try_from(inner: $std) -> io::Result<$name> {
                $name::from_std(inner)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("fd", &self.as_raw_fd())
                    .finish()
            }
        }
    };
}

pipe_end!(
    /// The writing end of a child's stdin (`Stdio::piped()`), from [`Child::stdin`](super::Child::stdin).
    ///
    /// Dropping it closes the pipe: the child reads end-of-file. A write after the child
    /// exited fails with `BrokenPipe`.
    ChildStdin,
    std::process::ChildStdin
);

pipe_end!(
    /// The reading end of a child's stdout (`Stdio::piped()`), from [`Child::stdout`](super::Child::stdout).
    ///
    /// Reads end-of-file once the child (and every process it passed the pipe to) closed it.
    ChildStdout,
    std::process::ChildStdout
);

pipe_end!(
    /// The reading end of a child's stderr (`Stdio::piped()`), from [`Child::stderr`](super::Child::stderr).
    ChildStderr,
    std::process::ChildStderr
);

impl tokio::io::AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.pipe.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.pipe.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A pipe has no user-space buffer to flush.
        Poll::Ready(Ok(()))
    }

    /// A pipe cannot be half-closed while open: drop the `ChildStdin` to close it.
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl futures_io::AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.pipe.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.pipe.poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        // A pipe has no user-space buffer to flush.
        Poll::Ready(Ok(()))
    }

    /// A pipe cannot be half-closed while open: drop the `ChildStdin` to close it.
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncRead for ChildStdout {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.pipe.poll_read_buf(cx, buf)
    }
}

impl tokio::io::AsyncRead for ChildStderr {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.pipe.poll_read_buf(cx, buf)
    }
}

impl futures_io::AsyncRead for ChildStdout {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.pipe.poll_read(cx, buf)
    }
}

impl futures_io::AsyncRead for ChildStderr {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.pipe.poll_read(cx, buf)
    }
}
