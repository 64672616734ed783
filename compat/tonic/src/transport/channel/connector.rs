//! The connectors of an [`Endpoint`](super::Endpoint): weft's TCP and Unix sockets, so that a
//! channel's connection is driven by weft's reactor and tasks, not the tokio companion's.

use crate::transport::tcp::TcpOptions;
use http::Uri;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_service::Service;
use weft::net::{TcpSocket, TcpStream, UnixStream};

type Connecting<T> = Pin<Box<dyn Future<Output = io::Result<TokioIo<T>>> + Send>>;

/// Connects to the host and port of the URI it is given (the endpoint's), as tonic's
/// `HttpConnector` does: every address the name resolves to in turn, the first that accepts
/// wins; then the endpoint's TCP options.
#[derive(Clone, Debug)]
pub(super) struct TcpConnector {
    pub(super) options: TcpOptions,
    pub(super) local_address: Option<IpAddr>,
}

impl Service<Uri> for TcpConnector {
    type Response = TokioIo<TcpStream>;
    type Error = io::Error;
    type Future = Connecting<TcpStream>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let host = uri.host().ok_or_else(|| invalid(&uri, "has no host"))?;
            // `Uri::host` keeps an IPv6 address's brackets, as `host:port` needs them.
            let port = match (uri.port_u16(), uri.scheme_str()) {
                (Some(port), _) => port,
                (None, Some("https")) => 443,
                (None, _) => 80,
            };
            let mut last_error = None;
            for addr in weft::net::lookup_host(format!("{host}:{port}")).await? {
                match this.connect_to(addr).await {
                    Ok(stream) => return Ok(TokioIo::new(stream)),
                    Err(error) => last_error = Some(error),
                }
            }
            Err(last_error.unwrap_or_else(|| invalid(&uri, "resolves to no address")))
        })
    }
}

impl TcpConnector {
    async fn connect_to(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = match self.local_address {
            Some(local) => {
                if local.is_ipv4() != addr.is_ipv4() {
                    return Err(io::Error::new(
                        io::ErrorKind::AddrNotAvailable,
                        format!("local address {local} cannot reach {addr}"),
                    ));
                }
                let socket = if addr.is_ipv4() {
                    TcpSocket::new_v4()?
                } else {
                    TcpSocket::new_v6()?
                };
                socket.bind(SocketAddr::new(local, 0))?;
                socket.connect(addr).await?
            }
            None => TcpStream::connect(addr).await?,
        };
        self.options.apply(&stream)?;
        Ok(stream)
    }
}

fn invalid(uri: &Uri, what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("the URI {uri} {what}"))
}

/// Connects to the Unix socket of a `unix:` endpoint, whatever URI it is given.
#[derive(Clone, Debug)]
pub(super) struct UnixConnector {
    pub(super) path: Arc<str>,
}

impl Service<Uri> for UnixConnector {
    type Response = TokioIo<UnixStream>;
    type Error = io::Error;
    type Future = Connecting<UnixStream>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Uri) -> Self::Future {
        let path = self.path.clone();
        Box::pin(async move { Ok(TokioIo::new(UnixStream::connect(&*path).await?)) })
    }
}
