//! tonic's `transport`: its server ([`Server`]) written for weft, its client ([`Endpoint`],
//! [`Channel`]) connecting through weft's sockets with its tasks on weft, and an [`Error`] that
//! holds either's errors.
//!
//! A local item wins over the glob import of tonic's, so `Server`, `Endpoint`, `Channel`,
//! `Error`, `server` and `channel` are this crate's, and the rest tonic's own.

pub use tonic::transport::*;

#[cfg(feature = "channel")]
pub mod channel;
mod error;
#[cfg(feature = "server")]
pub mod server;
#[cfg(any(feature = "server", feature = "channel"))]
mod tcp;

#[cfg(feature = "channel")]
pub use channel::{Channel, Endpoint};
pub use error::Error;
#[cfg(feature = "server")]
pub use server::Server;
