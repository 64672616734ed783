//! [`UnixStream`].

use super::{split, OwnedReadHalf, OwnedWriteHalf, ReadHalf, SocketAddr, UCred, WriteHalf};
use crate::io_source::IoSource;
use crate::source::{READ_READY, WRITE_READY};
use socket2::{Domain, SockAddr, Socket, Type};
use std::fmt;
use std::io;
use std::os::fd::AsFd;
use std::os::unix::net;
use std::path::Path;

/// A Unix domain stream. Implements tokio's `AsyncRead` and `AsyncWrite` and futures-io's
/// (also for `&UnixStream`); `shutdown` (futures-io's `close`) shuts down the writing
/// direction.
///
/// # Examples
///
/// ```
/// use weft_io::io::{AsyncReadExt, AsyncWriteExt};
/// use weft_io::net::UnixStream;
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let (mut a, mut b) = UnixStream::pair()?;
/// a.write_u32(7).await?;
/// a.shutdown().await?;
/// assert_eq!(b.read_u32().await?, 7);
/// assert_eq!(b.read(&mut [0; 4]).await?, 0, "EOF after the shutdown");
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixStream {
    io: IoSource<net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket at `path`.
    ///
    /// # Errors
    /// `NotFound`, `ConnectionRefused`, or `WouldBlock` if the listener's backlog is full.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let socket = Socket::new(Domain::UNIX, Type::STREAM.nonblocking(), None)?;
        UnixStream::connect_socket(socket, &SockAddr::unix(path)?).await
    }

    /// Starts a non-blocking connect of `socket` and waits until it is established or failed.
    pub(crate) async fn connect_socket(socket: Socket, addr: &SockAddr) -> io::Result<UnixStream> {
        let io = crate::net::connect::connect(
            socket,
            addr,
            net::UnixStream::from,
            net::UnixStream::take_error,
            |stream| stream.peer_addr().is_ok(),
        )
        .await?;
        Ok(UnixStream { io })
    }

    /// Connects to the socket at `addr`: a path, or a name in Linux's abstract namespace
    /// (`SocketAddrExt::from_abstract_name`).
    ///
    /// # Errors
    /// As [`connect`](Self::connect); `InvalidInput` for an unnamed address.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    pub async fn connect_addr(addr: &SocketAddr) -> io::Result<UnixStream> {
        let socket = Socket::new(Domain::UNIX, Type::STREAM.nonblocking(), None)?;
        UnixStream::connect_socket(socket, &super::sock_addr(addr)?).await
    }

    /// A pair of connected streams.
    ///
    /// # Errors
    /// The `socketpair` error.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = net::UnixStream::pair()?;
        // Both ends are new and empty: writable, not readable (as tokio assumes them).
        Ok((
            UnixStream::from_std_assuming(a, WRITE_READY)?,
            UnixStream::from_std_assuming(b, WRITE_READY)?,
        ))
    }

    /// Wraps a connected std stream (switching it to non-blocking mode).
    ///
    /// # Errors
    /// If the mode cannot be set or the reactor refuses the socket (it shut down).
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn from_std(stream: net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::from_std_assuming(stream, 0)
    }

    /// Registers a stream just accepted, assumed readable and writable as tokio assumes it
    /// (see `TcpStream::from_accepted`).
    #[track_caller]
    pub(crate) fn from_accepted(stream: net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::from_std_assuming(stream, READ_READY | WRITE_READY)
    }

    /// `from_std`, starting with the readiness bits `assumed`.
    #[track_caller]
    fn from_std_assuming(stream: net::UnixStream, assumed: usize) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream {
            io: IoSource::new_assuming(stream, assumed)?,
        })
    }

    /// Takes the stream out of the reactor and back to std (still non-blocking).
    ///
    /// # Errors
    /// If the descriptor cannot be duplicated (too many open files).
    pub fn into_std(self) -> io::Result<net::UnixStream> {
        Ok(self.io.get_ref().as_fd().try_clone_to_owned()?.into())
    }

    /// The local address.
    ///
    /// # Errors
    /// The `getsockname` error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address.
    ///
    /// # Errors
    /// The `getpeername` error.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The credentials of the peer process (`SO_PEERCRED`).
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn peer_cred(&self) -> io::Result<UCred> {
        super::ucred::peer_cred(self.io.get_ref().as_fd())
    }

    /// Borrows the stream as a read half and a write half, usable at the same time.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split::split(self)
    }

    /// Splits the stream into halves that can move to two tasks. Dropping the write half
    /// shuts down the writing direction (unless it is `forget`-ten).
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split::into_split(self)
    }
}

impl TryFrom<net::UnixStream> for UnixStream {
    type Error = io::Error;

    /// [`UnixStream::from_std`].
    #[track_caller]
    fn try_from(stream: net::UnixStream) -> io::Result<UnixStream> {
        UnixStream::from_std(stream)
    }
}

crate::net::impl_async_io!(UnixStream);
crate::net::impl_readiness!(UnixStream, poll_read_ready, poll_write_ready);
crate::net::impl_stream_try_io!(UnixStream);
crate::net::impl_as_fd!(UnixStream);

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}
