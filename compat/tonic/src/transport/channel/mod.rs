//! tonic's `transport::channel`, with [`Endpoint`] and [`Channel`] connecting on weft (the rest,
//! `Change` and `ResponseFuture`, is tonic's).

mod connector;
mod endpoint;

pub use endpoint::Endpoint;
pub use tonic::transport::channel::*;

use crate::transport::Error;
use bytes::Bytes;
use http::uri::{InvalidUri, Uri};
use std::fmt;
use std::future::Future;
use std::hash::Hash;
use std::pin::Pin;
use std::task::{Context, Poll};
use tonic::body::Body;
use tower_service::Service;
use weft::hyper::WeftExecutor;
use weft::sync::mpsc;

/// tonic's buffer size for a balanced channel's changes.
const DEFAULT_BUFFER_SIZE: usize = 1024;

/// A client's connection (or balanced set of them) to a gRPC server: tonic's `Channel`, whose
/// tasks run on weft; made by an [`Endpoint`]. Cheap to clone: clones share the connection.
/// Generated clients take it (`GreeterClient::new(channel)`), as does anything that calls a
/// `tower::Service<http::Request<Body>>`.
#[derive(Clone)]
pub struct Channel {
    inner: tonic::transport::Channel,
}

impl Channel {
    pub(super) fn from_tonic(inner: tonic::transport::Channel) -> Channel {
        Channel { inner }
    }

    /// An [`Endpoint`] for `uri`.
    pub fn builder(uri: Uri) -> Endpoint {
        Endpoint::from(uri)
    }

    /// An [`Endpoint`] for a static URI.
    ///
    /// # Panics
    /// If `s` is not a valid URI.
    pub fn from_static(s: &'static str) -> Endpoint {
        Endpoint::from(Uri::from_static(s))
    }

    /// An [`Endpoint`] for the URI in `s`.
    pub fn from_shared(s: impl Into<Bytes>) -> Result<Endpoint, InvalidUri> {
        Ok(Endpoint::from(Uri::from_maybe_shared(s.into())?))
    }

    /// A channel that spreads its requests over `list`, each endpoint keyed by its URI (tower's
    /// power-of-two-choices balancer, as in tonic). Its connections are tonic's (tokio's
    /// sockets, on the companion's reactor); its tasks run on weft.
    pub fn balance_list(list: impl Iterator<Item = Endpoint>) -> Channel {
        let (channel, changes) = Channel::balance_channel(DEFAULT_BUFFER_SIZE);
        for endpoint in list {
            changes
                .try_send(Change::Insert(endpoint.uri().clone(), endpoint))
                .expect("the channel of changes has room for the list");
        }
        channel
    }

    /// A balanced channel and the sender of its changes: insert an endpoint under a key, remove
    /// one by its key. Dropping the sender keeps the set as it is.
    pub fn balance_channel<K>(capacity: usize) -> (Channel, mpsc::Sender<Change<K, Endpoint>>)
    where
        K: Hash + Eq + Send + Clone + 'static,
    {
        Channel::balance_channel_with_executor(capacity, WeftExecutor::new())
    }

    /// [`balance_channel`](Channel::balance_channel), its balancing task spawned by `executor`.
    pub fn balance_channel_with_executor<K, E>(
        capacity: usize,
        executor: E,
    ) -> (Channel, mpsc::Sender<Change<K, Endpoint>>)
    where
        K: Hash + Eq + Send + Clone + 'static,
        E: hyper::rt::Executor<Pin<Box<dyn Future<Output = ()> + Send>>> + Send + Sync + 'static,
    {
        let (inner, tonic_changes) =
            tonic::transport::Channel::balance_channel_with_executor(capacity, executor);
        // tonic's sender takes tonic's endpoints (and is tokio's): a weft task hands each
        // change on, its endpoint set to run on weft, until the caller drops our sender.
        let (changes, mut received) = mpsc::channel::<Change<K, Endpoint>>(capacity);
        weft::spawn(async move {
            while let Some(change) = received.recv().await {
                let change = match change {
                    Change::Insert(key, endpoint) => Change::Insert(key, endpoint.to_tonic()),
                    Change::Remove(key) => Change::Remove(key),
                };
                if tonic_changes.send(change).await.is_err() {
                    break;
                }
            }
        });
        (Channel { inner }, changes)
    }

    /// A channel over `connector`'s connections to `endpoint`, connecting at the first request.
    pub fn new<C>(connector: C, endpoint: Endpoint) -> Channel
    where
        C: Service<Uri> + Send + 'static,
        C::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send,
        C::Future: Send,
        C::Response: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        Channel {
            inner: tonic::transport::Channel::new(connector, endpoint.to_tonic()),
        }
    }

    /// A channel over `connector`'s connection to `endpoint`, connected before it returns.
    pub async fn connect<C>(connector: C, endpoint: Endpoint) -> Result<Channel, Error>
    where
        C: Service<Uri> + Send + 'static,
        C::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send,
        C::Future: Unpin + Send,
        C::Response: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    {
        let inner = tonic::transport::Channel::connect(connector, endpoint.to_tonic()).await?;
        Ok(Channel { inner })
    }
}

impl Service<http::Request<Body>> for Channel {
    type Response = http::Response<Body>;
    type Error = tonic::transport::Error;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> ResponseFuture {
        self.inner.call(request)
    }
}

impl fmt::Debug for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}
