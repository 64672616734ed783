//! `IoSource`: an I/O object registered with a reactor, and the poll functions the socket
//! types build on.
//!
//! Invariant: the registration is deleted from the poller in `Drop`, before the I/O object
//! (and its file descriptor) is dropped; see `Reactor::register`.

use crate::reactor::{current_or_panic, Reactor};
use crate::source::{Direction, Source};
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// A non-blocking I/O object registered with the current reactor.
pub(crate) struct IoSource<T: AsFd> {
    io: T,
    source: Arc<Source>,
    key: usize,
    reactor: Arc<Reactor>,
}

impl<T: AsFd> IoSource<T> {
    /// Registers `io`, which must already be in non-blocking mode, with this thread's reactor.
    ///
    /// # Panics
    /// If no reactor is current on this thread.
    pub(crate) fn new(io: T) -> io::Result<IoSource<T>> {
        let reactor = current_or_panic();
        let (key, source) = reactor.register(io.as_fd())?;
        Ok(IoSource {
            io,
            source,
            key,
            reactor,
        })
    }

    pub(crate) fn get_ref(&self) -> &T {
        &self.io
    }

    /// Runs the non-blocking `op` until it does not return `WouldBlock`, waiting for
    /// readability in between.
    pub(crate) fn poll_read_with<R>(
        &self,
        cx: &Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(cx, Direction::READ, &mut op)
    }

    /// Runs the non-blocking `op` until it does not return `WouldBlock`, waiting for
    /// writability in between.
    pub(crate) fn poll_write_with<R>(
        &self,
        cx: &Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        self.poll_io(cx, Direction::WRITE, &mut op)
    }

    /// One operation as a leaf future of the cooperative budget: it takes a unit first (or
    /// makes the task yield), and the unit stays spent only if the operation completed.
    fn poll_io<R>(
        &self,
        cx: &Context<'_>,
        direction: Direction,
        op: &mut impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let progress = ready!(crate::coop::proceed(cx));
        let result = ready!(self.source.poll_io(cx, direction, || op(&self.io)));
        progress.made_progress();
        Poll::Ready(result)
    }

    /// Waits until the source may be ready in `direction`: the next operation in that
    /// direction is worth trying (it may still say `WouldBlock`).
    pub(crate) async fn ready(&self, direction: Direction) -> io::Result<()> {
        poll_fn(|cx| {
            let progress = ready!(crate::coop::poll_proceed(cx));
            let ready = ready!(self.source.poll_ready(cx, direction));
            progress.made_progress();
            Poll::Ready(ready.map(drop))
        })
        .await
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

    /// `poll_read_with` as a future.
    pub(crate) async fn read_with<R>(
        &self,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        poll_fn(|cx| self.poll_read_with(cx, &mut op)).await
    }

    /// `poll_write_with` as a future.
    pub(crate) async fn write_with<R>(
        &self,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        poll_fn(|cx| self.poll_write_with(cx, &mut op)).await
    }
}

impl<T: AsFd> Drop for IoSource<T> {
    fn drop(&mut self) {
        self.reactor
            .deregister(self.io.as_fd(), self.key, &self.source);
    }
}

impl<T: AsFd + fmt::Debug> fmt::Debug for IoSource<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.io.fmt(f)
    }
}
