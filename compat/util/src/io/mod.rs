//! Adapters between byte streams, streams and sinks: tokio-util's own (`ReaderStream`,
//! `StreamReader`, `SinkWriter`, `InspectReader`, ...), re-exported, and [`simplex`], written
//! for weft's cooperative budget.

pub mod simplex;

// `simplex` above shadows tokio-util's module of that name.
pub use tokio_util::io::*;
