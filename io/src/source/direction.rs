//! [`Direction`]: what an operation or a waiter of a source is about, in terms of the
//! readiness word's bits and the source's waiter lists.
//!
//! Invariant (what keeps a waiter from missing its wake-up): every bit of a direction's
//! `ready` and `closed` masks is in `WAKES[list]` for at least one list of its `lists`, so an
//! event that sets the bit wakes a list the waiter is in. `Source::close`'s `SHUTDOWN` wakes
//! every list, which is why even the empty direction waits in one (`OTHER`).

use super::{ERROR, PRIORITY, READ_CLOSED, READ_READY, SHUTDOWN, WRITE_CLOSED, WRITE_READY};

/// The waiter list of reads (receives, accepts).
pub(super) const READ_LIST: usize = 0;
/// The waiter list of writes (sends, connects).
pub(super) const WRITE_LIST: usize = 1;
/// The waiter list of the conditions that are neither: an error, priority data.
pub(super) const OTHER_LIST: usize = 2;
/// How many waiter lists a source has.
pub(super) const LISTS: usize = 3;

/// The readiness bits of an event that wake each list's waiters.
pub(super) const WAKES: [usize; LISTS] = [
    READ_READY | READ_CLOSED | SHUTDOWN,
    WRITE_READY | WRITE_CLOSED | SHUTDOWN,
    ERROR | PRIORITY | READ_CLOSED | SHUTDOWN,
];

/// What an operation or a waiter is about: one direction (reading, writing), one of the two
/// conditions tokio's `Interest` adds (an error, priority data), or a union of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Direction {
    /// The bits that say "try it". Cleared by a `WouldBlock`, by a short stream operation
    /// (`clear_drained`) and by a guard's `clear_ready`.
    ready: usize,
    /// The sticky bits that count as ready too: a read after the peer's FIN returns EOF, and
    /// a priority waiter wants to hear of it as well (as tokio's `Interest::PRIORITY`).
    closed: usize,
    /// The closed bits that a `WouldBlock` of this direction disproves: only a read's (a
    /// write's) `WouldBlock` says the socket is not at EOF (not hung up). A failed priority
    /// read says nothing of a FIN, and neither does one direction of a union.
    disproved: usize,
    /// The waiter lists a waiter of this direction stores its waker in (bit `i`: list `i`).
    lists: u8,
}

impl Direction {
    /// Reading (or accepting, or receiving).
    pub(crate) const READ: Direction = Direction {
        ready: READ_READY,
        closed: READ_CLOSED,
        disproved: READ_CLOSED,
        lists: 1 << READ_LIST,
    };
    /// Writing (or sending, or finishing a connect).
    pub(crate) const WRITE: Direction = Direction {
        ready: WRITE_READY,
        closed: WRITE_CLOSED,
        disproved: WRITE_CLOSED,
        lists: 1 << WRITE_LIST,
    };
    /// An error condition (`EPOLLERR`: a pending socket error, or the error queue).
    pub(crate) const ERROR: Direction = Direction {
        ready: ERROR,
        closed: 0,
        disproved: 0,
        lists: 1 << OTHER_LIST,
    };
    /// Priority data (`EPOLLPRI`: TCP urgent data, a changed `/proc` or sysfs file); the
    /// peer's FIN counts too, as in tokio.
    pub(crate) const PRIORITY: Direction = Direction {
        ready: PRIORITY,
        closed: READ_CLOSED,
        disproved: 0,
        lists: 1 << OTHER_LIST,
    };
    /// Nothing: never ready, but woken (with the error) when the source shuts down.
    pub(crate) const NONE: Direction = Direction {
        ready: 0,
        closed: 0,
        disproved: 0,
        lists: 0,
    };

    /// Either of the two: ready when one is, waiting in the lists of both.
    #[must_use]
    pub(crate) const fn union(self, other: Direction) -> Direction {
        let disproved = if self.lists == 0 || self.ready == other.ready {
            other.disproved
        } else if other.lists == 0 {
            self.disproved
        } else {
            0
        };
        Direction {
            ready: self.ready | other.ready,
            closed: self.closed | other.closed,
            disproved,
            lists: self.lists | other.lists,
        }
    }

    /// The bits of the readiness word that make this direction ready (`Ready`'s bits, which
    /// are the same).
    pub(crate) const fn mask(self) -> usize {
        self.ready | self.closed
    }

    /// The bits a `WouldBlock` in this direction clears.
    pub(super) const fn would_block_clears(self) -> usize {
        self.ready | self.disproved
    }

    /// The bits a short stream operation clears (never a closed bit: a FIN that came with the
    /// data must still be read).
    pub(super) const fn drained_clears(self) -> usize {
        self.ready
    }

    /// The lists a waiter of this direction waits in (`OTHER` for `NONE`, so that the shutdown
    /// still wakes it).
    pub(super) fn lists(self) -> impl Iterator<Item = usize> {
        let lists = if self.lists == 0 {
            1 << OTHER_LIST
        } else {
            self.lists
        };
        (0..LISTS).filter(move |list| lists & (1 << list) != 0)
    }
}
