//! What [`serve`](super::serve) takes as its make-service, for this crate's
//! [`IncomingStream`]: axum implements these for its own `IncomingStream` only.
//!
//! `into_make_service()` needs nothing here (it serves any connection type);
//! `into_make_service_with_connect_info::<C>()` needs `C: Connected<IncomingStream<..>>`,
//! given below for the two socket address types.

use super::{IncomingStream, Listener};
use axum::extract::connect_info::Connected;
use axum::routing::MethodRouter;
use axum::Router;
use std::convert::Infallible;
use std::future::{ready, Ready};
use std::task::{Context, Poll};
use tower_service::Service;

/// A `Router` serves each connection with a clone of itself, as axum's `serve` does.
impl<L: Listener> Service<IncomingStream<'_, L>> for Router<()> {
    type Response = Router<()>;
    type Error = Infallible;
    type Future = Ready<Result<Router<()>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _connection: IncomingStream<'_, L>) -> Self::Future {
        ready(Ok(self.clone().with_state(())))
    }
}

/// A `MethodRouter` serves each connection with a clone of itself, as axum's `serve` does.
impl<L: Listener> Service<IncomingStream<'_, L>> for MethodRouter<()> {
    type Response = MethodRouter<()>;
    type Error = Infallible;
    type Future = Ready<Result<MethodRouter<()>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _connection: IncomingStream<'_, L>) -> Self::Future {
        ready(Ok(self.clone().with_state(())))
    }
}

/// `ConnectInfo<SocketAddr>`: the peer of a TCP connection (also through `tap_io`).
impl<L> Connected<IncomingStream<'_, L>> for std::net::SocketAddr
where
    L: Listener<Addr = std::net::SocketAddr>,
{
    fn connect_info(connection: IncomingStream<'_, L>) -> Self {
        *connection.remote_addr()
    }
}

/// `ConnectInfo<weft::net::unix::SocketAddr>`: the peer of a Unix socket connection.
#[cfg(unix)]
impl<L> Connected<IncomingStream<'_, L>> for weft::net::unix::SocketAddr
where
    L: Listener<Addr = weft::net::unix::SocketAddr>,
{
    fn connect_info(connection: IncomingStream<'_, L>) -> Self {
        connection.remote_addr().clone()
    }
}
