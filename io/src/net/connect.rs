//! The non-blocking connect that TCP and Unix streams (and `TcpSocket`) share.

use crate::io_source::IoSource;
use socket2::{SockAddr, Socket};
use std::io;
use std::os::fd::AsFd;

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
    // Nothing assumed, even for a connect that returned at once (a Unix socket, queued in
    // the listener's backlog): it waits for the registration's first event, as tokio's does,
    // so a listener that goes away meanwhile fails the connect rather than the first read
    // (tokio#3879's test).
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
