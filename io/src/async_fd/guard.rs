//! The readiness guards of an [`AsyncFd`]: what a `ready` call saw, to be cleared when the
//! caller's own operation says `WouldBlock`.
//!
//! Invariant: a guard holds the readiness word its wait read and the readiness it reported
//! from it; clearing passes that word back, so an event that arrived after it is kept. As in
//! tokio, clearing never clears `READ_CLOSED`/`WRITE_CLOSED` in the source (tokio treats them
//! as final), but does take them out of what the guard reports.

use super::AsyncFd;
use crate::net::Ready;
use crate::source::Direction;
use std::fmt;
use std::io;
use std::os::fd::AsRawFd;

/// What a guard saw: the readiness word, and what it reported from it (`Ready`'s bits are
/// the word's).
#[derive(Debug, Clone, Copy)]
pub(super) struct Seen {
    word: usize,
    ready: Ready,
}

impl Seen {
    pub(super) fn new(word: usize, direction: Direction) -> Seen {
        Seen {
            word,
            ready: Ready::from_word(word, direction),
        }
    }

    pub(super) fn ready(&self) -> Ready {
        self.ready
    }

    /// Clears, on `fd`, the readiness of `which` that this guard saw, and stops reporting it.
    fn clear<T: AsRawFd>(&mut self, fd: &AsyncFd<T>, which: Ready) {
        let cleared = self.ready & which;
        if !cleared.is_empty() {
            fd.io.clear_seen(self.word, cleared.bits());
        }
        self.ready = self.ready - which;
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

    /// Clears the readiness this guard saw: the caller's operation said `WouldBlock`. Only
    /// what the guard saw is cleared (an event since is kept), and never the closed bits in the
    /// descriptor's readiness (final, as in tokio); the guard then reports nothing.
    pub fn clear_ready(&mut self) {
        self.seen.clear(self.async_fd, Ready::ALL);
    }

    /// Clears only the readiness of `ready` (e.g. `Ready::READABLE` after a read that would
    /// block, while writing is still possible), as `clear_ready` does; the guard goes on
    /// reporting the rest.
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

    /// Clears the readiness this guard saw (see [`AsyncFdReadyGuard::clear_ready`]).
    pub fn clear_ready(&mut self) {
        self.seen.clear(self.async_fd, Ready::ALL);
    }

    /// Clears only the readiness of `ready` (see [`AsyncFdReadyGuard::clear_ready_matching`]).
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
