//! Adapters between byte streams, streams and sinks: tokio-util's own (`ReaderStream`,
//! `StreamReader`, `SinkWriter`, `InspectReader`, `read_exact_arc`, ...), re-exported;
//! [`simplex`], written for weft's cooperative budget; and with `io-util`, `SyncIoBridge`,
//! written for weft's runtime handle.

pub mod simplex;
#[cfg(feature = "io-util")]
mod sync_bridge;

#[cfg(feature = "io-util")]
pub use sync_bridge::SyncIoBridge;
// `simplex` and `SyncIoBridge` above shadow tokio-util's items of those names.
pub use tokio_util::io::*;
