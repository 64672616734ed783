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

/// `duration` from now; past what `Instant` can hold, as good as never (weft's timers' own
/// "never", `Instant::far_future`), as `weft::time::sleep` does for a duration.
#[cfg(feature = "time")]
fn after(duration: std::time::Duration) -> weft::time::Instant {
    use weft::time::Instant;
    Instant::now()
        .checked_add(duration)
        .unwrap_or_else(Instant::far_future)
}
