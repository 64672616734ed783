//! [`TcpListener`].

use super::TcpStream;
use crate::io_source::IoSource;
use crate::net::addr::{first_ok, ToSocketAddrs};
use crate::net::uninit::ip_addr;
use socket2::{Domain, SockAddr, SockRef, Socket, Type};
use std::fmt;
use std::io;
use std::net::{self, SocketAddr};
use std::os::fd::AsFd;
use std::task::{Context, Poll};

/// The backlog of a listening socket (as tokio's): connections the kernel accepts before
/// the program does.
pub(crate) const BACKLOG: i32 = 1024;

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
    /// tokio does, and listens. A host name is resolved on the blocking pool.
    ///
    /// # Errors
    /// The last address's error: `AddrInUse`, `PermissionDenied`, `AddrNotAvailable`, ...
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        first_ok(&addr, |addr| async move {
            let socket = Socket::new(Domain::for_address(addr), Type::STREAM.nonblocking(), None)?;
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
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn from_std(listener: net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Ok(TcpListener {
            io: IoSource::new(listener)?,
        })
    }

    /// Takes the listener out of the reactor and back to std (still in non-blocking mode, as
    /// tokio's; `set_nonblocking(false)` to block on it).
    ///
    /// # Errors
    /// If the descriptor cannot be duplicated (too many open files).
    pub fn into_std(self) -> io::Result<net::TcpListener> {
        Ok(self.io.get_ref().as_fd().try_clone_to_owned()?.into())
    }

    /// Waits for a connection and returns it with the peer's address.
    ///
    /// Cancel safe: a connection is taken only by the poll that returns it.
    ///
    /// # Errors
    /// The `accept4` error as it is, e.g. `EMFILE` when the process has too many open files;
    /// the listener stays usable and the next call tries again.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        // `read_with`, not `poll_fn(poll_accept)`: the future's own waiter slot goes with it
        // when it is dropped (a `poll_*` caller's waker stays until the next event).
        accepted(self.io.read_with(accept_nonblocking).await)
    }

    /// Polls for a connection: `Ready` with it, or `Pending` with the waker of `cx` stored for
    /// the next one (every task that polls is woken).
    ///
    /// # Errors
    /// As [`accept`](Self::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        self.io.poll_read_with(cx, accept_nonblocking).map(accepted)
    }

    /// The address this listener is bound to.
    ///
    /// # Errors
    /// The `getsockname` error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The `IP_TTL` of the listener (given to accepted connections).
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
}

/// `accept4` with the new socket already non-blocking and close-on-exec (no `fcntl` after).
fn accept_nonblocking(listener: &net::TcpListener) -> io::Result<(Socket, SockAddr)> {
    SockRef::from(listener).accept4(libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC)
}

/// Registers an accepted connection.
fn accepted(result: io::Result<(Socket, SockAddr)>) -> io::Result<(TcpStream, SocketAddr)> {
    let (socket, addr) = result?;
    let addr = ip_addr(addr)?;
    Ok((
        TcpStream::from_accepted(net::TcpStream::from(socket))?,
        addr,
    ))
}

impl TryFrom<net::TcpListener> for TcpListener {
    type Error = io::Error;

    /// [`TcpListener::from_std`].
    #[track_caller]
    fn try_from(listener: net::TcpListener) -> io::Result<TcpListener> {
        TcpListener::from_std(listener)
    }
}

crate::net::impl_as_fd!(TcpListener);

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}
