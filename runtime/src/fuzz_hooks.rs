//! Hooks for the cargo-fuzz targets in `fuzz/`, compiled only with `--cfg fuzzing` (which
//! `cargo fuzz` passes): not part of the API. The timer wheel is crate-private; its fuzz target
//! drives it through [`TimerWheel`], a thin wrapper that hands out plain values.

use crate::time::wheel::{Expired, Key, Wheel};
use std::task::Waker;

/// A timer of a [`TimerWheel`]; stale once it fired or was cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerKey(Key);

/// The runtime's timer wheel over `u64` millisecond ticks.
#[derive(Debug)]
pub struct TimerWheel {
    wheel: Wheel,
    expired: Expired,
}

impl Default for TimerWheel {
    fn default() -> TimerWheel {
        TimerWheel {
            wheel: Wheel::new(),
            expired: Expired::new(),
        }
    }
}

impl TimerWheel {
    /// Registers a timer that fires once time reaches `deadline`.
    pub fn insert(&mut self, deadline: u64, waker: Waker) -> TimerKey {
        TimerKey(self.wheel.insert(deadline, waker))
    }

    /// Removes a pending timer; `false` if the key is stale.
    pub fn cancel(&mut self, key: TimerKey) -> bool {
        self.wheel.cancel(key.0).is_some()
    }

    /// Moves a pending timer to `deadline`; `false` if the key is stale.
    pub fn reset(&mut self, key: TimerKey, deadline: u64) -> bool {
        self.wheel.reset(key.0, deadline)
    }

    /// A pending timer's deadline; `None` if the key is stale.
    pub fn deadline(&self, key: TimerKey) -> Option<u64> {
        self.wheel.state(key.0)
    }

    /// The wheel's hint for the next tick worth advancing to.
    pub fn next_expiration(&self) -> Option<u64> {
        self.wheel.next_expiration()
    }

    /// The last tick processed.
    pub fn elapsed(&self) -> u64 {
        self.wheel.elapsed()
    }

    /// The number of pending timers.
    pub fn len(&self) -> usize {
        self.wheel.len()
    }

    /// Whether no timer is pending.
    pub fn is_empty(&self) -> bool {
        self.wheel.len() == 0
    }

    /// Advances to `now`, batch after batch, and returns every timer that fired with its waker.
    pub fn advance(&mut self, now: u64) -> Vec<(TimerKey, Waker)> {
        let mut fired = Vec::new();
        loop {
            let more = self.wheel.poll_expired(now, &mut self.expired);
            fired.extend(
                self.expired
                    .drain()
                    .map(|(key, waker)| (TimerKey(key), waker)),
            );
            if !more {
                return fired;
            }
        }
    }

    /// Panics if an invariant of the wheel's module documentation does not hold.
    pub fn check_invariants(&self) {
        self.wheel.check_invariants();
    }
}
