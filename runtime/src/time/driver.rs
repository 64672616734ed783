//! SCAFFOLD: the time driver's interface, as the runtime uses it.
//!
//! The runtime creates one `TimeDriver` per runtime (`TimeDriver::new(wake_driver)`), keeps it
//! in an `Arc`, and:
//! - before a worker blocks as the driver holder, calls `before_park()` to learn how long it may
//!   sleep (`None`: no timer is pending, sleep until woken);
//! - after it wakes, calls `after_park()`, which fires every expired timer (waking their tasks);
//! - from the monitor thread, calls `process()` to fire expired timers without parking when no
//!   worker sits in the driver;
//! - on shutdown, calls `shutdown()`.
//! A registration whose deadline is earlier than the one the driver holder sleeps until calls
//! `wake_driver`, so the holder recomputes its timeout.
use std::time::{Duration, Instant};

/// One runtime's timers.
pub(crate) struct TimeDriver {
    _wake_driver: Box<dyn Fn() + Send + Sync>,
}

impl std::fmt::Debug for TimeDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimeDriver").finish()
    }
}

#[allow(dead_code)]
impl TimeDriver {
    pub(crate) fn new(wake_driver: Box<dyn Fn() + Send + Sync>) -> TimeDriver {
        TimeDriver {
            _wake_driver: wake_driver,
        }
    }
    /// How long the driver holder may sleep; records that deadline.
    pub(crate) fn before_park(&self) -> Option<Duration> {
        todo!()
    }
    /// Clears the recorded deadline and fires expired timers; the number fired.
    pub(crate) fn after_park(&self) -> usize {
        todo!()
    }
    /// Fires expired timers without parking; the number fired.
    pub(crate) fn process(&self) -> usize {
        todo!()
    }
    /// The nearest pending deadline.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        todo!()
    }
    /// Wakes every pending timer; later polls of a sleep panic with a clear message.
    pub(crate) fn shutdown(&self) {
        todo!()
    }
}
