//! [`TcpSocket`]: tokio's builder for a TCP socket that is configured before it connects or
//! listens.

use super::{TcpListener, TcpStream};
use socket2::{Domain, Socket, Type};
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, IntoRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// A TCP socket that has not yet been turned into a [`TcpStream`] or a [`TcpListener`]: set
/// its options (`SO_REUSEADDR`, `SO_REUSEPORT`, buffer sizes, ...), [`bind`](Self::bind) it,
/// then [`connect`](Self::connect) or [`listen`](Self::listen), as with tokio's `TcpSocket`.
///
/// Unlike a stream, it is not registered with a reactor until `connect` or `listen`, so it can
/// be created outside a runtime.
///
/// # Examples
///
/// ```
/// use weft_io::net::TcpSocket;
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let socket = TcpSocket::new_v4()?;
/// socket.set_reuseaddr(true)?;
/// socket.bind("127.0.0.1:0".parse().unwrap())?;
/// let listener = socket.listen(128)?;
///
/// let client = TcpSocket::new_v4()?;
/// client.set_nodelay(true)?;
/// let stream = client.connect(listener.local_addr()?).await?;
/// assert!(stream.nodelay()?);
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct TcpSocket {
    inner: Socket,
}

impl TcpSocket {
    /// A new IPv4 TCP socket (non-blocking, close-on-exec).
    ///
    /// # Errors
    /// The `socket` error (`EMFILE`, ...).
    pub fn new_v4() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV4)
    }

    /// A new IPv6 TCP socket (non-blocking, close-on-exec).
    ///
    /// # Errors
    /// The `socket` error (`EMFILE`, `EAFNOSUPPORT` without IPv6, ...).
    pub fn new_v6() -> io::Result<TcpSocket> {
        TcpSocket::new(Domain::IPV6)
    }

    fn new(domain: Domain) -> io::Result<TcpSocket> {
        let inner = Socket::new(domain, Type::STREAM.nonblocking(), None)?;
        Ok(TcpSocket { inner })
    }

    /// Sets `SO_KEEPALIVE`.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_keepalive(&self, keepalive: bool) -> io::Result<()> {
        self.inner.set_keepalive(keepalive)
    }

    /// Whether `SO_KEEPALIVE` is set.
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn keepalive(&self) -> io::Result<bool> {
        self.inner.keepalive()
    }

    /// Sets `SO_REUSEADDR`: bind to an address still in `TIME_WAIT`.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_reuseaddr(&self, reuseaddr: bool) -> io::Result<()> {
        self.inner.set_reuse_address(reuseaddr)
    }

    /// Whether `SO_REUSEADDR` is set.
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn reuseaddr(&self) -> io::Result<bool> {
        self.inner.reuse_address()
    }

    /// Sets `SO_REUSEPORT`: several sockets may bind the same address and port (the kernel
    /// spreads connections among their listeners).
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_reuseport(&self, reuseport: bool) -> io::Result<()> {
        self.inner.set_reuse_port(reuseport)
    }

    /// Whether `SO_REUSEPORT` is set.
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn reuseport(&self) -> io::Result<bool> {
        self.inner.reuse_port()
    }

    /// Sets `SO_SNDBUF` (the kernel doubles it and applies its own bounds).
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_send_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_send_buffer_size(size as usize)
    }

    /// `SO_SNDBUF`.
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn send_buffer_size(&self) -> io::Result<u32> {
        self.inner.send_buffer_size().map(saturate)
    }

    /// Sets `SO_RCVBUF` (the kernel doubles it and applies its own bounds).
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_recv_buffer_size(&self, size: u32) -> io::Result<()> {
        self.inner.set_recv_buffer_size(size as usize)
    }

    /// `SO_RCVBUF`.
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn recv_buffer_size(&self) -> io::Result<u32> {
        self.inner.recv_buffer_size().map(saturate)
    }

    /// Sets `SO_LINGER` (see [`TcpStream::set_linger`]).
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        self.inner.set_linger(linger)
    }

    /// `SO_LINGER`.
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        self.inner.linger()
    }

    /// Sets `SO_LINGER` to zero: closing resets the connection instead of sending what is
    /// left.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_zero_linger(&self) -> io::Result<()> {
        self.inner.set_linger(Some(Duration::ZERO))
    }

    /// Sets `TCP_NODELAY`, kept by the stream that [`connect`](Self::connect) makes.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.set_tcp_nodelay(nodelay)
    }

    /// Whether `TCP_NODELAY` is set.
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.inner.tcp_nodelay()
    }

    /// The address the socket is bound to.
    ///
    /// # Errors
    /// The `getsockname` error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        crate::net::uninit::ip_addr(self.inner.local_addr()?)
    }

    /// The pending error of the socket (`SO_ERROR`), cleared by this call.
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.inner.take_error()
    }

    /// Binds the socket to `addr`.
    ///
    /// # Errors
    /// The `bind` error (`AddrInUse`, `AddrNotAvailable`, an address of the wrong family,
    /// ...).
    pub fn bind(&self, addr: SocketAddr) -> io::Result<()> {
        self.inner.bind(&addr.into())
    }

    /// Connects to `addr` and waits until the connection is established.
    ///
    /// # Errors
    /// The `connect` error (`ConnectionRefused`, ...).
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    pub async fn connect(self, addr: SocketAddr) -> io::Result<TcpStream> {
        TcpStream::connect_socket(self.inner, addr).await
    }

    /// Listens with a queue of `backlog` connections the kernel accepts before the program
    /// does.
    ///
    /// # Errors
    /// The `listen` error (`AddrInUse` when another socket listens on the address without
    /// `SO_REUSEPORT`).
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<TcpListener> {
        // The kernel caps the backlog at `net.core.somaxconn` anyway.
        self.inner
            .listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
        TcpListener::from_std(self.inner.into())
    }

    /// Wraps a std stream as a socket (tokio's `from_std_stream`), e.g. to read its options.
    pub fn from_std_stream(stream: std::net::TcpStream) -> TcpSocket {
        TcpSocket {
            inner: Socket::from(stream),
        }
    }
}

/// A buffer size that does not fit in `u32` reads as `u32::MAX`.
fn saturate(size: usize) -> u32 {
    u32::try_from(size).unwrap_or(u32::MAX)
}

crate::net::impl_ip_options!(TcpSocket);

impl AsFd for TcpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl AsRawFd for TcpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl From<OwnedFd> for TcpSocket {
    /// Takes a TCP socket descriptor (it should be in non-blocking mode).
    fn from(fd: OwnedFd) -> TcpSocket {
        TcpSocket {
            inner: Socket::from(fd),
        }
    }
}

impl FromRawFd for TcpSocket {
    /// # Safety
    /// `fd` must be an open TCP socket that nothing else owns.
    unsafe fn from_raw_fd(fd: RawFd) -> TcpSocket {
        // SAFETY: the caller passes an open socket that it no longer owns (our contract,
        // which is `Socket::from_raw_fd`'s).
        let inner = unsafe { Socket::from_raw_fd(fd) };
        TcpSocket { inner }
    }
}

impl IntoRawFd for TcpSocket {
    fn into_raw_fd(self) -> RawFd {
        self.inner.into_raw_fd()
    }
}

impl fmt::Debug for TcpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}
