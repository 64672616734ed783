//! [axum] 0.8 for programs ported to weft: axum itself, re-exported, except [`serve()`], which
//! is written here for weft's listeners and runs each connection as a weft task.
//!
//! ```
//! use std::future::IntoFuture;
//! use weft_axum::{routing::get, Router};
//!
//! async fn hello() -> &'static str {
//!     // Handlers run on weft's workers: weft's timers, sockets and `spawn` work here.
//!     weft::time::sleep(std::time::Duration::from_millis(1)).await;
//!     "Hello, World!"
//! }
//!
//! weft::runtime::Runtime::new().unwrap().block_on(async {
//!     let app = Router::new().route("/", get(hello));
//!     let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let (stop, stopped) = weft::sync::oneshot::channel::<()>();
//!     let server = weft_axum::serve(listener, app).with_graceful_shutdown(async move {
//!         let _ = stopped.await;
//!     });
//!     let addr = server.local_addr().unwrap();
//!     let server = weft::spawn(server.into_future());
//!
//!     use weft::io::{AsyncReadExt, AsyncWriteExt};
//!     let mut client = weft::net::TcpStream::connect(addr).await.unwrap();
//!     client.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await.unwrap();
//!     let mut response = String::new();
//!     client.read_to_string(&mut response).await.unwrap();
//!     assert!(response.starts_with("HTTP/1.1 200 OK"));
//!     assert!(response.ends_with("Hello, World!"));
//!
//!     stop.send(()).unwrap();
//!     server.await.unwrap().unwrap();
//! });
//! ```
//!
//! # The port
//!
//! A tokio program that serves with axum moves to weft by renaming its dependencies in
//! `Cargo.toml`, its sources untouched:
//!
//! ```toml
//! tokio = { package = "weft", version = "0.1", features = ["full"] }
//! axum = { package = "weft-axum", version = "0.1" }
//! ```
//!
//! `axum::serve(listener, app)` then takes weft's `TcpListener` (or `UnixListener`), and its
//! connections, with every handler and middleware, run on weft's workers. axum's own `serve`
//! would not: it calls `tokio::spawn` for each connection, so it needs tokio's runtime.
//!
//! # What is axum's, and what is written for weft
//!
//! Everything in axum but `serve` and, with `ws`, the WebSocket upgrade (below) (routers,
//! handlers, extractors, responses, middleware, `body`, `http`, `Json`, `Form`, `Extension`,
//! the macros) is axum's own, re-exported: it takes no runtime. [`serve`](mod@serve), the module and the function, is written here with axum's
//! names and behaviour: [`serve::Listener`] (implemented for weft's `TcpListener` and
//! `UnixListener`, and by anything else a user implements it for),
//! [`serve::ListenerExt::tap_io`], [`serve::IncomingStream`], `Serve::with_graceful_shutdown`
//! and `local_addr`, HTTP/1 and (with `http2`) HTTP/2 with upgrades, accept errors retried as
//! axum retries them. What it serves is a `Router`, a `MethodRouter`, `into_make_service()`, or
//! `into_make_service_with_connect_info::<C>()` for a `C` that implements
//! [`Connected`](axum::extract::connect_info::Connected) for this crate's `IncomingStream`
//! (`SocketAddr` and weft's Unix `SocketAddr` do).
//!
//! # Crates on tokio's own runtime: `tokio-context`
//!
//! Crates that axum apps use beside axum may call tokio's runtime themselves: tower-http's
//! `ServeDir` and `ServeFile` read files with `tokio::fs`, which needs a tokio runtime's
//! context, and panic with tokio's "there is no reactor running" without one. So weft-axum
//! turns on weft's `tokio-context` feature by default (its own feature of that name): each weft
//! runtime gets a tokio companion, one mostly idle thread, whose context every weft thread is
//! in (see weft's docs). With `default-features = false` it is off unless listed.
//!
//! # WebSockets: `ws`
//!
//! axum's `WebSocketUpgrade::on_upgrade` finishes the upgrade in a task it starts with
//! `tokio::spawn` and runs the callback's whole session there, which in a weft program is the
//! companion's one thread: every WebSocket of the server would wait for that thread (an echo
//! server of 64 WebSockets served 0.69x-0.85x the messages per second of the same server on
//! tokio, at 1.2x-1.5x its CPU per message). So with `ws` (which turns `tokio-context` on, for
//! that `tokio::spawn`), [`extract::ws::WebSocketUpgrade`] is weft-axum's: axum's, wrapped,
//! every method forwarded, except that `on_upgrade` hands the callback's future to weft once
//! axum has the socket. The companion's thread does the upgrade, once per connection; the
//! session runs on weft's workers, where weft's timers, sockets and `spawn` work. The same
//! server then reads 0.88x-1.06x of tokio's messages per second and 0.92x-1.06x of its CPU per
//! message (`benches/scripts/axum.sh 3 own|shared ws`).
//!
//! # Features
//!
//! axum's names and defaults, forwarded: `form`, `http1`, `http2`, `json`, `macros`,
//! `matched-path`, `multipart`, `original-uri`, `query`, `tokio`, `tower-log`, `tracing`, `ws`;
//! and `tokio-context` (default, above).
//!
//! [axum]: https://docs.rs/axum/0.8

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub use axum::*;

/// axum's extractors, re-exported; with `ws`, [`ws::WebSocketUpgrade`](extract::ws::WebSocketUpgrade)
/// is weft-axum's, whose sessions run on weft's workers.
pub mod extract {
    pub use axum::extract::*;

    #[cfg(feature = "ws")]
    pub mod ws;
    #[cfg(feature = "ws")]
    #[doc(inline)]
    pub use self::ws::WebSocketUpgrade;
}

#[cfg(any(feature = "http1", feature = "http2"))]
pub mod serve;
#[cfg(any(feature = "http1", feature = "http2"))]
pub use serve::serve;
