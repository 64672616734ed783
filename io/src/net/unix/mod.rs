//! Unix domain sockets: [`UnixListener`], [`UnixStream`] and its halves (tokio's
//! `weft::net::unix::{ReadHalf, WriteHalf, OwnedReadHalf, OwnedWriteHalf, ReuniteError}`),
//! [`UnixDatagram`], the peer's credentials ([`UCred`]) and addresses ([`SocketAddr`], std's).

mod datagram;
mod listener;
mod stream;
mod ucred;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use std::os::unix::net::SocketAddr;
pub use stream::UnixStream;
pub use ucred::UCred;

use super::split;

/// The read half of a [`UnixStream`] borrowed by [`UnixStream::split`].
pub type ReadHalf<'a> = split::ReadHalf<'a, UnixStream>;
/// The write half of a [`UnixStream`] borrowed by [`UnixStream::split`].
pub type WriteHalf<'a> = split::WriteHalf<'a, UnixStream>;
/// The read half of a [`UnixStream`] split by [`UnixStream::into_split`].
pub type OwnedReadHalf = split::OwnedReadHalf<UnixStream>;
/// The write half of a [`UnixStream`] split by [`UnixStream::into_split`].
pub type OwnedWriteHalf = split::OwnedWriteHalf<UnixStream>;

split::impl_half_methods!(UnixStream, SocketAddr);
