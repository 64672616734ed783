//! weft-io's Linux backend: one epoll instance on `rustix`, and an eventfd to interrupt it.
//!
//! Invariants:
//! - A source is added once, edge-triggered, for `EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI`
//!   (`EPOLLERR` and `EPOLLHUP` are always reported), and deleted before its descriptor is
//!   closed (`register`'s contract). No `epoll_ctl` is made per operation or per wait. Adding a
//!   descriptor that is ready already queues an event for it at once.
//! - The eventfd is added once, edge-triggered, and never read in the normal course: every
//!   `notify` writes to it, every write is a new edge, so a wait in progress returns and a
//!   notification sent while nobody waits ends the next wait at once (the edge stays queued).
//!   Its counter is reset only when a write would overflow it, which takes 2^64 - 2
//!   notifications.
//! - `wait` passes its timeout to `epoll_wait` itself, rounded up to the millisecond: it never
//!   returns before the timeout unless an event, a notification or a signal comes, so a caller
//!   that waits for a timer's deadline cannot wake early and spin. No timerfd.
//! - `EPOLLRDHUP` (the peer shut down its writing side) is reported as the sticky
//!   `READ_CLOSED`, `EPOLLHUP` as both sticky bits: that is what makes `SHORT_IO_DRAINS` sound.
//!   `EPOLLPRI` and `EPOLLERR` are reported as `PRIORITY` and `ERROR` (tokio's
//!   `Interest::PRIORITY`/`ERROR`), with the ready bits they imply.

use crate::source::{ERROR, PRIORITY, READ_CLOSED, READ_READY, WRITE_CLOSED, WRITE_READY};
use rustix::event::{epoll, eventfd, EventfdFlags, Timespec};
use rustix::fd::{BorrowedFd, OwnedFd};
use std::io;
use std::time::Duration;

/// The token of the eventfd: never a source's (the reactor's tokens keep their index below
/// `u32::MAX`).
const NOTIFY_TOKEN: u64 = u64::MAX;

/// `epoll_wait`'s timeout is an `int` of milliseconds: a longer wait is cut to this, and the
/// caller (which loops on its own deadline) waits again.
const MAX_TIMEOUT: Duration = Duration::from_millis(i32::MAX as u64);

/// The epoll instance and its notification eventfd.
#[derive(Debug)]
pub(crate) struct Selector {
    epoll: OwnedFd,
    notifier: OwnedFd,
}

/// The buffer of events one wait fills.
pub(crate) struct Events {
    list: Vec<epoll::Event>,
}

// SAFETY: `epoll::Event` is `!Send` only because its data field may hold a pointer. Every
// event here carries a plain `u64` (`register` and `new` only ever pass `EventData::new_u64`,
// and the kernel hands back what was registered), so a buffer of them is plain data that any
// thread may own; `Sync` follows from `Send` for `&Events`, which only reads those integers.
unsafe impl Send for Events {}
// SAFETY: as for `Send`: shared access only reads plain integers.
unsafe impl Sync for Events {}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events")
            .field("len", &self.list.len())
            .finish()
    }
}

impl Events {
    pub(crate) fn with_capacity(capacity: usize) -> Events {
        Events {
            list: Vec::with_capacity(capacity),
        }
    }

    /// The events of the last wait, as `(token, readiness bits)`; the notifier's are left out.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u64, usize)> + '_ {
        self.list.iter().filter_map(|event| {
            let token = event.data.u64();
            (token != NOTIFY_TOKEN).then(|| (token, readiness(event.flags)))
        })
    }
}

/// The readiness bits an event reports. An error reports `ERROR` and both directions (the next
/// call in either returns it) but nothing sticky: an error such as a queued ICMP message on a
/// UDP socket passes, and a sticky bit would keep the socket "ready" forever. Priority data is
/// readable too (as mio reports it).
fn readiness(flags: epoll::EventFlags) -> usize {
    use epoll::EventFlags as F;
    let mut ready = 0;
    if flags.contains(F::IN) {
        ready |= READ_READY;
    }
    if flags.contains(F::PRI) {
        ready |= READ_READY | PRIORITY;
    }
    if flags.contains(F::OUT) {
        ready |= WRITE_READY;
    }
    if flags.contains(F::RDHUP) {
        ready |= READ_READY | READ_CLOSED;
    }
    if flags.contains(F::HUP) {
        ready |= READ_READY | READ_CLOSED | WRITE_READY | WRITE_CLOSED;
    }
    if flags.contains(F::ERR) {
        ready |= READ_READY | WRITE_READY | ERROR;
    }
    ready
}

impl Selector {
    /// The backend's name, for `Reactor`'s `Debug` and the tests.
    pub(crate) const NAME: &'static str = "epoll";

    /// A stream read (write) that moved fewer bytes than asked drained the socket for now: the
    /// peer's FIN is reported as the sticky `READ_CLOSED`, so clearing loses nothing.
    pub(crate) const SHORT_IO_DRAINS: bool = true;

    /// Tokens come back with all 64 bits: the reactor can check a slot's generation.
    pub(crate) const TOKENS_CARRY_GENERATION: bool = true;

    pub(crate) fn new() -> io::Result<Selector> {
        let epoll = epoll::create(epoll::CreateFlags::CLOEXEC)?;
        let notifier = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        epoll::add(
            &epoll,
            &notifier,
            epoll::EventData::new_u64(NOTIFY_TOKEN),
            epoll::EventFlags::IN | epoll::EventFlags::ET,
        )?;
        Ok(Selector { epoll, notifier })
    }

    /// Adds `fd` for both directions and priority data, edge-triggered, with `token`. The
    /// kernel checks the descriptor as it adds it and queues an event at once if it is ready
    /// (`ep_insert`), which is what lets a source start out assumed ready for nothing.
    ///
    /// # Safety
    /// `fd` must be deregistered before it is closed: the reactor must never see an event of a
    /// descriptor number that has been reused for another file. (epoll itself is memory-safe
    /// either way; the contract is the reactor's, and `polling`'s backend needs it.)
    pub(crate) unsafe fn register(&self, fd: BorrowedFd<'_>, token: u64) -> io::Result<()> {
        use epoll::EventFlags as F;
        epoll::add(
            &self.epoll,
            fd,
            epoll::EventData::new_u64(token),
            F::IN | F::OUT | F::RDHUP | F::PRI | F::ET,
        )?;
        Ok(())
    }

    /// Deletes `fd`.
    pub(crate) fn deregister(&self, fd: BorrowedFd<'_>) -> io::Result<()> {
        epoll::delete(&self.epoll, fd)?;
        Ok(())
    }

    /// Waits for events for at most `timeout` (`None`: until one comes or `notify`), and leaves
    /// them in `events`. A signal ends the wait early with no events (`EINTR` is not an error).
    pub(crate) fn wait(&self, events: &mut Events, timeout: Option<Duration>) -> io::Result<()> {
        events.list.clear();
        // rustix rounds the timespec up to whole milliseconds for `epoll_pwait`.
        let timeout = timeout.map(|timeout| {
            let timeout = timeout.min(MAX_TIMEOUT);
            Timespec {
                tv_sec: timeout.as_secs() as _,
                tv_nsec: timeout.subsec_nanos() as _,
            }
        });
        match epoll::wait(
            &self.epoll,
            rustix::buffer::spare_capacity(&mut events.list),
            timeout.as_ref(),
        ) {
            Ok(_) | Err(rustix::io::Errno::INTR) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Ends the current wait, or the next one if none is in progress.
    pub(crate) fn notify(&self) -> io::Result<()> {
        match rustix::io::write(&self.notifier, &1u64.to_ne_bytes()) {
            Ok(_) => Ok(()),
            // The counter would overflow: reset it (a wait that reads nothing from it is not
            // disturbed) and write again, which is a new edge.
            Err(rustix::io::Errno::AGAIN) => {
                let mut counter = [0u8; 8];
                let _ = rustix::io::read(&self.notifier, &mut counter);
                rustix::io::write(&self.notifier, &1u64.to_ne_bytes())?;
                Ok(())
            }
            Err(error) => Err(error.into()),
        }
    }

    /// The eventfd, for the test that brings its counter to the brink of overflow.
    #[cfg(all(test, not(loom), not(miri)))]
    pub(crate) fn notifier(&self) -> BorrowedFd<'_> {
        rustix::fd::AsFd::as_fd(&self.notifier)
    }
}
