//! [`UnixSocket`]: tokio's builder for a Unix socket that is bound before it becomes a
//! listener, a stream or a datagram socket.

use super::{UnixDatagram, UnixListener, UnixStream};
use socket2::{Domain, SockAddr, Socket, Type};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net;
use std::path::Path;

/// A Unix socket not yet turned into a [`UnixListener`], [`UnixStream`] or [`UnixDatagram`]:
/// make it with [`new_stream`](Self::new_stream) or [`new_datagram`](Self::new_datagram),
/// [`bind`](Self::bind) it if it needs a name, then [`listen`](Self::listen),
/// [`connect`](Self::connect) or turn it into a [`datagram`](Self::datagram) socket.
///
/// It is registered with a reactor only by that last step, so it can be made anywhere.
///
/// # Examples
///
/// ```
/// use weft_io::net::UnixSocket;
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let path = std::env::temp_dir().join(format!("weft-io-socket-{}.sock", std::process::id()));
/// let socket = UnixSocket::new_stream()?;
/// socket.bind(&path)?;
/// let listener = socket.listen(16)?;
/// let client = UnixSocket::new_stream()?.connect(&path).await?;
/// let (server, _) = listener.accept().await?;
/// assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
/// # drop(server);
/// std::fs::remove_file(&path)?;
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct UnixSocket {
    inner: Socket,
}

impl UnixSocket {
    /// A new (non-blocking, close-on-exec) Unix stream socket.
    ///
    /// # Errors
    /// The `socket` error (`EMFILE`, ...).
    pub fn new_stream() -> io::Result<UnixSocket> {
        UnixSocket::new(Type::STREAM)
    }

    /// A new (non-blocking, close-on-exec) Unix datagram socket.
    ///
    /// # Errors
    /// The `socket` error (`EMFILE`, ...).
    pub fn new_datagram() -> io::Result<UnixSocket> {
        UnixSocket::new(Type::DGRAM)
    }

    fn new(ty: Type) -> io::Result<UnixSocket> {
        let inner = Socket::new(Domain::UNIX, ty.nonblocking(), None)?;
        Ok(UnixSocket { inner })
    }

    fn is_stream(&self) -> io::Result<bool> {
        Ok(self.inner.r#type()? == Type::STREAM)
    }

    /// Binds the socket to `path`.
    ///
    /// # Errors
    /// `AddrInUse` if the path exists, or the `bind` error.
    pub fn bind(&self, path: impl AsRef<Path>) -> io::Result<()> {
        self.inner.bind(&SockAddr::unix(path)?)
    }

    /// Listens, with a queue of `backlog` connections the kernel accepts before the program
    /// does.
    ///
    /// # Errors
    /// `InvalidInput` for a datagram socket; the `listen` error.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn listen(self, backlog: u32) -> io::Result<UnixListener> {
        if !self.is_stream()? {
            return Err(wrong_type("listen cannot be called on a datagram socket"));
        }
        // The kernel caps the backlog at `net.core.somaxconn` anyway.
        self.inner
            .listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
        UnixListener::from_std(net::UnixListener::from(std::os::fd::OwnedFd::from(
            self.inner,
        )))
    }

    /// Connects to the socket at `path` and waits until the connection is made.
    ///
    /// # Errors
    /// `InvalidInput` for a datagram socket; the `connect` error.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    pub async fn connect(self, path: impl AsRef<Path>) -> io::Result<UnixStream> {
        if !self.is_stream()? {
            return Err(wrong_type("connect cannot be called on a datagram socket"));
        }
        UnixStream::connect_socket(self.inner, &SockAddr::unix(path)?).await
    }

    /// Turns the socket into a [`UnixDatagram`].
    ///
    /// # Errors
    /// `InvalidInput` for a stream socket.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn datagram(self) -> io::Result<UnixDatagram> {
        if self.is_stream()? {
            return Err(wrong_type("datagram cannot be called on a stream socket"));
        }
        UnixDatagram::from_std(net::UnixDatagram::from(std::os::fd::OwnedFd::from(
            self.inner,
        )))
    }
}

/// The error of a call that needs the other kind of socket (tokio's wording).
fn wrong_type(message: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

impl AsFd for UnixSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

impl AsRawFd for UnixSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl fmt::Debug for UnixSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}
