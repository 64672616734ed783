//! [hyper-util] 0.1 for programs ported to weft: hyper-util itself, re-exported, except the
//! executor and timer of [`rt`], which run on weft.
//!
//! ```
//! use std::convert::Infallible;
//! use weft_hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
//! use weft_hyper_util::server::conn::auto::Builder;
//!
//! async fn hello(
//!     _request: hyper::Request<hyper::body::Incoming>,
//! ) -> Result<hyper::Response<String>, Infallible> {
//!     Ok(hyper::Response::new("Hello, World!".to_owned()))
//! }
//!
//! weft::runtime::Runtime::new().unwrap().block_on(async {
//!     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     weft::spawn(async move {
//!         let (stream, _) = listener.accept().await.unwrap();
//!         // As a tokio program writes it: the executor and timer are weft's here.
//!         let mut builder = Builder::new(TokioExecutor::new());
//!         builder.http1().timer(TokioTimer::new());
//!         let service = hyper::service::service_fn(hello);
//!         builder.serve_connection(TokioIo::new(stream), service).await.unwrap();
//!     });
//!
//!     use weft::io::{AsyncReadExt, AsyncWriteExt};
//!     let mut client = weft::net::TcpStream::connect(addr).await.unwrap();
//!     client.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await.unwrap();
//!     let mut response = String::new();
//!     client.read_to_string(&mut response).await.unwrap();
//!     assert!(response.ends_with("Hello, World!"));
//! });
//! ```
//!
//! # The port
//!
//! A hyper program moves to weft by renaming its dependencies in `Cargo.toml`, its sources
//! untouched:
//!
//! ```toml
//! tokio = { package = "weft", version = "0.1", features = ["full"] }
//! hyper-util = { package = "weft-hyper-util", version = "0.1", features = ["full"] }
//! ```
//!
//! hyper-util's `TokioExecutor` spawns with `tokio::spawn` and its `TokioTimer` arms tokio's
//! timers, so in a weft program they would need tokio's runtime (and with weft's
//! `tokio-context`, would run every HTTP/2 stream on one tokio thread). Here
//! [`rt::TokioExecutor`] spawns on the current weft runtime and [`rt::TokioTimer`] sleeps on
//! weft's timers (the paused test clock included); `TokioIo` and everything else (the server
//! and client connection builders, `auto`, `graceful`, `service`, the legacy `Client`) are
//! hyper-util's own, re-exported.
//!
//! The legacy client's `HttpConnector` opens tokio's own sockets and arms tokio's timers, so
//! `client-legacy` turns on weft's `tokio-context` feature: its connections are driven by the
//! runtime's tokio companion thread and wake weft's tasks, a hop that costs a busy client a
//! quarter of its requests per second. [`connect::WeftConnector`] (`client-legacy` and
//! `tokio`) connects it over weft's own sockets instead, at the price of one line:
//! `Client::builder(TokioExecutor::new()).build(WeftConnector::new())`.
//!
//! [hyper-util]: https://docs.rs/hyper-util/0.1

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]

// With no feature on, hyper-util exports nothing, and the glob is unused.
#[allow(unused_imports)]
pub use hyper_util::*;

#[cfg(all(feature = "client-legacy", feature = "tokio"))]
pub mod connect;
pub mod rt;
