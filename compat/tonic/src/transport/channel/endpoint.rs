//! [`Endpoint`]: tonic's channel builder, connecting through weft's sockets and spawning its
//! connection tasks on weft's workers.

use super::connector::{TcpConnector, UnixConnector};
use super::Channel;
use crate::transport::tcp::TcpOptions;
use crate::transport::Error;
use bytes::Bytes;
use http::Uri;
use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tower_service::Service;
use weft::hyper::WeftExecutor;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A channel's destination and settings: tonic's `Endpoint`, connecting on weft.
///
/// Every setting is tonic's own and means what it means there (this type wraps tonic's and
/// forwards each). What differs is where the connection runs: [`connect`](Endpoint::connect)
/// and [`connect_lazy`](Endpoint::connect_lazy) open a weft `TcpStream` (or `UnixStream`, for
/// a `unix:` endpoint) with the endpoint's TCP settings, and the HTTP/2 connection and the
/// channel's request buffer run as tasks on the current weft runtime, unless an
/// [`executor`](Endpoint::executor) is given. (tonic's own opens tokio's sockets and
/// spawns with `tokio::spawn`, which in a weft program puts every channel's traffic on the
/// tokio companion's one thread.) Timers (`timeout`, `connect_timeout`, HTTP/2 keep-alive,
/// `rate_limit`) are tonic's, on the companion.
///
/// ```no_run
/// use std::time::Duration;
/// use weft_tonic::transport::Endpoint;
///
/// # async fn f() -> Result<(), weft_tonic::transport::Error> {
/// let channel = Endpoint::from_static("http://[::1]:50051")
///     .timeout(Duration::from_secs(5))
///     .connect()
///     .await?;
/// # drop(channel);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Endpoint {
    inner: tonic::transport::Endpoint,
    /// The socket path of a `unix:` endpoint.
    unix_path: Option<Arc<str>>,
    /// tonic's `local_address` has no getter: kept here for the TCP connector.
    local_address: Option<IpAddr>,
    /// Whether the user chose an executor (then it is theirs, not weft's).
    custom_executor: bool,
}

/// Defines a forwarding setter: tonic's method of the same name, on the wrapped endpoint.
macro_rules! forward {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*);)*) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $name(self, $($arg: $ty),*) -> Self {
            Endpoint {
                inner: self.inner.$name($($arg),*),
                ..self
            }
        }
    )*};
}

impl Endpoint {
    fn wrap(inner: tonic::transport::Endpoint, unix_path: Option<&str>) -> Endpoint {
        Endpoint {
            inner,
            unix_path: unix_path.map(Arc::from),
            local_address: None,
            custom_executor: false,
        }
    }

    /// The socket path of `s` if it names a Unix socket (`unix:PATH` or `unix://PATH`), as
    /// tonic reads it.
    fn unix_path_of(s: &str) -> Option<&str> {
        s.strip_prefix("unix://")
            .or_else(|| s.strip_prefix("unix:"))
    }

    /// An endpoint for `dst` (a URI, or anything that converts into an endpoint); what
    /// generated clients' `connect` calls.
    pub fn new<D>(dst: D) -> Result<Endpoint, Error>
    where
        D: TryInto<Endpoint>,
        D::Error: Into<BoxError>,
    {
        dst.try_into()
            .map_err(|error| Error::new(InvalidEndpoint(error.into())))
    }

    /// An endpoint for a static URI (`http://host:port`, or `unix:PATH` for a Unix socket).
    ///
    /// # Panics
    /// If `s` is not a valid URI.
    pub fn from_static(s: &'static str) -> Endpoint {
        Endpoint::wrap(
            tonic::transport::Endpoint::from_static(s),
            Endpoint::unix_path_of(s),
        )
    }

    /// An endpoint for a URI in `s` (`http://host:port`, or `unix:PATH`).
    pub fn from_shared(s: impl Into<Bytes>) -> Result<Endpoint, Error> {
        let s: Bytes = s.into();
        let inner = tonic::transport::Endpoint::from_shared(s.clone())?;
        let text = std::str::from_utf8(&s).unwrap_or("");
        Ok(Endpoint::wrap(inner, Endpoint::unix_path_of(text)))
    }

    /// The `user-agent` header sent with every request (after tonic's own).
    pub fn user_agent<T>(self, user_agent: T) -> Result<Endpoint, Error>
    where
        T: TryInto<http::HeaderValue>,
    {
        Ok(Endpoint {
            inner: self.inner.user_agent(user_agent)?,
            ..self
        })
    }

    /// Spawns the channel's tasks with `executor` instead of on the current weft runtime.
    #[must_use]
    pub fn executor<E>(self, executor: E) -> Endpoint
    where
        E: hyper::rt::Executor<Pin<Box<dyn Future<Output = ()> + Send>>> + Send + Sync + 'static,
    {
        Endpoint {
            inner: self.inner.executor(executor),
            custom_executor: true,
            ..self
        }
    }

    /// The local IP address to connect from (the system picks one by default).
    #[must_use]
    pub fn local_address(self, addr: Option<IpAddr>) -> Endpoint {
        Endpoint {
            inner: self.inner.local_address(addr),
            local_address: addr,
            ..self
        }
    }

    forward! {
        /// Sends requests with this `origin` (scheme and authority) instead of the URI's.
        origin(origin: Uri);
        /// Fails each request not answered within `dur` (sent as `grpc-timeout` too).
        timeout(dur: Duration);
        /// Fails a connection attempt that takes longer than `dur`.
        connect_timeout(dur: Duration);
        /// TCP keep-alive, probing after this long idle (`None`: off).
        tcp_keepalive(tcp_keepalive: Option<Duration>);
        /// The interval between TCP keep-alive probes.
        tcp_keepalive_interval(tcp_keepalive_interval: Option<Duration>);
        /// How many unanswered TCP keep-alive probes close the connection.
        tcp_keepalive_retries(tcp_keepalive_retries: Option<u32>);
        /// At most `limit` requests in flight on the channel at once.
        concurrency_limit(limit: usize);
        /// At most `limit` requests per `duration`.
        rate_limit(limit: u64, duration: Duration);
        /// HTTP/2's initial window of each stream.
        initial_stream_window_size(sz: impl Into<Option<u32>>);
        /// HTTP/2's initial window of the connection.
        initial_connection_window_size(sz: impl Into<Option<u32>>);
        /// How many requests the channel's buffer holds before callers wait.
        buffer_size(sz: impl Into<Option<usize>>);
        /// `TCP_NODELAY` (on by default).
        tcp_nodelay(enabled: bool);
        /// Sends an HTTP/2 keep-alive ping this often.
        http2_keep_alive_interval(interval: Duration);
        /// How long to wait for a keep-alive ping's answer.
        keep_alive_timeout(duration: Duration);
        /// Pings while no stream is open too.
        keep_alive_while_idle(enabled: bool);
        /// HTTP/2's adaptive flow control.
        http2_adaptive_window(enabled: bool);
        /// The HPACK header table size.
        http2_header_table_size(size: u32);
        /// The largest header list accepted.
        http2_max_header_list_size(size: u32);
        /// How many reset streams are remembered.
        http2_max_concurrent_reset_streams(max: usize);
        /// How long reset streams are remembered.
        http2_reset_stream_duration(duration: Duration);
        /// How many streams may be reset for the peer's errors before the connection closes.
        http2_max_local_error_reset_streams(max: impl Into<Option<usize>>);
        /// The largest HTTP/2 frame accepted.
        max_frame_size(frame_size: impl Into<Option<u32>>);
    }

    /// tonic's endpoint, with weft's executor unless the user chose one.
    pub(super) fn to_tonic(&self) -> tonic::transport::Endpoint {
        if self.custom_executor {
            self.inner.clone()
        } else {
            self.inner.clone().executor(WeftExecutor::new())
        }
    }

    fn tcp_connector(&self) -> TcpConnector {
        TcpConnector {
            options: TcpOptions {
                nodelay: Some(self.inner.get_tcp_nodelay()),
                keepalive_time: self.inner.get_tcp_keepalive(),
                keepalive_interval: self.inner.get_tcp_keepalive_interval(),
                keepalive_retries: self.inner.get_tcp_keepalive_retries(),
            },
            local_address: self.local_address,
        }
    }

    /// Connects, and returns a channel over the connection (which reconnects when it breaks).
    pub async fn connect(&self) -> Result<Channel, Error> {
        let endpoint = self.to_tonic();
        let channel = match &self.unix_path {
            Some(path) => {
                let connector = UnixConnector { path: path.clone() };
                endpoint.connect_with_connector(connector).await?
            }
            None => {
                endpoint
                    .connect_with_connector(self.tcp_connector())
                    .await?
            }
        };
        Ok(Channel::from_tonic(channel))
    }

    /// A channel that connects at its first request.
    pub fn connect_lazy(&self) -> Channel {
        let endpoint = self.to_tonic();
        Channel::from_tonic(match &self.unix_path {
            Some(path) => {
                let connector = UnixConnector { path: path.clone() };
                endpoint.connect_with_connector_lazy(connector)
            }
            None => endpoint.connect_with_connector_lazy(self.tcp_connector()),
        })
    }

    /// Connects through `connector` (a tower service from the URI to a stream: a Unix socket,
    /// an in-memory pipe, TLS), with the channel's tasks on weft.
    pub async fn connect_with_connector<C>(&self, connector: C) -> Result<Channel, Error>
    where
        C: Service<Uri> + Send + 'static,
        C::Response: hyper::rt::Read + hyper::rt::Write + Send + Unpin,
        C::Future: Send,
        BoxError: From<C::Error> + Send,
    {
        let channel = self.to_tonic().connect_with_connector(connector).await?;
        Ok(Channel::from_tonic(channel))
    }

    /// [`connect_with_connector`](Endpoint::connect_with_connector), connecting at the first
    /// request.
    pub fn connect_with_connector_lazy<C>(&self, connector: C) -> Channel
    where
        C: Service<Uri> + Send + 'static,
        C::Response: hyper::rt::Read + hyper::rt::Write + Send + Unpin,
        C::Future: Send,
        BoxError: From<C::Error> + Send,
    {
        Channel::from_tonic(self.to_tonic().connect_with_connector_lazy(connector))
    }

    /// The endpoint's URI (for a `unix:` endpoint, tonic's placeholder `http://tonic`).
    pub fn uri(&self) -> &Uri {
        self.inner.uri()
    }

    /// Whether `TCP_NODELAY` is set.
    pub fn get_tcp_nodelay(&self) -> bool {
        self.inner.get_tcp_nodelay()
    }

    /// The connect timeout.
    pub fn get_connect_timeout(&self) -> Option<Duration> {
        self.inner.get_connect_timeout()
    }

    /// The TCP keep-alive time.
    pub fn get_tcp_keepalive(&self) -> Option<Duration> {
        self.inner.get_tcp_keepalive()
    }

    /// The TCP keep-alive interval.
    pub fn get_tcp_keepalive_interval(&self) -> Option<Duration> {
        self.inner.get_tcp_keepalive_interval()
    }

    /// The TCP keep-alive retries.
    pub fn get_tcp_keepalive_retries(&self) -> Option<u32> {
        self.inner.get_tcp_keepalive_retries()
    }
}

/// An endpoint that could not be made of what [`Endpoint::new`] was given.
#[derive(Debug)]
struct InvalidEndpoint(BoxError);

impl fmt::Display for InvalidEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid endpoint: {}", self.0)
    }
}

impl std::error::Error for InvalidEndpoint {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

impl From<Uri> for Endpoint {
    fn from(uri: Uri) -> Endpoint {
        Endpoint::wrap(tonic::transport::Endpoint::from(uri), None)
    }
}

impl TryFrom<Bytes> for Endpoint {
    type Error = Error;

    fn try_from(s: Bytes) -> Result<Endpoint, Error> {
        Endpoint::from_shared(s)
    }
}

impl TryFrom<String> for Endpoint {
    type Error = Error;

    fn try_from(s: String) -> Result<Endpoint, Error> {
        Endpoint::from_shared(s)
    }
}

impl TryFrom<&'static str> for Endpoint {
    type Error = Error;

    fn try_from(s: &'static str) -> Result<Endpoint, Error> {
        Endpoint::from_shared(s)
    }
}

impl FromStr for Endpoint {
    type Err = Error;

    fn from_str(s: &str) -> Result<Endpoint, Error> {
        Endpoint::from_shared(s.to_string())
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}
