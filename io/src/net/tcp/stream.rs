//! [`TcpStream`].

use super::{split, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::io_source::IoSource;
use crate::net::addr::{first_ok, ToSocketAddrs};
use crate::net::uninit::recv_read_buf;
use crate::source::{READ_READY, WRITE_READY};
use socket2::{Domain, SockAddr, SockRef, Socket, Type};
use std::fmt;
use std::io;
use std::net::{self, SocketAddr};
use std::os::fd::AsFd;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::ReadBuf;

/// A TCP connection. Implements tokio's `AsyncRead` and `AsyncWrite` (so `weft::io`'s
/// `AsyncReadExt`/`AsyncWriteExt`, tokio-util's codecs and hyper-util's `TokioIo` take it),
/// and `futures-io`'s for the futures ecosystem; both also for `&TcpStream`, so that one task
/// can read while another writes. `shutdown` (futures-io's `close`) shuts down the writing
/// direction, and the peer reads EOF.
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
    /// Connects to `addr`, trying its addresses in turn (a host name is resolved on the
    /// blocking pool).
    ///
    /// # Errors
    /// The last address's error: `ConnectionRefused`, `TimedOut`, `NetworkUnreachable`, ...
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        first_ok(&addr, |addr| async move {
            let socket = Socket::new(Domain::for_address(addr), Type::STREAM.nonblocking(), None)?;
            TcpStream::connect_socket(socket, addr).await
        })
        .await
    }

    /// Starts a non-blocking connect of `socket` and waits until it is established or failed.
    pub(crate) async fn connect_socket(socket: Socket, addr: SocketAddr) -> io::Result<TcpStream> {
        let io = crate::net::connect::connect(
            socket,
            &SockAddr::from(addr),
            net::TcpStream::from,
            net::TcpStream::take_error,
            |stream| stream.peer_addr().is_ok(),
        )
        .await?;
        Ok(TcpStream { io })
    }

    /// Wraps a connected std stream (switching it to non-blocking mode).
    ///
    /// # Errors
    /// If the mode cannot be set or the reactor refuses the socket (it shut down).
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn from_std(stream: net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Ok(TcpStream {
            io: IoSource::new(stream)?,
        })
    }

    /// Registers a stream just accepted (already non-blocking), assumed readable and writable
    /// as tokio assumes it: it is writable, and usually holds the peer's first bytes, which a
    /// read then takes without waiting for the reactor's first turn.
    #[track_caller]
    pub(crate) fn from_accepted(stream: net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: IoSource::new_assuming(stream, READ_READY | WRITE_READY)?,
        })
    }

    /// Takes the stream out of the reactor and back to std (still in non-blocking mode, as
    /// tokio's; `set_nonblocking(false)` to block on it). Unread data stays in the socket.
    ///
    /// # Errors
    /// If the descriptor cannot be duplicated (too many open files).
    pub fn into_std(self) -> io::Result<net::TcpStream> {
        Ok(self.io.get_ref().as_fd().try_clone_to_owned()?.into())
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

    /// `SO_LINGER`: how long closing waits for unsent data (`None`: close returns at once and
    /// the kernel sends it in the background).
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        SockRef::from(self.io.get_ref()).linger()
    }

    /// Sets `SO_LINGER`. `Some(Duration::ZERO)` makes closing reset the connection.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_linger(linger)
    }

    /// Sets `SO_LINGER` to zero: closing resets the connection (the peer reads
    /// `ConnectionReset`) instead of sending what is left.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_zero_linger(&self) -> io::Result<()> {
        self.set_linger(Some(Duration::ZERO))
    }

    /// Whether `TCP_QUICKACK` is set: acknowledgements go out at once instead of being
    /// delayed (the kernel may clear it again on its own).
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn quickack(&self) -> io::Result<bool> {
        SockRef::from(self.io.get_ref()).tcp_quickack()
    }

    /// Sets `TCP_QUICKACK`.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_quickack(&self, quickack: bool) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_tcp_quickack(quickack)
    }

    /// `IP_TTL`: the time-to-live of outgoing packets.
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets `IP_TTL`.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
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

    /// Polls a peek into the unfilled part of `buf`, which it advances; returns the bytes
    /// peeked (0 at EOF), or `Pending` with the waker stored for the next readable event.
    ///
    /// # Errors
    /// The `recv(MSG_PEEK)` error.
    pub fn poll_peek(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_read_with(cx, |stream| recv_read_buf(SockRef::from(stream), buf, true))
    }

    /// Borrows the stream as a read half and a write half, usable at the same time (for
    /// instance in the two branches of a `join!`).
    pub fn split(&mut self) -> (ReadHalf<'_>, WriteHalf<'_>) {
        split::split(self)
    }

    /// Splits the stream into halves that can move to two tasks. Dropping the write half
    /// shuts down the writing direction (unless [`OwnedWriteHalf::forget`] is used);
    /// [`OwnedReadHalf::reunite`] puts them back together.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        split::into_split(self)
    }
}

impl TryFrom<net::TcpStream> for TcpStream {
    type Error = io::Error;

    /// [`TcpStream::from_std`].
    #[track_caller]
    fn try_from(stream: net::TcpStream) -> io::Result<TcpStream> {
        TcpStream::from_std(stream)
    }
}

crate::net::impl_async_io!(TcpStream);
crate::net::impl_readiness!(TcpStream, poll_read_ready, poll_write_ready);
crate::net::impl_stream_try_io!(TcpStream);
crate::net::impl_as_fd!(TcpStream);

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}
