//! Address resolution and the non-blocking connect that TCP and Unix streams share.

use crate::io_source::IoSource;
use socket2::{Domain, SockAddr, Socket, Type};
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::AsFd;

/// Resolves `addr` (a literal address resolves without a system call; a host name goes
/// through the system resolver, which blocks this thread).
pub(crate) fn resolve(addr: impl ToSocketAddrs) -> io::Result<Vec<SocketAddr>> {
    let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
    if addrs.is_empty() {
        return Err(no_address());
    }
    Ok(addrs)
}

/// The first address of `addr`, without collecting the rest: `send_to` runs this on every
/// datagram, and a literal address must cost no allocation.
pub(crate) fn resolve_first(addr: impl ToSocketAddrs) -> io::Result<SocketAddr> {
    addr.to_socket_addrs()?.next().ok_or_else(no_address)
}

fn no_address() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "could not resolve to any address",
    )
}

/// Tries `each` on every address in turn and returns the first success, or the last error.
pub(crate) async fn first_ok<T, F: std::future::Future<Output = io::Result<T>>>(
    addrs: Vec<SocketAddr>,
    mut each: impl FnMut(SocketAddr) -> F,
) -> io::Result<T> {
    let mut last = None;
    for addr in addrs {
        match each(addr).await {
            Ok(value) => return Ok(value),
            Err(error) => last = Some(error),
        }
    }
    Err(last.expect("resolve returns at least one address"))
}

/// A non-blocking stream socket for `domain`.
pub(crate) fn stream_socket(domain: Domain) -> io::Result<Socket> {
    Socket::new(domain, Type::STREAM.nonblocking(), None)
}

/// Starts a non-blocking connect of `socket` to `addr`, registers the stream made from it
/// with `into`, and waits until the connection is established or has failed.
pub(crate) async fn connect<S>(
    socket: Socket,
    addr: &SockAddr,
    into: impl FnOnce(Socket) -> S,
    take_error: impl Fn(&S) -> io::Result<Option<io::Error>>,
    is_connected: impl Fn(&S) -> bool,
) -> io::Result<IoSource<S>>
where
    S: AsFd,
{
    match socket.connect(addr) {
        Ok(()) => {}
        Err(error) if error.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(error) => return Err(error),
    }
    let stream = IoSource::new(into(socket))?;
    // Writable means connected or failed; until then the socket reports neither.
    stream
        .write_with(|io| match take_error(io)? {
            Some(error) => Err(error),
            None if is_connected(io) => Ok(()),
            None => Err(io::ErrorKind::WouldBlock.into()),
        })
        .await?;
    Ok(stream)
}
