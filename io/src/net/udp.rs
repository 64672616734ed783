//! UDP: [`UdpSocket`].

use super::addr::{first_ok, resolve_first, ToSocketAddrs};
use super::uninit::{ip_addr, recv_buf_mut, recv_from_buf_mut, recv_from_read_buf, recv_read_buf};
use crate::io_source::IoSource;
use crate::source::Direction;
use socket2::SockRef;
use std::fmt;
use std::io;
use std::net::{self, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsFd;
use std::task::{Context, Poll};
use tokio::io::ReadBuf;

/// A UDP socket. Every method takes `&self`: several tasks may send and receive on one socket
/// (shared through an `Arc`), and each waiting task is woken when the socket is ready.
///
/// The methods are tokio's: `send`/`recv` once [`connect`](Self::connect)ed, `send_to`/
/// `recv_from` otherwise, `peek*` to look without taking, `*_buf` into a `bytes::BufMut`,
/// `poll_*` for hand-written futures, `try_*` without waiting, and the socket options.
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
    /// Binds to `addr` (the first of its addresses that works; a host name is resolved on
    /// the blocking pool).
    ///
    /// # Errors
    /// The last address's error (`AddrInUse`, ...).
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        first_ok(&addr, |addr| async move {
            UdpSocket::from_std(net::UdpSocket::bind(addr)?)
        })
        .await
    }

    /// Wraps a std socket (switching it to non-blocking mode).
    ///
    /// # Errors
    /// If the mode cannot be set or the reactor refuses the socket (it shut down).
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn from_std(socket: net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            io: IoSource::new(socket)?,
        })
    }

    /// Takes the socket out of the reactor and back to std (still non-blocking).
    ///
    /// # Errors
    /// If the descriptor cannot be duplicated (too many open files).
    pub fn into_std(self) -> io::Result<net::UdpSocket> {
        Ok(self.io.get_ref().as_fd().try_clone_to_owned()?.into())
    }

    /// Sets the default peer: `send` goes there and `recv` only takes its datagrams. Tries
    /// each address of `addr` in turn.
    ///
    /// # Errors
    /// The last address's `connect` error.
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let socket = self.io.get_ref();
        first_ok(&addr, |addr| async move { socket.connect(addr) }).await
    }

    /// Sends `buf` to the connected peer; returns the bytes sent.
    ///
    /// # Errors
    /// `NotConnected` before [`connect`](UdpSocket::connect); `ConnectionRefused` when an
    /// earlier datagram was refused by the peer's host.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.write_with(|socket| socket.send(buf)).await
    }

    /// Polls a [`send`](Self::send) of `buf`.
    ///
    /// # Errors
    /// As `send`.
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_write_with(cx, |socket| socket.send(buf))
    }

    /// Sends `buf` to the connected peer without waiting, or `WouldBlock`.
    ///
    /// # Errors
    /// `WouldBlock`, or as [`send`](Self::send).
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::WRITE, |socket| socket.send(buf))
    }

    /// Receives a datagram from the connected peer into `buf`; returns its length (the rest
    /// of a longer datagram is lost, as with `recv(2)`).
    ///
    /// # Errors
    /// `ConnectionRefused` when an earlier datagram was refused by the peer's host.
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

    /// Receives a datagram from the connected peer without waiting, or `WouldBlock`.
    ///
    /// # Errors
    /// `WouldBlock`, or as [`recv`](Self::recv).
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::READ, |socket| socket.recv(buf))
    }

    /// Receives a datagram into the spare capacity of `buf` (a `BytesMut`, a `Vec<u8>`, ...)
    /// and advances it; no zero-filling.
    ///
    /// # Errors
    /// As [`recv`](Self::recv).
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

    /// Sends `buf` to `target` (its first address; a host name is resolved on the blocking
    /// pool, a literal address costs nothing); returns the bytes sent.
    ///
    /// # Errors
    /// The resolution or `sendto` error.
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target = resolve_first(&target).await?;
        self.io
            .write_with(|socket| socket.send_to(buf, target))
            .await
    }

    /// Polls a [`send_to`](Self::send_to) of `buf` to `target`.
    ///
    /// # Errors
    /// The `sendto` error.
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_write_with(cx, |socket| socket.send_to(buf, target))
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

    /// Receives a datagram into `buf`; returns its length and sender.
    ///
    /// # Errors
    /// The `recvfrom` error.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|socket| socket.recv_from(buf)).await
    }

    /// Polls a [`recv_from`](Self::recv_from) into the unfilled part of `buf`, which it
    /// advances; returns the sender.
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
            .map(|result| ip_addr(result?.1))
    }

    /// Receives a datagram and its sender without waiting, or `WouldBlock`.
    ///
    /// # Errors
    /// `WouldBlock`, or as [`recv_from`](Self::recv_from).
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
        Ok((n, ip_addr(addr)?))
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
        Ok((n, ip_addr(addr)?))
    }

    /// Receives a datagram from the connected peer into `buf` without taking it: the next
    /// receive returns it again.
    ///
    /// # Errors
    /// The `recv(MSG_PEEK)` error.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.read_with(|socket| socket.peek(buf)).await
    }

    /// Polls a [`peek`](Self::peek) into the unfilled part of `buf`, which it advances.
    ///
    /// # Errors
    /// As `peek`.
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        self.io
            .poll_read_with(cx, |socket| recv_read_buf(SockRef::from(socket), buf, true))
            .map_ok(drop)
    }

    /// [`peek`](Self::peek) without waiting, or `WouldBlock`.
    ///
    /// # Errors
    /// `WouldBlock`, or as `peek`.
    pub fn try_peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::READ, |socket| socket.peek(buf))
    }

    /// Receives a datagram into `buf` without taking it from the socket: the next receive
    /// returns it again. Returns its length (up to `buf.len()`) and sender.
    ///
    /// # Errors
    /// The `recvfrom(MSG_PEEK)` error.
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.read_with(|socket| socket.peek_from(buf)).await
    }

    /// Polls a [`peek_from`](Self::peek_from) into the unfilled part of `buf`.
    ///
    /// # Errors
    /// As `peek_from`.
    pub fn poll_peek_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<SocketAddr>> {
        self.io
            .poll_read_with(cx, |socket| {
                recv_from_read_buf(SockRef::from(socket), buf, true)
            })
            .map(|result| ip_addr(result?.1))
    }

    /// [`peek_from`](Self::peek_from) without waiting, or `WouldBlock`.
    ///
    /// # Errors
    /// `WouldBlock`, or as `peek_from`.
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Direction::READ, |socket| socket.peek_from(buf))
    }

    /// The sender of the next datagram, without taking it (and without truncating it, unlike
    /// a `peek_from` into a small buffer).
    ///
    /// # Errors
    /// The `recvfrom(MSG_PEEK)` error.
    pub async fn peek_sender(&self) -> io::Result<SocketAddr> {
        let sender = self
            .io
            .read_with(|socket| SockRef::from(socket).peek_sender())
            .await?;
        ip_addr(sender)
    }

    /// Polls a [`peek_sender`](Self::peek_sender).
    ///
    /// # Errors
    /// As `peek_sender`.
    pub fn poll_peek_sender(&self, cx: &mut Context<'_>) -> Poll<io::Result<SocketAddr>> {
        self.io
            .poll_read_with(cx, |socket| SockRef::from(socket).peek_sender())
            .map(|result| ip_addr(result?))
    }

    /// [`peek_sender`](Self::peek_sender) without waiting, or `WouldBlock`.
    ///
    /// # Errors
    /// `WouldBlock`, or as `peek_sender`.
    pub fn try_peek_sender(&self) -> io::Result<SocketAddr> {
        ip_addr(self.io.try_io(Direction::READ, |socket| {
            SockRef::from(socket).peek_sender()
        })?)
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

    /// The pending error of the socket (`SO_ERROR`), cleared by this call.
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

/// The socket options, each a `getsockopt`/`setsockopt` (whose error is the method's).
impl UdpSocket {
    /// Whether `SO_BROADCAST` is set.
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }

    /// Sets `SO_BROADCAST`: allows sending to broadcast addresses.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// Whether IPv4 multicast sent here loops back to this host (`IP_MULTICAST_LOOP`).
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v4()
    }

    /// Sets `IP_MULTICAST_LOOP`.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v4(on)
    }

    /// The time-to-live of outgoing IPv4 multicast (`IP_MULTICAST_TTL`).
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.io.get_ref().multicast_ttl_v4()
    }

    /// Sets `IP_MULTICAST_TTL`.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// Whether IPv6 multicast sent here loops back to this host (`IPV6_MULTICAST_LOOP`).
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v6()
    }

    /// Sets `IPV6_MULTICAST_LOOP`.
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v6(on)
    }

    /// The time-to-live of outgoing unicast packets (`IP_TTL`).
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

    /// Joins the IPv4 multicast group `multiaddr` on the interface with address `interface`
    /// (`Ipv4Addr::UNSPECIFIED`: the kernel's choice).
    ///
    /// # Errors
    /// The `setsockopt` error (`InvalidInput` for an address that is not multicast, ...).
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().join_multicast_v4(&multiaddr, &interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on interface index `interface` (0: the
    /// kernel's choice).
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves a group joined with [`join_multicast_v4`](Self::join_multicast_v4).
    ///
    /// # Errors
    /// The `setsockopt` error (`AddrNotAvailable` if not a member).
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves a group joined with [`join_multicast_v6`](Self::join_multicast_v6).
    ///
    /// # Errors
    /// The `setsockopt` error.
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v6(multiaddr, interface)
    }
}

impl TryFrom<net::UdpSocket> for UdpSocket {
    type Error = io::Error;

    /// [`UdpSocket::from_std`].
    #[track_caller]
    fn try_from(socket: net::UdpSocket) -> io::Result<UdpSocket> {
        UdpSocket::from_std(socket)
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}

super::impl_readiness!(UdpSocket, poll_recv_ready, poll_send_ready);
super::impl_as_fd!(UdpSocket);
super::impl_ip_options!(UdpSocket);
