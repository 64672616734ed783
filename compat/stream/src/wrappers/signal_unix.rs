//! [`SignalStream`]: a weft Unix signal listener as a stream.

use futures_core::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft::signal::unix::Signal;

/// A [`weft::signal::unix::Signal`] as a [`Stream`] of `()`, one per delivery noticed (the
/// system may fold deliveries that come close together into one). It ends if the listener's
/// runtime shuts down.
#[derive(Debug)]
pub struct SignalStream {
    signal: Signal,
}

impl SignalStream {
    /// Wraps `signal`.
    pub fn new(signal: Signal) -> Self {
        SignalStream { signal }
    }

    /// Unwraps the listener.
    pub fn into_inner(self) -> Signal {
        self.signal
    }
}

impl Stream for SignalStream {
    type Item = ();

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.get_mut().signal.poll_recv(cx)
    }
}

impl AsRef<Signal> for SignalStream {
    fn as_ref(&self) -> &Signal {
        &self.signal
    }
}

impl AsMut<Signal> for SignalStream {
    fn as_mut(&mut self) -> &mut Signal {
        &mut self.signal
    }
}
