//! The time driver: one runtime's timers, a [`Wheel`] behind a mutex, driven by the runtime's
//! park loop.
//!
//! The runtime creates one `TimeDriver` per runtime (`TimeDriver::new(wake_driver)`), keeps it
//! in an `Arc`, and:
//! - before a worker blocks as the driver holder, calls `before_park()` to learn how long it may
//!   sleep (`None`: no timer is pending, sleep until woken); the driver records that deadline;
//! - after it wakes, calls `after_park()`, which clears the recorded deadline and fires every
//!   expired timer (waking their tasks);
//! - from the monitor thread, calls `process()` to fire expired timers without parking when no
//!   worker sits in the driver;
//! - on shutdown, calls `shutdown()`.
//!
//! Invariants:
//! - Ticks are whole milliseconds since `start`. A deadline rounds *up* to a tick and "now"
//!   rounds *down*, so a timer fires only once `now >= deadline`.
//! - Wakers are never woken nor dropped while the wheel's lock is held: expired ones are
//!   collected in a stack batch of [`BATCH`](super::wheel::BATCH), the lock released, the batch
//!   woken, and so on. A waker may re-enter the driver (drop another `Sleep`) without deadlock.
//! - `wake_driver` is called (outside the lock) only when a registration's tick is earlier than
//!   the one the parked holder sleeps until; the recorded deadline is then cleared, so a burst of
//!   registrations wakes the holder once. `wake_driver` must be sticky (a wake that comes before
//!   the holder actually blocks must still end its next block), as `Poller::notify` and parkers
//!   are.
//! - After `shutdown`, nothing can register: every timer was woken, and a `Sleep` that polls
//!   again panics.

use super::clock::Clock;
use super::wheel::{Expired, Key, WakerUpdate, Wheel};
use crate::loom::{lock, AtomicBool, Mutex, Ordering};
use std::fmt;
use std::task::Waker;
use std::time::{Duration, Instant};

/// Ticks are clamped to this (about 35,000 years): deadlines past it fire at it, and the `Sleep`
/// that sees its deadline still ahead registers again, so nothing completes early.
const MAX_TICK: u64 = 1 << 50;

/// The runtime that owned a timer has shut down.
#[derive(Debug)]
pub(super) struct Shutdown;

/// One runtime's timers.
pub(crate) struct TimeDriver {
    /// Tick 0.
    start: Instant,
    state: Mutex<State>,
    /// Mirrors `State::shutdown`, so a poll can check it without the lock.
    is_shutdown: AtomicBool,
    wake_driver: Box<dyn Fn() + Send + Sync>,
    /// The real clock, or with `test-util` one that can pause (see `clock.rs`). The time
    /// module's own tests use a paused one (`new_manual`).
    clock: Clock,
}

struct State {
    wheel: Wheel,
    /// The tick the parked driver holder sleeps until (`u64::MAX`: with no timeout); `None`
    /// while no holder is parked (or it was already woken).
    parked_until: Option<u64>,
    shutdown: bool,
}

impl State {
    /// Whether registering a timer at `tick` must wake the parked holder; clears the recorded
    /// deadline if so (the holder recomputes it in `before_park`).
    fn must_wake_holder(&mut self, tick: u64) -> bool {
        match self.parked_until {
            Some(until) if tick < until => {
                self.parked_until = None;
                true
            }
            _ => false,
        }
    }
}

impl fmt::Debug for TimeDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeDriver")
            .field("start", &self.start)
            .field("is_shutdown", &self.is_shutdown())
            .finish_non_exhaustive()
    }
}

impl TimeDriver {
    /// A driver on the real clock whose tick 0 is now; `wake_driver` interrupts the parked
    /// driver holder.
    pub(crate) fn new(wake_driver: Box<dyn Fn() + Send + Sync>) -> TimeDriver {
        TimeDriver::with_clock(wake_driver, Clock::new(false, false))
    }

    /// A driver on `clock`, whose tick 0 is the clock's origin.
    pub(crate) fn with_clock(wake_driver: Box<dyn Fn() + Send + Sync>, clock: Clock) -> TimeDriver {
        TimeDriver {
            start: clock.origin(),
            state: Mutex::new(State {
                wheel: Wheel::new(),
                parked_until: None,
                shutdown: false,
            }),
            is_shutdown: AtomicBool::new(false),
            wake_driver,
            clock,
        }
    }

    /// The driver's clock.
    #[cfg(any(test, feature = "test-util"))]
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Interrupts the parked driver holder (sticky: a holder about to park returns at once).
    #[cfg(any(test, feature = "test-util"))]
    pub(crate) fn unpark(&self) {
        (self.wake_driver)();
    }

    /// How long the driver holder may sleep (`None`: no timer pending), rounded up to whole
    /// milliseconds; records that deadline, so that an earlier registration calls `wake_driver`.
    pub(crate) fn before_park(&self) -> Option<Duration> {
        let next = {
            let mut state = lock(&self.state);
            let next = state.wheel.next_expiration();
            state.parked_until = Some(next.unwrap_or(u64::MAX));
            next
        };
        let now = self.now();
        next.map(|tick| {
            let wait = self.tick_instant(tick).saturating_duration_since(now);
            let millis = wait.as_nanos().div_ceil(1_000_000);
            Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX))
        })
    }

    /// Clears the recorded park deadline and fires every expired timer; the number fired.
    pub(crate) fn after_park(&self) -> usize {
        self.fire(self.now_tick(), true)
    }

    /// Fires every expired timer without parking; the number fired.
    pub(crate) fn process(&self) -> usize {
        self.fire(self.now_tick(), false)
    }

    /// No pending timer fires before this instant; it is the earliest deadline itself unless
    /// that deadline shares a wheel slot with more than 64 timers or is over 12 days away (then
    /// a slot boundary before it, where the wheel cascades; see `Wheel::next_expiration`).
    /// (The schedulers read it through `before_park`; the driver's tests read it directly.)
    #[cfg_attr(any(not(test), loom), allow(dead_code))]
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let next = lock(&self.state).wheel.next_expiration();
        next.map(|tick| self.tick_instant(tick))
    }

    /// Wakes every pending timer and refuses new ones; a `Sleep` polled afterwards panics.
    pub(crate) fn shutdown(&self) {
        self.is_shutdown.store(true, Ordering::Release);
        let mut out = Expired::new();
        loop {
            let more = {
                let mut state = lock(&self.state);
                state.shutdown = true;
                state.parked_until = None;
                state.wheel.drain(&mut out)
            };
            out.wake_all();
            if !more {
                break;
            }
        }
    }

    /// Whether `shutdown` was called.
    pub(super) fn is_shutdown(&self) -> bool {
        self.is_shutdown.load(Ordering::Acquire)
    }

    /// The driver's clock: the real one, or (with `test-util`) one that may be paused. For a
    /// `new_manual` driver in unit tests it starts at `start` and moves only with `advance`
    /// (deterministic, under miri too).
    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    /// The tick of a deadline, rounded up: the timer fires at a tick whose start is not before
    /// `deadline`.
    pub(super) fn deadline_tick(&self, deadline: Instant) -> u64 {
        let since = deadline.saturating_duration_since(self.start);
        let millis = since.as_nanos().div_ceil(1_000_000);
        u64::try_from(millis).unwrap_or(u64::MAX).min(MAX_TICK)
    }

    /// The current tick, rounded down.
    fn now_tick(&self) -> u64 {
        let since = self.now().saturating_duration_since(self.start);
        u64::try_from(since.as_millis())
            .unwrap_or(u64::MAX)
            .min(MAX_TICK)
    }

    fn tick_instant(&self, tick: u64) -> Instant {
        self.start + Duration::from_millis(tick)
    }

    /// Registers a timer at `tick`; wakes the parked holder if it sleeps past it.
    pub(super) fn register(&self, tick: u64, waker: &Waker) -> Result<Key, Shutdown> {
        let waker = waker.clone();
        let (key, wake) = {
            let mut state = lock(&self.state);
            if state.shutdown {
                return Err(Shutdown);
            }
            let key = state.wheel.insert(tick, waker);
            (key, state.must_wake_holder(tick))
        };
        if wake {
            (self.wake_driver)();
        }
        Ok(key)
    }

    /// Points a pending timer at `waker`; `Ok(false)` if it is no longer pending (it fired).
    pub(super) fn update_waker(&self, key: Key, waker: &Waker) -> Result<bool, Shutdown> {
        let update = {
            let mut state = lock(&self.state);
            if state.shutdown {
                return Err(Shutdown);
            }
            state.wheel.update_waker(key, waker)
        };
        match update {
            WakerUpdate::Unchanged => Ok(true),
            WakerUpdate::Replaced(old) => {
                // Outside the lock: dropping a waker may run arbitrary code.
                drop(old);
                Ok(true)
            }
            WakerUpdate::Gone => Ok(false),
        }
    }

    /// Moves a pending timer to `tick`, keeping its waker; `false` if it is no longer pending.
    pub(super) fn reset(&self, key: Key, tick: u64) -> bool {
        let (pending, wake) = {
            let mut state = lock(&self.state);
            let pending = state.wheel.reset(key, tick);
            (pending, pending && state.must_wake_holder(tick))
        };
        if wake {
            (self.wake_driver)();
        }
        pending
    }

    /// Removes a timer; a no-op if it already fired.
    pub(super) fn cancel(&self, key: Key) {
        let waker = lock(&self.state).wheel.cancel(key);
        // The guard is gone: the waker drops outside the lock.
        drop(waker);
    }

    /// Whether the timer is still pending (not fired, not cancelled).
    pub(super) fn is_pending(&self, key: Key) -> bool {
        lock(&self.state).wheel.state(key).is_some()
    }

    /// Advances the wheel to `tick` and wakes what expired, a batch at a time.
    fn fire(&self, tick: u64, clear_park: bool) -> usize {
        let mut out = Expired::new();
        let mut fired = 0;
        loop {
            let more = {
                let mut state = lock(&self.state);
                if clear_park {
                    state.parked_until = None;
                }
                state.wheel.poll_expired(tick, &mut out)
            };
            fired += out.wake_all();
            if !more {
                return fired;
            }
        }
    }
}

#[cfg(any(test, feature = "test-util"))]
impl TimeDriver {
    /// With the clock paused and nothing inhibiting auto-advance: how far the clock must jump
    /// to reach the next expiration of the wheel (zero if one is due already); `None` when the
    /// clock runs, a blocking job is in flight, or no timer is pending.
    pub(crate) fn auto_advance_jump(&self) -> Option<Duration> {
        if !self.clock.can_auto_advance() {
            return None;
        }
        let next = lock(&self.state).wheel.next_expiration()?;
        Some(
            self.tick_instant(next)
                .saturating_duration_since(self.now()),
        )
    }

    /// Moves the paused clock forward by `by` (see `auto_advance_jump`).
    ///
    /// # Panics
    /// If the clock is not paused.
    pub(crate) fn advance_clock(&self, by: Duration) {
        if let Err(message) = self.clock.advance(by) {
            panic!("{message}");
        }
    }
}

#[cfg(test)]
#[cfg_attr(loom, allow(dead_code))]
impl TimeDriver {
    /// A driver on a paused clock that moves only with `advance`.
    pub(crate) fn new_manual(wake_driver: Box<dyn Fn() + Send + Sync>) -> TimeDriver {
        TimeDriver::with_clock(wake_driver, Clock::new(true, true))
    }

    /// Moves a manual driver's clock forward.
    ///
    /// # Panics
    /// On a driver with the real clock.
    pub(crate) fn advance(&self, by: Duration) {
        self.advance_clock(by);
    }

    /// Fires the timers due at `tick` (loom has no clock: models drive ticks explicitly).
    pub(crate) fn process_at_tick(&self, tick: u64) -> usize {
        self.fire(tick, false)
    }

    /// Fires the timers due at `now`.
    pub(crate) fn process_at(&self, now: Instant) -> usize {
        let since = now.saturating_duration_since(self.start);
        self.fire(
            u64::try_from(since.as_millis())
                .unwrap_or(MAX_TICK)
                .min(MAX_TICK),
            false,
        )
    }

    /// The number of pending timers.
    pub(crate) fn pending(&self) -> usize {
        lock(&self.state).wheel.len()
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
