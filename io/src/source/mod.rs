//! One registered I/O source: its readiness and the tasks waiting on it.
//!
//! This is the protocol between an operation (a read, a write, an accept) and the reactor,
//! kept free of any system call so that loom can check it (`loom_tests.rs`).
//!
//! # The readiness word
//!
//! ```text
//!  ... counter | SHUTDOWN | ERROR | PRIORITY | WRITE_CLOSED | READ_CLOSED | WRITE_READY | READ_READY
//! ```
//!
//! The six low bits are tokio's `Ready` bits, in tokio's order, and `Ready` (`net/interest.rs`)
//! is made of them directly.
//!
//! - `READ_READY`/`WRITE_READY` are set when the reactor reports the direction ready, and
//!   cleared by an operation that found it drained: one that failed with `WouldBlock`, or (on
//!   a backend where `Selector::SHORT_IO_DRAINS`) a stream read or write that moved fewer
//!   bytes than asked.
//! - `READ_CLOSED`/`WRITE_CLOSED` are set when the reactor reports the peer's FIN
//!   (`EPOLLRDHUP`) or a hang-up. A direction with its closed bit counts as ready whatever its
//!   ready bit says: after a FIN a stream read returns EOF, never `WouldBlock`. So a short read
//!   that clears `READ_READY` cannot hide a FIN that came in the same edge as the data. The
//!   closed bit is cleared only by a `WouldBlock` in its direction, which disproves it (a
//!   datagram socket that its own program shut down reports `EPOLLRDHUP` and still says
//!   `EAGAIN`): without that, such a socket would spin instead of waiting. A guard's
//!   `clear_ready` (tokio's `AsyncFd` guards) leaves them, as tokio's does.
//! - `PRIORITY` (`EPOLLPRI`) and `ERROR` (`EPOLLERR`) are set by the reactor with the ready
//!   bits that the same event brings (a priority event is also readable, an error both
//!   readable and writable, so that the next call returns the error), and cleared only by a
//!   waiter for them: a `WouldBlock` in their direction, or a guard's `clear_ready`.
//! - `SHUTDOWN` is set once and forever when the source leaves its reactor (deregistration or
//!   the reactor's shutdown); every wait then fails with an error, and every waiter that was
//!   stored before has been woken. A `try_*` call still makes its system call while the
//!   readiness bits say the socket may be ready (as tokio's), and clears them on `WouldBlock`
//!   as before; once they are clear it fails with the shutdown error instead of `WouldBlock`,
//!   since no event will ever come.
//! - The counter in the upper bits is bumped by every report. An operation clears bits only if
//!   the counter still has the value it read together with them: an event that arrived
//!   between the system call and the clear is never lost.
//!
//! A source starts with the readiness its socket is known to have, usually none: the reactor
//! registers it with `EPOLL_CTL_ADD`, which queues an event at once for a descriptor that is
//! ready then (the kernel polls it while adding it), so the first turn reports the socket's
//! state as it was at registration or later, and nothing that was ready before is missed. A
//! socket that the kernel just made empty (a new `pair()`) starts writable, and an accepted one
//! readable and writable (as tokio assumes), to spare the first operation a turn.
//!
//! # Waiters
//!
//! A waiter stores its waker under `waiters`' lock and then reads `readiness` again; the
//! reactor updates `readiness` before it takes the wakers under the same lock. So either the
//! reactor finds (and wakes) the waker, or the waiter sees the new readiness and retries.
//!
//! There are three waiter lists, for reads, writes and the other conditions (`direction.rs`
//! says which event wakes which, and why no waiter can miss its event); a waiter that waits for
//! several directions at once (`ready(READABLE | WRITABLE)`) is in each of their lists. Two
//! kinds of waiters per list:
//! - A future of weft-io (`readable()`, `accept()`, `recv_from()`, ...) holds a [`Waiter`]: a
//!   slot of its own in each of its lists from its first `Pending` until it is dropped, which
//!   frees the slots and drops the wakers in them. A cancelled future leaves nothing behind,
//!   and two futures of one task on one socket (equal wakers) have two slots: dropping one
//!   cannot lose the other's wake-up. Slots are reused through a free list, so waiting
//!   allocates nothing once the slab has grown to the most futures that ever waited at once.
//! - A `poll_*` call (`AsyncRead::poll_read`, ...) has no future whose drop could remove it:
//!   its waker goes to the list's one `polled` waker, and stays until the next event for that
//!   list, the source's end, or the next `poll_*` call of another task in that list, whose
//!   waker replaces it (the same task's, `will_wake`, is kept). This is tokio's contract
//!   (its `poll_read_ready`, `poll_recv_ready`, `AsyncRead` ...: only the waker of the most
//!   recent call is woken), which its test `io_async_fd::poll_fns` checks: several tasks that
//!   wait on one socket at once must use the futures, whose slots are never replaced. A
//!   replaced waker is dropped after the lock, never woken: the lists stay bounded by the
//!   futures waiting, and a task that polled once and moved on is not kept alive or woken.
//!
//! # User code
//!
//! Wakers are the only user code here. The only one that runs while `waiters` is locked is
//! `Waker::clone` (storing a waker), and it runs before anything is changed: each clone the
//! store needs is made first, so a panicking clone leaves the lists as they were (and `lock`
//! ignores the poison). Replaced and released wakers are dropped only after the lock is
//! released, once the lists are consistent again, so a panicking `Drop` of a waker unwinds into
//! the poll (or the drop of the `Waiter`) that released it and leaves nothing half done; taken
//! wakers are woken by the reactor, which catches their panics (`reactor.rs`).

mod direction;
mod waiters;

pub(crate) use direction::Direction;

use crate::loom::{lock, AtomicUsize, Mutex, Ordering};
use direction::{LISTS, WAKES};
use std::io;
use std::task::{Context, Poll, Waker};
use waiters::Waiters;

/// Ready to read (or accept, or receive).
pub(crate) const READ_READY: usize = 1 << 0;
/// Ready to write (or send, or finish connecting).
pub(crate) const WRITE_READY: usize = 1 << 1;
/// The peer shut down its writing side (or hung up): reads return EOF from now on.
pub(crate) const READ_CLOSED: usize = 1 << 2;
/// The connection hung up: writes fail from now on.
pub(crate) const WRITE_CLOSED: usize = 1 << 3;
/// Priority data (`EPOLLPRI`).
pub(crate) const PRIORITY: usize = 1 << 4;
/// An error condition (`EPOLLERR`).
pub(crate) const ERROR: usize = 1 << 5;
/// Set once and forever when the source leaves its reactor.
const SHUTDOWN: usize = 1 << 6;
/// The event counter starts above the flag bits.
const EVENT_ONE: usize = 1 << 7;

/// The closed bits, which only a `WouldBlock` of their own direction clears.
const CLOSED: usize = READ_CLOSED | WRITE_CLOSED;

/// The readiness and waiters of one registered source.
#[derive(Debug)]
pub(crate) struct Source {
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
}

/// Wakers in transit, one per list: the clones a store is about to make, and the wakers it
/// replaced or released, dropped once the lock is released.
type Held = [Option<Waker>; LISTS];

impl Source {
    /// A new source with the readiness bits `assumed` (see the module docs: usually none).
    pub(crate) fn new(assumed: usize) -> Source {
        debug_assert_eq!(assumed & !(EVENT_ONE - 1), 0, "only readiness bits");
        Source {
            readiness: AtomicUsize::new(assumed & !SHUTDOWN),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    /// Records an event (`ready` holds readiness bits) and moves the wakers of the lists it
    /// concerns to `wake`, for the caller to wake once it holds no lock.
    pub(crate) fn set_ready(&self, ready: usize, wake: &mut Vec<Waker>) {
        // AcqRel: the waiter that later reads the bit must also see what the event announced.
        let _ = self
            .readiness
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |old| {
                Some((old | ready).wrapping_add(EVENT_ONE))
            });
        let mut waiters = lock(&self.waiters);
        for (list, wakes) in waiters.lists.iter_mut().zip(WAKES) {
            if ready & wakes != 0 {
                list.take_all(wake);
            }
        }
    }

    /// Closes the source for good and moves every waker to `wake`.
    pub(crate) fn close(&self, wake: &mut Vec<Waker>) {
        self.set_ready(SHUTDOWN, wake);
    }

    /// For a `poll_*` caller. Ready: the readiness word as read (pass it to `clear_*`).
    /// Pending: the waker is stored and will be woken by the next event for `direction`,
    /// unless another `poll_*` caller of the same list stores another waker before it: it
    /// replaces this one (dropped after the lock, not woken), as in tokio.
    pub(crate) fn poll_ready(
        &self,
        cx: &Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<usize>> {
        let waker = cx.waker();
        self.poll_ready_with(direction, |waiters, held| {
            for list in direction.lists() {
                if waiters.lists[list].needs_polled(waker) {
                    held[list] = Some(waker.clone());
                }
            }
            for list in direction.lists() {
                if let Some(clone) = held[list].take() {
                    held[list] = waiters.lists[list].store_polled(clone);
                }
            }
        })
    }

    /// For a future that holds a `Waiter`: as `poll_ready`, with the waker in its `slots`.
    fn poll_ready_in_slots(
        &self,
        cx: &Context<'_>,
        direction: Direction,
        slots: &mut [Option<usize>; LISTS],
    ) -> Poll<io::Result<usize>> {
        let waker = cx.waker();
        self.poll_ready_with(direction, |waiters, held| {
            for list in direction.lists() {
                if waiters.lists[list].needs_slot(slots[list], waker) {
                    held[list] = Some(waker.clone());
                }
            }
            for list in direction.lists() {
                if let Some(clone) = held[list].take() {
                    held[list] = waiters.lists[list].store_in_slot(&mut slots[list], clone);
                }
            }
        })
    }

    /// Checks the readiness; if `direction` is not ready, runs `store` under the lock and
    /// checks again. `store` first makes every clone it needs in `held` (user code, before
    /// anything changes), then stores them, leaving the wakers it replaced in `held`.
    fn poll_ready_with(
        &self,
        direction: Direction,
        store: impl FnOnce(&mut Waiters, &mut Held),
    ) -> Poll<io::Result<usize>> {
        let current = self.readiness.load(Ordering::Acquire);
        if let Some(ready) = Self::check(current, direction) {
            return Poll::Ready(ready);
        }
        // Declared before the guard, so dropped after it even when a clone panics: a waker's
        // drop is user code, which runs only once the lock is released.
        let mut held = Held::default();
        {
            let mut waiters = lock(&self.waiters);
            store(&mut waiters, &mut held);
        }
        drop(held);
        // Read again after the lock: an event between the first read and storing the waker
        // has taken the waiters before we stored ours, so it is this read that must see it.
        let current = self.readiness.load(Ordering::Acquire);
        match Self::check(current, direction) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    /// For a `try_*` call: the readiness word if the source may be ready for `direction` (pass
    /// it to `clear_*`), else `WouldBlock`, or the shutdown error once it left its reactor. A
    /// source that left its reactor still lets a call through while its readiness says so
    /// (the socket itself is still there, as tokio's `try_*` calls find it); only the wait
    /// for more is over.
    pub(crate) fn try_ready(&self, direction: Direction) -> io::Result<usize> {
        let current = self.readiness.load(Ordering::Acquire);
        if current & direction.mask() != 0 {
            Ok(current)
        } else if current & SHUTDOWN != 0 {
            Err(closed_error())
        } else {
            Err(io::ErrorKind::WouldBlock.into())
        }
    }

    fn check(current: usize, direction: Direction) -> Option<io::Result<usize>> {
        if current & SHUTDOWN != 0 {
            Some(Err(closed_error()))
        } else if current & direction.mask() != 0 {
            Some(Ok(current))
        } else {
            None
        }
    }

    /// An operation for `direction` said `WouldBlock`: clears its ready bits and the closed
    /// bits that disproves, unless an event arrived since `seen` was read (then the operation
    /// must be tried again).
    pub(crate) fn clear_ready(&self, seen: usize, direction: Direction) {
        self.clear(seen, direction.would_block_clears());
    }

    /// A stream operation for `direction` moved fewer bytes than asked, which drains the socket
    /// for now: clears the ready bit (never the closed bit: a FIN that came with the data must
    /// still be read), unless an event arrived since `seen` was read.
    pub(crate) fn clear_drained(&self, seen: usize, direction: Direction) {
        self.clear(seen, direction.drained_clears());
    }

    /// A guard's `clear_ready` (tokio's `AsyncFd` guards): clears the readiness bits `bits`
    /// except the closed ones, which tokio treats as final, unless an event arrived since
    /// `seen` was read.
    pub(crate) fn clear_seen(&self, seen: usize, bits: usize) {
        self.clear(seen, bits & !CLOSED & (EVENT_ONE - 1) & !SHUTDOWN);
    }

    fn clear(&self, seen: usize, bits: usize) {
        debug_assert_eq!(bits & SHUTDOWN, 0, "SHUTDOWN is never cleared");
        let _ = self
            .readiness
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |current| {
                let same_event = current / EVENT_ONE == seen / EVENT_ONE;
                same_event.then_some(current & !bits)
            });
    }

    /// For a `poll_*` caller: runs `op` (a non-blocking system call) until it does something
    /// other than `WouldBlock`, waiting for readiness in `direction` in between. A result for
    /// which `drained` says true clears the ready bit as `clear_drained` does.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &Context<'_>,
        direction: Direction,
        op: impl FnMut() -> io::Result<R>,
        drained: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        self.drive(direction, || self.poll_ready(cx, direction), op, drained)
    }

    fn drive<R>(
        &self,
        direction: Direction,
        mut poll_ready: impl FnMut() -> Poll<io::Result<usize>>,
        mut op: impl FnMut() -> io::Result<R>,
        drained: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        loop {
            let seen = match poll_ready() {
                Poll::Ready(Ok(seen)) => seen,
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                Poll::Pending => return Poll::Pending,
            };
            match op() {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    self.clear_ready(seen, direction);
                }
                Ok(done) => {
                    if drained(&done) {
                        self.clear_drained(seen, direction);
                    }
                    return Poll::Ready(Ok(done));
                }
                Err(error) => return Poll::Ready(Err(error)),
            }
        }
    }

    /// How many wakers wait for `direction` now (both kinds, in each of its lists).
    #[cfg(all(test, loom))]
    pub(crate) fn stored_wakers(&self, direction: Direction) -> usize {
        let waiters = lock(&self.waiters);
        direction
            .lists()
            .map(|list| waiters.lists[list].stored())
            .sum()
    }
}

/// A future's registration with a source for one direction (or a union of them): at most one
/// slot per list, taken at the first `Pending` and freed (with the waker in it) when the
/// `Waiter` is dropped. Hold one for the whole life of the future, so that cancelling it
/// leaves nothing behind.
#[derive(Debug)]
pub(crate) struct Waiter<'a> {
    source: &'a Source,
    direction: Direction,
    slots: [Option<usize>; LISTS],
}

impl<'a> Waiter<'a> {
    pub(crate) fn new(source: &'a Source, direction: Direction) -> Waiter<'a> {
        Waiter {
            source,
            direction,
            slots: [None; LISTS],
        }
    }

    /// As `Source::poll_ready`, with the waker in this waiter's slots.
    pub(crate) fn poll_ready(&mut self, cx: &Context<'_>) -> Poll<io::Result<usize>> {
        self.source
            .poll_ready_in_slots(cx, self.direction, &mut self.slots)
    }

    /// As `Source::poll_io`, waiting in this waiter's slots.
    pub(crate) fn poll_io<R>(
        &mut self,
        cx: &Context<'_>,
        op: impl FnMut() -> io::Result<R>,
        drained: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        let (source, direction, slots) = (self.source, self.direction, &mut self.slots);
        source.drive(
            direction,
            || source.poll_ready_in_slots(cx, direction, slots),
            op,
            drained,
        )
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        if self.slots.iter().all(Option::is_none) {
            return;
        }
        let mut released = Held::default();
        {
            let mut waiters = lock(&self.source.waiters);
            for (list, slot) in self.slots.iter_mut().enumerate() {
                if let Some(index) = slot.take() {
                    released[list] = waiters.lists[list].release(index);
                }
            }
        }
        // Dropped after the lock: a waker's drop is user code.
        drop(released);
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

/// The error of an I/O operation whose runtime has shut down, for an executor's own I/O types
/// (weft's standard streams): [`is_shutdown_error`] recognises it.
///
/// ```
/// let error = weft_io::shutdown_error();
/// assert!(weft_io::is_shutdown_error(&error));
/// ```
pub fn shutdown_error() -> io::Error {
    closed_error()
}

/// Whether `error` says that the socket's reactor has shut down (its runtime was dropped):
/// `weft::runtime::is_rt_shutdown_err`.
pub fn is_shutdown_error(error: &io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.is::<ReactorShutDown>())
}
