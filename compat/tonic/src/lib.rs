//! [tonic] 0.14 for programs ported to weft: tonic itself, re-exported, except its transport
//! server, which is written here for weft's sockets, tasks and timers.
//!
//! ```
//! use std::convert::Infallible;
//! use std::task::{Context, Poll};
//! use weft_tonic::transport::{server::TcpIncoming, Endpoint, Server};
//! use weft_tonic::{body::Body, server::NamedService, Code, Status};
//!
//! /// A gRPC service with no methods (a generated `...Server` is one with methods).
//! #[derive(Clone)]
//! struct Nothing;
//!
//! impl NamedService for Nothing {
//!     const NAME: &'static str = "demo.Nothing";
//! }
//!
//! impl tower_service::Service<http::Request<Body>> for Nothing {
//!     type Response = http::Response<Body>;
//!     type Error = Infallible;
//!     type Future = std::future::Ready<Result<http::Response<Body>, Infallible>>;
//!
//!     fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
//!         Poll::Ready(Ok(()))
//!     }
//!
//!     fn call(&mut self, _: http::Request<Body>) -> Self::Future {
//!         // Runs on one of weft's workers.
//!         let worker = std::thread::current().name().unwrap_or("").to_string();
//!         std::future::ready(Ok(Status::unimplemented(worker).into_http()))
//!     }
//! }
//!
//! weft::runtime::Runtime::new().unwrap().block_on(async {
//!     let incoming = TcpIncoming::bind("127.0.0.1:0".parse().unwrap()).unwrap();
//!     let addr = incoming.local_addr().unwrap();
//!     let (stop, stopped) = weft::sync::oneshot::channel::<()>();
//!     let server = weft::spawn(
//!         Server::builder()
//!             .add_service(Nothing)
//!             .serve_with_incoming_shutdown(incoming, async move {
//!                 let _ = stopped.await;
//!             }),
//!     );
//!
//!     // A channel, its connection on weft too, and a raw call on it.
//!     let mut channel = Endpoint::from_shared(format!("http://{addr}"))
//!         .unwrap()
//!         .connect()
//!         .await
//!         .unwrap();
//!     let call = http::Request::post("/demo.Nothing/Hello")
//!         .header("content-type", "application/grpc")
//!         .body(Body::empty())
//!         .unwrap();
//!     let response = tower::ServiceExt::oneshot(&mut channel, call).await.unwrap();
//!     let status = Status::from_header_map(response.headers()).unwrap();
//!     assert_eq!(status.code(), Code::Unimplemented);
//!     assert!(status.message().starts_with("weft-worker"));
//!
//!     stop.send(()).unwrap();
//!     drop(channel);
//!     server.await.unwrap().unwrap();
//! });
//! ```
//!
//! # The port
//!
//! A tokio program that serves or calls gRPC with tonic moves to weft by renaming its
//! dependencies in `Cargo.toml`, its sources (and the code tonic's generator writes for them)
//! untouched:
//!
//! ```toml
//! tokio = { package = "weft", version = "0.1", features = ["full"] }
//! tonic = { package = "weft-tonic", version = "0.1" }
//! ```
//!
//! `Server::builder().add_service(GreeterServer::new(greeter)).serve(addr).await` then serves
//! every connection, and every call, on weft's workers. tonic's own server would not: it binds
//! tokio's listener, spawns each connection with `tokio::spawn` and runs HTTP/2 on tokio's
//! timers, so it needs tokio's runtime.
//!
//! # What is tonic's, and what is written for weft
//!
//! Everything but the transport's server and client builders is tonic's own, re-exported:
//! `Request`, `Response`, `Status`, `Streaming`, metadata, codecs, interceptors,
//! `service::Routes`, and the `codegen` support that generated code uses. Written here, with
//! tonic's names and behaviour:
//!
//! - [`transport::Server`] and [`transport::server::Router`]: every builder setting of tonic's
//!   (concurrency limit, load shedding, timeout with the client's `grpc-timeout`, HTTP/2
//!   windows, streams, keep-alive, frame and header sizes, TCP keep-alive and `TCP_NODELAY`,
//!   `accept_http1`, maximum connection age and its grace, `trace_fn`, `layer`), the same
//!   per-connection layers (tonic's `RecoverError`, tower's `LoadShed` and `ConcurrencyLimit`,
//!   the deadline), `add_service`, `add_optional_service`, `add_routes`, and the four `serve`
//!   methods. A connection past its maximum age is sent GOAWAY at that age and closed at the end
//!   of the grace, as gRPC's spec (A9) and tonic's docs describe it.
//! - [`transport::server::TcpIncoming`] over weft's listener, and
//!   [`transport::server::Connected`] (implemented for weft's `TcpStream`, `UnixStream` and
//!   `DuplexStream`) with [`transport::server::UdsConnectInfo`] of weft's types;
//!   `TcpConnectInfo` is tonic's, so `Request::remote_addr` works.
//! - [`transport::Endpoint`] and [`transport::Channel`]: tonic's, wrapped, every setting
//!   forwarded; but a channel connects through weft's `TcpStream` (or `UnixStream`, for a
//!   `unix:` endpoint) with the endpoint's TCP settings, and its HTTP/2 connection and request
//!   buffer are tasks on weft's workers (tonic's own would open tokio's sockets and run all of
//!   it on the tokio companion's one thread; measured, that halved a client's calls per
//!   second). `Channel::balance_list` and `balance_channel` take this crate's endpoints (the
//!   latter's sender is weft's `mpsc::Sender`); their connections are tonic's, with their tasks
//!   on weft.
//! - [`transport::Error`]: tonic's has no public constructor, so this one takes its place and
//!   converts from it (`?` on one of tonic's errors works where a function returns it).
//!
//! Not provided: TLS (`ServerTlsConfig`, `ClientTlsConfig`, `tls_config`), whose acceptor and
//! connector are private to tonic; serve a stream of TLS connections with
//! `serve_with_incoming` (implement [`transport::server::Connected`] for its stream type), and
//! connect through a TLS connector with `Endpoint::connect_with_connector`, or end TLS in a
//! proxy.
//!
//! # The client's timers: `tokio-context`
//!
//! tonic's client arms tokio's timers itself (a request's `timeout`, `connect_timeout`, HTTP/2
//! keep-alive, `rate_limit`), so the `channel` feature (on by default, with `transport`) turns
//! on weft's `tokio-context` feature: each weft runtime gets a tokio companion, one mostly idle
//! thread, whose context every weft thread is in (see weft's docs); those timers run there.
//!
//! # Features
//!
//! tonic's names and defaults, forwarded: `transport` (`server` and `channel`), `router`,
//! `codegen`, `gzip`, `deflate`, `zstd`.
//!
//! [tonic]: https://docs.rs/tonic/0.14

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub use tonic::*;

#[cfg(any(feature = "server", feature = "channel"))]
pub mod transport;
