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
use crate::net::Interest;
use crate::source::Direction;
use guard::Seen;
use std::fmt;
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
/// // SAFETY: `rx` owns its descriptor and keeps it open until the `AsyncFd` drops it.
/// let rx = unsafe { AsyncFd::register(rx) }?;
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
        // SAFETY: a `Descriptor` is made only by `AsyncFd::register_with_interest`, from the
        // non-negative descriptor of the `inner` that the same `AsyncFd` holds; it lives in
        // the `io` field, which is dropped before `inner` (field order, and `into_inner`), and
        // that function's caller promised that `inner` keeps that descriptor open meanwhile.
        unsafe { BorrowedFd::borrow_raw(self.0) }
    }
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner` for both directions (tokio's `AsyncFd::register`).
    ///
    /// # Safety
    /// `inner` must keep the descriptor its `as_raw_fd` returns now open, and return that same
    /// descriptor, for as long as the `AsyncFd` holds it (until it is dropped or
    /// [`into_inner`](Self::into_inner) gives it back): the reactor uses the number until then.
    ///
    /// # Errors
    /// `epoll_ctl`'s error (`PermissionDenied` for a regular file, `BadFileDescriptor` for a
    /// closed or negative one), or the reactor's shutdown; `inner` is handed back with it.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub unsafe fn register(inner: T) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        // SAFETY: our caller upholds `register_with_interest`'s contract, which is ours.
        unsafe { AsyncFd::register_with_interest(inner, Interest::READABLE | Interest::WRITABLE) }
    }

    /// Registers `inner`; `ready` and the `poll_*_ready` calls wait only for what `interest`
    /// includes (asking for the other direction waits forever, as in tokio).
    ///
    /// # Safety
    /// As [`register`](Self::register).
    ///
    /// # Errors
    /// As `register`.
    ///
    /// # Panics
    /// Outside a runtime (no reactor is current on this thread).
    #[track_caller]
    pub unsafe fn register_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        let fd = inner.as_raw_fd();
        if fd < 0 {
            let error = io::Error::from_raw_os_error(libc::EBADF);
            return Err(AsyncFdRegisterError { inner, error });
        }
        match IoSource::new(Descriptor(fd)) {
            Ok(io) => Ok(AsyncFd {
                io,
                interest,
                inner,
            }),
            Err(error) => Err(AsyncFdRegisterError { inner, error }),
        }
    }

    /// [`register`](Self::register) without `unsafe`, kept for tokio source compatibility
    /// and deprecated as tokio 1.54 deprecates it: nothing makes `T` keep its descriptor open.
    ///
    /// # Errors
    /// As `register`; `inner` is dropped.
    #[deprecated(
        note = "unsound for a `T` that closes or changes its descriptor: use the \
                         `unsafe` `AsyncFd::register`, as tokio 1.54 does"
    )]
    #[track_caller]
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        #[allow(deprecated)]
        AsyncFd::try_new(inner).map_err(|error| error.error)
    }

    /// [`register_with_interest`](Self::register_with_interest) without `unsafe`; deprecated,
    /// see [`new`](Self::new).
    ///
    /// # Errors
    /// As `register`; `inner` is dropped.
    #[deprecated(
        note = "unsound for a `T` that closes or changes its descriptor: use the \
                         `unsafe` `AsyncFd::register_with_interest`, as tokio 1.54 does"
    )]
    #[track_caller]
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<AsyncFd<T>> {
        #[allow(deprecated)]
        AsyncFd::try_with_interest(inner, interest).map_err(|error| error.error)
    }

    /// [`register`](Self::register) without `unsafe`; deprecated, see [`new`](Self::new).
    ///
    /// # Errors
    /// As `register`.
    #[deprecated(
        note = "unsound for a `T` that closes or changes its descriptor: use the \
                         `unsafe` `AsyncFd::register`, as tokio 1.54 does"
    )]
    #[track_caller]
    pub fn try_new(inner: T) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        #[allow(deprecated)]
        AsyncFd::try_with_interest(inner, Interest::READABLE | Interest::WRITABLE)
    }

    /// [`register_with_interest`](Self::register_with_interest) without `unsafe`;
    /// deprecated, see [`new`](Self::new).
    ///
    /// # Errors
    /// As `register`.
    #[deprecated(
        note = "unsound for a `T` that closes or changes its descriptor: use the \
                         `unsafe` `AsyncFd::register_with_interest`, as tokio 1.54 does"
    )]
    #[track_caller]
    pub fn try_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<AsyncFd<T>, AsyncFdRegisterError<T>> {
        // SAFETY: NOT proven here: the contract of `register_with_interest` is left to the
        // caller of a safe function, which is why this function is deprecated (as in tokio,
        // which kept it for compatibility). For the types it is meant for (`OwnedFd`, `File`,
        // std's sockets), which own their descriptor and never change it, the contract holds.
        unsafe { AsyncFd::register_with_interest(inner, interest) }
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

    /// What a wait for `interest` waits for: the part of it this `AsyncFd` was registered
    /// for, and errors, which epoll reports whatever the registration asked (as in tokio);
    /// nothing if none is left (the wait then ends only with the reactor's shutdown, where
    /// tokio's waits forever).
    fn direction(&self, interest: Interest) -> Direction {
        let registered = self.interest | Interest::ERROR;
        Interest::direction(registered.intersection(interest))
    }

    /// Polls for `interest` (for the `poll_*` methods: the waker stays until the next event,
    /// or until another task's `poll_*` call for the same direction replaces it).
    fn poll_seen(&self, cx: &Context<'_>, interest: Interest) -> Poll<io::Result<Seen>> {
        let direction = self.direction(interest);
        self.io
            .poll_ready(cx, direction)
            .map_ok(|word| Seen::new(word, direction))
    }

    /// Waits for `interest`, in waiter slots that go with the future when it is dropped.
    async fn ready_seen(&self, interest: Interest) -> io::Result<Seen> {
        let direction = self.direction(interest);
        let word = self.io.ready(direction).await?;
        Ok(Seen::new(word, direction))
    }

    /// Polls for read readiness: a guard when the descriptor may be readable.
    ///
    /// As in tokio, only the waker of the most recent `poll_read_ready` (or
    /// `poll_read_ready_mut`) call is woken; tasks that wait at once should use
    /// [`readable`](Self::readable).
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
    /// As in tokio, only the waker of the most recent `poll_write_ready` (or
    /// `poll_write_ready_mut`) call is woken; tasks that wait at once should use
    /// [`writable`](Self::writable).
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
        let seen = self.ready_seen(interest).await?;
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
        let seen = self.ready_seen(interest).await?;
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
    /// (each `WouldBlock` clears the readiness it ran on). Dropping the future frees its
    /// waker.
    ///
    /// # Errors
    /// `f`'s error, or the reactor's shutdown.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let inner = &self.inner;
        self.io
            .async_io(self.direction(interest), || f(inner))
            .await
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
        let direction = self.direction(interest);
        let (io, inner) = (&self.io, &mut self.inner);
        io.async_io(direction, || f(inner)).await
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
        self.io.try_io(self.direction(interest), |_| f(&self.inner))
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
        let direction = self.direction(interest);
        let inner = &mut self.inner;
        self.io.try_io(direction, |_| f(inner))
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

/// [`AsyncFd::register`] failed: the error, and the object it was given.
pub struct AsyncFdRegisterError<T> {
    inner: T,
    error: io::Error,
}

impl<T> AsyncFdRegisterError<T> {
    /// The object and the error.
    pub fn into_parts(self) -> (T, io::Error) {
        (self.inner, self.error)
    }
}

impl<T> fmt::Display for AsyncFdRegisterError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl<T> fmt::Debug for AsyncFdRegisterError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.error, f)
    }
}

/// tokio's former name of [`AsyncFdRegisterError`].
#[deprecated(note = "use `AsyncFdRegisterError`")]
pub type AsyncFdTryNewError<T> = AsyncFdRegisterError<T>;

impl<T> std::error::Error for AsyncFdRegisterError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl<T> From<AsyncFdRegisterError<T>> for io::Error {
    fn from(error: AsyncFdRegisterError<T>) -> io::Error {
        error.error
    }
}
