//! One registered I/O source: its readiness and the tasks waiting on it.
//!
//! This is the protocol between an operation (a read, a write, an accept) and the reactor,
//! kept free of any system call so that loom can check it (`loom_tests.rs`).
//!
//! # The readiness word
//!
//! ```text
//!  ... counter | SHUTDOWN | WRITE_CLOSED | READ_CLOSED | WRITE_READY | READ_READY
//! ```
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
//!   `EAGAIN`): without that, such a socket would spin instead of waiting.
//! - `SHUTDOWN` is set once and forever when the source leaves its reactor (deregistration or
//!   the reactor's shutdown); every operation then fails with an error, and every waiter that
//!   was stored before has been woken.
//! - The counter in the upper bits is bumped by every report. An operation clears bits only if
//!   the counter still has the value it read together with them: an event that arrives
//!   between the system call and the clear is never lost.
//!
//! # Waiters
//!
//! A waiter stores its waker under `waiters`' lock and then reads `readiness` again; the
//! reactor updates `readiness` before it takes the wakers under the same lock. So either the
//! reactor finds (and wakes) the waker, or the waiter sees the new readiness and retries.
//!
//! Two kinds of waiters per direction:
//! - A future of weft-io (`readable()`, `accept()`, `recv_from()`, ...) holds a [`Waiter`]: a
//!   slot of its own from its first `Pending` until it is dropped, which frees the slot and
//!   drops the waker in it. A cancelled future leaves nothing behind, and two futures of one
//!   task on one socket (equal wakers) have two slots: dropping one cannot lose the other's
//!   wake-up. Slots are reused through a free list, so waiting allocates nothing once the
//!   slab has grown to the most futures that ever waited at once.
//! - A `poll_*` call (`AsyncRead::poll_read`, ...) has no future whose drop could remove it:
//!   its waker goes to the direction's `polled` list, one per task (`will_wake`), and stays
//!   until the next event in that direction or the source's end (tokio keeps one such waker
//!   per direction, the last, for the same reason).
//!
//! # User code
//!
//! Wakers are the only user code here. The only one that runs while `waiters` is locked is
//! `Waker::clone` (storing a waker), and it runs before anything is changed: a panicking clone
//! leaves the lists as they were (and `lock` ignores the poison). Replaced and released wakers
//! are dropped only after the lock is released, once the lists are consistent again, so a
//! panicking `Drop` of a waker unwinds into the poll (or the drop of the `Waiter`) that
//! released it and leaves nothing half done; taken wakers are woken by the reactor, which
//! catches their panics (`reactor.rs`).

use crate::loom::{lock, AtomicUsize, Mutex, Ordering};
use std::io;
use std::task::{Context, Poll, Waker};

/// Ready to read (or accept, or receive).
pub(crate) const READ_READY: usize = 1 << 0;
/// Ready to write (or send, or finish connecting).
pub(crate) const WRITE_READY: usize = 1 << 1;
/// The peer shut down its writing side (or hung up): reads return EOF from now on.
pub(crate) const READ_CLOSED: usize = 1 << 2;
/// The connection hung up: writes fail from now on.
pub(crate) const WRITE_CLOSED: usize = 1 << 3;
/// Set once and forever when the source leaves its reactor.
const SHUTDOWN: usize = 1 << 4;
/// The event counter starts above the flag bits.
const EVENT_ONE: usize = 1 << 5;

/// A direction of readiness: its ready bit and its closed bit in the readiness word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Direction {
    ready: usize,
    closed: usize,
}

impl Direction {
    /// Reading (or accepting, or receiving).
    pub(crate) const READ: Direction = Direction {
        ready: READ_READY,
        closed: READ_CLOSED,
    };
    /// Writing (or sending, or finishing a connect).
    pub(crate) const WRITE: Direction = Direction {
        ready: WRITE_READY,
        closed: WRITE_CLOSED,
    };
}

/// The readiness and waiters of one registered source.
#[derive(Debug)]
pub(crate) struct Source {
    readiness: AtomicUsize,
    waiters: Mutex<Waiters>,
}

#[derive(Debug, Default)]
struct Waiters {
    read: DirectionWaiters,
    write: DirectionWaiters,
}

impl Waiters {
    fn of(&mut self, direction: Direction) -> &mut DirectionWaiters {
        if direction == Direction::READ {
            &mut self.read
        } else {
            &mut self.write
        }
    }
}

/// The waiters of one direction (see the module docs for the two kinds).
///
/// Invariants: `free` heads a list of the `Slot::Free` entries linked by `next` and ending at
/// `slots.len()`; every other entry is owned by exactly one `Waiter`; `waiting` counts the
/// entries that hold a waker.
#[derive(Debug, Default)]
struct DirectionWaiters {
    polled: Vec<Waker>,
    slots: Vec<Slot>,
    free: usize,
    waiting: usize,
}

#[derive(Debug)]
enum Slot {
    Free {
        next: usize,
    },
    /// Owned by a `Waiter`: its waker while it waits, `None` once an event took it.
    Owned(Option<Waker>),
}

impl DirectionWaiters {
    /// Stores `waker` for a `poll_*` caller, unless the same task's is there already.
    fn store_polled(&mut self, waker: &Waker) {
        if !self.polled.iter().any(|stored| stored.will_wake(waker)) {
            let waker = waker.clone();
            self.polled.push(waker);
        }
    }

    /// Stores `waker` in the slot `slot` names, taking a free slot first if it names none.
    /// Returns the waker it replaced, for the caller to drop after unlocking.
    fn store_in_slot(&mut self, slot: &mut Option<usize>, waker: &Waker) -> Option<Waker> {
        if let Some(index) = *slot {
            let Slot::Owned(stored) = &mut self.slots[index] else {
                unreachable!("a waiter's slot is owned until the waiter releases it")
            };
            if stored
                .as_ref()
                .is_some_and(|stored| stored.will_wake(waker))
            {
                return None;
            }
            // Cloned before anything changes: a panicking clone leaves the slot as it was.
            let waker = waker.clone();
            if stored.is_none() {
                self.waiting += 1;
            }
            return stored.replace(waker);
        }
        let waker = waker.clone();
        let index = self.free;
        if index == self.slots.len() {
            self.slots.push(Slot::Owned(Some(waker)));
            self.free = self.slots.len();
        } else {
            let Slot::Free { next } = self.slots[index] else {
                unreachable!("the free list holds only free slots")
            };
            self.free = next;
            self.slots[index] = Slot::Owned(Some(waker));
        }
        self.waiting += 1;
        *slot = Some(index);
        None
    }

    /// Frees `index` (owned by the caller); returns the waker still in it, for the caller to
    /// drop after unlocking.
    fn release(&mut self, index: usize) -> Option<Waker> {
        let slot = std::mem::replace(&mut self.slots[index], Slot::Free { next: self.free });
        self.free = index;
        match slot {
            Slot::Owned(waker) => {
                if waker.is_some() {
                    self.waiting -= 1;
                }
                waker
            }
            Slot::Free { .. } => unreachable!("a slot is released once, by its owner"),
        }
    }

    /// Moves every stored waker to `wake`; slots stay owned by their waiters.
    fn take_all(&mut self, wake: &mut Vec<Waker>) {
        wake.append(&mut self.polled);
        if self.waiting == 0 {
            return;
        }
        for slot in &mut self.slots {
            if let Slot::Owned(waker) = slot {
                wake.extend(waker.take());
            }
        }
        self.waiting = 0;
    }

    #[cfg(all(test, loom))]
    fn stored(&self) -> usize {
        self.polled.len() + self.waiting
    }
}

impl Source {
    /// A new source, optimistically ready in both directions: the first operation tries its
    /// system call at once instead of waiting for the reactor's first report.
    pub(crate) fn new() -> Source {
        Source {
            readiness: AtomicUsize::new(READ_READY | WRITE_READY),
            waiters: Mutex::new(Waiters::default()),
        }
    }

    /// Records an event (`ready` holds readiness bits) and moves the wakers of the directions
    /// it makes ready to `wake`, for the caller to wake once it holds no lock.
    pub(crate) fn set_ready(&self, ready: usize, wake: &mut Vec<Waker>) {
        // AcqRel: the waiter that later reads the bit must also see what the event announced.
        let _ = self
            .readiness
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |old| {
                Some((old | ready).wrapping_add(EVENT_ONE))
            });
        let mut waiters = lock(&self.waiters);
        for direction in [Direction::READ, Direction::WRITE] {
            if ready & (direction.ready | direction.closed) != 0 {
                waiters.of(direction).take_all(wake);
            }
        }
    }

    /// Closes the source for good and moves every waker to `wake`.
    pub(crate) fn close(&self, wake: &mut Vec<Waker>) {
        self.set_ready(SHUTDOWN | READ_READY | WRITE_READY, wake);
    }

    /// For a `poll_*` caller. Ready: the readiness word as read (pass it to `clear_*`).
    /// Pending: the waker is stored and will be woken by the next event in `direction`.
    pub(crate) fn poll_ready(
        &self,
        cx: &Context<'_>,
        direction: Direction,
    ) -> Poll<io::Result<usize>> {
        self.poll_ready_with(direction, |waiters| {
            waiters.store_polled(cx.waker());
            None
        })
    }

    /// For a future that holds a `Waiter`: as `poll_ready`, with the waker in `slot`.
    fn poll_ready_in_slot(
        &self,
        cx: &Context<'_>,
        direction: Direction,
        slot: &mut Option<usize>,
    ) -> Poll<io::Result<usize>> {
        self.poll_ready_with(direction, |waiters| waiters.store_in_slot(slot, cx.waker()))
    }

    fn poll_ready_with(
        &self,
        direction: Direction,
        store: impl FnOnce(&mut DirectionWaiters) -> Option<Waker>,
    ) -> Poll<io::Result<usize>> {
        let current = self.readiness.load(Ordering::Acquire);
        if let Some(ready) = Self::check(current, direction) {
            return Poll::Ready(ready);
        }
        let replaced = store(lock(&self.waiters).of(direction));
        drop(replaced);
        // Read again after the lock: an event between the first read and storing the waker
        // has taken the waiters before we stored ours, so it is this read that must see it.
        let current = self.readiness.load(Ordering::Acquire);
        match Self::check(current, direction) {
            Some(ready) => Poll::Ready(ready),
            None => Poll::Pending,
        }
    }

    /// The readiness word if the source may be ready in `direction` (pass it to
    /// `clear_*`), `WouldBlock` if it is not, the shutdown error once it left its reactor.
    pub(crate) fn try_ready(&self, direction: Direction) -> io::Result<usize> {
        let current = self.readiness.load(Ordering::Acquire);
        Self::check(current, direction).unwrap_or_else(|| Err(io::ErrorKind::WouldBlock.into()))
    }

    fn check(current: usize, direction: Direction) -> Option<io::Result<usize>> {
        if current & SHUTDOWN != 0 {
            Some(Err(closed_error()))
        } else if current & (direction.ready | direction.closed) != 0 {
            Some(Ok(current))
        } else {
            None
        }
    }

    /// An operation in `direction` said `WouldBlock`: clears its ready and closed bits, unless
    /// an event arrived since `seen` was read (then the operation must be tried again).
    pub(crate) fn clear_ready(&self, seen: usize, direction: Direction) {
        self.clear(seen, direction.ready | direction.closed);
    }

    /// A stream operation in `direction` moved fewer bytes than asked, which drains the socket
    /// for now: clears the ready bit (never the closed bit: a FIN that came with the data must
    /// still be read), unless an event arrived since `seen` was read.
    pub(crate) fn clear_drained(&self, seen: usize, direction: Direction) {
        self.clear(seen, direction.ready);
    }

    fn clear(&self, seen: usize, bits: usize) {
        let _ = self
            .readiness
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |current| {
                let same_event = current / EVENT_ONE == seen / EVENT_ONE;
                (same_event && current & SHUTDOWN == 0).then_some(current & !bits)
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

    /// How many wakers wait in `direction` now (both kinds).
    #[cfg(all(test, loom))]
    pub(crate) fn stored_wakers(&self, direction: Direction) -> usize {
        lock(&self.waiters).of(direction).stored()
    }
}

/// A future's registration with a source in one direction: at most one slot, taken at the
/// first `Pending` and freed (with the waker in it) when the `Waiter` is dropped. Hold one
/// for the whole life of the future, so that cancelling it leaves nothing behind.
#[derive(Debug)]
pub(crate) struct Waiter<'a> {
    source: &'a Source,
    direction: Direction,
    slot: Option<usize>,
}

impl<'a> Waiter<'a> {
    pub(crate) fn new(source: &'a Source, direction: Direction) -> Waiter<'a> {
        Waiter {
            source,
            direction,
            slot: None,
        }
    }

    /// As `Source::poll_ready`, with the waker in this waiter's slot.
    pub(crate) fn poll_ready(&mut self, cx: &Context<'_>) -> Poll<io::Result<usize>> {
        self.source
            .poll_ready_in_slot(cx, self.direction, &mut self.slot)
    }

    /// As `Source::poll_io`, waiting in this waiter's slot.
    pub(crate) fn poll_io<R>(
        &mut self,
        cx: &Context<'_>,
        op: impl FnMut() -> io::Result<R>,
        drained: impl Fn(&R) -> bool,
    ) -> Poll<io::Result<R>> {
        let (source, direction, slot) = (self.source, self.direction, &mut self.slot);
        source.drive(
            direction,
            || source.poll_ready_in_slot(cx, direction, slot),
            op,
            drained,
        )
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        if let Some(index) = self.slot.take() {
            let waker = lock(&self.source.waiters).of(self.direction).release(index);
            // Dropped after the lock: a waker's drop is user code.
            drop(waker);
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
