//! [`TcpIncoming`]: the connections of a weft `TcpListener`, as a stream, with tonic's socket
//! options applied to each.

use crate::transport::tcp::TcpOptions;
use futures_core::Stream;
use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use weft::net::{TcpListener, TcpStream};

/// The stream of connections that [`Server::serve`](super::Server::serve) accepts: tonic's type
/// of the same name, over weft's `TcpListener`. Pass it to `serve_with_incoming` to bind
/// before serving (to learn a port picked by the system, say).
///
/// Each accepted connection gets `TCP_NODELAY` and TCP keep-alive as set here; a socket option
/// that cannot be set is an error item of the stream, as in tonic, and the server goes on with
/// the next connection.
///
/// ```
/// use weft_tonic::transport::server::TcpIncoming;
///
/// # weft::runtime::Runtime::new().unwrap().block_on(async {
/// let incoming = TcpIncoming::bind("127.0.0.1:0".parse().unwrap())
///     .unwrap()
///     .with_nodelay(Some(true));
/// let port = incoming.local_addr().unwrap().port();
/// assert_ne!(port, 0);
/// # });
/// ```
pub struct TcpIncoming {
    listener: TcpListener,
    options: TcpOptions,
}

impl TcpIncoming {
    /// Binds a listener to `addr`, non-blocking and registered with the current weft runtime.
    ///
    /// # Panics
    /// Outside a weft runtime's context (as weft's `TcpListener::from_std`).
    pub fn bind(addr: SocketAddr) -> io::Result<TcpIncoming> {
        let listener = StdTcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        Ok(TcpListener::from_std(listener)?.into())
    }

    /// `TCP_NODELAY` on each accepted connection: `Some(true)` on, `Some(false)` off, `None` as
    /// the system leaves it.
    pub fn with_nodelay(mut self, nodelay: Option<bool>) -> TcpIncoming {
        self.options.nodelay = nodelay;
        self
    }

    /// TCP keep-alive on each accepted connection, probing after this long idle; `None` leaves
    /// keep-alive off (and the interval and retries below unused).
    pub fn with_keepalive(mut self, keepalive_time: Option<Duration>) -> TcpIncoming {
        self.options.keepalive_time = keepalive_time;
        self
    }

    /// The time between keep-alive probes (with [`with_keepalive`](Self::with_keepalive)).
    pub fn with_keepalive_interval(mut self, keepalive_interval: Option<Duration>) -> TcpIncoming {
        self.options.keepalive_interval = keepalive_interval;
        self
    }

    /// How many unanswered probes close the connection (with
    /// [`with_keepalive`](Self::with_keepalive)).
    pub fn with_keepalive_retries(mut self, keepalive_retries: Option<u32>) -> TcpIncoming {
        self.options.keepalive_retries = keepalive_retries;
        self
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

impl From<TcpListener> for TcpIncoming {
    fn from(listener: TcpListener) -> TcpIncoming {
        TcpIncoming {
            listener,
            options: TcpOptions::default(),
        }
    }
}

impl Stream for TcpIncoming {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let (stream, _) = match self.listener.poll_accept(cx) {
            Poll::Ready(Ok(accepted)) => accepted,
            Poll::Ready(Err(error)) => return Poll::Ready(Some(Err(error))),
            Poll::Pending => return Poll::Pending,
        };
        Poll::Ready(Some(self.options.apply(&stream).map(|()| stream)))
    }
}

impl fmt::Debug for TcpIncoming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpIncoming")
            .field("listener", &self.listener)
            .field("options", &self.options)
            .finish()
    }
}
