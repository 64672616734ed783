//! The server run: accept connections, serve each as a weft task, stop on the signal.
//!
//! Invariants of a run:
//! - Every connection task holds a clone of `connections` (a watch receiver) until it ends, so
//!   `closed()` on its sender returns exactly when the last connection has ended.
//! - With a shutdown signal, every connection task holds a clone of `shutdown`; dropping its
//!   sender (the signal fired) makes each one's `changed()` fail once, after which the task
//!   asks hyper to finish the connection gracefully (HTTP/2 GOAWAY; requests in flight run to
//!   their end) and waits for it. Without a signal the tasks hold none, and outlive the run.
//! - `incoming` is dropped as soon as the run stops accepting, before it waits for the
//!   connections: a `TcpIncoming` closes its listening socket then, as tonic's does.

use super::conn::Connected;
use super::grpc_timeout::GrpcTimeout;
use super::{Settings, TraceInterceptor};
use crate::transport::Error;
use bytes::Bytes;
use futures_core::Stream;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use std::future::{pending, poll_fn, Future};
use std::io;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};
use std::time::Duration;
use tonic::body::Body;
use tonic::service::RecoverErrorLayer;
use tower::limit::ConcurrencyLimitLayer;
use tower::load_shed::LoadShedLayer;
use tower::{ServiceBuilder, ServiceExt};
use tower_service::Service;
use tracing::Instrument;
use weft::hyper::{WeftExecutor, WeftTimer};
use weft::io::{AsyncRead, AsyncWrite};
use weft::sync::watch;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Serves `service` on each connection of `incoming` until `incoming` ends or `signal` (if
/// any) completes; with a signal, then waits for the connections to finish.
pub(super) async fn run<S, ResBody, I, IO, IE, F>(
    settings: Settings,
    trace: Option<TraceInterceptor>,
    service: S,
    incoming: I,
    signal: Option<F>,
) -> Result<(), Error>
where
    S: Service<Request<Body>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Into<BoxError> + Send,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
    I: Stream<Item = Result<IO, IE>>,
    IO: AsyncRead + AsyncWrite + Connected + Unpin + Send + 'static,
    IE: Into<BoxError>,
    F: Future<Output = ()>,
{
    let builder = connection_builder(&settings);
    let graceful = signal.is_some();
    let (shutdown_tx, shutdown) = watch::channel(());
    let (connections_tx, connections) = watch::channel(());
    let mut signal = pin!(async move {
        match signal {
            Some(signal) => signal.await,
            None => pending().await,
        }
    });
    {
        let mut incoming = pin!(incoming);
        loop {
            let next = weft::select! {
                next = poll_fn(|cx| incoming.as_mut().poll_next(cx)) => next,
                () = &mut signal => break,
            };
            let io = match next {
                Some(Ok(io)) => io,
                Some(Err(error)) => {
                    after_accept_error(error.into()).await;
                    continue;
                }
                None => break,
            };
            let service = ConnectionService {
                inner: ServiceBuilder::new()
                    .layer(RecoverErrorLayer::new())
                    .option_layer(settings.load_shed.then(LoadShedLayer::new))
                    .option_layer(settings.concurrency_limit.map(ConcurrencyLimitLayer::new))
                    .layer_fn(|inner| GrpcTimeout::new(inner, settings.timeout))
                    .service(service.clone()),
                connect_info: io.connect_info(),
                trace: trace.clone(),
            };
            spawn_connection(
                io,
                service,
                builder.clone(),
                Lifetime {
                    shutdown: graceful.then(|| shutdown.clone()),
                    _connections: connections.clone(),
                    max_age: settings.max_connection_age,
                    max_age_grace: settings.max_connection_age_grace,
                },
            );
        }
    }
    drop(shutdown_tx);
    drop(connections);
    if graceful {
        connections_tx.closed().await;
    }
    Ok(())
}

/// After an error of the incoming stream: the next connection at once, unless the error says
/// the process ran out of something (file descriptors, memory), when accepting again at once
/// would fail again in a busy loop; then a second's pause first, as axum and hyper's examples
/// do. (tonic itself goes on at once after every error.)
async fn after_accept_error(error: BoxError) {
    let out_of_resources = error.downcast_ref::<io::Error>().is_some_and(|error| {
        !matches!(
            error.kind(),
            io::ErrorKind::ConnectionAborted
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionRefused
                | io::ErrorKind::NotConnected
                | io::ErrorKind::Interrupted
                | io::ErrorKind::WouldBlock
                | io::ErrorKind::TimedOut
                | io::ErrorKind::InvalidInput
                | io::ErrorKind::InvalidData
        )
    });
    if out_of_resources {
        tracing::error!("accept error: {error}; accepting again in one second");
        weft::time::sleep(Duration::from_secs(1)).await;
    } else {
        tracing::trace!("error accepting a connection: {error}");
    }
}

/// hyper's connection settings, from the server's.
fn connection_builder(settings: &Settings) -> Builder<WeftExecutor> {
    let mut builder = Builder::new(WeftExecutor::new());
    if !settings.accept_http1 {
        builder = builder.http2_only();
    }
    builder
        .http2()
        .timer(WeftTimer::new())
        .initial_connection_window_size(settings.init_connection_window_size)
        .initial_stream_window_size(settings.init_stream_window_size)
        .max_concurrent_streams(settings.max_concurrent_streams)
        .keep_alive_interval(settings.http2_keepalive_interval)
        .keep_alive_timeout(settings.http2_keepalive_timeout)
        .adaptive_window(settings.http2_adaptive_window.unwrap_or(false))
        .max_pending_accept_reset_streams(settings.http2_max_pending_accept_reset_streams)
        .max_local_error_reset_streams(settings.http2_max_local_error_reset_streams)
        .max_frame_size(settings.max_frame_size);
    if let Some(max) = settings.http2_max_header_list_size {
        builder.http2().max_header_list_size(max);
    }
    // hyper applies its HTTP/1 header-read timeout only with a timer.
    builder.http1().timer(WeftTimer::new());
    builder
}

/// What bounds a connection's life besides the peer.
struct Lifetime {
    /// Fails its `changed()` when the server shuts down (with a signal only).
    shutdown: Option<watch::Receiver<()>>,
    /// Held until the connection ends (see the module's invariants).
    _connections: watch::Receiver<()>,
    max_age: Option<Duration>,
    max_age_grace: Option<Duration>,
}

/// Spawns one connection's task: hyper's server on it until it closes; at the server's
/// shutdown or at the connection's maximum age, a graceful shutdown of it; at the end of the
/// age's grace, closed.
fn spawn_connection<IO, S>(io: IO, service: S, builder: Builder<WeftExecutor>, life: Lifetime)
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: Service<Request<Body>, Response = Response<Body>, Error = BoxError> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let service = TowerToHyperService::new(
        service.map_request(|request: Request<Incoming>| request.map(Body::new)),
    );
    weft::spawn(serve_connection(TokioIo::new(io), service, builder, life));
}

/// The task of [`spawn_connection`]. Its service is hyper's, made outside it: with the
/// conversion from tower's inside, rustc cannot prove this future `Send`
/// (rust-lang/rust#102211, "implementation of `From` is not general enough"); tonic works
/// around it the same way.
async fn serve_connection<IO, S>(io: IO, service: S, builder: Builder<WeftExecutor>, life: Lifetime)
where
    IO: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    S: hyper::service::Service<Request<Incoming>, Response = Response<Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError> + Send,
{
    let mut connection = pin!(builder.serve_connection(io, service));
    let mut shutdown = life.shutdown;
    let mut server_shutdown = pin!(async move {
        match &mut shutdown {
            Some(shutdown) => shutdown.changed().await.unwrap_or(()),
            None => pending().await,
        }
    });
    let mut aged = pin!(age(life.max_age));
    let mut grace_over = pin!(age(life
        .max_age
        .zip(life.max_age_grace)
        .map(|(a, g)| a + g)));
    let mut finishing = false;
    let finished = loop {
        weft::select! {
            finished = connection.as_mut() => break Some(finished),
            () = &mut server_shutdown, if !finishing => {
                finishing = true;
                connection.as_mut().graceful_shutdown();
            }
            () = &mut aged, if !finishing => {
                finishing = true;
                connection.as_mut().graceful_shutdown();
            }
            () = &mut grace_over => {
                tracing::debug!("closed a connection at the end of its maximum age's grace");
                break None;
            }
        }
    };
    if let Some(Err(error)) = finished {
        tracing::debug!("failed serving a connection: {error}");
    }
}

/// Completes once `after` has passed (never, for `None`).
async fn age(after: Option<Duration>) {
    match after {
        Some(after) => weft::time::sleep(after).await,
        None => pending().await,
    }
}

/// The service of one connection: the server's, under tonic's layers, with the connection's
/// info in each request's extensions and each request in the trace function's span.
#[derive(Clone)]
struct ConnectionService<S, C> {
    inner: S,
    connect_info: C,
    trace: Option<TraceInterceptor>,
}

impl<S, C, ResBody> Service<Request<Body>> for ConnectionService<S, C>
where
    S: Service<Request<Body>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    ResBody: http_body::Body<Data = Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
    C: Clone + Send + Sync + 'static,
{
    type Response = Response<Body>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        request.extensions_mut().insert(self.connect_info.clone());
        let span = match &self.trace {
            Some(trace) => {
                let (parts, body) = request.into_parts();
                let bodyless = Request::from_parts(parts, ());
                let span = trace(&bodyless);
                let (parts, ()) = bodyless.into_parts();
                request = Request::from_parts(parts, body);
                span
            }
            None => tracing::Span::none(),
        };
        let response = self.inner.call(request);
        Box::pin(
            async move {
                match response.await {
                    Ok(response) => Ok(response.map(Body::new)),
                    Err(error) => Err(error.into()),
                }
            }
            .instrument(span),
        )
    }
}
