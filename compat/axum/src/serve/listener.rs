//! [`Listener`]: what [`serve`](super::serve) accepts connections from; weft's listeners, and
//! [`TapIo`], which adjusts each connection as it comes.

use std::fmt;
use std::future::Future;
use std::io;
use std::time::Duration;
use weft::io::{AsyncRead, AsyncWrite};

/// Something [`serve`](super::serve) can accept connections from: weft's
/// [`TcpListener`](weft::net::TcpListener) and [`UnixListener`](weft::net::UnixListener), or a
/// type of the user's.
///
/// axum's `serve::Listener`, for weft's listeners.
pub trait Listener: Send + 'static {
    /// The connections' stream type.
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    /// The peers' address type.
    type Addr: Send;

    /// Waits for the next connection. An implementation retries errors itself (it has no way
    /// to return one); weft's listeners skip a connection that failed before it was accepted
    /// and wait a second after any other error (running out of file descriptors, say), as
    /// axum's do.
    fn accept(&mut self) -> impl Future<Output = (Self::Io, Self::Addr)> + Send;

    /// The address the listener is bound to.
    fn local_addr(&self) -> io::Result<Self::Addr>;
}

impl Listener for weft::net::TcpListener {
    type Io = weft::net::TcpStream;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match weft::net::TcpListener::accept(self).await {
                Ok(accepted) => return accepted,
                Err(error) => after_accept_error(error).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        weft::net::TcpListener::local_addr(self)
    }
}

#[cfg(unix)]
impl Listener for weft::net::UnixListener {
    type Io = weft::net::UnixStream;
    type Addr = weft::net::unix::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match weft::net::UnixListener::accept(self).await {
                Ok(accepted) => return accepted,
                Err(error) => after_accept_error(error).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        weft::net::UnixListener::local_addr(self)
    }
}

/// After a failed `accept`: a connection that the peer gave up on before it was accepted is
/// skipped at once; any other error (out of file descriptors, say) is logged and waited out
/// for a second, so that the loop does not spin while it lasts.
async fn after_accept_error(error: io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    #[cfg(feature = "tracing")]
    tracing::error!("accept error: {error}");
    #[cfg(not(feature = "tracing"))]
    drop(error);
    weft::time::sleep(Duration::from_secs(1)).await;
}

/// Adapters for every [`Listener`].
pub trait ListenerExt: Listener + Sized {
    /// Calls `tap_fn` on each connection as it is accepted, before it is served: to set
    /// `TCP_NODELAY`, for example.
    ///
    /// ```
    /// use weft_axum::serve::ListenerExt;
    ///
    /// # weft::runtime::Runtime::new().unwrap().block_on(async {
    /// let listener = weft::net::TcpListener::bind("127.0.0.1:0")
    ///     .await
    ///     .unwrap()
    ///     .tap_io(|stream| {
    ///         let _ = stream.set_nodelay(true);
    ///     });
    /// # drop(listener);
    /// # });
    /// ```
    fn tap_io<F>(self, tap_fn: F) -> TapIo<Self, F>
    where
        F: FnMut(&mut Self::Io) + Send + 'static,
    {
        TapIo {
            listener: self,
            tap_fn,
        }
    }
}

impl<L: Listener> ListenerExt for L {}

/// A listener whose connections are passed to a function as they are accepted: see
/// [`ListenerExt::tap_io`].
pub struct TapIo<L, F> {
    listener: L,
    tap_fn: F,
}

impl<L, F> Listener for TapIo<L, F>
where
    L: Listener,
    F: FnMut(&mut L::Io) + Send + 'static,
{
    type Io = L::Io;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (mut io, addr) = self.listener.accept().await;
        (self.tap_fn)(&mut io);
        (io, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

impl<L: fmt::Debug, F> fmt::Debug for TapIo<L, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TapIo")
            .field("listener", &self.listener)
            .finish_non_exhaustive()
    }
}
