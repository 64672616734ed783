//! UDP: [`UdpSocket`].

use super::addr::{first_ok, resolve, resolve_first};
use crate::io_source::IoSource;
use crate::source::Direction;
use std::fmt;
use std::io;
use std::net::{self, SocketAddr, ToSocketAddrs};

/// A UDP socket. Every method takes `&self`: several tasks may send and receive on one socket
/// (shared through an `Arc`), and each waiting task is woken when the socket is ready.
///
/// # Examples
///
/// ```
/// use weft_io::net::UdpSocket;
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let a = UdpSocket::bind("127.0.0.1:0").await?;
/// let b = UdpSocket::bind("127.0.0.1:0").await?;
/// a.send_to(b"hello", b.local_addr()?).await?;
/// let mut buf = [0; 16];
/// let (n, from) = b.recv_from(&mut buf).await?;
/// assert_eq!((&buf[..n], from), (&b"hello"[..], a.local_addr()?));
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UdpSocket {
    io: IoSource<net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to `addr` (the first of its addresses that works).
    ///
    /// # Errors
    /// The last address's error (`AddrInUse`, ...).
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        first_ok(resolve(addr)?, |addr| async move {
            UdpSocket::from_std(net::UdpSocket::bind(addr)?)
        })
        .await
    }

    /// Wraps a std socket (switching it to non-blocking mode).
    ///
    /// # Errors
    /// If the mode cannot be set or the reactor refuses the socket (it shut down).
    pub fn from_std(socket: net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            io: IoSource::new(socket)?,
        })
    }

    /// Sets the default peer: `send` goes there and `recv` only takes its datagrams.
    ///
    /// # Errors
    /// The last address's `connect` error.
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let socket = self.io.get_ref();
        first_ok(resolve(addr)?, |addr| async move { socket.connect(addr) }).await
    }

    /// Sends `buf` to the connected peer; returns the bytes sent.
    ///
    /// # Errors
    /// `NotConnected` before [`connect`](UdpSocket::connect); `ConnectionRefused` when an
    /// earlier datagram was refused by the peer's host.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|socket| socket.send(buf)).await
    }

    /// Receives a datagram from the connected peer into `buf`; returns its length (the rest
    /// of a longer datagram is lost, as with `recv(2)`).
    ///
    /// # Errors
    /// `ConnectionRefused` when an earlier datagram was refused by the peer's host.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|socket| socket.recv(buf)).await
    }

    /// Sends `buf` to `target` (its first address); returns the bytes sent.
    ///
    /// # Errors
    /// The resolution or `sendto` error.
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target = resolve_first(target)?;
        self.io
            .write_with(|socket| socket.send_to(buf, target))
            .await
    }

    /// Receives a datagram into `buf`; returns its length and sender.
    ///
    /// # Errors
    /// The `recvfrom` error.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|socket| socket.recv_from(buf)).await
    }

    /// Receives a datagram into `buf` without taking it from the socket: the next receive
    /// returns it again. Returns its length (up to `buf.len()`) and sender.
    ///
    /// # Errors
    /// The `recvfrom(MSG_PEEK)` error.
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|socket| socket.peek_from(buf)).await
    }

    /// Waits until a datagram (or an error) may be there to receive. It may return when a
    /// receive would still block (after a spurious event, or at first, as sockets start out
    /// assumed ready); a `try_recv*` call then says `WouldBlock` and the next call waits for
    /// a new event.
    ///
    /// Cancel safe: dropping the future loses nothing.
    ///
    /// # Errors
    /// Once the runtime that drives the socket has shut down.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.ready(Direction::READ).await
    }

    /// Waits until the socket may be able to send (see [`readable`](Self::readable) for
    /// spurious returns).
    ///
    /// Cancel safe: dropping the future loses nothing.
    ///
    /// # Errors
    /// Once the runtime that drives the socket has shut down.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.ready(Direction::WRITE).await
    }

    /// Receives a datagram from the connected peer without waiting, or `WouldBlock`.
    ///
    /// # Errors
    /// `WouldBlock`, or as [`recv`](Self::recv).
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::READ, |socket| socket.recv(buf))
    }

    /// Receives a datagram and its sender without waiting, or `WouldBlock`.
    ///
    /// # Errors
    /// `WouldBlock`, or as [`recv_from`](Self::recv_from).
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Direction::READ, |socket| socket.recv_from(buf))
    }

    /// Sends `buf` to the connected peer without waiting, or `WouldBlock`.
    ///
    /// # Errors
    /// `WouldBlock`, or as [`send`](Self::send).
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::WRITE, |socket| socket.send(buf))
    }

    /// Sends `buf` to `target` without waiting, or `WouldBlock`. Takes a resolved address:
    /// a non-blocking call has no time to resolve a host name.
    ///
    /// # Errors
    /// `WouldBlock`, or the `sendto` error.
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io
            .try_io(Direction::WRITE, |socket| socket.send_to(buf, target))
    }

    /// The address this socket is bound to.
    ///
    /// # Errors
    /// The `getsockname` error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The connected peer's address.
    ///
    /// # Errors
    /// `NotConnected` before [`connect`](UdpSocket::connect).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Allows sending to broadcast addresses.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}

super::impl_as_fd!(UdpSocket);
