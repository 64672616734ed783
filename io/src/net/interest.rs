//! [`Interest`] and [`Ready`]: which directions a `ready` call waits for, and which it found.
//!
//! Invariant: both are sets of the two direction bits the reactor tracks (`READ_BIT`,
//! `WRITE_BIT` of `source.rs`); an `Interest` is never empty.

use crate::source::Direction;
use std::fmt;
use std::ops;

const READ: u8 = 1 << 0;
const WRITE: u8 = 1 << 1;

/// The readiness a `ready` call waits for, as tokio's `Interest`: [`READABLE`](Self::READABLE),
/// [`WRITABLE`](Self::WRITABLE), or both (`Interest::READABLE | Interest::WRITABLE`).
///
/// tokio also has `ERROR` and `PRIORITY`; weft's reactor reports an error or a hang-up as
/// readiness in both directions (the next system call then returns it), and does not watch
/// out-of-band data, so it offers neither.
///
/// # Examples
///
/// ```
/// use weft_io::io::Interest;
///
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// assert_eq!(both.remove(Interest::WRITABLE), Some(Interest::READABLE));
/// assert_eq!(Interest::READABLE.remove(Interest::READABLE), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Interest(u8);

impl Interest {
    /// Interest in reading (receiving, accepting).
    pub const READABLE: Interest = Interest(READ);
    /// Interest in writing (sending, finishing a connect).
    pub const WRITABLE: Interest = Interest(WRITE);

    /// Whether the interest includes reading.
    pub const fn is_readable(self) -> bool {
        self.0 & READ != 0
    }

    /// Whether the interest includes writing.
    pub const fn is_writable(self) -> bool {
        self.0 & WRITE != 0
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

    /// The direction a single-direction operation (`try_io`, `async_io`) waits on: reading
    /// when the interest includes it, else writing.
    pub(crate) fn direction(self) -> Direction {
        if self.is_readable() {
            Direction::READ
        } else {
            Direction::WRITE
        }
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
        match (self.is_readable(), self.is_writable()) {
            (true, true) => f.write_str("READABLE | WRITABLE"),
            (true, false) => f.write_str("READABLE"),
            _ => f.write_str("WRITABLE"),
        }
    }
}

/// The readiness a `ready` call found, as tokio's `Ready`: a set of
/// [`READABLE`](Self::READABLE) and [`WRITABLE`](Self::WRITABLE).
///
/// Readiness is a hint: the operation it announces may still say `WouldBlock` (after a
/// spurious event), and then the next `ready` waits for a new event. A hang-up or an error is
/// reported as both directions ready; the next read returns the EOF or the error. (tokio's
/// `READ_CLOSED`, `WRITE_CLOSED`, `ERROR` and `PRIORITY` are not tracked, see [`Interest`].)
///
/// # Examples
///
/// ```
/// use weft_io::io::Ready;
///
/// let ready = Ready::READABLE | Ready::WRITABLE;
/// assert!(ready.is_readable() && ready.is_writable());
/// assert!((ready - Ready::READABLE).is_writable());
/// assert!(Ready::EMPTY.is_empty());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ready(u8);

impl Ready {
    /// Nothing is ready.
    pub const EMPTY: Ready = Ready(0);
    /// A read (receive, accept) is worth trying.
    pub const READABLE: Ready = Ready(READ);
    /// A write (send) is worth trying.
    pub const WRITABLE: Ready = Ready(WRITE);
    /// Both directions.
    pub const ALL: Ready = Ready(READ | WRITE);

    /// Whether nothing is ready.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether a read is worth trying.
    pub const fn is_readable(self) -> bool {
        self.0 & READ != 0
    }

    /// Whether a write is worth trying.
    pub const fn is_writable(self) -> bool {
        self.0 & WRITE != 0
    }

    pub(crate) fn from_direction(direction: Direction) -> Ready {
        if direction == Direction::READ {
            Ready::READABLE
        } else {
            Ready::WRITABLE
        }
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
            .finish()
    }
}
