//! `IoSource`: an I/O object registered with a reactor, and the poll functions the socket
//! types build on.
//!
//! Which to use (the socket types in `net/` follow this):
//!
//! | operation | call |
//! |---|---|
//! | a byte-stream read or write from a `poll_*` trait method (`AsyncRead`, `AsyncWrite`) | `poll_stream_read` / `poll_stream_write`, giving the bytes asked for |
//! | any other operation from a `poll_*` method (peek, a datagram, accept) | `poll_read_with` / `poll_write_with` |
//! | an `async fn` of a socket (accept, recv_from, send_to, peek, peek_sender, connect) | `read_with` / `write_with` |
//! | `readable()`, `writable()`, `ready(Interest)` | `ready` (with a union for several interests) |
//! | `poll_read_ready`, ... | `poll_ready` |
//! | a `try_*` call, `try_io` | `try_io` |
//! | `async_io` | `async_io` |
//!
//! The `stream` variants clear the readiness after a read (write) that moved fewer bytes than
//! asked, saving the call that would say `WouldBlock`, where the backend allows it
//! (`Selector::SHORT_IO_DRAINS`, the epoll backend). That is sound only for a byte stream (TCP,
//! Unix stream), whose short read means the receive queue was empty: not for a datagram (one
//! datagram per call, however many are queued), not for a peek (it takes nothing), not for
//! accept. The `async fn` variants (`read_with`, `write_with`, `ready`, `async_io`) hold a
//! `Waiter`, so that a cancelled future leaves no waker behind; a `poll_*` method has no
//! future to hold one (see `source/mod.rs`). An `async fn` of a socket is therefore never
//! `poll_fn` over its `poll_*` twin.
//!
//! Every operation but `try_io` and the `ready` wait (both as tokio's) is a leaf future of the
//! cooperative budget (`coop.rs`): it takes a unit first (or makes the task yield), and the
//! unit stays spent only if the operation completed.
//!
//! Invariant: the registration is deleted from the selector in `Drop`, before the I/O object
//! (and its file descriptor) is dropped; see `Reactor::register`.

use crate::reactor::{current_or_panic, Reactor};
use crate::source::{Direction, Source, Waiter};
use crate::sys::Selector;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A non-blocking I/O object registered with the current reactor.
pub(crate) struct IoSource<T: AsFd> {
    io: T,
    source: Arc<Source>,
    token: u64,
    reactor: Arc<Reactor>,
}

impl<T: AsFd> IoSource<T> {
    /// Registers `io`, which must already be in non-blocking mode, with this thread's reactor,
    /// assumed ready for nothing: the reactor's first turn reports what it is ready for (see
    /// `source/mod.rs`).
    ///
    /// # Panics
    /// If no reactor is current on this thread.
    #[track_caller]
    pub(crate) fn new(io: T) -> io::Result<IoSource<T>> {
        IoSource::new_assuming(io, 0)
    }

    /// [`new`](Self::new) for an object whose readiness is known without asking the kernel:
    /// `assumed` holds the readiness bits it starts with (`READ_READY`, `WRITE_READY`). A wrong
    /// guess costs one `WouldBlock`, which clears it.
    ///
    /// # Panics
    /// If no reactor is current on this thread.
    #[track_caller]
    pub(crate) fn new_assuming(io: T, assumed: usize) -> io::Result<IoSource<T>> {
        let reactor = current_or_panic();
        // SAFETY: `register` requires that the descriptor be deregistered before it is closed:
        // this `IoSource` owns `io` and its `Drop` deregisters before `io` is dropped (the
        // fields drop after `drop` returns).
        let (token, source) = unsafe { reactor.register(io.as_fd(), assumed)? };
        Ok(IoSource {
            io,
            source,
            token,
            reactor,
        })
    }

    pub(crate) fn get_ref(&self) -> &T {
        &self.io
    }

    /// A byte-stream read for a `poll_*` method: runs `op`, which reads into a buffer of
    /// `capacity` bytes, until it does not return `WouldBlock`, waiting for readability in
    /// between. A read of fewer bytes than `capacity` (and more than zero) drained the socket:
    /// the readiness is cleared, so the next read waits for an event instead of paying for a
    /// call that would say `WouldBlock` (epoll backend only; see the module docs).
    pub(crate) fn poll_stream_read(
        &self,
        cx: &Context<'_>,
        capacity: usize,
        mut op: impl FnMut(&T) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        crate::coop::leaf(cx, |cx| {
            self.source.poll_io(
                cx,
                Direction::READ,
                || op(&self.io),
                |&n| short(n, capacity),
            )
        })
    }

    /// A byte-stream write of `len` bytes for a `poll_*` method; as `poll_stream_read`, a short
    /// write clears the writability.
    pub(crate) fn poll_stream_write(
        &self,
        cx: &Context<'_>,
        len: usize,
        mut op: impl FnMut(&T) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        crate::coop::leaf(cx, |cx| {
            self.source
                .poll_io(cx, Direction::WRITE, || op(&self.io), |&n| short(n, len))
        })
    }

    /// Runs the non-blocking `op` until it does not return `WouldBlock`, waiting for
    /// readability in between (for a `poll_*` method of an operation other than a stream
    /// read: `poll_peek`, `poll_recv_from`, `poll_accept`, ...).
    pub(crate) fn poll_read_with<R>(
        &self,
        cx: &Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        crate::coop::leaf(cx, |cx| {
            self.source
                .poll_io(cx, Direction::READ, || op(&self.io), |_| false)
        })
    }

    /// Runs the non-blocking `op` until it does not return `WouldBlock`, waiting for
    /// writability in between (for a `poll_*` method of an operation other than a stream
    /// write: `poll_send_to`, ...).
    pub(crate) fn poll_write_with<R>(
        &self,
        cx: &Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        crate::coop::leaf(cx, |cx| {
            self.source
                .poll_io(cx, Direction::WRITE, || op(&self.io), |_| false)
        })
    }

    /// Waits until the source may be ready for `direction`: the next operation in that
    /// direction is worth trying (it may still say `WouldBlock`). Returns the readiness word
    /// as read (`Ready::from_word` turns it into tokio's `Ready`; `clear_seen` takes it back).
    /// Dropping the future removes its waker.
    ///
    /// Not a leaf of the cooperative budget, as tokio's `readable()`/`writable()`/`ready()` are
    /// not: a loop of `writable().await` and `try_write` that fills a socket buffer (tokio's own
    /// tests do) must not be told `Pending` by a spent budget while the socket is ready.
    pub(crate) async fn ready(&self, direction: Direction) -> io::Result<usize> {
        let mut waiter = Waiter::new(&self.source, direction);
        poll_fn(|cx| waiter.poll_ready(cx)).await
    }

    /// Polls for readiness for `direction` (for a `poll_*` method): `Ready` with the readiness
    /// word when the next operation is worth trying, else the waker is stored for the next
    /// event.
    pub(crate) fn poll_ready(
        &self,
        cx: &Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<usize>> {
        crate::coop::leaf(cx, |cx| self.source.poll_ready(cx, direction))
    }

    /// Clears the readiness bits `bits` (never the closed ones) that `seen` (from `ready` or
    /// `poll_ready`) announced, unless an event arrived since: a guard's `clear_ready`.
    pub(crate) fn clear_seen(&self, seen: usize, bits: usize) {
        self.source.clear_seen(seen, bits);
    }

    /// Runs the non-blocking `op` once, if the source may be ready in `direction`; a
    /// `WouldBlock` (from `op`, or without a system call when the source is known not to be
    /// ready) clears the readiness, so that [`ready`](Self::ready) waits for the next event.
    pub(crate) fn try_io<R>(
        &self,
        direction: Direction,
        op: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let seen = self.source.try_ready(direction)?;
        let result = op(&self.io);
        if matches!(&result, Err(error) if error.kind() == io::ErrorKind::WouldBlock) {
            self.source.clear_ready(seen, direction);
        }
        result
    }

    /// Runs the non-blocking `op` until it does not return `WouldBlock`, waiting for
    /// readability in between; dropping the future removes its waker.
    pub(crate) async fn read_with<R>(
        &self,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let mut waiter = Waiter::new(&self.source, Direction::READ);
        poll_fn(|cx| crate::coop::leaf(cx, |cx| waiter.poll_io(cx, || op(&self.io), |_| false)))
            .await
    }

    /// Runs the non-blocking `op` until it does not return `WouldBlock`, waiting for
    /// writability in between; dropping the future removes its waker.
    pub(crate) async fn write_with<R>(
        &self,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let mut waiter = Waiter::new(&self.source, Direction::WRITE);
        poll_fn(|cx| crate::coop::leaf(cx, |cx| waiter.poll_io(cx, || op(&self.io), |_| false)))
            .await
    }

    /// Waits for `direction` and runs the caller's non-blocking `op` until it does not return
    /// `WouldBlock` (tokio's `async_io`); dropping the future removes its waker.
    pub(crate) async fn async_io<R>(
        &self,
        direction: Direction,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        let mut waiter = Waiter::new(&self.source, direction);
        poll_fn(|cx| crate::coop::leaf(cx, |cx| waiter.poll_io(cx, &mut op, |_| false))).await
    }

    #[cfg(all(test, not(loom), not(miri)))]
    pub(crate) fn source(&self) -> &Source {
        &self.source
    }
}

/// Whether a stream call that moved `n` of `asked` bytes drained the socket, on a backend
/// where that clears the readiness.
fn short(n: usize, asked: usize) -> bool {
    Selector::SHORT_IO_DRAINS && 0 < n && n < asked
}

impl<T: AsFd> Drop for IoSource<T> {
    fn drop(&mut self) {
        self.reactor
            .deregister(self.io.as_fd(), self.token, &self.source);
    }
}

impl<T: AsFd + fmt::Debug> fmt::Debug for IoSource<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}
