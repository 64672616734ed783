//! [`UnixListener`].

use super::{SocketAddr, UnixStream};
use crate::io_source::IoSource;
use std::fmt;
use std::io;
use std::os::fd::AsFd;
use std::os::unix::net;
use std::path::Path;
use std::task::{Context, Poll};

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
    /// Binds to `path` and listens (synchronous, as tokio's: binding a path does not block). A
    /// path that starts with a NUL byte (`"\0name"`) names a socket in Linux's abstract
    /// namespace, as in tokio.
    ///
    /// # Errors
    /// `AddrInUse` if the path exists, or the `bind` error.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::bind_addr(&super::std_addr(path.as_ref())?)
    }

    /// Binds to `addr` (a path, or a name in Linux's abstract namespace) and listens.
    ///
    /// # Errors
    /// As [`bind`](Self::bind).
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn bind_addr(addr: &SocketAddr) -> io::Result<UnixListener> {
        UnixListener::from_std(net::UnixListener::bind_addr(addr)?)
    }

    /// Wraps a std listener (switching it to non-blocking mode).
    ///
    /// # Errors
    /// If the mode cannot be set or the reactor refuses the socket (it shut down).
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub fn from_std(listener: net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            io: IoSource::new(listener)?,
        })
    }

    /// Takes the listener out of the reactor and back to std (still non-blocking).
    ///
    /// # Errors
    /// If the descriptor cannot be duplicated (too many open files).
    pub fn into_std(self) -> io::Result<net::UnixListener> {
        Ok(self.io.get_ref().as_fd().try_clone_to_owned()?.into())
    }

    /// Waits for a connection.
    ///
    /// Cancel safe: a connection is taken only by the poll that returns it.
    ///
    /// # Errors
    /// The `accept` error as it is (`EMFILE`, ...); the listener stays usable.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        // `read_with`, not `poll_fn(poll_accept)`: the future's own waiter slot goes with it
        // when it is dropped.
        accepted(self.io.read_with(|listener| listener.accept()).await)
    }

    /// Polls for a connection: `Ready` with it, or `Pending` with the waker of `cx` stored for
    /// the next one.
    ///
    /// # Errors
    /// As [`accept`](Self::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        self.io
            .poll_read_with(cx, |listener| listener.accept())
            .map(accepted)
    }

    /// The address this listener is bound to.
    ///
    /// # Errors
    /// The `getsockname` error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The pending error of the socket (`SO_ERROR`), cleared by this call.
    ///
    /// # Errors
    /// The `getsockopt` error.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

/// Registers an accepted connection.
fn accepted(
    result: io::Result<(net::UnixStream, SocketAddr)>,
) -> io::Result<(UnixStream, SocketAddr)> {
    let (stream, addr) = result?;
    Ok((UnixStream::from_accepted(stream)?, addr))
}

impl TryFrom<net::UnixListener> for UnixListener {
    type Error = io::Error;

    /// [`UnixListener::from_std`].
    #[track_caller]
    fn try_from(listener: net::UnixListener) -> io::Result<UnixListener> {
        UnixListener::from_std(listener)
    }
}

crate::net::impl_as_fd!(UnixListener);

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}
