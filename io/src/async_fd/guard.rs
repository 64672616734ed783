//! The readiness guards of an [`AsyncFd`]: what a `ready` call saw, to be cleared when the
//! caller's own operation says `WouldBlock`.
//!
//! Invariant: a guard holds, for each direction it reports ready, the readiness word read
//! with it; clearing passes that word back, so an event that arrived after it is kept.

use super::AsyncFd;
use crate::net::Ready;
use crate::source::Direction;
use std::fmt;
use std::io;
use std::os::fd::AsRawFd;

/// Which directions a guard saw ready, with the readiness word read for each.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Seen {
    read: Option<usize>,
    write: Option<usize>,
}

impl Seen {
    pub(super) fn record(&mut self, ready: Ready, word: usize) {
        if ready.is_readable() {
            self.read = Some(word);
        } else {
            self.write = Some(word);
        }
    }

    pub(super) fn ready(&self) -> Ready {
        let mut ready = Ready::EMPTY;
        if self.read.is_some() {
            ready |= Ready::READABLE;
        }
        if self.write.is_some() {
            ready |= Ready::WRITABLE;
        }
        ready
    }

    /// Clears, on `fd`, the directions of `which` that this guard saw.
    fn clear<T: AsRawFd>(&mut self, fd: &AsyncFd<T>, which: Ready) {
        if which.is_readable() {
            if let Some(word) = self.read.take() {
                fd.io.clear_ready(word, Direction::READ);
            }
        }
        if which.is_writable() {
            if let Some(word) = self.write.take() {
                fd.io.clear_ready(word, Direction::WRITE);
            }
        }
    }
}

/// `try_io` on a guard found the descriptor not ready after all (`WouldBlock`); the readiness
/// is cleared, and the next `ready` waits for a new event.
#[derive(Debug)]
pub struct TryIoError(());

/// The readiness an [`AsyncFd`] reported, borrowed from it. Dropping the guard keeps the
/// readiness; [`clear_ready`](Self::clear_ready) (or a `try_io` that would block) clears it.
#[must_use = "a guard keeps the readiness it saw unless you clear it (or `retain_ready`)"]
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    async_fd: &'a AsyncFd<T>,
    seen: Seen,
}

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    pub(super) fn new(async_fd: &'a AsyncFd<T>, seen: Seen) -> Self {
        AsyncFdReadyGuard { async_fd, seen }
    }

    /// The readiness this guard saw.
    pub fn ready(&self) -> Ready {
        self.seen.ready()
    }

    /// Clears the readiness this guard saw: the caller's operation said `WouldBlock`.
    pub fn clear_ready(&mut self) {
        self.seen.clear(self.async_fd, Ready::ALL);
    }

    /// Clears only the directions of `ready` (e.g. `Ready::READABLE` after a read that would
    /// block, while writing is still possible).
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        self.seen.clear(self.async_fd, ready);
    }

    /// Keeps the readiness (what dropping the guard does too; this says so in the code).
    pub fn retain_ready(&mut self) {}

    /// Runs `f`; if it says `WouldBlock`, clears the readiness and returns `Err(TryIoError)`.
    ///
    /// # Errors
    /// `TryIoError` when `f` would block.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.async_fd) {
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            result => Ok(result),
        }
    }

    /// The `AsyncFd`.
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.async_fd
    }

    /// The wrapped object.
    pub fn get_inner(&self) -> &'a T {
        self.async_fd.get_ref()
    }
}

/// As [`AsyncFdReadyGuard`], borrowing the [`AsyncFd`] mutably (for `&mut T` operations).
#[must_use = "a guard keeps the readiness it saw unless you clear it (or `retain_ready`)"]
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    async_fd: &'a mut AsyncFd<T>,
    seen: Seen,
}

impl<'a, T: AsRawFd> AsyncFdReadyMutGuard<'a, T> {
    pub(super) fn new(async_fd: &'a mut AsyncFd<T>, seen: Seen) -> Self {
        AsyncFdReadyMutGuard { async_fd, seen }
    }

    /// The readiness this guard saw.
    pub fn ready(&self) -> Ready {
        self.seen.ready()
    }

    /// Clears the readiness this guard saw.
    pub fn clear_ready(&mut self) {
        self.seen.clear(self.async_fd, Ready::ALL);
    }

    /// Clears only the directions of `ready`.
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        self.seen.clear(self.async_fd, ready);
    }

    /// Keeps the readiness (what dropping the guard does too).
    pub fn retain_ready(&mut self) {}

    /// Runs `f`; if it says `WouldBlock`, clears the readiness and returns `Err(TryIoError)`.
    ///
    /// # Errors
    /// `TryIoError` when `f` would block.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&mut AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.async_fd) {
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            result => Ok(result),
        }
    }

    /// The `AsyncFd`.
    pub fn get_ref(&self) -> &AsyncFd<T> {
        self.async_fd
    }

    /// The `AsyncFd`, mutably.
    pub fn get_mut(&mut self) -> &mut AsyncFd<T> {
        self.async_fd
    }

    /// The wrapped object.
    pub fn get_inner(&self) -> &T {
        self.async_fd.get_ref()
    }

    /// The wrapped object, mutably.
    pub fn get_inner_mut(&mut self) -> &mut T {
        self.async_fd.get_mut()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyGuard")
            .field("ready", &self.ready())
            .finish_non_exhaustive()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFdReadyMutGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyMutGuard")
            .field("ready", &self.ready())
            .finish_non_exhaustive()
    }
}
