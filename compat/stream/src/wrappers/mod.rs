//! Streams over weft's channels, timers, sockets, signals, directories and task sets: the
//! wrappers of tokio-stream, with its names, constructors and methods, for weft's types.
//!
//! Each implements [`Stream`](crate::Stream) by calling the `poll_*` method weft's type has
//! for it (`poll_recv`, `poll_tick`, `poll_accept`, ...); the broadcast and watch receivers
//! have only `async fn`s to wait with, so their wrappers keep that future in one reused box.

mod broadcast;
mod interval;
mod join_set;
mod mpsc_bounded;
mod mpsc_unbounded;
mod read_dir;
#[cfg(unix)]
mod signal_unix;
mod tcp_listener;
#[cfg(unix)]
mod unix_listener;
mod watch;

pub use broadcast::BroadcastStream;
pub use interval::IntervalStream;
pub use join_set::JoinSetStream;
pub use mpsc_bounded::ReceiverStream;
pub use mpsc_unbounded::UnboundedReceiverStream;
pub use read_dir::ReadDirStream;
#[cfg(unix)]
pub use signal_unix::SignalStream;
pub use tcp_listener::TcpListenerStream;
#[cfg(unix)]
pub use unix_listener::UnixListenerStream;
pub use watch::WatchStream;

/// tokio-stream's own `LinesStream` and `SplitStream`: they wrap tokio's `io::Lines` and
/// `io::Split`, which are the types `weft::io` re-exports, so weft's readers fit them as they
/// are.
#[cfg(feature = "io-util")]
pub use tokio_stream::wrappers::{LinesStream, SplitStream};

/// The errors the wrappers' items carry.
pub mod errors {
    pub use super::broadcast::BroadcastStreamRecvError;
}
