//! A one-way in-memory pipe: bytes written to the [`Sender`] are read from the [`Receiver`].
//!
//! tokio-util's `io::simplex`, written for weft: the same API and semantics, and the halves
//! spend the weft task's cooperative budget (tokio-util's spend tokio's, which a weft task does
//! not have, so a tight loop over them would never yield).
//!
//! ```
//! use weft::io::{AsyncReadExt, AsyncWriteExt};
//! use weft_util::io::simplex;
//!
//! #[weft::main(flavor = "current_thread")]
//! async fn main() {
//!     let (mut tx, mut rx) = simplex::new(4);
//!     let writer = weft::spawn(async move {
//!         // Eleven bytes through a four-byte pipe: the writer waits for the reader.
//!         tx.write_all(b"hello world").await.unwrap();
//!         tx.shutdown().await.unwrap();
//!     });
//!     let mut text = String::new();
//!     rx.read_to_string(&mut text).await.unwrap();
//!     writer.await.unwrap();
//!     assert_eq!(text, "hello world");
//! }
//! ```

// # Invariants
//
// - `Pipe::buffer` never holds more than `capacity` bytes: a write takes at most the free
//   space and waits (`Pending`, `writer` registered) when there is none.
// - A half that waits registers its waker under the lock that found it must wait, and the
//   other half takes that waker under the lock in which it made the wait's condition false
//   (bytes written, space freed, or the pipe closed), so no wake-up is lost.
// - Once `closed` (a half dropped, or the sender shut down) it stays so: writes fail with
//   `BrokenPipe`, and reads return what is buffered, then end of file.

use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use weft::io::{AsyncRead, AsyncWrite, ReadBuf};
use weft::task::coop;

/// A new pipe that buffers up to `capacity` bytes: its writing and its reading half.
///
/// # Panics
///
/// If `capacity` is 0 (nothing could ever be written).
#[track_caller]
pub fn new(capacity: usize) -> (Sender, Receiver) {
    assert_ne!(capacity, 0, "capacity must be greater than zero");
    let pipe = Arc::new(Mutex::new(Pipe {
        buffer: VecDeque::with_capacity(capacity),
        capacity,
        closed: false,
        reader: None,
        writer: None,
    }));
    let sender = Sender {
        pipe: Arc::clone(&pipe),
    };
    (sender, Receiver { pipe })
}

/// The writing half of a [`simplex`](self) pipe: an [`AsyncWrite`]. Dropping it, or
/// shutting it down, ends the stream for the [`Receiver`] once it has read what is buffered.
#[derive(Debug)]
pub struct Sender {
    pipe: Arc<Mutex<Pipe>>,
}

/// The reading half of a [`simplex`](self) pipe: an [`AsyncRead`]. Dropping it makes the
/// [`Sender`]'s writes fail with `BrokenPipe`.
#[derive(Debug)]
pub struct Receiver {
    pipe: Arc<Mutex<Pipe>>,
}

#[derive(Debug)]
struct Pipe {
    buffer: VecDeque<u8>,
    capacity: usize,
    closed: bool,
    /// The receiver, waiting for bytes.
    reader: Option<Waker>,
    /// The sender, waiting for space.
    writer: Option<Waker>,
}

const CLOSED: &str = "simplex has been closed";

fn lock(pipe: &Mutex<Pipe>) -> MutexGuard<'_, Pipe> {
    // No code panics while holding the lock; a poisoned pipe is still consistent.
    pipe.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Stores `cx`'s waker in `slot`, unless the one there already wakes the same task.
fn register(slot: &mut Option<Waker>, cx: &Context<'_>) {
    if !slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
        *slot = Some(cx.waker().clone());
    }
}

fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
}

impl Pipe {
    /// Closes the pipe, returning the waker of the half that `other_half` names.
    fn close(&mut self, other_half: fn(&mut Pipe) -> &mut Option<Waker>) -> Option<Waker> {
        self.closed = true;
        other_half(self).take()
    }

    /// Appends what fits of `bufs` (in order) to the buffer; returns how many bytes did.
    fn append<'b>(&mut self, bufs: impl Iterator<Item = &'b [u8]>) -> usize {
        let mut free = self.capacity - self.buffer.len();
        let mut written = 0;
        for buf in bufs {
            let part = &buf[..buf.len().min(free)];
            self.buffer.extend(part);
            free -= part.len();
            written += part.len();
        }
        written
    }

    /// A write of `bufs`, as `poll_write` and `poll_write_vectored` answer it.
    fn poll_write<'b, I>(&mut self, cx: &mut Context<'_>, bufs: I) -> Poll<io::Result<usize>>
    where
        I: Iterator<Item = &'b [u8]> + Clone,
    {
        if self.closed {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::BrokenPipe, CLOSED)));
        }
        if bufs.clone().all(<[u8]>::is_empty) {
            return Poll::Ready(Ok(0));
        }
        match self.append(bufs) {
            0 => {
                register(&mut self.writer, cx);
                Poll::Pending
            }
            written => Poll::Ready(Ok(written)),
        }
    }
}

impl Sender {
    fn write<'b, I>(&self, cx: &mut Context<'_>, bufs: I) -> Poll<io::Result<usize>>
    where
        I: Iterator<Item = &'b [u8]> + Clone,
    {
        let progress = std::task::ready!(coop::poll_proceed(cx));
        let mut pipe = lock(&self.pipe);
        let written = std::task::ready!(pipe.poll_write(cx, bufs));
        let made_progress = matches!(written, Ok(n) if n > 0);
        let reader = if made_progress {
            pipe.reader.take()
        } else {
            None
        };
        drop(pipe);
        wake(reader);
        if made_progress {
            progress.made_progress();
        }
        Poll::Ready(written)
    }
}

impl AsyncRead for Receiver {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let progress = std::task::ready!(coop::poll_proceed(cx));
        let mut pipe = lock(&self.pipe);
        let len = buf.remaining().min(pipe.buffer.len());
        if len == 0 {
            if pipe.closed || buf.remaining() == 0 {
                return Poll::Ready(Ok(()));
            }
            register(&mut pipe.reader, cx);
            return Poll::Pending;
        }
        let (front, back) = pipe.buffer.as_slices();
        let from_front = len.min(front.len());
        buf.put_slice(&front[..from_front]);
        buf.put_slice(&back[..len - from_front]);
        pipe.buffer.drain(..len);
        let writer = pipe.writer.take();
        drop(pipe);
        wake(writer);
        progress.made_progress();
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Sender {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.write(cx, std::iter::once(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.write(cx, bufs.iter().map(|buf| &**buf))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// Nothing to flush (written bytes are in the pipe); fails once the pipe is closed.
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        if lock(&self.pipe).closed {
            return Poll::Ready(Err(io::Error::new(io::ErrorKind::BrokenPipe, CLOSED)));
        }
        Poll::Ready(Ok(()))
    }

    /// Closes the pipe: the receiver reads what is buffered, then end of file.
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        let reader = lock(&self.pipe).close(|pipe| &mut pipe.reader);
        wake(reader);
        Poll::Ready(Ok(()))
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        let reader = lock(&self.pipe).close(|pipe| &mut pipe.reader);
        wake(reader);
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let writer = lock(&self.pipe).close(|pipe| &mut pipe.writer);
        wake(writer);
    }
}
