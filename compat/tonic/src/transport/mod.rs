//! tonic's `transport`: its client ([`Channel`], [`Endpoint`]) re-exported, its server
//! ([`Server`]) written for weft, and an [`Error`] that holds either's errors.
//!
//! A local item wins over the glob import of tonic's, so `transport::Server`, `transport::Error`
//! and `transport::server` are this crate's, and the rest tonic's own.

pub use tonic::transport::*;

mod error;
#[cfg(feature = "server")]
pub mod server;

pub use error::Error;
#[cfg(feature = "server")]
pub use server::Server;
