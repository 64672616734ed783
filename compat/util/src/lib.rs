//! [tokio-util] 0.7 for programs ported to weft.
//!
//! ```
//! use std::future::poll_fn;
//! use weft_util::sync::{CancellationToken, PollSender};
//!
//! let runtime = weft::runtime::Runtime::new().unwrap();
//! let received = runtime.block_on(async {
//!     let (tx, mut rx) = weft::sync::mpsc::channel(2);
//!     let token = CancellationToken::new();
//!     let producer = weft::spawn(async move {
//!         let mut tx = PollSender::new(tx);
//!         for i in 1..=5 {
//!             // Waits while the two slots are full: the consumer sets the pace.
//!             poll_fn(|cx| tx.poll_reserve(cx)).await.unwrap();
//!             tx.send_item(i * 10).unwrap();
//!         }
//!     });
//!     let mut received = Vec::new();
//!     while let Some(n) = rx.recv().await {
//!         received.push(n);
//!     }
//!     producer.await.unwrap();
//!     token.cancel();
//!     assert!(token.is_cancelled());
//!     received
//! });
//! assert_eq!(received, [10, 20, 30, 40, 50]);
//! ```
//!
//! # The port
//!
//! A tokio program moves to weft by renaming its dependencies in `Cargo.toml`, its sources
//! untouched:
//!
//! ```toml
//! tokio = { package = "weft", version = "0.1", features = ["full"] }
//! tokio-util = { package = "weft-util", version = "0.1", features = ["full"] }
//! ```
//!
//! # What is tokio-util's, and what is written for weft
//!
//! Most of tokio-util takes any `AsyncRead`, `AsyncWrite`, `Stream` or future, and weft's
//! sockets implement tokio's I/O traits (`weft::io` re-exports tokio's), so these are
//! tokio-util's own, re-exported: `codec` (`Framed`, `LinesCodec`, ...), `compat`, most of
//! `io` (`ReaderStream`, `StreamReader`, `SinkWriter`, ...), [`either`], [`bytes`], and in
//! [`sync`] the `CancellationToken` family and `ReusableBoxFuture`.
//!
//! The rest names tokio's types, so it would not compile against weft's (`PollSender::new(tx)`
//! with a weft `mpsc::Sender`) or would run on tokio's runtime; these are written here, with
//! tokio-util's names, constructors, methods and trait impls:
//!
//! - [`sync::PollSender`] (and its [`sync::PollSendError`]) over weft's `mpsc::Sender`;
//! - `time::DelayQueue`, and [`future::FutureExt`] (also `time::FutureExt`), whose `timeout`
//!   and `timeout_at` give weft's `Timeout`, on weft's timer (below);
//! - `io::simplex`, a one-way in-memory pipe that spends weft's cooperative budget (tokio-util's
//!   spends tokio's, which a weft task does not have), and `io::SyncIoBridge` (with `io-util`),
//!   blocking on weft's runtime handle where tokio-util's blocks on tokio's;
//! - [`sync::PollSemaphore`] over weft's `Semaphore`;
//! - `task::TaskTracker`, tokio-util's tracker whose `spawn*` methods spawn on weft,
//!   `task::JoinMap` over weft's `JoinSet` (its `join-map` feature is accepted and means `rt`),
//!   `task::JoinQueue` (outputs in spawn order), `task::LocalPoolHandle` (threads that each run
//!   a weft `LocalRuntime`, for `!Send` futures), and
//!   `task::AbortOnDropHandle`/`task::AbortOnDrop` over weft's `JoinHandle`/`AbortHandle`;
//! - `net::Listener`, implemented for weft's `TcpListener` and `UnixListener`, and
//!   `udp::UdpFramed` over weft's `UdpSocket`;
//! - `context::{TokioContext, RuntimeExt}` for weft's `Runtime` and `Handle`.
//!
//! Left out: the inherent `accept` and `local_addr` of tokio-util's `Either` of two listeners
//! (`Either` is tokio-util's own type, re-exported).
//!
//! # Timers
//!
//! `time::DelayQueue` and `FutureExt::timeout`/`timeout_at` run on weft's timer: their
//! deadlines are weft's `Instant`s (the program's `tokio::time::Instant` after the rename),
//! weft's paused test clock (`start_paused`, `time::advance`) drives them, and they need no
//! tokio runtime. tokio-util's own test files for them (`time_delay_queue.rs`, `future.rs`) pass
//! against this crate: `compat/scripts/upstream_tests.sh` runs all of tokio-util's. One
//! departure: a `DelayQueue` takes any deadline, where tokio-util's panics on one more than
//! 2^36 ms (about 2.2 years) ahead.
//!
//! No feature of this crate turns on weft's `tokio-context`: nothing here needs a tokio
//! runtime (`io::SyncIoBridge`, with `io-util`, blocks on weft's runtime handle).
//!
//! # Features
//!
//! tokio-util's names, default none: `codec`, `compat`, `io`, `io-util` (each tokio-util's
//! feature), `net` (`net::Listener`; with `codec`, `udp`), `rt` (`task`, `context`), `time`
//! (above), and `full`.
//!
//! [tokio-util]: https://docs.rs/tokio-util/0.7

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod future;
#[cfg(feature = "io")]
pub mod io;
pub mod sync;

#[cfg(feature = "rt")]
pub mod context;
#[cfg(feature = "net")]
pub mod net;
#[cfg(feature = "rt")]
pub mod task;
#[cfg(feature = "time")]
pub mod time;
#[cfg(all(feature = "net", feature = "codec"))]
pub mod udp;

/// The [`bytes`](https://docs.rs/bytes/1) crate, which the codecs' buffers come from.
pub use tokio_util::bytes;
/// Frames over byte streams: tokio-util's own, over any `AsyncRead`/`AsyncWrite`.
#[cfg(feature = "codec")]
pub use tokio_util::codec;
/// tokio's and the futures crate's I/O traits, each as the other: tokio-util's own.
#[cfg(feature = "compat")]
pub use tokio_util::compat;
/// A two-variant future, stream and I/O object: tokio-util's own.
pub use tokio_util::either;
