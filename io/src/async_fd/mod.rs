//! [`AsyncFd`]: tokio's readiness wrapper for any file descriptor that epoll accepts (a
//! socket weft does not wrap, a pipe, an eventfd, a timerfd, a tty, ...).
//!
//! The descriptor is registered with the current reactor like a weft socket (both
//! directions, edge-triggered, once). Readiness is reported through guards
//! ([`AsyncFdReadyGuard`], [`AsyncFdReadyMutGuard`]) that remember which readiness they saw,
//! so that `clear_ready` clears exactly that, and not an event that arrived since.
//!
//! Invariants:
//! - `io` registers the descriptor `inner` returned when the `AsyncFd` was made, checked to be
//!   non-negative; `io` is declared (so dropped, deregistering) before `inner`, which may
//!   close the descriptor. [`AsyncFd::into_inner`] drops `io` first as well.
//! - As with tokio's `AsyncFd`, `inner` must keep that descriptor open, and the same, for as
//!   long as the `AsyncFd` holds it (documented on the type; `get_mut` must not swap it).

mod guard;

pub use guard::{AsyncFdReadyGuard, AsyncFdReadyMutGuard, TryIoError};

use crate::io_source::IoSource;
use crate::net::{Interest, Ready};
use crate::source::Direction;
use guard::Seen;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

/// A file descriptor registered with the reactor, as tokio's `AsyncFd`: wait for readiness,
/// then make your own non-blocking system calls.
///
/// `T` must own (or otherwise keep open) the descriptor it returns from `as_raw_fd`, keep
/// returning the same one, and the descriptor must be in non-blocking mode. Regular files are
/// refused by epoll (`PermissionDenied`): use a blocking thread for them.
///
/// # Examples
///
/// A pipe, read when the reactor says it is readable:
///
/// ```
/// use std::io::{ErrorKind, Read, Write};
/// use std::os::unix::net::UnixStream;
/// use weft_io::io::unix::AsyncFd;
/// # let reactor = std::sync::Arc::new(weft_io::Reactor::new()?);
/// # reactor.block_on(async {
/// let (mut tx, rx) = UnixStream::pair()?;
/// rx.set_nonblocking(true)?;
/// let rx = AsyncFd::new(rx)?;
/// tx.write_all(b"ready")?;
/// let mut buf = [0; 8];
/// let n = loop {
///     let mut guard = rx.readable().await?;
///     match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
///         Ok(result) => break result?,
///         Err(_would_block) => continue, // readiness cleared: the next wait is real
///     }
/// };
/// assert_eq!(&buf[..n], b"ready");
/// # std::io::Result::Ok(()) })?;
/// # std::io::Result::Ok(())
/// ```
pub struct AsyncFd<T: AsRawFd> {
    // Declared first: dropped (deregistered) before `inner` may close the descriptor.
    io: IoSource<Descriptor>,
    interest: Interest,
    inner: T,
}

/// The registered descriptor, borrowed from the `AsyncFd`'s `inner`.
#[derive(Debug)]
struct Descriptor(RawFd);

impl AsFd for Descriptor {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: a `Descriptor` is made only by `AsyncFd::with_interest`, from the
        // non-negative descriptor of the `inner` that the same `AsyncFd` holds; it lives in
        // the `io` field, which is dropped before `inner` (field order, and `into_inner`), and
        // `AsyncFd`'s contract (as tokio's) is that `inner` keeps that descriptor open.
        unsafe { BorrowedFd::borrow_raw(self.0) }
    }
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner` for both directions.
    ///
    /// # Errors
    /// `epoll_ctl`'s error (`PermissionDenied` for a regular file, `BadFileDescriptor` for a
    /// closed or negative one), or the reactor's shutdown; `inner` is dropped then (see
    /// [`try_new`](Self::try_new) to get it back).
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        AsyncFd::with_interest(inner, Interest::READABLE | Interest::WRITABLE)
    }

    /// Registers `inner`; `ready` and the `poll_*_ready` calls wait only for what `interest`
    /// includes (asking for the other direction waits forever, as in tokio).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<AsyncFd<T>> {
        AsyncFd::try_with_interest(inner, interest).map_err(|error| error.error)
    }

    /// [`new`](Self::new), handing `inner` back on failure.
    ///
    /// # Errors
    /// As `new`, with `inner`.
    pub fn try_new(inner: T) -> Result<AsyncFd<T>, AsyncFdTryNewError<T>> {
        AsyncFd::try_with_interest(inner, Interest::READABLE | Interest::WRITABLE)
    }

    /// [`with_interest`](Self::with_interest), handing `inner` back on failure.
    ///
    /// # Errors
    /// As `new`, with `inner`.
    pub fn try_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<AsyncFd<T>, AsyncFdTryNewError<T>> {
        let fd = inner.as_raw_fd();
        if fd < 0 {
            let error = io::Error::from_raw_os_error(libc::EBADF);
            return Err(AsyncFdTryNewError { inner, error });
        }
        match IoSource::new(Descriptor(fd)) {
            Ok(io) => Ok(AsyncFd {
                io,
                interest,
                inner,
            }),
            Err(error) => Err(AsyncFdTryNewError { inner, error }),
        }
    }

    /// The wrapped object.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The wrapped object, mutably (it must keep the same descriptor).
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Deregisters the descriptor and gives the object back.
    pub fn into_inner(self) -> T {
        let AsyncFd { io, inner, .. } = self;
        drop(io);
        inner
    }

    fn poll_seen(&self, cx: &Context<'_>, interest: Interest) -> Poll<io::Result<Seen>> {
        let mut seen = Seen::default();
        for direction in [Direction::READ, Direction::WRITE] {
            let ready = Ready::from_direction(direction);
            let wanted = if direction == Direction::READ {
                interest.is_readable() && self.interest.is_readable()
            } else {
                interest.is_writable() && self.interest.is_writable()
            };
            if wanted {
                match self.io.poll_ready_seen(cx, direction) {
                    Poll::Ready(Ok(word)) => seen.record(ready, word),
                    Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                    Poll::Pending => {}
                }
            }
        }
        if seen.ready().is_empty() {
            Poll::Pending
        } else {
            Poll::Ready(Ok(seen))
        }
    }

    /// Polls for read readiness: a guard when the descriptor may be readable.
    ///
    /// # Errors
    /// Once the reactor has shut down.
    pub fn poll_read_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        self.poll_seen(cx, Interest::READABLE)
            .map_ok(|seen| AsyncFdReadyGuard::new(self, seen))
    }

    /// Polls for write readiness: a guard when the descriptor may be writable.
    ///
    /// # Errors
    /// Once the reactor has shut down.
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        self.poll_seen(cx, Interest::WRITABLE)
            .map_ok(|seen| AsyncFdReadyGuard::new(self, seen))
    }

    /// [`poll_read_ready`](Self::poll_read_ready), with a guard that lends `&mut T`.
    ///
    /// # Errors
    /// Once the reactor has shut down.
    pub fn poll_read_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        self.poll_seen(cx, Interest::READABLE)
            .map_ok(|seen| AsyncFdReadyMutGuard::new(self, seen))
    }

    /// [`poll_write_ready`](Self::poll_write_ready), with a guard that lends `&mut T`.
    ///
    /// # Errors
    /// Once the reactor has shut down.
    pub fn poll_write_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        self.poll_seen(cx, Interest::WRITABLE)
            .map_ok(|seen| AsyncFdReadyMutGuard::new(self, seen))
    }

    /// Waits until the descriptor is ready for any of `interest`.
    ///
    /// # Errors
    /// Once the reactor has shut down.
    pub async fn ready(&self, interest: Interest) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let seen = poll_fn(|cx| self.poll_seen(cx, interest)).await?;
        Ok(AsyncFdReadyGuard::new(self, seen))
    }

    /// [`ready`](Self::ready), with a guard that lends `&mut T`.
    ///
    /// # Errors
    /// Once the reactor has shut down.
    pub async fn ready_mut(
        &mut self,
        interest: Interest,
    ) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let seen = poll_fn(|cx| self.poll_seen(cx, interest)).await?;
        Ok(AsyncFdReadyMutGuard::new(self, seen))
    }

    /// Waits until the descriptor may be readable.
    ///
    /// # Errors
    /// Once the reactor has shut down.
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::READABLE).await
    }

    /// [`readable`](Self::readable), with a guard that lends `&mut T`.
    ///
    /// # Errors
    /// Once the reactor has shut down.
    pub async fn readable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::READABLE).await
    }

    /// Waits until the descriptor may be writable.
    ///
    /// # Errors
    /// Once the reactor has shut down.
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::WRITABLE).await
    }

    /// [`writable`](Self::writable), with a guard that lends `&mut T`.
    ///
    /// # Errors
    /// Once the reactor has shut down.
    pub async fn writable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::WRITABLE).await
    }

    /// Waits for `interest` and runs `f` until it does something other than `WouldBlock`
    /// (each `WouldBlock` clears the readiness it ran on).
    ///
    /// # Errors
    /// `f`'s error, or the reactor's shutdown.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let mut guard = self.ready(interest).await?;
            if let Ok(result) = guard.try_io(|fd| f(fd.get_ref())) {
                return result;
            }
        }
    }

    /// [`async_io`](Self::async_io) with `&mut T`.
    ///
    /// # Errors
    /// As `async_io`.
    pub async fn async_io_mut<R>(
        &mut self,
        interest: Interest,
        mut f: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            let mut guard = self.ready_mut(interest).await?;
            if let Ok(result) = guard.try_io(|fd| f(fd.get_mut())) {
                return result;
            }
        }
    }

    /// Runs `f` once if the descriptor may be ready for `interest` (reading, when it holds
    /// both); a `WouldBlock` from `f` clears that readiness.
    ///
    /// # Errors
    /// `WouldBlock` without calling `f` when the descriptor is known not to be ready, or
    /// `f`'s error.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.try_io(interest.direction(), |_| f(&self.inner))
    }

    /// [`try_io`](Self::try_io) with `&mut T`.
    ///
    /// # Errors
    /// As `try_io`.
    pub fn try_io_mut<R>(
        &mut self,
        interest: Interest,
        f: impl FnOnce(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        let inner = &mut self.inner;
        self.io.try_io(interest.direction(), |_| f(inner))
    }
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.inner.as_raw_fd()
    }
}

impl<T: AsRawFd> AsFd for AsyncFd<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.get_ref().as_fd()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", &self.inner)
            .finish()
    }
}

/// [`AsyncFd::try_new`] failed: the error, and the object it was given.
pub struct AsyncFdTryNewError<T> {
    inner: T,
    error: io::Error,
}

impl<T> AsyncFdTryNewError<T> {
    /// The object and the error.
    pub fn into_parts(self) -> (T, io::Error) {
        (self.inner, self.error)
    }
}

impl<T> fmt::Display for AsyncFdTryNewError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl<T> fmt::Debug for AsyncFdTryNewError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.error, f)
    }
}

impl<T> std::error::Error for AsyncFdTryNewError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl<T> From<AsyncFdTryNewError<T>> for io::Error {
    fn from(error: AsyncFdTryNewError<T>) -> io::Error {
        error.error
    }
}
