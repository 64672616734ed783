//! axum's WebSockets, with each session on weft's workers.
//!
//! Everything here is axum's own ([`WebSocket`], [`Message`], [`Utf8Bytes`], [`CloseFrame`],
//! [`close_code`], [`rejection`], [`OnFailedUpgrade`], ...), re-exported, except
//! [`WebSocketUpgrade`]: axum's finishes the upgrade in a task of its own, started with
//! `tokio::spawn`, and then runs the callback's whole session in that task, which in a weft
//! program is the tokio companion's one thread (`tokio-context`). Every message of every
//! WebSocket then waited for that thread: an echo server of 64 connections served 0.64x-0.76x
//! the messages per second of the same server on tokio. weft-axum's `WebSocketUpgrade` is
//! axum's, wrapped, with every method forwarded, except that `on_upgrade` hands the callback's
//! future to weft as soon as axum has the socket: the companion's thread does the upgrade, once
//! per connection, and the session runs on weft's workers, as it runs on tokio's workers there.
//!
//! ```
//! # use weft_axum as axum;
//! use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
//! use axum::{response::Response, routing::any, Router};
//!
//! async fn handler(ws: WebSocketUpgrade) -> Response {
//!     ws.on_upgrade(echo)
//! }
//!
//! async fn echo(mut socket: WebSocket) {
//!     // A weft task: weft's timers, sockets and `spawn` work here.
//!     while let Some(Ok(message)) = socket.recv().await {
//!         if let Message::Text(_) | Message::Binary(_) = message {
//!             if socket.send(message).await.is_err() {
//!                 return;
//!             }
//!         }
//!     }
//! }
//!
//! let app: Router = Router::new().route("/ws", any(handler));
//! ```

pub use axum::extract::ws::*;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::response::Response;
use std::borrow::Cow;
use std::future::Future;

/// Extractor for establishing WebSocket connections: axum's, whose
/// [`on_upgrade`](WebSocketUpgrade::on_upgrade) runs the session on weft's workers (see the
/// [module](self)).
///
/// Every other method is axum's, forwarded: the buffer and size limits, `protocols`, and
/// `on_failed_upgrade`. As an extractor it rejects what axum's rejects, with axum's
/// [`rejection::WebSocketUpgradeRejection`].
#[must_use]
pub struct WebSocketUpgrade<F = DefaultOnFailedUpgrade> {
    inner: axum::extract::ws::WebSocketUpgrade<F>,
}

impl<F> std::fmt::Debug for WebSocketUpgrade<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl<F> WebSocketUpgrade<F> {
    fn map(
        self,
        f: impl FnOnce(axum::extract::ws::WebSocketUpgrade<F>) -> axum::extract::ws::WebSocketUpgrade<F>,
    ) -> Self {
        WebSocketUpgrade {
            inner: f(self.inner),
        }
    }

    /// Read buffer capacity (axum's default: 128 KiB).
    pub fn read_buffer_size(self, size: usize) -> Self {
        self.map(|inner| inner.read_buffer_size(size))
    }

    /// The target size of the write buffer: frames are written once it holds this much
    /// (axum's default: 128 KiB; 0 writes each frame at once).
    pub fn write_buffer_size(self, size: usize) -> Self {
        self.map(|inner| inner.write_buffer_size(size))
    }

    /// The most the write buffer may hold before a send fails (axum's default: unlimited).
    pub fn max_write_buffer_size(self, max: usize) -> Self {
        self.map(|inner| inner.max_write_buffer_size(max))
    }

    /// The largest message accepted (axum's default: 64 MiB).
    pub fn max_message_size(self, max: usize) -> Self {
        self.map(|inner| inner.max_message_size(max))
    }

    /// The largest frame accepted (axum's default: 16 MiB).
    pub fn max_frame_size(self, max: usize) -> Self {
        self.map(|inner| inner.max_frame_size(max))
    }

    /// Whether to accept frames the client did not mask (axum's default: `false`).
    pub fn accept_unmasked_frames(self, accept: bool) -> Self {
        self.map(|inner| inner.accept_unmasked_frames(accept))
    }

    /// Picks the first of `protocols` that the client asked for in `Sec-WebSocket-Protocol`,
    /// and answers with it.
    pub fn protocols<I>(self, protocols: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<Cow<'static, str>>,
    {
        self.map(|inner| inner.protocols(protocols))
    }

    /// The subprotocols the client asked for, in `Sec-WebSocket-Protocol`.
    pub fn requested_protocols(&self) -> impl Iterator<Item = &HeaderValue> {
        self.inner.requested_protocols()
    }

    /// Sets the subprotocol to answer with (the last of this and
    /// [`protocols`](Self::protocols) counts).
    pub fn set_selected_protocol(&mut self, protocol: HeaderValue) {
        self.inner.set_selected_protocol(protocol);
    }

    /// The subprotocol chosen so far, if any.
    pub fn selected_protocol(&self) -> Option<&HeaderValue> {
        self.inner.selected_protocol()
    }

    /// Calls `callback` with the error if the connection's upgrade fails (by default the error
    /// is ignored).
    pub fn on_failed_upgrade<C>(self, callback: C) -> WebSocketUpgrade<C>
    where
        C: OnFailedUpgrade,
    {
        WebSocketUpgrade {
            inner: self.inner.on_failed_upgrade(callback),
        }
    }

    /// Answers the upgrade request; once the connection is upgraded, runs `callback` with the
    /// socket, as a weft task.
    ///
    /// axum finishes the upgrade on the tokio companion's thread; the future `callback`
    /// returns is spawned on the weft runtime from there (the companion's threads are inside
    /// its context), so the session runs on weft's workers. A panic in it is a panic of that
    /// task: reported, as axum's would be, and the connection dropped.
    #[must_use = "to set up the WebSocket connection, this response must be returned"]
    pub fn on_upgrade<C, Fut>(self, callback: C) -> Response
    where
        C: FnOnce(WebSocket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
        F: OnFailedUpgrade,
    {
        self.inner.on_upgrade(move |socket| {
            // Detached: the companion's task ends here, the session lives on as weft's.
            drop(weft::spawn(callback(socket)));
            std::future::ready(())
        })
    }
}

impl<S> FromRequestParts<S> for WebSocketUpgrade<DefaultOnFailedUpgrade>
where
    S: Send + Sync,
{
    type Rejection = rejection::WebSocketUpgradeRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let inner = axum::extract::ws::WebSocketUpgrade::from_request_parts(parts, state).await?;
        Ok(WebSocketUpgrade { inner })
    }
}
