//! One registered I/O source: its readiness and the tasks waiting on it.
//!
//! This is the protocol between an operation (a read, a write, an accept) and the reactor,
//! kept free of any system call so that loom can check it (`loom_tests.rs`).
//!
//! Invariants:
//! - `readiness` holds a bit per direction that is set when the reactor reports the source
//!   ready and cleared when an operation in that direction fails with `WouldBlock`, plus an
//!   event counter in the upper bits that every report bumps. An operation clears a bit only if
//!   the counter still has the value it read together with the bit: an event that arrives
//!   between the system call's `WouldBlock` and the clear is never lost.
//! - A waiter stores its waker under `waiters`' lock and then reads `readiness` again; the
//!   reactor updates `readiness` before it takes the wakers under the same lock. So either the
//!   reactor finds (and wakes) the waker, or the waiter sees the new readiness and retries.
//! - `CLOSED` is never cleared. It is set when the source is deregistered or its reactor shuts
//!   down, after which every operation fails with an error, and every waiter that was stored
//!   before has been woken.

use crate::loom::{lock, AtomicUsize, Mutex, Ordering};
use std::io;
use std::task::{Context, Poll, Waker};

/// A direction of readiness, as a bit of the readiness word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Direction(usize);

impl Direction {
    /// Ready to read (or accept, or receive).
    pub(crate) const READ: Direction = Direction(1 << 0);
    /// Ready to write (or send, or finish connecting).
    pub(crate) const WRITE: Direction = Direction(1 << 1);
    /// The bit of `READ` in the readiness word.
    pub(crate) const READ_BIT: usize = 1 << 0;
    /// The bit of `WRITE` in the readiness word.
    pub(crate) const WRITE_BIT: usize = 1 << 1;
}

/// Both direction bits: what an event for a hung-up or failed source reports.
pub(crate) const READ_WRITE: usize = Direction::READ.0 | Direction::WRITE.0;
/// Set once and forever when the source leaves its reactor.
const CLOSED: usize = 1 << 2;
/// The event counter starts above the flag bits.
const EVENT_ONE: usize = 1 << 3;

/// The readiness and waiters of one registered source.
#[derive(Debug)]
pub(crate) struct Source {
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
}

#[derive(Debug, Default)]
struct Waiters {
    read: Vec<Waker>,
    write: Vec<Waker>,
}

impl Waiters {
    fn list(&mut self, direction: Direction) -> &mut Vec<Waker> {
        if direction == Direction::READ {
            &mut self.read
        } else {
            &mut self.write
        }
    }
}

impl Source {
    /// A new source, optimistically ready in both directions: the first operation tries its
    /// system call at once instead of waiting for the reactor's first report.
    pub(crate) fn new() -> Source {
        Source {
            readiness: AtomicUsize::new(READ_WRITE),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    /// Records an event (`ready` holds direction bits) and moves the wakers of those
    /// directions to `wake`, for the caller to wake once it holds no lock.
    pub(crate) fn set_ready(&self, ready: usize, wake: &mut Vec<Waker>) {
        // AcqRel: the waiter that later reads the bit must also see what the event announced.
        let _ = self
            .readiness
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |old| {
                Some((old | ready).wrapping_add(EVENT_ONE))
            });
        let mut waiters = lock(&self.waiters);
        if ready & Direction::READ.0 != 0 {
            wake.append(&mut waiters.read);
        }
        if ready & Direction::WRITE.0 != 0 {
            wake.append(&mut waiters.write);
        }
    }

    /// Closes the source for good and moves every waker to `wake`.
    pub(crate) fn close(&self, wake: &mut Vec<Waker>) {
        self.set_ready(CLOSED | READ_WRITE, wake);
    }

    /// Ready: the readiness word as read (pass it to `clear_ready`). Pending: the waker is
    /// stored and will be woken by the next event in `direction`.
    pub(crate) fn poll_ready(
        &self,
        cx: &Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<usize>> {
        let current = self.readiness.load(Ordering::Acquire);
        if let Some(ready) = Self::check(current, direction) {
            return Poll::Ready(ready);
        }
        {
            let mut waiters = lock(&self.waiters);
            let list = waiters.list(direction);
            // One slot per task: a task that polls again replaces nothing and adds nothing.
            if !list.iter().any(|waker| waker.will_wake(cx.waker())) {
                list.push(cx.waker().clone());
            }
        }
        // Read again after the lock: an event between the first read and storing the waker
        // has taken the waiters before we pushed, so it is this read that must see it.
        let current = self.readiness.load(Ordering::Acquire);
        match Self::check(current, direction) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    /// The readiness word if the source may be ready in `direction` (pass it to
    /// `clear_ready`), `WouldBlock` if it is not, the closed error once it left its reactor.
    pub(crate) fn try_ready(&self, direction: Direction) -> io::Result<usize> {
        let current = self.readiness.load(Ordering::Acquire);
        Self::check(current, direction).unwrap_or_else(|| Err(io::ErrorKind::WouldBlock.into()))
    }

    fn check(current: usize, direction: Direction) -> Option<io::Result<usize>> {
        if current & CLOSED != 0 {
            Some(Err(closed_error()))
        } else if current & direction.0 != 0 {
            Some(Ok(current))
        } else {
            None
        }
    }

    /// An operation in `direction` would block: clears the bit, unless an event arrived since
    /// `seen` was read (then the operation must be tried again).
    pub(crate) fn clear_ready(&self, seen: usize, direction: Direction) {
        let _ = self
            .readiness
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |current| {
                let same_event = current / EVENT_ONE == seen / EVENT_ONE;
                (same_event && current & CLOSED == 0).then_some(current & !direction.0)
            });
    }

    /// Runs `op` (a non-blocking system call) until it does something other than
    /// `WouldBlock`, waiting for readiness in `direction` in between.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &Context<'_>,
        direction: Direction,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            let seen = match self.poll_ready(cx, direction) {
                Poll::Ready(Ok(seen)) => seen,
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => return Poll::Pending,
            };
            match op() {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    self.clear_ready(seen, direction);
                }
                result => return Poll::Ready(result),
            }
        }
    }
}

/// The error of an operation on a source that has left its reactor.
pub(crate) fn closed_error() -> io::Error {
    io::Error::other(ReactorShutDown)
}

/// The payload of [`closed_error`], so that [`is_shutdown_error`] can tell it from any other
/// `ErrorKind::Other` error without comparing messages.
#[derive(Debug)]
struct ReactorShutDown;

impl std::fmt::Display for ReactorShutDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the reactor that drives this socket has shut down (was its runtime dropped?)")
    }
}

impl std::error::Error for ReactorShutDown {}

/// Whether `error` says that the socket's reactor has shut down (its runtime was dropped):
/// `weft::runtime::is_rt_shutdown_err`.
pub fn is_shutdown_error(error: &io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.is::<ReactorShutDown>())
}
