//! The streams that [`StreamExt`](crate::StreamExt)'s combinators return: tokio-stream's own,
//! and with `time`, the four timer adapters written for weft's timer.

pub use tokio_stream::adapters::{
    Chain, Filter, FilterMap, Fuse, Map, MapWhile, Merge, Peekable, Skip, SkipWhile, Take,
    TakeWhile, Then,
};

#[cfg(feature = "time")]
mod chunks_timeout;
#[cfg(feature = "time")]
mod throttle;
#[cfg(feature = "time")]
mod timeout;
#[cfg(feature = "time")]
mod timeout_repeating;

#[cfg(feature = "time")]
pub use chunks_timeout::ChunksTimeout;
#[cfg(feature = "time")]
pub use throttle::Throttle;
#[cfg(feature = "time")]
pub use timeout::{Elapsed, Timeout};
#[cfg(feature = "time")]
pub use timeout_repeating::TimeoutRepeating;

/// `duration` from now; a deadline past what `Instant` can hold is as good as never.
#[cfg(feature = "time")]
fn after(duration: std::time::Duration) -> weft::time::Instant {
    let now = weft::time::Instant::now();
    now.checked_add(duration)
        .unwrap_or_else(|| now + std::time::Duration::from_secs(86_400 * 365 * 30))
}
