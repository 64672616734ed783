//! [`Interval`], [`interval`], [`interval_at`] and [`MissedTickBehavior`].

use super::sleep::Sleep;
use super::Instant;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// An [`Interval`] that ticks every `period`, the first tick completing immediately.
///
/// Ticks that fall behind are caught up according to [`MissedTickBehavior::Burst`] (the
/// default); see [`Interval::set_missed_tick_behavior`].
///
/// # Panics
///
/// If `period` is zero, and outside a weft runtime.
///
/// ```
/// use std::time::Duration;
/// use weft::time::{interval, Instant};
///
/// #[weft::main]
/// async fn main() {
///     let start = Instant::now();
///     let mut ticks = interval(Duration::from_millis(10));
///     ticks.tick().await; // immediately
///     ticks.tick().await; // 10 ms
///     ticks.tick().await; // 20 ms
///     assert!(start.elapsed() >= Duration::from_millis(20));
/// }
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero.");
    Interval::new(Sleep::new(Instant::now()), period)
}

/// An [`Interval`] whose first tick completes at `start`, then every `period`.
///
/// # Panics
///
/// If `period` is zero, and outside a weft runtime.
///
/// ```
/// use std::time::Duration;
/// use weft::time::{interval_at, Instant};
///
/// #[weft::main]
/// async fn main() {
///     let start = Instant::now() + Duration::from_millis(20);
///     let mut ticks = interval_at(start, Duration::from_millis(10));
///     assert_eq!(ticks.tick().await, start);
///     assert_eq!(ticks.tick().await, start + Duration::from_millis(10));
/// }
/// ```
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero.");
    Interval::new(Sleep::new(start), period)
}

/// What an [`Interval`] does when ticks were missed (the task was busy past one or more tick
/// times; more than 5 ms late counts as missed).
///
/// With a period of 10 ms, a first tick at 0 ms and the task busy from 5 ms to 35 ms:
///
/// | behavior | ticks completed at (ms) |
/// |----------|-------------------------|
/// | `Burst`  | 0, 35, 35, 35, 40, 50 ... (yields `10, 20, 30`, then on schedule) |
/// | `Delay`  | 0, 35, 45, 55 ... |
/// | `Skip`   | 0, 35, 40, 50 ... |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks as fast as possible, then resume the original schedule.
    #[default]
    Burst,
    /// Fire one tick now, then one every `period` from now: the schedule shifts.
    Delay,
    /// Fire one tick now, then resume on the original schedule's next multiple of `period`.
    Skip,
}

impl MissedTickBehavior {
    /// The next deadline after a tick scheduled at `timeout` completed late, at `now`.
    fn next_timeout(self, timeout: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => later(timeout, period),
            MissedTickBehavior::Delay => later(now, period),
            MissedTickBehavior::Skip => {
                let behind = (now - timeout).as_nanos() % period.as_nanos();
                let behind = u64::try_from(behind)
                    .expect("too much time has elapsed since the interval was supposed to tick");
                later(now, period - Duration::from_nanos(behind))
            }
        }
    }
}

/// `at + after`, or a deadline about 30 years away if that overflows the clock (a period or
/// a reset of `Duration::MAX` means "never", as in tokio, rather than a panic).
fn later(at: Instant, after: Duration) -> Instant {
    at.checked_add(after).unwrap_or_else(Instant::far_future)
}

/// A stream of ticks, one every `period`; made by [`interval`] and [`interval_at`].
///
/// `Interval` is `Unpin`.
#[derive(Debug)]
pub struct Interval {
    /// Completes at the next tick's scheduled time.
    delay: Sleep,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    fn new(delay: Sleep, period: Duration) -> Interval {
        Interval {
            delay,
            period,
            missed_tick_behavior: MissedTickBehavior::default(),
        }
    }

    /// Waits for the next tick and returns the instant it was scheduled for; the first tick
    /// completes immediately (at `start` for [`interval_at`]). Cancel safe.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick: `Ready(scheduled instant)` once it is due; `Pending` registers
    /// `cx`'s waker, replacing the one of the previous call.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if Pin::new(&mut self.delay).poll(cx).is_pending() {
            return Poll::Pending;
        }
        let timeout = self.delay.deadline();
        let now = self.delay.now();
        let next = if now > later(timeout, Duration::from_millis(5)) {
            self.missed_tick_behavior
                .next_timeout(timeout, now, self.period)
        } else {
            later(timeout, self.period)
        };
        // The delay completed, so its timer is gone: this only records the next deadline, which
        // the next poll registers.
        Pin::new(&mut self.delay).reset(next);
        Poll::Ready(timeout)
    }

    /// Restarts the schedule: the next tick completes one `period` from now.
    pub fn reset(&mut self) {
        let next = later(self.delay.now(), self.period);
        Pin::new(&mut self.delay).reset(next);
    }

    /// Restarts the schedule: the next tick completes immediately.
    pub fn reset_immediately(&mut self) {
        let now = self.delay.now();
        Pin::new(&mut self.delay).reset(now);
    }

    /// Restarts the schedule: the next tick completes `after` from now.
    pub fn reset_after(&mut self, after: Duration) {
        let next = later(self.delay.now(), after);
        Pin::new(&mut self.delay).reset(next);
    }

    /// Restarts the schedule: the next tick completes at `deadline`.
    pub fn reset_at(&mut self, deadline: Instant) {
        Pin::new(&mut self.delay).reset(deadline);
    }

    /// The behavior for missed ticks.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets the behavior for missed ticks.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }

    /// The period between ticks.
    pub fn period(&self) -> Duration {
        self.period
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::{Interval, MissedTickBehavior};
    use crate::loom::Arc;
    use crate::test_util::counting_waker;
    use crate::time::driver::TimeDriver;
    use crate::time::sleep::Sleep;
    use crate::time::Instant;
    use std::task::{Context, Poll};
    use std::time::Duration;

    const MS: Duration = Duration::from_millis(1);

    fn setup(behavior: MissedTickBehavior) -> (Arc<TimeDriver>, Interval, Instant) {
        let driver = Arc::new(TimeDriver::new_manual(Box::new(|| {})));
        let start = Instant::from_std(driver.now());
        let mut interval = Interval::new(Sleep::with_driver(start, driver.clone()), 10 * MS);
        interval.set_missed_tick_behavior(behavior);
        (driver, interval, start)
    }

    fn poll(interval: &mut Interval) -> Poll<Instant> {
        let (waker, _) = counting_waker();
        interval.poll_tick(&mut Context::from_waker(&waker))
    }

    /// Ticks: first immediately, then on schedule; then the task is busy 35 ms and the missed
    /// ticks follow `behavior`. Returns the tick instants as offsets from start (ms).
    fn run(behavior: MissedTickBehavior) -> Vec<u128> {
        let (driver, mut interval, start) = setup(behavior);
        let offset = |at: Instant| (at - start).as_millis();
        let mut ticks = Vec::new();
        let Poll::Ready(first) = poll(&mut interval) else {
            panic!("first tick is immediate")
        };
        ticks.push(offset(first));
        assert!(poll(&mut interval).is_pending());
        driver.advance(35 * MS);
        // Drain what is due now.
        while let Poll::Ready(at) = poll(&mut interval) {
            ticks.push(offset(at));
        }
        // Then three more ticks on whatever schedule results.
        for _ in 0..3 {
            let deadline = interval.delay.deadline();
            driver.advance(deadline.into_std().saturating_duration_since(driver.now()));
            let Poll::Ready(at) = poll(&mut interval) else {
                panic!("due tick not ready")
            };
            ticks.push(offset(at));
        }
        ticks
    }

    #[test]
    fn missed_tick_behaviors() {
        let burst = run(MissedTickBehavior::Burst);
        assert_eq!(burst[..4], [0, 10, 20, 30]);
        assert_eq!(burst[4..], [40, 50, 60]);
        let delay = run(MissedTickBehavior::Delay);
        assert_eq!(delay[..2], [0, 10]);
        assert_eq!(delay[2..], [45, 55, 65]);
        let skip = run(MissedTickBehavior::Skip);
        assert_eq!(skip, [0, 10, 40, 50, 60]);
    }

    #[test]
    fn period_reset_and_panics() {
        let (driver, mut interval, start) = setup(MissedTickBehavior::default());
        assert_eq!(interval.period(), 10 * MS);
        assert_eq!(interval.missed_tick_behavior(), MissedTickBehavior::Burst);
        assert_eq!(poll(&mut interval), Poll::Ready(start));
        interval.reset_after(100 * MS);
        assert!(poll(&mut interval).is_pending());
        driver.advance(99 * MS);
        assert!(poll(&mut interval).is_pending());
        interval.reset_immediately();
        assert!(poll(&mut interval).is_ready());
        interval.reset();
        assert!(poll(&mut interval).is_pending());
        let at = start + 500 * MS;
        interval.reset_at(at);
        driver.advance(500 * MS);
        assert_eq!(poll(&mut interval), Poll::Ready(at));
        drop(interval);
        assert_eq!(driver.pending(), 0);
    }

    #[test]
    fn a_max_period_or_reset_means_never_rather_than_a_panic() {
        let driver = Arc::new(TimeDriver::new_manual(Box::new(|| {})));
        let start = Instant::from_std(driver.now());
        let mut interval = Interval::new(Sleep::with_driver(start, driver.clone()), Duration::MAX);
        assert_eq!(poll(&mut interval), Poll::Ready(start));
        interval.reset();
        interval.reset_after(Duration::MAX);
        assert!(poll(&mut interval).is_pending());
        assert!(interval.delay.deadline() > start + Duration::from_secs(86_400 * 365 * 29));
        driver.advance(Duration::from_secs(86_400 * 365));
        assert!(
            poll(&mut interval).is_pending(),
            "a year later: still not due"
        );
        drop(interval);
        assert_eq!(driver.pending(), 0);
    }

    #[test]
    #[should_panic(expected = "`period` must be non-zero.")]
    fn zero_period_panics() {
        let _ = super::interval(Duration::ZERO);
    }

    #[test]
    #[should_panic(expected = "no weft runtime is running")]
    fn interval_outside_runtime_panics() {
        let _ = super::interval(MS);
    }
}
