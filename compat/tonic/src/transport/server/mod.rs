//! tonic's `transport::server`, with [`Server`] written for weft: each connection is a weft
//! task, hyper's HTTP/2 runs on weft's timers, and the listener is weft's.
//!
//! The rest of the module is tonic's own ([`TcpConnectInfo`], which `Request::remote_addr`
//! reads) or written here with tonic's names because tonic's names tokio's types:
//! [`Connected`], [`TcpIncoming`], [`UdsConnectInfo`].

mod conn;
mod grpc_timeout;
mod incoming;
mod router;
mod serve;

pub use conn::{Connected, UdsConnectInfo};
pub use incoming::TcpIncoming;
pub use router::Router;
pub use tonic::transport::server::*;

use crate::transport::Error;
use bytes::Bytes;
use futures_core::Stream;
use http::{Request, Response};
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tonic::body::Body;
use tower::layer::util::{Identity, Stack};
use tower::ServiceBuilder;
use tower_layer::Layer;
use tower_service::Service;
use weft::io::{AsyncRead, AsyncWrite};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type TraceInterceptor = Arc<dyn Fn(&Request<()>) -> tracing::Span + Send + Sync + 'static>;

/// tonic's default for [`Server::http2_keepalive_timeout`].
const DEFAULT_HTTP2_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(20);

/// A gRPC server: tonic's `transport::Server`, for weft.
///
/// Build it with [`Server::builder`], set what it needs (limits, timeouts, HTTP/2 and TCP
/// settings, tower layers), add services to get a [`Router`], and serve: every connection is
/// then a task on the current weft runtime, and every request runs there. The settings, their
/// defaults and the per-connection layers (tonic's `RecoverError`, load shedding, concurrency
/// limit, the request deadline) are tonic's.
///
/// ```no_run
/// # mod pb { #[derive(Clone)] pub struct GreeterServer; }
/// # fn greeter_server() -> tonic::service::Routes { unimplemented!() }
/// use std::time::Duration;
/// use weft_tonic::transport::Server;
///
/// #[weft::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     Server::builder()
///         .timeout(Duration::from_secs(10))
///         .concurrency_limit_per_connection(256)
///         .add_routes(greeter_server()) // or `.add_service(GreeterServer::new(greeter))`
///         .serve("[::1]:50051".parse()?)
///         .await?;
///     Ok(())
/// }
/// ```
#[derive(Clone)]
pub struct Server<L = Identity> {
    settings: Settings,
    trace: Option<TraceInterceptor>,
    service_builder: ServiceBuilder<L>,
}

/// The settings of a [`Server`] (all but its layers and trace function), with tonic's
/// defaults.
#[derive(Clone, Copy, Debug)]
struct Settings {
    concurrency_limit: Option<usize>,
    load_shed: bool,
    timeout: Option<Duration>,
    init_stream_window_size: Option<u32>,
    init_connection_window_size: Option<u32>,
    max_concurrent_streams: Option<u32>,
    tcp_keepalive: Option<Duration>,
    tcp_keepalive_interval: Option<Duration>,
    tcp_keepalive_retries: Option<u32>,
    tcp_nodelay: bool,
    http2_keepalive_interval: Option<Duration>,
    http2_keepalive_timeout: Duration,
    http2_adaptive_window: Option<bool>,
    http2_max_pending_accept_reset_streams: Option<usize>,
    http2_max_local_error_reset_streams: Option<usize>,
    http2_max_header_list_size: Option<u32>,
    max_frame_size: Option<u32>,
    accept_http1: bool,
    max_connection_age: Option<Duration>,
    max_connection_age_grace: Option<Duration>,
}

impl Default for Server {
    fn default() -> Server {
        Server {
            settings: Settings {
                concurrency_limit: None,
                load_shed: false,
                timeout: None,
                init_stream_window_size: None,
                init_connection_window_size: None,
                max_concurrent_streams: None,
                tcp_keepalive: None,
                tcp_keepalive_interval: None,
                tcp_keepalive_retries: None,
                tcp_nodelay: true,
                http2_keepalive_interval: None,
                http2_keepalive_timeout: DEFAULT_HTTP2_KEEPALIVE_TIMEOUT,
                http2_adaptive_window: None,
                http2_max_pending_accept_reset_streams: None,
                http2_max_local_error_reset_streams: None,
                http2_max_header_list_size: None,
                max_frame_size: None,
                accept_http1: false,
                max_connection_age: None,
                max_connection_age_grace: None,
            },
            trace: None,
            service_builder: ServiceBuilder::new(),
        }
    }
}

impl Server {
    /// A server with tonic's defaults: HTTP/2 only, `TCP_NODELAY` on, no limits.
    pub fn builder() -> Server {
        Server::default()
    }
}

/// Defines a setter of a [`Settings`] field that takes the value as it is.
macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident($field:ident: $ty:ty);)*) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, $field: $ty) -> Self {
            self.settings.$field = $field;
            self
        }
    )*};
}

/// Defines a setter of a [`Settings`] field that takes `impl Into<Option<_>>`.
macro_rules! option_setters {
    ($($(#[$doc:meta])* $name:ident($field:ident: $ty:ty);)*) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, $field: impl Into<Option<$ty>>) -> Self {
            self.settings.$field = $field.into();
            self
        }
    )*};
}

impl<L> Server<L> {
    /// Serves at most `limit` requests of one connection at a time; the others wait (or, with
    /// [`load_shed`](Server::load_shed), are refused).
    #[must_use]
    pub fn concurrency_limit_per_connection(mut self, limit: usize) -> Self {
        self.settings.concurrency_limit = Some(limit);
        self
    }

    /// Fails each request that arrives while its connection is at its concurrency limit at
    /// once (the status `RESOURCE_EXHAUSTED`, as tonic answers it) instead of queueing it.
    #[must_use]
    pub fn load_shed(mut self, load_shed: bool) -> Self {
        self.settings.load_shed = load_shed;
        self
    }

    /// Cancels each request still running after `timeout` (or after its client's
    /// `grpc-timeout`, if shorter): the client gets the status `CANCELLED`, "Timeout expired".
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.settings.timeout = Some(timeout);
        self
    }

    /// Closes each connection gracefully (HTTP/2 GOAWAY; the requests in flight finish) once it
    /// is this old, so that clients spread over new servers.
    #[must_use]
    pub fn max_connection_age(mut self, max_connection_age: Duration) -> Self {
        self.settings.max_connection_age = Some(max_connection_age);
        self
    }

    /// With [`max_connection_age`](Server::max_connection_age): how long a connection past
    /// its age may take to finish its requests before it is closed outright.
    #[must_use]
    pub fn max_connection_age_grace(mut self, max_connection_age_grace: Duration) -> Self {
        self.settings.max_connection_age_grace = Some(max_connection_age_grace);
        self
    }

    /// How long to wait for the answer to an HTTP/2 keep-alive ping before closing the
    /// connection (with [`http2_keepalive_interval`](Server::http2_keepalive_interval));
    /// `None` keeps the current value (20 s by default).
    #[must_use]
    pub fn http2_keepalive_timeout(mut self, http2_keepalive_timeout: Option<Duration>) -> Self {
        if let Some(timeout) = http2_keepalive_timeout {
            self.settings.http2_keepalive_timeout = timeout;
        }
        self
    }

    setters! {
        /// Sends an HTTP/2 keep-alive ping on each connection this often (`None`: never).
        http2_keepalive_interval(http2_keepalive_interval: Option<Duration>);
        /// HTTP/2's adaptive flow control (BDP estimation), which overrides the window sizes.
        http2_adaptive_window(http2_adaptive_window: Option<bool>);
        /// How many streams a client may reset before the server has accepted them, before
        /// the connection is closed (hyper's default when `None`).
        http2_max_pending_accept_reset_streams(http2_max_pending_accept_reset_streams: Option<usize>);
        /// How many streams the server may reset for the client's errors before closing the
        /// connection (hyper's default when `None`).
        http2_max_local_error_reset_streams(http2_max_local_error_reset_streams: Option<usize>);
        /// TCP keep-alive on accepted connections, probing after this long idle (`None`: off).
        tcp_keepalive(tcp_keepalive: Option<Duration>);
        /// The interval between TCP keep-alive probes.
        tcp_keepalive_interval(tcp_keepalive_interval: Option<Duration>);
        /// How many unanswered TCP keep-alive probes close the connection.
        tcp_keepalive_retries(tcp_keepalive_retries: Option<u32>);
        /// `TCP_NODELAY` on accepted connections (on by default).
        tcp_nodelay(tcp_nodelay: bool);
        /// Serves HTTP/1 too (gRPC-Web, say), told apart from HTTP/2 by the first bytes; off by
        /// default, as in tonic.
        accept_http1(accept_http1: bool);
    }

    option_setters! {
        /// HTTP/2's initial window of each stream (hyper's default when `None`).
        initial_stream_window_size(init_stream_window_size: u32);
        /// HTTP/2's initial window of each connection (hyper's default when `None`).
        initial_connection_window_size(init_connection_window_size: u32);
        /// The most streams a client may have open on one connection.
        max_concurrent_streams(max_concurrent_streams: u32);
        /// The largest header list the server accepts, in bytes (hyper's default when `None`).
        http2_max_header_list_size(http2_max_header_list_size: u32);
        /// The largest HTTP/2 frame the server accepts (hyper's default when `None`).
        max_frame_size(max_frame_size: u32);
    }

    /// Runs each request inside the span that `f` makes of its head (method, URI, headers).
    #[must_use]
    pub fn trace_fn<F>(mut self, f: F) -> Self
    where
        F: Fn(&Request<()>) -> tracing::Span + Send + Sync + 'static,
    {
        self.trace = Some(Arc::new(f));
        self
    }

    /// Wraps every service served in `new_layer` (a tower layer: an interceptor, a
    /// middleware), outside the layers added before it.
    pub fn layer<NewLayer>(self, new_layer: NewLayer) -> Server<Stack<NewLayer, L>> {
        Server {
            settings: self.settings,
            trace: self.trace,
            service_builder: self.service_builder.layer(new_layer),
        }
    }

    /// Binds a [`TcpIncoming`] to `addr` with this server's TCP settings.
    fn bind(&self, addr: SocketAddr) -> Result<TcpIncoming, Error> {
        Ok(TcpIncoming::bind(addr)
            .map_err(Error::new)?
            .with_nodelay(Some(self.settings.tcp_nodelay))
            .with_keepalive(self.settings.tcp_keepalive)
            .with_keepalive_interval(self.settings.tcp_keepalive_interval)
            .with_keepalive_retries(self.settings.tcp_keepalive_retries))
    }

    /// Serves `svc` (one service: see [`add_service`](Server::add_service) for several) on
    /// `addr` until the process ends or an error; binding is the only error.
    pub async fn serve<S, ResBody>(self, addr: SocketAddr, svc: S) -> Result<(), Error>
    where
        L: Layer<S>,
        L::Service: Service<Request<Body>, Response = Response<ResBody>> + Clone + Send + 'static,
        <L::Service as Service<Request<Body>>>::Future: Send,
        <L::Service as Service<Request<Body>>>::Error: Into<BoxError> + Send,
        ResBody: http_body::Body<Data = Bytes> + Send + 'static,
        ResBody::Error: Into<BoxError>,
    {
        let incoming = self.bind(addr)?;
        self.serve_with_incoming(svc, incoming).await
    }

    /// [`serve`](Server::serve), stopping when `signal` completes: the listener closes at
    /// once, each connection finishes the requests it has (HTTP/2 GOAWAY), and the future
    /// completes when the last connection has closed.
    pub async fn serve_with_shutdown<S, F, ResBody>(
        self,
        addr: SocketAddr,
        svc: S,
        signal: F,
    ) -> Result<(), Error>
    where
        L: Layer<S>,
        L::Service: Service<Request<Body>, Response = Response<ResBody>> + Clone + Send + 'static,
        <L::Service as Service<Request<Body>>>::Future: Send,
        <L::Service as Service<Request<Body>>>::Error: Into<BoxError> + Send,
        F: Future<Output = ()>,
        ResBody: http_body::Body<Data = Bytes> + Send + 'static,
        ResBody::Error: Into<BoxError>,
    {
        let incoming = self.bind(addr)?;
        self.serve_with_incoming_shutdown(svc, incoming, signal)
            .await
    }

    /// Serves `svc` on the connections of `incoming` (a [`TcpIncoming`], weft-stream's
    /// `TcpListenerStream` or `UnixListenerStream`, a stream of TLS connections) until it
    /// ends. The TCP settings do not apply: the stream's connections are as it makes them.
    /// An error item is skipped (after a second's pause if it says the process ran out of
    /// file descriptors or memory).
    pub async fn serve_with_incoming<S, I, IO, IE, ResBody>(
        self,
        svc: S,
        incoming: I,
    ) -> Result<(), Error>
    where
        L: Layer<S>,
        L::Service: Service<Request<Body>, Response = Response<ResBody>> + Clone + Send + 'static,
        <L::Service as Service<Request<Body>>>::Future: Send,
        <L::Service as Service<Request<Body>>>::Error: Into<BoxError> + Send,
        I: Stream<Item = Result<IO, IE>>,
        IO: AsyncRead + AsyncWrite + Connected + Unpin + Send + 'static,
        IE: Into<BoxError>,
        ResBody: http_body::Body<Data = Bytes> + Send + 'static,
        ResBody::Error: Into<BoxError>,
    {
        let service = self.service_builder.service(svc);
        serve::run(
            self.settings,
            self.trace,
            service,
            incoming,
            None::<std::future::Ready<()>>,
        )
        .await
    }

    /// [`serve_with_incoming`](Server::serve_with_incoming), stopping when `signal`
    /// completes, as [`serve_with_shutdown`](Server::serve_with_shutdown) does (`incoming` is
    /// dropped at once).
    pub async fn serve_with_incoming_shutdown<S, I, F, IO, IE, ResBody>(
        self,
        svc: S,
        incoming: I,
        signal: F,
    ) -> Result<(), Error>
    where
        L: Layer<S>,
        L::Service: Service<Request<Body>, Response = Response<ResBody>> + Clone + Send + 'static,
        <L::Service as Service<Request<Body>>>::Future: Send,
        <L::Service as Service<Request<Body>>>::Error: Into<BoxError> + Send,
        I: Stream<Item = Result<IO, IE>>,
        IO: AsyncRead + AsyncWrite + Connected + Unpin + Send + 'static,
        IE: Into<BoxError>,
        F: Future<Output = ()>,
        ResBody: http_body::Body<Data = Bytes> + Send + 'static,
        ResBody::Error: Into<BoxError>,
    {
        let service = self.service_builder.service(svc);
        serve::run(self.settings, self.trace, service, incoming, Some(signal)).await
    }
}

impl<L> fmt::Debug for Server<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("settings", &self.settings)
            .field("trace_fn", &self.trace.is_some())
            .finish_non_exhaustive()
    }
}
