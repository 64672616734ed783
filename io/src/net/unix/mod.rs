//! Unix domain sockets: [`UnixListener`], [`UnixStream`] and its halves (tokio's
//! `weft::net::unix::{ReadHalf, WriteHalf, OwnedReadHalf, OwnedWriteHalf, ReuniteError}`),
//! [`UnixDatagram`], the [`UnixSocket`] builder, the peer's credentials ([`UCred`]),
//! addresses ([`SocketAddr`], std's), and pipes and FIFOs ([`pipe`]).

mod datagram;
mod listener;
pub mod pipe;
mod socket;
mod stream;
mod ucred;

pub use datagram::UnixDatagram;
pub use listener::UnixListener;
pub use socket::UnixSocket;
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

/// std's address for `path`: a path that starts with a NUL byte names a socket in Linux's
/// abstract namespace (as tokio, through mio, reads it: `"\0name"`); any other is a path in
/// the file system.
fn std_addr(path: &std::path::Path) -> std::io::Result<SocketAddr> {
    use std::os::unix::ffi::OsStrExt;
    match path.as_os_str().as_bytes().split_first() {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        Some((0, name)) => {
            #[cfg(target_os = "android")]
            use std::os::android::net::SocketAddrExt;
            #[cfg(target_os = "linux")]
            use std::os::linux::net::SocketAddrExt;
            SocketAddr::from_abstract_name(name)
        }
        _ => SocketAddr::from_pathname(path),
    }
}

/// socket2's form of a std Unix address (a path or an abstract name; not unnamed).
fn sock_addr(addr: &SocketAddr) -> std::io::Result<socket2::SockAddr> {
    use std::os::linux::net::SocketAddrExt;
    if let Some(path) = addr.as_pathname() {
        return socket2::SockAddr::unix(path);
    }
    match addr.as_abstract_name() {
        Some(name) => {
            // socket2 reads a path that starts with a NUL byte as an abstract name.
            use std::os::unix::ffi::OsStrExt;
            let path = [&[0u8][..], name].concat();
            socket2::SockAddr::unix(std::ffi::OsStr::from_bytes(&path))
        }
        None => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "cannot connect to an unnamed Unix socket address",
        )),
    }
}
