//! [`Interest`] and [`Ready`]: which readiness a `ready` call waits for, and which it found.
//!
//! Invariants: an `Interest` is a non-empty set of the four interests; `Ready`'s bits are the
//! six low bits of a source's readiness word (`source/mod.rs`), in tokio's order, so a word
//! turns into a `Ready` by masking (`Ready::from_word`).

use crate::source::{self, Direction};
use std::fmt;
use std::ops;

const READABLE: u8 = 1 << 0;
const WRITABLE: u8 = 1 << 1;
const PRIORITY: u8 = 1 << 2;
const ERROR: u8 = 1 << 3;

/// The readiness a `ready` call waits for, as tokio's `Interest`: [`READABLE`](Self::READABLE),
/// [`WRITABLE`](Self::WRITABLE), [`PRIORITY`](Self::PRIORITY), [`ERROR`](Self::ERROR), or any
/// union of them (`Interest::READABLE | Interest::WRITABLE`).
///
/// weft registers every descriptor once for all of them (`EPOLLIN | EPOLLOUT | EPOLLRDHUP |
/// EPOLLPRI`, and `EPOLLERR`, which epoll always reports), so an interest only chooses what a
/// wait waits for; `AsyncFd::register_with_interest` narrows its waits the same way. Priority
/// and error readiness are reported where the backend reports them: Linux (both backends),
/// and `polling`'s other poll-based systems.
///
/// # Examples
///
/// ```
/// use weft_io::io::Interest;
///
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable() && !both.is_error());
/// assert_eq!(both.remove(Interest::WRITABLE), Some(Interest::READABLE));
/// assert_eq!(Interest::READABLE.remove(Interest::READABLE), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interest(u8);

impl Interest {
    /// Interest in reading (receiving, accepting); also woken by the peer's FIN.
    pub const READABLE: Interest = Interest(READABLE);
    /// Interest in writing (sending, finishing a connect); also woken by a hang-up.
    pub const WRITABLE: Interest = Interest(WRITABLE);
    /// Interest in priority data (`EPOLLPRI`: TCP urgent data, a changed `/proc/self/mounts`
    /// or sysfs attribute); also woken by the peer's FIN, as in tokio.
    pub const PRIORITY: Interest = Interest(PRIORITY);
    /// Interest in an error condition (`EPOLLERR`: a pending socket error, an entry in the
    /// socket's error queue such as a send timestamp or an `IP_RECVERR` report).
    pub const ERROR: Interest = Interest(ERROR);

    /// Whether the interest includes reading.
    pub const fn is_readable(self) -> bool {
        self.0 & READABLE != 0
    }

    /// Whether the interest includes writing.
    pub const fn is_writable(self) -> bool {
        self.0 & WRITABLE != 0
    }

    /// Whether the interest includes priority data.
    pub const fn is_priority(self) -> bool {
        self.0 & PRIORITY != 0
    }

    /// Whether the interest includes error conditions.
    pub const fn is_error(self) -> bool {
        self.0 & ERROR != 0
    }

    /// Both interests together (the `|` operator, usable in a `const`).
    #[must_use]
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// The interest without `other`, or `None` if nothing is left.
    #[must_use]
    pub fn remove(self, other: Interest) -> Option<Interest> {
        let left = self.0 & !other.0;
        (left != 0).then_some(Interest(left))
    }

    /// What a source waits for, for this interest (`Direction::NONE` for `None`: an
    /// `AsyncFd` asked for what it was not registered for).
    pub(crate) fn direction(interest: Option<Interest>) -> Direction {
        let Some(interest) = interest else {
            return Direction::NONE;
        };
        let mut direction = Direction::NONE;
        for (wanted, part) in [
            (interest.is_readable(), Direction::READ),
            (interest.is_writable(), Direction::WRITE),
            (interest.is_priority(), Direction::PRIORITY),
            (interest.is_error(), Direction::ERROR),
        ] {
            if wanted {
                direction = direction.union(part);
            }
        }
        direction
    }

    /// The interests both sets hold, if any.
    pub(crate) fn intersection(self, other: Interest) -> Option<Interest> {
        let both = self.0 & other.0;
        (both != 0).then_some(Interest(both))
    }
}

impl From<Interest> for Direction {
    fn from(interest: Interest) -> Direction {
        Interest::direction(Some(interest))
    }
}

impl ops::BitOr for Interest {
    type Output = Interest;

    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl ops::BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (self.is_readable(), "READABLE"),
            (self.is_writable(), "WRITABLE"),
            (self.is_priority(), "PRIORITY"),
            (self.is_error(), "ERROR"),
        ];
        let mut first = true;
        for (_, name) in names.iter().filter(|(held, _)| *held) {
            if !first {
                f.write_str(" | ")?;
            }
            f.write_str(name)?;
            first = false;
        }
        Ok(())
    }
}

/// The readiness a `ready` call found, as tokio's `Ready`: a set of
/// [`READABLE`](Self::READABLE), [`WRITABLE`](Self::WRITABLE),
/// [`READ_CLOSED`](Self::READ_CLOSED), [`WRITE_CLOSED`](Self::WRITE_CLOSED),
/// [`PRIORITY`](Self::PRIORITY) and [`ERROR`](Self::ERROR).
///
/// Readiness is a hint: the operation it announces may still say `WouldBlock` (after a
/// spurious event), and then the next `ready` waits for a new event. A `ready` call reports
/// only what its interest covers: reading brings `READABLE` and `READ_CLOSED`, writing
/// `WRITABLE` and `WRITE_CLOSED`, priority `PRIORITY` and `READ_CLOSED`, error `ERROR`. The
/// closed bits come from the peer's FIN (`EPOLLRDHUP`) and a hang-up (`EPOLLHUP`) on the epoll
/// backend; the `polling` backend reports those as plain readiness in both directions.
///
/// # Examples
///
/// ```
/// use weft_io::io::Ready;
///
/// let ready = Ready::READABLE | Ready::WRITABLE;
/// assert!(ready.is_readable() && ready.is_writable());
/// assert!((ready - Ready::READABLE).is_writable());
/// assert!(Ready::READ_CLOSED.is_readable(), "a read would return EOF");
/// assert!(Ready::EMPTY.is_empty());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ready(u8);

impl Ready {
    /// Nothing is ready.
    pub const EMPTY: Ready = Ready(0);
    /// A read (receive, accept) is worth trying.
    pub const READABLE: Ready = Ready(source::READ_READY as u8);
    /// A write (send) is worth trying.
    pub const WRITABLE: Ready = Ready(source::WRITE_READY as u8);
    /// The peer shut down its writing side (or hung up): a read returns EOF.
    pub const READ_CLOSED: Ready = Ready(source::READ_CLOSED as u8);
    /// The connection hung up: a write fails.
    pub const WRITE_CLOSED: Ready = Ready(source::WRITE_CLOSED as u8);
    /// Priority data is there (`EPOLLPRI`).
    pub const PRIORITY: Ready = Ready(source::PRIORITY as u8);
    /// An error condition is pending (`EPOLLERR`).
    pub const ERROR: Ready = Ready(source::ERROR as u8);
    /// Every readiness.
    pub const ALL: Ready = Ready(
        (source::READ_READY
            | source::WRITE_READY
            | source::READ_CLOSED
            | source::WRITE_CLOSED
            | source::PRIORITY
            | source::ERROR) as u8,
    );

    /// The readiness a readiness word reports for `direction` (what a wait for it found).
    pub(crate) fn from_word(word: usize, direction: Direction) -> Ready {
        Ready((word & direction.mask() & Ready::ALL.0 as usize) as u8)
    }

    /// Its bits, as the readiness word holds them.
    pub(crate) fn bits(self) -> usize {
        usize::from(self.0)
    }

    /// Whether nothing is ready.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether a read is worth trying: readable, or read-closed (a read returns EOF).
    pub const fn is_readable(self) -> bool {
        self.0 & (Ready::READABLE.0 | Ready::READ_CLOSED.0) != 0
    }

    /// Whether a write is worth trying: writable, or write-closed (a write fails at once).
    pub const fn is_writable(self) -> bool {
        self.0 & (Ready::WRITABLE.0 | Ready::WRITE_CLOSED.0) != 0
    }

    /// Whether the peer shut down its writing side (or hung up).
    pub const fn is_read_closed(self) -> bool {
        self.0 & Ready::READ_CLOSED.0 != 0
    }

    /// Whether the connection hung up for writing.
    pub const fn is_write_closed(self) -> bool {
        self.0 & Ready::WRITE_CLOSED.0 != 0
    }

    /// Whether priority data is there.
    pub const fn is_priority(self) -> bool {
        self.0 & Ready::PRIORITY.0 != 0
    }

    /// Whether an error condition is pending.
    pub const fn is_error(self) -> bool {
        self.0 & Ready::ERROR.0 != 0
    }
}

impl ops::BitOr for Ready {
    type Output = Ready;

    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl ops::BitOrAssign for Ready {
    fn bitor_assign(&mut self, other: Ready) {
        self.0 |= other.0;
    }
}

impl ops::BitAnd for Ready {
    type Output = Ready;

    fn bitand(self, other: Ready) -> Ready {
        Ready(self.0 & other.0)
    }
}

impl ops::Sub for Ready {
    type Output = Ready;

    fn sub(self, other: Ready) -> Ready {
        Ready(self.0 & !other.0)
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ready")
            .field("is_readable", &self.is_readable())
            .field("is_writable", &self.is_writable())
            .field("is_read_closed", &self.is_read_closed())
            .field("is_write_closed", &self.is_write_closed())
            .field("is_priority", &self.is_priority())
            .field("is_error", &self.is_error())
            .finish()
    }
}
