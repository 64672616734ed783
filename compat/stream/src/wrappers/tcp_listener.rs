//! [`TcpListenerStream`]: a weft TCP listener as a stream of connections.

use futures_core::Stream;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft::net::{TcpListener, TcpStream};

/// A [`weft::net::TcpListener`] as a never-ending [`Stream`] of accepted connections (their
/// peer addresses dropped; `TcpStream::peer_addr` has them). A failed accept is an `Err` item,
/// and the stream goes on after it.
#[derive(Debug)]
pub struct TcpListenerStream {
    listener: TcpListener,
}

impl TcpListenerStream {
    /// Wraps `listener`.
    pub fn new(listener: TcpListener) -> Self {
        TcpListenerStream { listener }
    }

    /// Unwraps the listener.
    pub fn into_inner(self) -> TcpListener {
        self.listener
    }
}

impl Stream for TcpListenerStream {
    type Item = io::Result<TcpStream>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let accepted = std::task::ready!(self.listener.poll_accept(cx));
        Poll::Ready(Some(accepted.map(|(stream, _peer)| stream)))
    }
}

impl AsRef<TcpListener> for TcpListenerStream {
    fn as_ref(&self) -> &TcpListener {
        &self.listener
    }
}

impl AsMut<TcpListener> for TcpListenerStream {
    fn as_mut(&mut self) -> &mut TcpListener {
        &mut self.listener
    }
}
