//! [`serve`]: axum's way to serve an app, written for weft: each connection is a weft task.
//!
//! Invariants of a server run:
//! - Every connection task holds a clone of `connections` (a watch receiver) until it ends, so
//!   `closed()` on its sender returns exactly when the last connection has ended.
//! - Every connection task holds a clone of `shutdown` (a watch receiver); dropping the sender
//!   (the graceful-shutdown signal fired) makes each one's `changed()` fail, once, after which
//!   the task asks hyper to finish the connection gracefully and waits for it.

mod listener;
mod make_service;

pub use listener::{Listener, ListenerExt, TapIo};

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::conn::auto::Builder;
use std::convert::Infallible;
use std::fmt;
use std::future::{poll_fn, Future, IntoFuture};
use std::io;
use std::marker::PhantomData;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};
use tower_service::Service;
use weft::hyper::WeftExecutor;
use weft::sync::watch;

/// Serves `make_service` on `listener`: await the returned [`Serve`] (it runs until the
/// process ends) or make it stop with [`Serve::with_graceful_shutdown`].
///
/// `make_service` is a [`Router`](axum::Router), a [`MethodRouter`](axum::routing::MethodRouter),
/// or what `into_make_service()` or `into_make_service_with_connect_info::<C>()` make of one of
/// them or of a handler. Each connection is served by a task on the current weft runtime
/// (HTTP/1, and HTTP/2 with the `http2` feature, told apart by the first bytes; upgrades such
/// as WebSockets allowed).
///
/// axum's `serve`, for weft's listeners and tasks (see the crate docs).
///
/// # Panics
/// When awaited outside a weft runtime.
pub fn serve<L, M, S>(listener: L, make_service: M) -> Serve<L, M, S>
where
    L: Listener,
    M: for<'a> Service<IncomingStream<'a, L>, Error = Infallible, Response = S>,
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    Serve {
        listener,
        make_service,
        _service: PhantomData,
    }
}

/// A server that [`serve`] made: await it, or add a shutdown signal first.
#[must_use = "a server does nothing unless it is awaited"]
pub struct Serve<L, M, S> {
    listener: L,
    make_service: M,
    _service: PhantomData<fn() -> S>,
}

impl<L: Listener, M, S> Serve<L, M, S> {
    /// The same server, which stops accepting connections once `signal` completes, lets the
    /// connections it has finish the requests they are serving (hyper's graceful shutdown),
    /// and completes (`Ok`) when the last has ended.
    pub fn with_graceful_shutdown<F>(self, signal: F) -> WithGracefulShutdown<L, M, S, F>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        WithGracefulShutdown {
            listener: self.listener,
            make_service: self.make_service,
            signal,
            _service: PhantomData,
        }
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<L::Addr> {
        self.listener.local_addr()
    }
}

impl<L, M, S> IntoFuture for Serve<L, M, S>
where
    L: Listener,
    M: for<'a> Service<IncomingStream<'a, L>, Error = Infallible, Response = S> + Send + 'static,
    for<'a> <M as Service<IncomingStream<'a, L>>>::Future: Send,
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    type Output = io::Result<()>;
    type IntoFuture = ServeFuture;

    fn into_future(self) -> ServeFuture {
        // A server without a signal is one whose signal never comes.
        self.with_graceful_shutdown(std::future::pending())
            .into_future()
    }
}

impl<L: fmt::Debug, M: fmt::Debug, S> fmt::Debug for Serve<L, M, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Serve")
            .field("listener", &self.listener)
            .field("make_service", &self.make_service)
            .finish()
    }
}

/// A server with a shutdown signal: see [`Serve::with_graceful_shutdown`].
#[must_use = "a server does nothing unless it is awaited"]
pub struct WithGracefulShutdown<L, M, S, F> {
    listener: L,
    make_service: M,
    signal: F,
    _service: PhantomData<fn() -> S>,
}

impl<L: Listener, M, S, F> WithGracefulShutdown<L, M, S, F> {
    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<L::Addr> {
        self.listener.local_addr()
    }
}

impl<L, M, S, F> IntoFuture for WithGracefulShutdown<L, M, S, F>
where
    L: Listener,
    M: for<'a> Service<IncomingStream<'a, L>, Error = Infallible, Response = S> + Send + 'static,
    for<'a> <M as Service<IncomingStream<'a, L>>>::Future: Send,
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
    F: Future<Output = ()> + Send + 'static,
{
    type Output = io::Result<()>;
    type IntoFuture = ServeFuture;

    fn into_future(self) -> ServeFuture {
        ServeFuture(Box::pin(async move {
            run(self.listener, self.make_service, self.signal).await;
            Ok(())
        }))
    }
}

impl<L: fmt::Debug, M: fmt::Debug, S, F: fmt::Debug> fmt::Debug
    for WithGracefulShutdown<L, M, S, F>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithGracefulShutdown")
            .field("listener", &self.listener)
            .field("make_service", &self.make_service)
            .field("signal", &self.signal)
            .finish()
    }
}

/// The future of a [`Serve`] or [`WithGracefulShutdown`] being awaited.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ServeFuture(Pin<Box<dyn Future<Output = io::Result<()>> + Send>>);

impl Future for ServeFuture {
    type Output = io::Result<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll(cx)
    }
}

impl fmt::Debug for ServeFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServeFuture").finish_non_exhaustive()
    }
}

/// A connection just accepted, as the make-service sees it (to derive `ConnectInfo`, say).
pub struct IncomingStream<'a, L: Listener> {
    io: &'a L::Io,
    remote_addr: L::Addr,
}

impl<L: Listener> IncomingStream<'_, L> {
    /// The connection's stream.
    pub fn io(&self) -> &L::Io {
        self.io
    }

    /// The peer's address.
    pub fn remote_addr(&self) -> &L::Addr {
        &self.remote_addr
    }
}

impl<L> fmt::Debug for IncomingStream<'_, L>
where
    L: Listener,
    L::Io: fmt::Debug,
    L::Addr: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IncomingStream")
            .field("io", self.io)
            .field("remote_addr", &self.remote_addr)
            .finish()
    }
}

/// Accepts and serves until `signal` completes, then waits for the connections to end.
async fn run<L, M, S>(mut listener: L, mut make_service: M, signal: impl Future<Output = ()>)
where
    L: Listener,
    M: for<'a> Service<IncomingStream<'a, L>, Error = Infallible, Response = S>,
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    let (shutdown_tx, shutdown) = watch::channel(());
    let (connections_tx, connections) = watch::channel(());
    let mut signal = pin!(signal);
    loop {
        let (io, remote_addr) = weft::select! {
            accepted = listener.accept() => accepted,
            () = &mut signal => break,
        };
        poll_fn(|cx| make_service.poll_ready(cx))
            .await
            .unwrap_or_else(|never| match never {});
        let incoming = IncomingStream {
            io: &io,
            remote_addr,
        };
        let service = make_service
            .call(incoming)
            .await
            .unwrap_or_else(|never| match never {});
        weft::spawn(serve_connection(
            io,
            service,
            shutdown.clone(),
            connections.clone(),
        ));
    }
    // No more connections; each open one finishes gracefully, and the server ends with the
    // last.
    drop(listener);
    drop(shutdown_tx);
    drop(connections);
    connections_tx.closed().await;
}

/// One connection's task: hyper's server on it until it closes, or until the shutdown, after
/// which hyper finishes the requests in flight and closes it.
async fn serve_connection<Io, S>(
    io: Io,
    service: S,
    mut shutdown: watch::Receiver<()>,
    _connections: watch::Receiver<()>,
) where
    Io: weft::io::AsyncRead + weft::io::AsyncWrite + Unpin + Send + 'static,
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    let hyper_service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut service = service.clone();
        async move {
            poll_fn(|cx| service.poll_ready(cx)).await?;
            service.call(request.map(Body::new)).await
        }
    });
    #[allow(unused_mut)] // used with `http2`
    let mut builder = Builder::new(WeftExecutor::new());
    // WebSockets over HTTP/2 need the CONNECT protocol, as in axum.
    #[cfg(feature = "http2")]
    builder.http2().enable_connect_protocol();
    let mut connection =
        pin!(builder.serve_connection_with_upgrades(TokioIo::new(io), hyper_service));
    let finished = weft::select! {
        finished = connection.as_mut() => Some(finished),
        _ = shutdown.changed() => None,
    };
    let finished = match finished {
        Some(finished) => finished,
        None => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    #[cfg(feature = "tracing")]
    if let Err(error) = finished {
        tracing::trace!("failed to serve connection: {error:#}");
    }
    #[cfg(not(feature = "tracing"))]
    drop(finished);
}
