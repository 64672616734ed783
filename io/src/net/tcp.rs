//! TCP: [`TcpListener`], [`TcpStream`] and the halves of a split stream.

use super::addr::{connect, first_ok, resolve, stream_socket};
use super::split;
use crate::io_source::IoSource;
use socket2::{Domain, SockAddr, SockRef};
use std::fmt;
use std::io;
use std::net::{self, SocketAddr, ToSocketAddrs};

/// The backlog of a listening socket (as tokio's): connections the kernel accepts before
/// the program does.
const BACKLOG: i32 = 1024;

/// A TCP socket listening for connections.
///
/// # Examples
///
/// ```
/// use weft_io::io::{AsyncReadExt, AsyncWriteExt};
/// use weft_io::net::{TcpListener, TcpStream};
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let mut client = TcpStream::connect(listener.local_addr()?).await?;
/// let (mut server, _peer) = listener.accept().await?;
/// client.write_all(b"ping").await?;
/// let mut buf = [0; 4];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpListener {
    io: IoSource<net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` (the first of its addresses that works), with `SO_REUSEADDR` set as
    /// tokio does, and listens.
    ///
    /// # Errors
    /// The last address's error: `AddrInUse`, `PermissionDenied`, `AddrNotAvailable`, ...
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        first_ok(resolve(addr)?, |addr| async move {
            let socket = stream_socket(Domain::for_address(addr))?;
            socket.set_reuse_address(true)?;
            socket.bind(&addr.into())?;
            socket.listen(BACKLOG)?;
            TcpListener::from_std(socket.into())
        })
        .await
    }

    /// Wraps a std listener (switching it to non-blocking mode).
    ///
    /// # Errors
    /// If the mode cannot be set or the reactor refuses the socket (it shut down).
    pub fn from_std(listener: net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            io: IoSource::new(listener)?,
        })
    }

    /// Waits for a connection and returns it with the peer's address.
    ///
    /// # Errors
    /// The `accept4` error as it is, e.g. `EMFILE` when the process has too many open files;
    /// the listener stays usable and the next call tries again.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (socket, addr) = self
            .io
            .read_with(|listener| {
                SockRef::from(listener).accept4(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC)
            })
            .await?;
        let addr = addr.as_socket().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, "accepted a non-IP peer address")
        })?;
        let stream = TcpStream {
            io: IoSource::new(net::TcpStream::from(socket))?,
        };
        Ok((stream, addr))
    }

    /// The address this listener is bound to.
    ///
    /// # Errors
    /// The `getsockname` error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}

/// A TCP connection. Implements `futures-io`'s `AsyncRead` and `AsyncWrite` (also for
/// `&TcpStream`, so that one task can read while another writes); `close` shuts down the
/// writing direction, and the peer reads EOF.
///
/// # Examples
///
/// Code that makes its own calls waits with `readable` and reads with `try_read`:
///
/// ```
/// use std::io::ErrorKind;
/// use weft_io::io::AsyncWriteExt;
/// use weft_io::net::{TcpListener, TcpStream};
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let mut client = TcpStream::connect(listener.local_addr()?).await?;
/// let (server, _peer) = listener.accept().await?;
/// client.write_all(b"ping").await?;
/// let mut buf = [0; 16];
/// let n = loop {
///     server.readable().await?;
///     match server.try_read(&mut buf) {
///         Ok(n) => break n,
///         Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
///         Err(e) => return Err(e),
///     }
/// };
/// assert_eq!(&buf[..n], b"ping");
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpStream {
    io: IoSource<net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr`, trying its addresses in turn.
    ///
    /// # Errors
    /// The last address's error: `ConnectionRefused`, `TimedOut`, `NetworkUnreachable`, ...
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        first_ok(resolve(addr)?, |addr| async move {
            let socket = stream_socket(Domain::for_address(addr))?;
            let io = connect(
                socket,
                &SockAddr::from(addr),
                net::TcpStream::from,
                net::TcpStream::take_error,
                |stream| stream.peer_addr().is_ok(),
            )
            .await?;
            Ok(TcpStream { io })
        })
        .await
    }

    /// Wraps a connected std stream (switching it to non-blocking mode).
    ///
    /// # Errors
    /// If the mode cannot be set or the reactor refuses the socket (it shut down).
    pub fn from_std(stream: net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream {
            io: IoSource::new(stream)?,
        })
    }

    /// The local address of the connection.
    ///
    /// # Errors
    /// The `getsockname` error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address.
    ///
    /// # Errors
    /// The `getpeername` error (`NotConnected` once the connection is gone).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Sets `TCP_NODELAY`: small writes go out at once instead of waiting to be coalesced.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Receives data into `buf` without taking it from the socket: the next read returns the
    /// same bytes. Returns how many bytes were copied (0 at EOF).
    ///
    /// Cancel safe: nothing is taken from the socket.
    ///
    /// # Errors
    /// The `recv(MSG_PEEK)` error.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|stream| stream.peek(buf)).await
    }

    /// Borrows the stream as a read half and a write half, usable at the same time (for
    /// instance in the two branches of a `join!`).
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split::split(self)
    }

    /// Splits the stream into halves that can move to two tasks. Dropping the write half
    /// shuts down the writing direction; [`OwnedReadHalf::reunite`] puts them back together.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split::into_split(self)
    }
}

super::impl_async_io!(TcpStream);
super::impl_stream_readiness!(TcpStream);
super::impl_as_fd!(TcpStream);
super::impl_as_fd!(TcpListener);

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}

/// The read half of a [`TcpStream`] borrowed by [`TcpStream::split`].
pub type ReadHalf<'a> = split::ReadHalf<'a, TcpStream>;
/// The write half of a [`TcpStream`] borrowed by [`TcpStream::split`].
pub type WriteHalf<'a> = split::WriteHalf<'a, TcpStream>;
/// The read half of a [`TcpStream`] split by [`TcpStream::into_split`].
pub type OwnedReadHalf = split::OwnedReadHalf<TcpStream>;
/// The write half of a [`TcpStream`] split by [`TcpStream::into_split`].
pub type OwnedWriteHalf = split::OwnedWriteHalf<TcpStream>;
/// The halves given to [`OwnedReadHalf::reunite`] came from two different streams.
pub type ReuniteError = split::ReuniteError<TcpStream>;
