//! [`Connected`]: what the server learns of a connection, put into each request's extensions.

use std::os::unix::net::SocketAddr as UnixSocketAddr;
use std::sync::Arc;
use tonic::transport::server::TcpConnectInfo;
use weft::net::unix::UCred;
use weft::net::{TcpStream, UnixStream};

/// A connection that can say who is on the other end: the server calls
/// [`connect_info`](Connected::connect_info) once per connection and puts the result into the
/// extensions of every request on it, where `Request::extensions().get::<ConnectInfo>()` (and,
/// for [`TcpConnectInfo`], `Request::remote_addr` and `local_addr`) find it.
///
/// tonic's trait of the same name, for weft's streams: implemented for weft's [`TcpStream`]
/// ([`TcpConnectInfo`], tonic's own type, so `Request::remote_addr()` works), [`UnixStream`]
/// ([`UdsConnectInfo`]) and `DuplexStream` (`()`). Implement it for a stream of your own (a TLS
/// stream, say) to serve it with `serve_with_incoming`.
pub trait Connected {
    /// What a request on this connection can read of it.
    type ConnectInfo: Clone + Send + Sync + 'static;

    /// This connection's info; called once, when the connection is accepted.
    fn connect_info(&self) -> Self::ConnectInfo;
}

impl Connected for TcpStream {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        TcpConnectInfo {
            local_addr: self.local_addr().ok(),
            remote_addr: self.peer_addr().ok(),
        }
    }
}

impl Connected for UnixStream {
    type ConnectInfo = UdsConnectInfo;

    fn connect_info(&self) -> UdsConnectInfo {
        UdsConnectInfo {
            peer_addr: self.peer_addr().ok().map(Arc::new),
            peer_cred: self.peer_cred().ok(),
        }
    }
}

impl Connected for weft::io::DuplexStream {
    type ConnectInfo = ();

    fn connect_info(&self) {}
}

/// What a request on a Unix-socket connection knows of its peer: tonic's type of the same name,
/// with weft's (that is, std's) socket address and weft's [`UCred`].
#[derive(Clone, Debug)]
pub struct UdsConnectInfo {
    /// The peer's address, if the system could tell it.
    pub peer_addr: Option<Arc<UnixSocketAddr>>,
    /// The peer's credentials, if the system could tell them.
    pub peer_cred: Option<UCred>,
}
