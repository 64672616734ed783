//! [`UnixDatagram`].

use super::SocketAddr;
use crate::io_source::IoSource;
use crate::net::uninit::{recv_buf_mut, recv_from_buf_mut, recv_from_read_buf, recv_read_buf};
use crate::source::Direction;
use crate::source::WRITE_READY;
use socket2::{SockAddr, SockRef};
use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::fd::AsFd;
use std::os::unix::net;
use std::path::Path;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use tokio::io::ReadBuf;

/// A Unix datagram socket, as tokio's: bound to a path ([`bind`](Self::bind)), unbound
/// ([`unbound`](Self::unbound)) or one of a connected [`pair`](Self::pair). Every method
/// takes `&self`, so several tasks may send and receive on one socket.
///
/// # Examples
///
/// ```
/// use weft_io::net::UnixDatagram;
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let (a, b) = UnixDatagram::pair()?;
/// a.send(b"one").await?;
/// a.send(b"two").await?;
/// let mut buf = [0; 8];
/// let n = b.recv(&mut buf).await?;
/// assert_eq!(&buf[..n], b"one", "datagrams keep their boundaries");
/// let n = b.recv(&mut buf).await?;
/// assert_eq!(&buf[..n], b"two");
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixDatagram {
    io: IoSource<net::UnixDatagram>,
}

impl UnixDatagram {
    /// Binds a socket to `path` (synchronous, as tokio's). A path that starts with a NUL byte
    /// (`"\0name"`) names a socket in Linux's abstract namespace, as in tokio (and so for
    /// `connect` and `send_to`).
    ///
    /// # Errors
    /// `AddrInUse` if the path exists, or the `bind` error.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        let addr = super::std_addr(path.as_ref())?;
        UnixDatagram::from_std(net::UnixDatagram::bind_addr(&addr)?)
    }

    /// A socket bound to no address: it can send to paths (and [`connect`](Self::connect)),
    /// but nothing can send to it by name.
    ///
    /// # Errors
    /// The `socket` error.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(net::UnixDatagram::unbound()?)
    }

    /// A pair of connected, unnamed sockets.
    ///
    /// # Errors
    /// The `socketpair` error.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = net::UnixDatagram::pair()?;
        // Both ends are new and empty: writable, not readable (as tokio assumes them).
        Ok((
            UnixDatagram::from_std_assuming(a, WRITE_READY)?,
            UnixDatagram::from_std_assuming(b, WRITE_READY)?,
        ))
    }

    /// Wraps a std socket (switching it to non-blocking mode).
    ///
    /// # Errors
    /// If the mode cannot be set or the reactor refuses the socket (it shut down).
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn from_std(socket: net::UnixDatagram) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std_assuming(socket, 0)
    }

    /// `from_std`, starting with the readiness bits `assumed`.
    #[track_caller]
    fn from_std_assuming(socket: net::UnixDatagram, assumed: usize) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        Ok(UnixDatagram {
            io: IoSource::new_assuming(socket, assumed)?,
        })
    }

    /// Takes the socket out of the reactor and back to std (still non-blocking).
    ///
    /// # Errors
    /// If the descriptor cannot be duplicated (too many open files).
    pub fn into_std(self) -> io::Result<net::UnixDatagram> {
        Ok(self.io.get_ref().as_fd().try_clone_to_owned()?.into())
    }

    /// Sets the default peer: `send` goes there and `recv` only takes its datagrams.
    ///
    /// # Errors
    /// The `connect` error (`NotFound`, `ConnectionRefused`, ...).
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let addr = super::std_addr(path.as_ref())?;
        self.io.get_ref().connect_addr(&addr)
    }

    /// Sends `buf` to the connected peer; returns the bytes sent.
    ///
    /// # Errors
    /// `NotConnected` before a `connect`, or the `send` error.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|socket| socket.send(buf)).await
    }

    /// Polls a [`send`](Self::send).
    ///
    /// # Errors
    /// As `send`.
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |socket| socket.send(buf))
    }

    /// [`send`](Self::send) without waiting, or `WouldBlock`.
    ///
    /// # Errors
    /// `WouldBlock`, or as `send`.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::WRITE, |socket| socket.send(buf))
    }

    /// Sends `buf` to the socket bound at `target`.
    ///
    /// # Errors
    /// The `sendto` error (`NotFound`, `ConnectionRefused`, ...).
    pub async fn send_to(&self, buf: &[u8], target: impl AsRef<Path>) -> io::Result<usize> {
        let target = super::std_addr(target.as_ref())?;
        self.io
            .write_with(|socket| socket.send_to_addr(buf, &target))
            .await
    }

    /// Polls a [`send_to`](Self::send_to).
    ///
    /// # Errors
    /// As `send_to`.
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: impl AsRef<Path>,
    ) -> Poll<io::Result<usize>> {
        let target = super::std_addr(target.as_ref())?;
        self.io
            .poll_write_with(cx, |socket| socket.send_to_addr(buf, &target))
    }

    /// [`send_to`](Self::send_to) without waiting, or `WouldBlock`.
    ///
    /// # Errors
    /// `WouldBlock`, or as `send_to`.
    pub fn try_send_to(&self, buf: &[u8], target: impl AsRef<Path>) -> io::Result<usize> {
        let target = super::std_addr(target.as_ref())?;
        self.io
            .try_io(Direction::WRITE, |socket| socket.send_to_addr(buf, &target))
    }

    /// Receives a datagram into `buf`; returns its length (the rest of a longer datagram is
    /// lost).
    ///
    /// # Errors
    /// The `recv` error.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|socket| socket.recv(buf)).await
    }

    /// Polls a [`recv`](Self::recv) into the unfilled part of `buf`, which it advances.
    ///
    /// # Errors
    /// As `recv`.
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.io
            .poll_read_with(cx, |socket| {
                recv_read_buf(SockRef::from(socket), buf, false)
            })
            .map_ok(drop)
    }

    /// [`recv`](Self::recv) without waiting, or `WouldBlock`.
    ///
    /// # Errors
    /// `WouldBlock`, or as `recv`.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::READ, |socket| socket.recv(buf))
    }

    /// Receives a datagram into the spare capacity of `buf`, which it advances.
    ///
    /// # Errors
    /// As `recv`.
    pub async fn recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io
            .read_with(|socket| recv_buf_mut(SockRef::from(socket), buf))
            .await
    }

    /// [`recv_buf`](Self::recv_buf) without waiting, or `WouldBlock`.
    ///
    /// # Errors
    /// `WouldBlock`, or as `recv`.
    pub fn try_recv_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        self.io.try_io(Direction::READ, |socket| {
            recv_buf_mut(SockRef::from(socket), buf)
        })
    }

    /// Receives a datagram into `buf`; returns its length and the sender's address (unnamed
    /// for an unbound sender).
    ///
    /// # Errors
    /// The `recvfrom` error.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|socket| socket.recv_from(buf)).await
    }

    /// Polls a [`recv_from`](Self::recv_from) into the unfilled part of `buf`.
    ///
    /// # Errors
    /// As `recv_from`.
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        self.io
            .poll_read_with(cx, |socket| {
                recv_from_read_buf(SockRef::from(socket), buf, false)
            })
            .map(|result| unix_addr(&result?.1))
    }

    /// [`recv_from`](Self::recv_from) without waiting, or `WouldBlock`.
    ///
    /// # Errors
    /// `WouldBlock`, or as `recv_from`.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Direction::READ, |socket| socket.recv_from(buf))
    }

    /// [`recv_from`](Self::recv_from) into the spare capacity of `buf`, which it advances.
    ///
    /// # Errors
    /// As `recv_from`.
    pub async fn recv_buf_from<B: bytes::BufMut>(
        &self,
        buf: &mut B,
    ) -> io::Result<(usize, SocketAddr)> {
        let (n, addr) = self
            .io
            .read_with(|socket| recv_from_buf_mut(SockRef::from(socket), buf))
            .await?;
        Ok((n, unix_addr(&addr)?))
    }

    /// [`recv_buf_from`](Self::recv_buf_from) without waiting, or `WouldBlock`.
    ///
    /// # Errors
    /// `WouldBlock`, or as `recv_from`.
    pub fn try_recv_buf_from<B: bytes::BufMut>(
        &self,
        buf: &mut B,
    ) -> io::Result<(usize, SocketAddr)> {
        let (n, addr) = self.io.try_io(Direction::READ, |socket| {
            recv_from_buf_mut(SockRef::from(socket), buf)
        })?;
        Ok((n, unix_addr(&addr)?))
    }

    /// The address this socket is bound to (unnamed if unbound).
    ///
    /// # Errors
    /// The `getsockname` error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    /// `NotConnected` before a `connect`.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// The pending error of the socket (`SO_ERROR`), cleared by this call.
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Shuts down reading, writing or both: further sends fail with `BrokenPipe`, further
    /// receives return 0 once the queue is drained.
    ///
    /// # Errors
    /// The `shutdown` error.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }
}

/// std's form of a Unix address that socket2 received. std builds an unnamed address only
/// from a system call, so one is read once from an unbound socket and cloned.
fn unix_addr(addr: &SockAddr) -> io::Result<SocketAddr> {
    use std::os::linux::net::SocketAddrExt;
    if let Some(path) = addr.as_pathname() {
        return SocketAddr::from_pathname(path);
    }
    if let Some(name) = addr.as_abstract_namespace() {
        return SocketAddr::from_abstract_name(name);
    }
    static UNNAMED: OnceLock<SocketAddr> = OnceLock::new();
    if let Some(unnamed) = UNNAMED.get() {
        return Ok(unnamed.clone());
    }
    let unnamed = net::UnixDatagram::unbound()?.local_addr()?;
    Ok(UNNAMED.get_or_init(|| unnamed).clone())
}

impl TryFrom<net::UnixDatagram> for UnixDatagram {
    type Error = io::Error;

    /// [`UnixDatagram::from_std`].
    #[track_caller]
    fn try_from(socket: net::UnixDatagram) -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(socket)
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}

crate::net::impl_readiness!(UnixDatagram, poll_recv_ready, poll_send_ready);
crate::net::impl_as_fd!(UnixDatagram);
