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
//! Most of tokio-stream needs no runtime (`Stream`, [`StreamMap`], `once`, `empty`, and the
//! combinators that need no timer) and takes any stream; this crate re-exports those items, so
//! they are tokio-stream's own. Its [`wrappers`] cannot be: each names a tokio type
//! (`tokio::sync::mpsc::Receiver`, `tokio::net::TcpListener`, ...), and after the rename the
//! program's `rx` is weft's. The wrappers here have tokio-stream's names, constructors and
//! methods, written for weft's types, so `tokio_stream::wrappers::ReceiverStream::new(rx)`
//! compiles and behaves as before.
//!
//! # Timers and the cooperative budget
//!
//! [`StreamExt`] is this crate's own trait, method for method tokio-stream's: each combinator
//! that needs no timer calls tokio-stream's, and the four that do ([`StreamExt::timeout`],
//! `timeout_repeating`, `throttle`, `chunks_timeout`, with the `time` feature, on by default as
//! in tokio-stream) are written for weft's timer: weft's paused test clock drives them,
//! `timeout_repeating` takes weft's `Interval`, and they need no tokio runtime. [`iter`] spends
//! weft's cooperative budget, as tokio-stream's spends tokio's, so an endless `iter` in a loop
//! yields to the rest of the runtime. tokio-stream's own test files pass against this crate:
//! `compat/scripts/upstream_tests.sh` runs them.
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

pub mod adapters;
mod iter;
mod stream_ext;
pub mod wrappers;

pub use iter::{iter, Iter};
pub use stream_ext::StreamExt;
pub use tokio_stream::{
    empty, once, pending, Empty, FromStream, Once, Pending, Stream, StreamMap, StreamNotifyClose,
};

/// The error of a stream item that [`StreamExt::timeout`] waited too long for.
#[cfg(feature = "time")]
pub use adapters::Elapsed;

/// The stream that [`StreamExt::timeout`] returns (tokio-stream keeps this name at its root,
/// deprecated in favour of [`adapters::Timeout`], and hidden; so is it here).
#[cfg(feature = "time")]
#[doc(hidden)]
pub use adapters::Timeout;
