//! [`UnixListenerStream`]: a weft Unix-domain socket listener as a stream of connections.

use futures_core::Stream;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft::net::{UnixListener, UnixStream};

/// A [`weft::net::UnixListener`] as a never-ending [`Stream`] of accepted connections (their
/// peer addresses dropped; `UnixStream::peer_addr` has them). A failed accept is an `Err` item,
/// and the stream goes on after it.
#[derive(Debug)]
pub struct UnixListenerStream {
    listener: UnixListener,
}

impl UnixListenerStream {
    /// Wraps `listener`.
    pub fn new(listener: UnixListener) -> Self {
        UnixListenerStream { listener }
    }

    /// Unwraps the listener.
    pub fn into_inner(self) -> UnixListener {
        self.listener
    }
}

impl Stream for UnixListenerStream {
    type Item = io::Result<UnixStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let accepted = std::task::ready!(self.listener.poll_accept(cx));
        Poll::Ready(Some(accepted.map(|(stream, _peer)| stream)))
    }
}

impl AsRef<UnixListener> for UnixListenerStream {
    fn as_ref(&self) -> &UnixListener {
        &self.listener
    }
}

impl AsMut<UnixListener> for UnixListenerStream {
    fn as_mut(&mut self) -> &mut UnixListener {
        &mut self.listener
    }
}
