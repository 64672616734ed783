//! [`Router`]: a [`Server`] with the gRPC services it serves, routed by service name.

use super::{Connected, Server};
use crate::transport::Error;
use bytes::Bytes;
use futures_core::Stream;
use http::{Request, Response};
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use tonic::body::Body;
use tonic::server::NamedService;
use tonic::service::Routes;
use tower_layer::Layer;
use tower_service::Service;
use weft::io::{AsyncRead, AsyncWrite};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A [`Server`] and its services; made by [`Server::add_service`] (or `add_optional_service`,
/// `add_routes`). A request goes to the service whose [`NamedService::NAME`] its path starts
/// with; one for no service gets the status `UNIMPLEMENTED`, as in tonic.
#[derive(Clone)]
pub struct Router<L = tower::layer::util::Identity> {
    server: Server<L>,
    routes: Routes,
}

impl<L> Server<L> {
    /// A [`Router`] with this server's settings (cloned) and `svc`, a generated
    /// `...Server::new(implementation)` or any service that names itself.
    pub fn add_service<S>(&mut self, svc: S) -> Router<L>
    where
        S: Service<Request<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Response: axum::response::IntoResponse,
        S::Future: Send + 'static,
        L: Clone,
    {
        Router {
            server: self.clone(),
            routes: Routes::new(svc),
        }
    }

    /// [`add_service`](Server::add_service) for `Some(svc)`; with `None`, a router with no
    /// service yet. (As in tonic: a `Some` service takes every request for its name.)
    pub fn add_optional_service<S>(&mut self, svc: Option<S>) -> Router<L>
    where
        S: Service<Request<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Response: axum::response::IntoResponse,
        S::Future: Send + 'static,
        L: Clone,
    {
        Router {
            server: self.clone(),
            routes: svc.map(Routes::new).unwrap_or_default(),
        }
    }

    /// A [`Router`] with this server's settings (cloned) and `routes`, built elsewhere (with
    /// `Routes::builder()`, or from an axum router).
    pub fn add_routes(&mut self, routes: Routes) -> Router<L>
    where
        L: Clone,
    {
        Router {
            server: self.clone(),
            routes,
        }
    }
}

impl<L> Router<L> {
    /// Adds another service.
    pub fn add_service<S>(mut self, svc: S) -> Router<L>
    where
        S: Service<Request<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Response: axum::response::IntoResponse,
        S::Future: Send + 'static,
    {
        self.routes = self.routes.add_service(svc);
        self
    }

    /// Adds another service if it is `Some`.
    pub fn add_optional_service<S>(self, svc: Option<S>) -> Router<L>
    where
        S: Service<Request<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Response: axum::response::IntoResponse,
        S::Future: Send + 'static,
    {
        match svc {
            Some(svc) => self.add_service(svc),
            None => self,
        }
    }

    /// Serves the services on `addr` until the process ends; see [`Server::serve`].
    pub async fn serve<ResBody>(self, addr: SocketAddr) -> Result<(), Error>
    where
        L: Layer<Routes>,
        L::Service: Service<Request<Body>, Response = Response<ResBody>> + Clone + Send + 'static,
        <L::Service as Service<Request<Body>>>::Future: Send,
        <L::Service as Service<Request<Body>>>::Error: Into<BoxError> + Send,
        ResBody: http_body::Body<Data = Bytes> + Send + 'static,
        ResBody::Error: Into<BoxError>,
    {
        self.server.serve(addr, self.routes.prepare()).await
    }

    /// Serves the services on `addr` until `signal` completes, then lets the connections
    /// finish; see [`Server::serve_with_shutdown`].
    pub async fn serve_with_shutdown<F, ResBody>(
        self,
        addr: SocketAddr,
        signal: F,
    ) -> Result<(), Error>
    where
        F: Future<Output = ()>,
        L: Layer<Routes>,
        L::Service: Service<Request<Body>, Response = Response<ResBody>> + Clone + Send + 'static,
        <L::Service as Service<Request<Body>>>::Future: Send,
        <L::Service as Service<Request<Body>>>::Error: Into<BoxError> + Send,
        ResBody: http_body::Body<Data = Bytes> + Send + 'static,
        ResBody::Error: Into<BoxError>,
    {
        self.server
            .serve_with_shutdown(addr, self.routes.prepare(), signal)
            .await
    }

    /// Serves the services on the connections of `incoming`; see
    /// [`Server::serve_with_incoming`].
    pub async fn serve_with_incoming<I, IO, IE, ResBody>(self, incoming: I) -> Result<(), Error>
    where
        I: Stream<Item = Result<IO, IE>>,
        IO: AsyncRead + AsyncWrite + Connected + Unpin + Send + 'static,
        IE: Into<BoxError>,
        L: Layer<Routes>,
        L::Service: Service<Request<Body>, Response = Response<ResBody>> + Clone + Send + 'static,
        <L::Service as Service<Request<Body>>>::Future: Send,
        <L::Service as Service<Request<Body>>>::Error: Into<BoxError> + Send,
        ResBody: http_body::Body<Data = Bytes> + Send + 'static,
        ResBody::Error: Into<BoxError>,
    {
        self.server
            .serve_with_incoming(self.routes.prepare(), incoming)
            .await
    }

    /// Serves the services on the connections of `incoming` until `signal` completes; see
    /// [`Server::serve_with_incoming_shutdown`].
    pub async fn serve_with_incoming_shutdown<I, IO, IE, F, ResBody>(
        self,
        incoming: I,
        signal: F,
    ) -> Result<(), Error>
    where
        I: Stream<Item = Result<IO, IE>>,
        IO: AsyncRead + AsyncWrite + Connected + Unpin + Send + 'static,
        IE: Into<BoxError>,
        F: Future<Output = ()>,
        L: Layer<Routes>,
        L::Service: Service<Request<Body>, Response = Response<ResBody>> + Clone + Send + 'static,
        <L::Service as Service<Request<Body>>>::Future: Send,
        <L::Service as Service<Request<Body>>>::Error: Into<BoxError> + Send,
        ResBody: http_body::Body<Data = Bytes> + Send + 'static,
        ResBody::Error: Into<BoxError>,
    {
        self.server
            .serve_with_incoming_shutdown(self.routes.prepare(), incoming, signal)
            .await
    }
}

impl<L> fmt::Debug for Router<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field("server", &self.server)
            .field("routes", &self.routes)
            .finish()
    }
}
