//! Timers: [`DelayQueue`], and [`FutureExt`]'s `timeout` and `timeout_at`, on weft's timer.
//!
//! tokio-util's `time` module, written for weft: its deadlines are weft's [`Instant`]s (so
//! `insert_at(item, tokio::time::Instant::now() + ..)` compiles after the rename), weft's
//! paused test clock drives them, and they need no tokio runtime.
//!
//! [`Instant`]: weft::time::Instant

pub mod delay_queue;
mod schedule;

#[doc(inline)]
pub use crate::future::FutureExt;
#[doc(inline)]
pub use delay_queue::DelayQueue;

use std::time::Duration;

/// `duration` in whole milliseconds, rounded up (saturating).
fn ms_ceil(duration: Duration) -> u64 {
    let millis = duration.as_nanos().div_ceil(1_000_000);
    u64::try_from(millis).unwrap_or(u64::MAX)
}

/// `duration` in whole milliseconds, rounded down (saturating).
fn ms_floor(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::{ms_ceil, ms_floor};
    use std::time::Duration;

    #[test]
    fn milliseconds_round_up_and_saturate() {
        assert_eq!(ms_ceil(Duration::ZERO), 0);
        assert_eq!(ms_ceil(Duration::from_nanos(1)), 1);
        assert_eq!(ms_ceil(Duration::from_millis(5)), 5);
        assert_eq!(ms_ceil(Duration::from_micros(5_001)), 6);
        assert_eq!(ms_ceil(Duration::MAX), u64::MAX);
    }

    #[test]
    fn milliseconds_round_down_and_saturate() {
        assert_eq!(ms_floor(Duration::from_micros(5_999)), 5);
        assert_eq!(ms_floor(Duration::from_millis(5)), 5);
        assert_eq!(ms_floor(Duration::MAX), u64::MAX);
    }
}
