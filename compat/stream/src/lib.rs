//! [tokio-stream] 0.1 for programs ported to weft.
//!
//! ```
//! use weft_stream::wrappers::ReceiverStream;
//! use weft_stream::StreamExt;
//!
//! let runtime = weft::runtime::Runtime::new().unwrap();
//! let tens: Vec<u32> = runtime.block_on(async {
//!     let (tx, rx) = weft::sync::mpsc::channel(4);
//!     weft::spawn(async move {
//!         for i in 1..=6 {
//!             tx.send(i).await.unwrap();
//!         }
//!         // Dropping the last sender ends the stream.
//!     });
//!     ReceiverStream::new(rx)
//!         .filter(|n| n % 2 == 1)
//!         .map(|n| n * 10)
//!         .collect()
//!         .await
//! });
//! assert_eq!(tens, [10, 30, 50]);
//! ```
//!
//! # The port
//!
//! A tokio program moves to weft by renaming its dependencies in `Cargo.toml`, its sources
//! untouched:
//!
//! ```toml
//! tokio = { package = "weft", version = "0.1", features = ["full"] }
//! tokio-stream = { package = "weft-stream", version = "0.1" }
//! ```
//!
//! Most of tokio-stream needs no runtime (`Stream`, [`StreamExt`], [`StreamMap`], `iter`,
//! ...) and takes any stream; this crate re-exports those items, so they are tokio-stream's
//! own. Its [`wrappers`] cannot be: each names a tokio type (`tokio::sync::mpsc::Receiver`,
//! `tokio::net::TcpListener`, ...), and after the rename the program's `rx` is weft's. The
//! wrappers here have tokio-stream's names, constructors and methods, written for weft's
//! types, so `tokio_stream::wrappers::ReceiverStream::new(rx)` compiles and behaves as before.
//!
//! # Timers: the `time` feature and tokio's context
//!
//! tokio-stream's timer combinators ([`StreamExt::timeout`], `timeout_repeating`, `throttle`,
//! `chunks_timeout`) arm *tokio's* timers, which need a tokio runtime's context on the thread
//! that polls them. The `time` feature (on by default, as in tokio-stream) therefore turns on
//! weft's `tokio-context` feature: each weft runtime gets a tokio companion (one thread,
//! `weft-tokio`), and every thread that runs weft's sits inside its context, so those timers
//! work inside weft tasks; the companion's thread fires them and wakes weft's tasks. Cargo unifies features, so this holds for the whole program. A program that uses no
//! timer combinator can say `default-features = false` and run without that extra thread.
//! [`IntervalStream`](wrappers::IntervalStream) wraps weft's own `Interval` and needs none of
//! this (weft's paused test clock drives it; it does not drive tokio's timers).
//!
//! # Features
//!
//! tokio-stream's names: `time` (above), `io-util` (tokio-stream's own `LinesStream` and
//! `SplitStream`, which wrap tokio's `io::Lines` and `io::Split`, the very types `weft::io`
//! re-exports), and `full`. `net`, `fs`, `rt`, `sync` and `signal` are accepted and select
//! nothing: weft always builds its whole API, so the wrappers over it are always built.
//!
//! [tokio-stream]: https://docs.rs/tokio-stream/0.1

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod wrappers;

pub use tokio_stream::{
    empty, iter, once, pending, Empty, FromStream, Iter, Once, Pending, Stream, StreamExt,
    StreamMap, StreamNotifyClose,
};

/// The error of a stream item that [`StreamExt::timeout`] waited too long for.
#[cfg(feature = "time")]
pub use tokio_stream::Elapsed;

/// The stream that [`StreamExt::timeout`] returns (tokio-stream keeps this name at its root,
/// deprecated in favour of [`adapters::Timeout`], and hidden; so is it here).
#[cfg(feature = "time")]
#[doc(hidden)]
pub use tokio_stream::adapters::Timeout;

/// The streams that [`StreamExt`]'s combinators return: tokio-stream's own.
pub mod adapters {
    pub use tokio_stream::adapters::{
        Chain, Filter, FilterMap, Fuse, Map, MapWhile, Merge, Peekable, Skip, SkipWhile, Take,
        TakeWhile, Then,
    };

    #[cfg(feature = "time")]
    pub use tokio_stream::adapters::{ChunksTimeout, Timeout, TimeoutRepeating};
}
