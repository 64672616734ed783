//! [`TcpIncoming`]: the connections of a weft `TcpListener`, as a stream, with tonic's socket
//! options applied to each.

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
    nodelay: Option<bool>,
    keepalive_time: Option<Duration>,
    keepalive_interval: Option<Duration>,
    keepalive_retries: Option<u32>,
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
    pub fn with_nodelay(self, nodelay: Option<bool>) -> TcpIncoming {
        TcpIncoming { nodelay, ..self }
    }

    /// TCP keep-alive on each accepted connection, probing after this long idle; `None` leaves
    /// keep-alive off (and the interval and retries below unused).
    pub fn with_keepalive(self, keepalive_time: Option<Duration>) -> TcpIncoming {
        TcpIncoming {
            keepalive_time,
            ..self
        }
    }

    /// The time between keep-alive probes (with [`with_keepalive`](Self::with_keepalive)).
    pub fn with_keepalive_interval(self, keepalive_interval: Option<Duration>) -> TcpIncoming {
        TcpIncoming {
            keepalive_interval,
            ..self
        }
    }

    /// How many unanswered probes close the connection (with
    /// [`with_keepalive`](Self::with_keepalive)).
    pub fn with_keepalive_retries(self, keepalive_retries: Option<u32>) -> TcpIncoming {
        TcpIncoming {
            keepalive_retries,
            ..self
        }
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Sets this stream's socket options on a connection just accepted.
    fn configure(&self, stream: &TcpStream) -> io::Result<()> {
        if let Some(nodelay) = self.nodelay {
            stream.set_nodelay(nodelay)?;
        }
        if let Some(time) = self.keepalive_time {
            let mut keepalive = socket2::TcpKeepalive::new().with_time(time);
            if let Some(interval) = self.keepalive_interval {
                keepalive = keepalive.with_interval(interval);
            }
            if let Some(retries) = self.keepalive_retries {
                keepalive = keepalive.with_retries(retries);
            }
            socket2::SockRef::from(stream).set_tcp_keepalive(&keepalive)?;
        }
        Ok(())
    }
}

impl From<TcpListener> for TcpIncoming {
    fn from(listener: TcpListener) -> TcpIncoming {
        TcpIncoming {
            listener,
            nodelay: None,
            keepalive_time: None,
            keepalive_interval: None,
            keepalive_retries: None,
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
        Poll::Ready(Some(self.configure(&stream).map(|()| stream)))
    }
}

impl fmt::Debug for TcpIncoming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpIncoming")
            .field("listener", &self.listener)
            .field("nodelay", &self.nodelay)
            .field("keepalive_time", &self.keepalive_time)
            .field("keepalive_interval", &self.keepalive_interval)
            .field("keepalive_retries", &self.keepalive_retries)
            .finish()
    }
}
