//! What [hyper] 1.x needs to run on weft: an executor, a timer and I/O adapters.
//!
//! hyper 1.x is runtime-agnostic: it asks for an [`Executor`] to spawn its background tasks
//! (HTTP/2 streams, the client's connection), a [`Timer`] for its timeouts, and I/O that
//! implements its own [`hyper::rt::Read`] and [`hyper::rt::Write`]. This module provides the three
//! under hyper-util's names for tokio, with `Weft` in place of `Tokio`:
//!
//! - [`WeftExecutor`]: spawns with [`weft::spawn`](crate::spawn);
//! - [`WeftTimer`]: sleeps with [`weft::time::sleep`](crate::time::sleep), and resets a sleep in
//!   place;
//! - [`WeftIo`]: turns any `futures-io` stream (a `weft::net::TcpStream`, for one) into a hyper
//!   stream, and a hyper stream into a `futures-io` one.
//!
//! weft's sockets also implement tokio's I/O traits, so hyper-util's `TokioIo` works on them
//! too (and reads into hyper's buffer without the copy `WeftIo` makes); `WeftIo` is for
//! `futures-io` streams.
//!
//! Enabled by the `hyper` feature. The program itself depends on hyper with the features it
//! uses (`server`, `client`, `http1`, `http2`).
//!
//! A server, one task per connection (`runtime/examples/hello_http.rs` is the whole program):
//!
//! ```no_run
//! # // `weft::net` and a hyper with the `server` and `http1` features.
//! use std::convert::Infallible;
//! use weft::hyper::{WeftIo, WeftTimer};
//!
//! async fn hello(
//!     _: hyper::Request<hyper::body::Incoming>,
//! ) -> Result<hyper::Response<String>, Infallible> {
//!     Ok(hyper::Response::new("Hello, World!".to_string()))
//! }
//!
//! #[weft::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = weft::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     loop {
//!         let (stream, _) = listener.accept().await?;
//!         weft::spawn(async move {
//!             let served = hyper::server::conn::http1::Builder::new()
//!                 .timer(WeftTimer::new())
//!                 .serve_connection(WeftIo::new(stream), hyper::service::service_fn(hello))
//!                 .await;
//!             if let Err(e) = served {
//!                 eprintln!("connection error: {e}");
//!             }
//!         });
//!     }
//! }
//! ```
//!
//! [hyper]: https://docs.rs/hyper/1
//! [`Executor`]: hyper::rt::Executor
//! [`Timer`]: hyper::rt::Timer

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Executor, ReadBuf, ReadBufCursor, Sleep, Timer};

/// A [`hyper::rt::Executor`] that spawns each future as a weft task.
///
/// Give it to the builders that take an executor: hyper's HTTP/2 connections, or
/// hyper-util's pooled client and auto server.
///
/// # Panics
///
/// [`execute`](Executor::execute) panics outside a weft runtime, as [`weft::spawn`](crate::spawn)
/// does.
///
/// ```
/// use hyper::rt::Executor;
/// use weft::hyper::WeftExecutor;
///
/// #[weft::main]
/// async fn main() {
///     let (tx, rx) = weft::sync::oneshot::channel();
///     WeftExecutor::new().execute(async move {
///         tx.send(7).unwrap();
///     });
///     assert_eq!(rx.await.unwrap(), 7);
/// }
/// ```
#[non_exhaustive]
#[derive(Debug, Default, Clone, Copy)]
pub struct WeftExecutor;

impl WeftExecutor {
    /// An executor that spawns on the runtime current where [`execute`](Executor::execute) is
    /// called.
    pub fn new() -> WeftExecutor {
        WeftExecutor
    }
}

impl<F> Executor<F> for WeftExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        // Detached: hyper keeps its own handles to what it spawns.
        drop(crate::spawn(future));
    }
}

/// A [`hyper::rt::Timer`] on weft's timer wheel.
///
/// Its sleeps are [`weft::time::Sleep`](crate::time::Sleep)s, so
/// [`reset`](Timer::reset) moves the deadline of the existing timer instead of allocating a new
/// one. Give it to hyper's connection builders (`.timer(WeftTimer::new())`) to enable their
/// timeouts, such as HTTP/1's `header_read_timeout`.
///
/// # Panics
///
/// [`sleep`](Timer::sleep) and [`sleep_until`](Timer::sleep_until) panic outside a weft runtime,
/// as [`weft::time::sleep`](crate::time::sleep) does.
///
/// ```
/// use std::time::Duration;
/// use hyper::rt::Timer;
/// use weft::hyper::WeftTimer;
///
/// #[weft::main]
/// async fn main() {
///     let timer = WeftTimer::new();
///     let start = std::time::Instant::now();
///     let mut sleep = timer.sleep(Duration::from_secs(3600));
///     // Bring the deadline forward: the same sleep now completes in 5 ms.
///     timer.reset(&mut sleep, start + Duration::from_millis(5));
///     sleep.await;
///     assert!(start.elapsed() >= Duration::from_millis(5));
/// }
/// ```
#[non_exhaustive]
#[derive(Debug, Default, Clone, Copy)]
pub struct WeftTimer;

impl WeftTimer {
    /// A timer on the runtime current where each sleep is made.
    pub fn new() -> WeftTimer {
        WeftTimer
    }
}

impl Sleep for crate::time::Sleep {}

impl Timer for WeftTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        Box::pin(crate::time::sleep(duration))
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(crate::time::sleep_until(crate::time::Instant::from_std(
            deadline,
        )))
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn Sleep>>, new_deadline: Instant) {
        match sleep.as_mut().downcast_mut_pin::<crate::time::Sleep>() {
            Some(ours) => ours.reset(crate::time::Instant::from_std(new_deadline)),
            // Another timer's sleep: replace it.
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

/// The most that [`WeftIo`] reads at once on behalf of hyper (see its read adapter).
const MAX_SCRATCH: usize = 64 * 1024;

pin_project_lite::pin_project! {
    /// Adapts I/O between the `futures-io` traits and hyper's.
    ///
    /// - Around a `futures_io::AsyncRead` / `AsyncWrite` (a `weft::net::TcpStream`,
    ///   `UnixStream`, or anything from the futures ecosystem), it implements
    ///   [`hyper::rt::Read`] / [`hyper::rt::Write`], which hyper's connections take.
    /// - Around a [`hyper::rt::Read`] / [`hyper::rt::Write`] (a hyper `Upgraded` connection,
    ///   say), it implements `futures_io::AsyncRead` / `AsyncWrite`.
    ///
    /// Writes, flushes and vectored writes pass straight through, and hyper's `poll_shutdown`
    /// is `futures-io`'s `poll_close` (and back). Reads into hyper's buffer go through a small
    /// scratch buffer owned by the adapter (at most 64 KiB, grown as hyper asks for more and
    /// zeroed once), because hyper hands out uninitialized memory that a `futures-io` reader may
    /// not be given; that costs one copy of the bytes actually read, and no `unsafe`.
    ///
    /// ```
    /// use hyper::rt::{Read, ReadBuf};
    /// use std::future::poll_fn;
    /// use std::pin::Pin;
    /// use weft::hyper::WeftIo;
    ///
    /// #[weft::main]
    /// async fn main() {
    ///     // `&[u8]` is a futures-io reader; hyper reads it through the adapter.
    ///     let mut io = WeftIo::new(&b"hello"[..]);
    ///     let mut storage = [0u8; 16];
    ///     let mut buf = ReadBuf::new(&mut storage);
    ///     poll_fn(|cx| Pin::new(&mut io).poll_read(cx, buf.unfilled())).await.unwrap();
    ///     assert_eq!(buf.filled(), b"hello");
    /// }
    /// ```
    #[derive(Debug)]
    pub struct WeftIo<T> {
        #[pin]
        inner: T,
        // Only the futures-io -> hyper read direction uses it.
        scratch: Vec<u8>,
    }
}

impl<T> WeftIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> WeftIo<T> {
        WeftIo {
            inner,
            scratch: Vec::new(),
        }
    }

    /// The wrapped I/O.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The wrapped I/O, mutably.
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// The wrapped I/O, pinned.
    pub fn inner_pin_mut(self: Pin<&mut Self>) -> Pin<&mut T> {
        self.project().inner
    }

    /// Unwraps the I/O.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

// futures-io -> hyper.

impl<T: futures_io::AsyncRead> hyper::rt::Read for WeftIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let want = buf.remaining().min(MAX_SCRATCH);
        if want == 0 {
            return Poll::Ready(Ok(()));
        }
        let this = self.project();
        if this.scratch.len() < want {
            this.scratch.resize(want, 0);
        }
        let n = ready!(this.inner.poll_read(cx, &mut this.scratch[..want]))?;
        // A reader that claims more than it was given is broken; don't let it panic hyper.
        let n = n.min(want);
        buf.put_slice(&this.scratch[..n]);
        Poll::Ready(Ok(()))
    }
}

impl<T: futures_io::AsyncWrite> hyper::rt::Write for WeftIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_close(cx)
    }

    fn is_write_vectored(&self) -> bool {
        // futures-io has no way to ask; its default `poll_write_vectored` writes the first
        // non-empty buffer, which is correct for any writer, so say yes and let hyper hand over
        // its whole queue.
        true
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }
}

// hyper -> futures-io.

impl<T: hyper::rt::Read> futures_io::AsyncRead for WeftIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut read_buf = ReadBuf::new(buf);
        ready!(self.project().inner.poll_read(cx, read_buf.unfilled()))?;
        Poll::Ready(Ok(read_buf.filled().len()))
    }
}

impl<T: hyper::rt::Write> futures_io::AsyncWrite for WeftIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests;
