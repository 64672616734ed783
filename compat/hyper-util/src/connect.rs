//! A connector for hyper-util's legacy `Client` over weft's own `TcpStream`.
//!
//! hyper-util's `HttpConnector` opens tokio's sockets, which in a weft program the tokio
//! companion's one thread drives (`client-legacy` turns on `tokio-context` for that): every
//! response then crosses from that thread to weft's. 32 tasks x 1,000 GETs against a local
//! hyper server, client and server on a core each, made 0.58x-0.75x the requests per second of
//! the same client on tokio. Built with [`WeftConnector`] instead
//! (`Client::builder(TokioExecutor::new()).build(WeftConnector::new())`), the connections are
//! weft's sockets, driven by weft's reactor: 0.80x-1.04x (0.97x-1.40x on shared cores; in the
//! same runs, `build_http()` 0.56x-0.74x and 0.74x-0.87x).
//!
//! ```
//! use http_body_util::{BodyExt, Empty};
//! use hyper::body::Bytes;
//! use weft_hyper_util::client::legacy::Client;
//! use weft_hyper_util::connect::WeftConnector;
//! use weft_hyper_util::rt::TokioExecutor;
//!
//! # weft::runtime::Runtime::new().unwrap().block_on(async {
//! # let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! # let addr = listener.local_addr().unwrap();
//! # weft::spawn(async move {
//! #     use weft::io::{AsyncReadExt, AsyncWriteExt};
//! #     let (mut stream, _) = listener.accept().await.unwrap();
//! #     let mut request = [0u8; 1024];
//! #     let _ = stream.read(&mut request).await.unwrap();
//! #     stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi").await.unwrap();
//! # });
//! let client = Client::builder(TokioExecutor::new()).build::<_, Empty<Bytes>>(WeftConnector::new());
//! let url = format!("http://{addr}/").parse().unwrap();
//! let response = client.get(url).await.unwrap();
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.into_body().collect().await.unwrap().to_bytes(), "hi");
//! # });
//! ```

use hyper::rt::{Read, ReadBufCursor, Write};
use hyper::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use weft::net::TcpStream;

/// Connects hyper-util's legacy `Client` to `http://` URIs over weft's `TcpStream` (see the
/// [module](self)): the host is resolved with weft's `lookup_host`, each of its addresses tried
/// in turn, each attempt under the connect timeout if one is set.
///
/// Unlike hyper-util's `HttpConnector`, the connections it makes carry no `HttpInfo` (hyper-util
/// gives no way to build one outside it), and `https://` URIs are refused: wrap it in a TLS
/// connector, whose inner connector it can be, for those.
#[derive(Debug, Clone)]
pub struct WeftConnector {
    nodelay: bool,
    connect_timeout: Option<Duration>,
}

impl Default for WeftConnector {
    fn default() -> Self {
        WeftConnector::new()
    }
}

impl WeftConnector {
    /// A connector with `TCP_NODELAY` off and no connect timeout, as hyper-util's
    /// `HttpConnector::new()`.
    pub fn new() -> WeftConnector {
        WeftConnector {
            nodelay: false,
            connect_timeout: None,
        }
    }

    /// Sets `TCP_NODELAY` on each connection.
    pub fn set_nodelay(&mut self, nodelay: bool) {
        self.nodelay = nodelay;
    }

    /// Gives up on an address whose connect takes longer (then tries the next, if any).
    pub fn set_connect_timeout(&mut self, timeout: Option<Duration>) {
        self.connect_timeout = timeout;
    }

    async fn connect(self, uri: Uri) -> io::Result<WeftConnection> {
        match uri.scheme_str() {
            Some("http") | None => {}
            Some(scheme) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "WeftConnector connects http:// URIs only, not {scheme}://: wrap it in a \
                         TLS connector for https"
                    ),
                ))
            }
        }
        let host = uri.host().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("no host in {uri}"))
        })?;
        // `[::1]` in a URI is `::1` to the resolver.
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port = uri.port_u16().unwrap_or(80);
        let mut last_error = None;
        for addr in weft::net::lookup_host((host, port)).await? {
            let attempt = TcpStream::connect(addr);
            let connected = match self.connect_timeout {
                Some(limit) => match weft::time::timeout(limit, attempt).await {
                    Ok(connected) => connected,
                    Err(_) => Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("connecting to {addr} took longer than {limit:?}"),
                    )),
                },
                None => attempt.await,
            };
            match connected {
                Ok(stream) => {
                    stream.set_nodelay(self.nodelay)?;
                    return Ok(WeftConnection(TokioIo::new(stream)));
                }
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{host} resolved to no address"),
            )
        }))
    }
}

impl tower_service::Service<Uri> for WeftConnector {
    type Response = WeftConnection;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<WeftConnection>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        Box::pin(self.clone().connect(uri))
    }
}

/// A connection made by [`WeftConnector`]: weft's `TcpStream`, with hyper's I/O traits.
#[derive(Debug)]
pub struct WeftConnection(TokioIo<TcpStream>);

impl WeftConnection {
    /// The stream.
    pub fn get_ref(&self) -> &TcpStream {
        self.0.inner()
    }
}

impl Connection for WeftConnection {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl Read for WeftConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl Write for WeftConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write_vectored(cx, bufs)
    }
}
