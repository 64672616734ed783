//! [`Instant`]: a measurement of the monotonic clock, as weft's timers see it.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

/// A measurement of a monotonically nondecreasing clock; the time type of [`crate::time`].
///
/// A thin newtype over [`std::time::Instant`], with the same API as `tokio::time::Instant`: it
/// converts both ways with [`Instant::from_std`] / [`Instant::into_std`] (and `From`), and
/// subtracting a later instant from an earlier one saturates to zero instead of panicking.
///
/// ```
/// use std::time::Duration;
/// use weft::time::Instant;
///
/// let start = Instant::now();
/// let later = start + Duration::from_millis(10);
/// assert_eq!(later - start, Duration::from_millis(10));
/// assert_eq!(start - later, Duration::ZERO); // saturates
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    std: std::time::Instant,
}

impl Instant {
    /// The current instant.
    ///
    /// With the `test-util` feature, inside a runtime whose clock is paused
    /// (`weft::time::pause`), this is the paused clock's instant, as in tokio;
    /// `std::time::Instant::now()` keeps reading the real clock.
    pub fn now() -> Instant {
        #[cfg(any(test, feature = "test-util"))]
        if super::clock::ANY_PAUSED.load(std::sync::atomic::Ordering::Acquire) {
            let paused = crate::runtime::context::with_scheduler(|handle| {
                handle.map(|handle| handle.time().now())
            });
            if let Some(std) = paused {
                return Instant { std };
            }
        }
        Instant {
            std: std::time::Instant::now(),
        }
    }

    /// Wraps a [`std::time::Instant`].
    pub fn from_std(std: std::time::Instant) -> Instant {
        Instant { std }
    }

    /// The [`std::time::Instant`] inside.
    pub fn into_std(self) -> std::time::Instant {
        self.std
    }

    /// An instant about 30 years from now: the deadline weft's own timers use for a duration
    /// that overflows the clock (as tokio's do), for code that needs the same "never" (tokio
    /// keeps its function of this name private; weft's is public so that its drop-in crates
    /// and programs need not write the constant again).
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::time::Instant;
    ///
    /// let never = Instant::now().checked_add(Duration::MAX).unwrap_or_else(Instant::far_future);
    /// assert!(never > Instant::now() + Duration::from_secs(86_400 * 365 * 29));
    /// ```
    pub fn far_future() -> Instant {
        Instant::now() + Duration::from_secs(86_400 * 365 * 30)
    }

    /// The time elapsed from `earlier` to `self`, or zero if `earlier` is later than `self`.
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.saturating_duration_since(earlier)
    }

    /// The time elapsed from `earlier` to `self`, or `None` if `earlier` is later than `self`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::time::Instant;
    ///
    /// let now = Instant::now();
    /// let later = now + Duration::from_secs(1);
    /// assert_eq!(later.checked_duration_since(now), Some(Duration::from_secs(1)));
    /// assert_eq!(now.checked_duration_since(later), None);
    /// ```
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.std.checked_duration_since(earlier.std)
    }

    /// The time elapsed from `earlier` to `self`, or zero if `earlier` is later than `self`.
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// The time elapsed since this instant (zero if it lies in the future).
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// `self + duration`, or `None` if that overflows the clock.
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_add(duration).map(Instant::from_std)
    }

    /// `self - duration`, or `None` if that underflows the clock.
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_sub(duration).map(Instant::from_std)
    }
}

impl From<std::time::Instant> for Instant {
    fn from(std: std::time::Instant) -> Instant {
        Instant::from_std(std)
    }
}

impl From<Instant> for std::time::Instant {
    fn from(instant: Instant) -> std::time::Instant {
        instant.into_std()
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    /// Panics if the result overflows the clock; see [`Instant::checked_add`].
    fn add(self, rhs: Duration) -> Instant {
        Instant::from_std(self.std + rhs)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    /// Panics if the result underflows the clock; see [`Instant::checked_sub`].
    fn sub(self, rhs: Duration) -> Instant {
        Instant::from_std(self.std - rhs)
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, rhs: Duration) {
        *self = *self - rhs;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    /// The time from `rhs` to `self`, saturating to zero.
    fn sub(self, rhs: Instant) -> Duration {
        self.saturating_duration_since(rhs)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.std.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::Instant;
    use std::time::Duration;

    #[test]
    fn arithmetic_and_conversions() {
        let a = Instant::now();
        let b = a + Duration::from_millis(1500);
        assert_eq!(b - a, Duration::from_millis(1500));
        assert_eq!(a - b, Duration::ZERO);
        assert_eq!(b.duration_since(a), Duration::from_millis(1500));
        assert_eq!(a.duration_since(b), Duration::ZERO);
        assert_eq!(a.checked_duration_since(b), None);
        assert_eq!(b.saturating_duration_since(a), Duration::from_millis(1500));
        assert_eq!(b - Duration::from_millis(1500), a);
        assert_eq!(a.checked_add(Duration::from_millis(1500)), Some(b));
        assert_eq!(b.checked_sub(Duration::from_millis(1500)), Some(a));
        assert_eq!(a.checked_add(Duration::MAX), None);
        let mut c = a;
        c += Duration::from_secs(2);
        c -= Duration::from_secs(1);
        assert_eq!(c, a + Duration::from_secs(1));
        assert!(a < b);
        assert_eq!(Instant::from_std(a.into_std()), a);
        let std: std::time::Instant = a.into();
        assert_eq!(Instant::from(std), a);
        assert_eq!(format!("{a:?}"), format!("{:?}", a.into_std()));
        assert!(Instant::far_future() > b);
        assert!(b.elapsed() <= Duration::from_millis(1500));
    }
}
