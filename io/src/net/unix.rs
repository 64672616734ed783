//! Unix domain streams: [`UnixListener`], [`UnixStream`] and the halves of a split stream.

use super::addr::{connect, stream_socket};
use super::split;
use crate::io_source::IoSource;
use socket2::{Domain, SockAddr};
use std::fmt;
use std::io;
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;

/// A Unix domain socket listening for connections.
///
/// # Examples
///
/// ```
/// use weft_io::io::{AsyncReadExt, AsyncWriteExt};
/// use weft_io::net::{UnixListener, UnixStream};
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-io-doc-{}.sock", std::process::id()));
/// let listener = UnixListener::bind(&path)?;
/// let mut client = UnixStream::connect(&path).await?;
/// let (mut server, _) = listener.accept().await?;
/// client.write_all(b"hi").await?;
/// let mut buf = [0; 2];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"hi");
/// std::fs::remove_file(&path)?;
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixListener {
    io: IoSource<net::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` and listens (synchronous, as tokio's: binding a path does not block).
    ///
    /// # Errors
    /// `AddrInUse` if the path exists, or the `bind` error.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let listener = net::UnixListener::bind(path)?;
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            io: IoSource::new(listener)?,
        })
    }

    /// Waits for a connection.
    ///
    /// # Errors
    /// The `accept` error as it is (`EMFILE`, ...); the listener stays usable.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = self.io.read_with(|listener| listener.accept()).await?;
        Ok((UnixStream::from_std(stream)?, addr))
    }

    /// The address this listener is bound to.
    ///
    /// # Errors
    /// The `getsockname` error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}

/// A Unix domain stream. Implements `futures-io`'s `AsyncRead` and `AsyncWrite` (also for
/// `&UnixStream`); `close` shuts down the writing direction.
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
        let socket = stream_socket(Domain::UNIX)?;
        let io = connect(
            socket,
            &SockAddr::unix(path)?,
            net::UnixStream::from,
            net::UnixStream::take_error,
            |stream| stream.peer_addr().is_ok(),
        )
        .await?;
        Ok(UnixStream { io })
    }

    /// A pair of connected streams.
    ///
    /// # Errors
    /// The `socketpair` error.
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = net::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    /// Wraps a connected std stream (switching it to non-blocking mode).
    ///
    /// # Errors
    /// If the mode cannot be set or the reactor refuses the socket (it shut down).
    pub fn from_std(stream: net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Ok(UnixStream {
            io: IoSource::new(stream)?,
        })
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

    /// Borrows the stream as a read half and a write half, usable at the same time.
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split::split(self)
    }

    /// Splits the stream into halves that can move to two tasks.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split::into_split(self)
    }
}

super::impl_async_io!(UnixStream);
super::impl_stream_readiness!(UnixStream);
super::impl_as_fd!(UnixStream);
super::impl_as_fd!(UnixListener);

impl fmt::Debug for UnixStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}

/// The read half of a [`UnixStream`] borrowed by [`UnixStream::split`].
pub type ReadHalf<'a> = split::ReadHalf<'a, UnixStream>;
/// The write half of a [`UnixStream`] borrowed by [`UnixStream::split`].
pub type WriteHalf<'a> = split::WriteHalf<'a, UnixStream>;
/// The read half of a [`UnixStream`] split by [`UnixStream::into_split`].
pub type OwnedReadHalf = split::OwnedReadHalf<UnixStream>;
/// The write half of a [`UnixStream`] split by [`UnixStream::into_split`].
pub type OwnedWriteHalf = split::OwnedWriteHalf<UnixStream>;
