//! [`Schedule`]: the order in which a `DelayQueue`'s entries expire, as a min-heap whose
//! removals are lazy.
//!
//! # Invariants
//!
//! - Every entry of the queue has exactly one *live* element here, `(when, seq, slot)` equal to
//!   its deadline, its insertion number and its slot. Other elements are *stale*: left behind
//!   by a removal or a reset (the slot is vacant, or holds an entry with another `seq`; a `seq`
//!   is never reused, so no stale element can pass for live).
//! - After [`Schedule::settle`], the top of the heap, if any, is live, so it is the entry due
//!   first (ties broken by `seq`: insertion or last reset order). Every mutation of the queue
//!   ends with a `settle`.
//! - Stale elements never outnumber live ones by more than [`SLACK`]: `settle` rebuilds the heap
//!   from the live elements past that, so memory stays proportional to the queue's length.
//!
//! A removal or reset thus costs nothing here (a reset pushes the new deadline), where an
//! ordered set would search and rebalance; the cost is paid when a stale element reaches the
//! top, once.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// `(when, seq, slot)`: a deadline in milliseconds, its entry's insertion number, its slot.
pub(super) type Scheduled = (u64, u64, usize);

/// How many stale elements beyond the live ones `settle` tolerates before rebuilding.
const SLACK: usize = 64;

#[derive(Debug, Default)]
pub(super) struct Schedule {
    heap: BinaryHeap<Reverse<Scheduled>>,
}

impl Schedule {
    pub(super) fn push(&mut self, scheduled: Scheduled) {
        self.heap.push(Reverse(scheduled));
    }

    /// The top element: after a `settle`, the entry due first.
    pub(super) fn first(&self) -> Option<Scheduled> {
        self.heap.peek().map(|&Reverse(scheduled)| scheduled)
    }

    /// Restores the invariants: drops stale elements from the top, and rebuilds the heap from
    /// the live elements if stale ones outnumber the `live` entries by more than [`SLACK`].
    pub(super) fn settle(&mut self, live: usize, is_live: impl Fn(Scheduled) -> bool) {
        if self.heap.len() > live.saturating_mul(2).saturating_add(SLACK) {
            self.heap.retain(|&Reverse(scheduled)| is_live(scheduled));
        }
        while let Some(&Reverse(top)) = self.heap.peek() {
            if is_live(top) {
                break;
            }
            self.heap.pop();
        }
    }

    /// Replaces every element with `live` (after the slots moved).
    pub(super) fn rebuild(&mut self, live: impl Iterator<Item = Scheduled>) {
        self.heap = live.map(Reverse).collect();
    }

    pub(super) fn clear(&mut self) {
        self.heap.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::{Schedule, Scheduled, SLACK};
    use std::collections::HashMap;

    /// A model of the queue's entries: slot -> (when, seq).
    fn live_in(entries: &HashMap<usize, (u64, u64)>) -> impl Fn(Scheduled) -> bool + '_ {
        |(when, seq, slot)| entries.get(&slot) == Some(&(when, seq))
    }

    #[test]
    fn the_top_is_the_first_live_entry_through_resets_and_removals() {
        let mut schedule = Schedule::default();
        let mut entries = HashMap::new();
        for (slot, when) in [(0, 30), (1, 10), (2, 20)] {
            entries.insert(slot, (when, slot as u64));
            schedule.push((when, slot as u64, slot));
        }
        schedule.settle(entries.len(), live_in(&entries));
        assert_eq!(schedule.first(), Some((10, 1, 1)));
        // Slot 1 moves later: its old element goes stale and leaves the top at the settle.
        entries.insert(1, (40, 3));
        schedule.push((40, 3, 1));
        schedule.settle(entries.len(), live_in(&entries));
        assert_eq!(schedule.first(), Some((20, 2, 2)));
        // Slot 2 removed, and its slot reused by an entry with a new `seq`.
        entries.insert(2, (5, 4));
        schedule.push((5, 4, 2));
        schedule.settle(entries.len(), live_in(&entries));
        assert_eq!(schedule.first(), Some((5, 4, 2)));
        let mut order = Vec::new();
        while let Some((when, _, slot)) = schedule.first() {
            order.push(when);
            entries.remove(&slot);
            schedule.settle(entries.len(), live_in(&entries));
        }
        assert_eq!(order, [5, 30, 40]);
        assert!(entries.is_empty());
    }

    #[test]
    fn stale_elements_stay_within_the_slack() {
        let mut schedule = Schedule::default();
        let mut entries = HashMap::new();
        entries.insert(0, (1_000_000, 0));
        schedule.push((1_000_000, 0, 0));
        // Reset the one entry 10,000 times to ever-earlier deadlines: each leaves a stale
        // element below the live top, where `settle`'s pops do not reach it.
        for seq in 1..=10_000u64 {
            let when = 1_000_000 - seq;
            entries.insert(0, (when, seq));
            schedule.push((when, seq, 0));
            schedule.settle(entries.len(), live_in(&entries));
            assert!(
                schedule.heap.len() <= 2 + SLACK + 1,
                "{}",
                schedule.heap.len()
            );
        }
        assert_eq!(schedule.first(), Some((990_000, 10_000, 0)));
    }
}
