//! The non-blocking connect that TCP and Unix streams (and `TcpSocket`) share.

use crate::io_source::IoSource;
use crate::source::WRITE_READY;
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
    // Connected at once (a Unix socket, usually): writable now, with an empty send buffer.
    // In progress: the reactor reports writable once it is connected or failed.
    let assumed = match socket.connect(addr) {
        Ok(()) => WRITE_READY,
        Err(error) if error.raw_os_error() == Some(libc::EINPROGRESS) => 0,
        Err(error) => return Err(error),
    };
    let stream = IoSource::new_assuming(into(socket), assumed)?;
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
