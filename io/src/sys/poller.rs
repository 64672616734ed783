//! The portable backend: the `polling` crate (epoll, kqueue, event ports, ...), edge-triggered.
//!
//! `polling` reports readable and writable, and folds hang-up and error into both: it cannot
//! register `EPOLLRDHUP`, so a FIN that arrives with the last data is indistinguishable from
//! the data. Hence no sticky closed bits here, and `SHORT_IO_DRAINS` is `false`: a read must
//! run into `WouldBlock` (or EOF) before the readiness is cleared. Each wait also costs a few
//! extra calls on Linux (`polling` re-arms a timerfd and its notifier per wait), which is why
//! Linux has its own backend (`epoll.rs`).

use crate::source::{ERROR, PRIORITY, READ_READY, WRITE_READY};
use polling::{Event, PollMode, Poller};
use std::fmt;
use std::io;
use std::num::NonZeroUsize;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::time::Duration;

/// A `polling::Poller`.
pub(crate) struct Selector {
    poller: Poller,
}

/// The buffer of events one wait fills.
pub(crate) struct Events {
    events: polling::Events,
}

impl Events {
    pub(crate) fn with_capacity(capacity: usize) -> Events {
        let capacity = NonZeroUsize::new(capacity).expect("a nonzero event capacity");
        Events {
            events: polling::Events::with_capacity(capacity),
        }
    }

    /// The events of the last wait, as `(token, readiness bits)`.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, usize)> + '_ {
        self.events
            .iter()
            .map(|event| (event.key as u64, readiness(&event)))
    }
}

/// Hang-up and error report both directions, so that the next call in either reports the EOF
/// or the error itself; an error also reports `ERROR`, and priority data `PRIORITY` (both
/// where `polling` reports them: epoll, poll, event ports).
fn readiness(event: &Event) -> usize {
    let mut ready = 0;
    if event.readable {
        ready |= READ_READY;
    }
    if event.writable {
        ready |= WRITE_READY;
    }
    if event.is_interrupt() {
        ready |= READ_READY | WRITE_READY;
    }
    if event.is_err() == Some(true) {
        ready |= READ_READY | WRITE_READY | ERROR;
    }
    if event.is_priority() {
        ready |= READ_READY | PRIORITY;
    }
    ready
}

impl Selector {
    /// The backend's name, for `Reactor`'s `Debug` and the tests.
    pub(crate) const NAME: &'static str = "polling";

    /// No `EPOLLRDHUP`: a short read says nothing of a FIN that came with the data.
    pub(crate) const SHORT_IO_DRAINS: bool = false;

    /// `polling`'s key is a `usize`: where that is narrower than the token, the generation is
    /// cut off and the reactor cannot check it. Harmless here: this backend sets no sticky bit,
    /// so a stale event costs at most one `WouldBlock`.
    pub(crate) const TOKENS_CARRY_GENERATION: bool = usize::BITS >= u64::BITS;

    pub(crate) fn new() -> io::Result<Selector> {
        let poller = Poller::new()?;
        if !poller.supports_edge() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "weft-io needs edge-triggered polling, which this platform's poller lacks",
            ));
        }
        Ok(Selector { poller })
    }

    /// Adds `fd` for both directions and priority data, edge-triggered, with `token`. As with
    /// epoll (and kqueue), a descriptor that is ready already is reported by the next wait.
    ///
    /// # Safety
    /// `fd` must be deregistered before it is closed (`polling::Poller::add_with_mode`'s
    /// contract).
    pub(crate) unsafe fn register(&self, fd: BorrowedFd<'_>, token: u64) -> io::Result<()> {
        // SAFETY: our caller promises to delete `fd` before closing it, which is exactly
        // `add_with_mode`'s requirement.
        unsafe {
            self.poller.add_with_mode(
                fd.as_raw_fd(),
                Event::all(token as usize).with_priority(),
                PollMode::Edge,
            )
        }
    }

    /// Deletes `fd`.
    pub(crate) fn deregister(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        self.poller.delete(fd)
    }

    /// Waits for events for at most `timeout` (`None`: until one comes or `notify`), and leaves
    /// them in `events`.
    pub(crate) fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        events.events.clear();
        self.poller.wait(&mut events.events, timeout)?;
        Ok(())
    }

    /// Ends the current wait, or the next one if none is in progress.
    pub(crate) fn notify(&self) -> io::Result<()> {
        self.poller.notify()
    }
}

impl fmt::Debug for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Selector")
            .field("backend", &Self::NAME)
            .finish()
    }
}

impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Events")
            .field("len", &self.events.len())
            .finish()
    }
}
