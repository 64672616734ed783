//! The oneshot state word: four flags in one `AtomicUsize`, the only synchronisation between
//! the two halves.
//!
//! | bit | name          | set by                 | meaning                                          |
//! |-----|---------------|------------------------|--------------------------------------------------|
//! | 0   | `RX_TASK_SET` | receiver               | the receiver's waker is stored; the sender may wake it |
//! | 1   | `VALUE_SENT`  | sender (send or drop)  | the sender is done: the value cell is final (`Some` or `None`) |
//! | 2   | `CLOSED`      | receiver (close, drop) | the receiver wants nothing more                  |
//! | 3   | `TX_TASK_SET` | sender                 | the sender's `closed()` waker is stored; the receiver may wake it |
//!
//! Invariants:
//! - `VALUE_SENT` and `CLOSED` are each set at most once and never cleared; the sender sets
//!   `VALUE_SENT` only if `CLOSED` is not set (so a closed channel hands the value back).
//! - The value cell belongs to the sender until `VALUE_SENT`, then to the receiver.
//! - A waker slot whose flag is clear belongs to its owner (the receiver's slot to the receiver,
//!   the sender's to the sender). While the flag is set, the peer may read it, but only from
//!   the transition that sets `VALUE_SENT` (receiver's slot) or `CLOSED` (sender's slot); the
//!   owner may clear the flag to replace the waker only if that transition has not happened.

use crate::sync::prim::{AtomicUsize, Ordering::AcqRel, Ordering::Acquire};
use std::fmt;

const RX_TASK_SET: usize = 0b0001;
const VALUE_SENT: usize = 0b0010;
const CLOSED: usize = 0b0100;
const TX_TASK_SET: usize = 0b1000;

/// A copy of the state word.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct State(usize);

impl State {
    pub(super) fn new_cell() -> AtomicUsize {
        AtomicUsize::new(0)
    }

    pub(super) fn load(cell: &AtomicUsize) -> State {
        State(cell.load(Acquire))
    }

    /// Sets `VALUE_SENT` unless the receiver closed first; returns the previous state.
    pub(super) fn set_complete(cell: &AtomicUsize) -> State {
        let mut current = cell.load(Acquire);
        loop {
            if State(current).is_closed() {
                return State(current);
            }
            match cell.compare_exchange_weak(current, current | VALUE_SENT, AcqRel, Acquire) {
                Ok(previous) => return State(previous),
                Err(actual) => current = actual,
            }
        }
    }

    /// Sets `RX_TASK_SET`; returns the new state. If it shows `VALUE_SENT`, the sender did not
    /// see the flag (it was clear when it completed) and will not touch the slot.
    pub(super) fn set_rx_task(cell: &AtomicUsize) -> State {
        State(cell.fetch_or(RX_TASK_SET, AcqRel) | RX_TASK_SET)
    }

    /// Clears `RX_TASK_SET`; returns the previous state.
    pub(super) fn unset_rx_task(cell: &AtomicUsize) -> State {
        State(cell.fetch_and(!RX_TASK_SET, AcqRel))
    }

    /// Sets `TX_TASK_SET`; returns the new state. If it shows `CLOSED`, the receiver did not see
    /// the flag (it was clear when it closed) and will not touch the slot.
    pub(super) fn set_tx_task(cell: &AtomicUsize) -> State {
        State(cell.fetch_or(TX_TASK_SET, AcqRel) | TX_TASK_SET)
    }

    /// Clears `TX_TASK_SET`; returns the previous state.
    pub(super) fn unset_tx_task(cell: &AtomicUsize) -> State {
        State(cell.fetch_and(!TX_TASK_SET, AcqRel))
    }

    /// Sets `CLOSED`; returns the previous state.
    pub(super) fn set_closed(cell: &AtomicUsize) -> State {
        State(cell.fetch_or(CLOSED, AcqRel))
    }

    pub(super) fn is_rx_task_set(self) -> bool {
        self.0 & RX_TASK_SET != 0
    }

    pub(super) fn is_complete(self) -> bool {
        self.0 & VALUE_SENT != 0
    }

    pub(super) fn is_closed(self) -> bool {
        self.0 & CLOSED != 0
    }

    pub(super) fn is_tx_task_set(self) -> bool {
        self.0 & TX_TASK_SET != 0
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("State")
            .field("rx_task_set", &self.is_rx_task_set())
            .field("complete", &self.is_complete())
            .field("closed", &self.is_closed())
            .field("tx_task_set", &self.is_tx_task_set())
            .finish()
    }
}
