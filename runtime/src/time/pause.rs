//! The `test-util` clock's public face: [`pause`], [`resume`], [`advance`].
//!
//! The clock itself is `clock.rs`; auto-advance happens where the current-thread scheduler
//! parks (`scheduler/current_thread.rs`).

use super::clock::Clock;
use std::time::Duration;

const NO_RUNTIME: &str = "time cannot be frozen from outside the weft runtime: call it from a \
                          task, #[weft::test], Runtime::block_on or inside Runtime::enter";

/// Runs `f` on the current runtime's clock and panics with its error.
#[track_caller]
fn with_clock<R>(f: impl FnOnce(&Clock) -> Result<R, &'static str>) -> R {
    let result = crate::runtime::context::with_scheduler(|handle| match handle {
        Some(handle) => f(handle.time().clock()),
        None => Err(NO_RUNTIME),
    });
    match result {
        Ok(output) => output,
        Err(message) => panic!("{message}"),
    }
}

/// Pauses time: [`Instant::now()`](crate::time::Instant::now) stops, and moves only by
/// [`advance`] or by *auto-advance*.
///
/// **Auto-advance.** While time is paused and the runtime has nothing to run, the clock
/// jumps to the next pending timer instead of waiting for it: `sleep(Duration::from_secs(3600))`
/// completes at once, and timers still fire in deadline order, each at its own instant. A
/// [`spawn_blocking`](crate::task::spawn_blocking) job in flight holds auto-advance off (the
/// runtime is then only waiting for that job); I/O does not, so wrap I/O that the test waits
/// for in `spawn_blocking`, as with tokio.
///
/// Only `weft::time`'s clock is paused; `std::time::Instant` runs on. Pausing stops the clock
/// on a whole millisecond of the runtime's timer grid (a step forward of under 1 ms), so that
/// a whole-millisecond sleep ends exactly at its deadline. (A sub-millisecond
/// [`advance`] moves the clock off that grid; timers still fire on it, up to 1 ms after
/// their deadline, as timers always have millisecond resolution.)
///
/// Requires the `test-util` feature.
///
/// # Panics
/// If time is already paused, outside a runtime, or on a multi-thread runtime: pausing needs
/// the current-thread runtime, the default of `#[weft::test]` (as in tokio).
///
/// ```
/// use std::time::Duration;
/// use weft::time::{self, Instant};
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     time::pause();
///     let start = Instant::now();
///     time::sleep(Duration::from_secs(3600)).await; // auto-advance: no real wait
///     assert_eq!(start.elapsed(), Duration::from_secs(3600));
/// }
/// ```
#[track_caller]
pub fn pause() {
    with_clock(Clock::pause);
}

/// Resumes time: the clock runs again, from the instant it was paused at (plus what
/// [`advance`] added), so it never goes backwards.
///
/// Requires the `test-util` feature.
///
/// # Panics
/// If time is not paused, or outside a runtime.
///
/// ```
/// use std::time::Duration;
/// use weft::time::{self, Instant};
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     time::pause();
///     let paused_at = Instant::now();
///     time::advance(Duration::from_secs(10)).await;
///     time::resume();
///     assert!(Instant::now() >= paused_at + Duration::from_secs(10));
/// }
/// ```
#[track_caller]
pub fn resume() {
    with_clock(Clock::resume);
}

/// Moves the paused clock forward by `duration` in one jump, fires every timer that is due
/// by then, and yields once so that their tasks run before the caller goes on.
///
/// The timers are woken here, so a `Sleep` that `advance` passed is ready at its next poll.
/// They all complete "at the same time", in no particular order; to see each fire in turn,
/// `sleep` instead and let auto-advance step through them.
///
/// Requires the `test-util` feature.
///
/// # Panics
/// If time is not paused, outside a runtime, or if `duration` overflows the clock.
///
/// ```
/// use std::time::Duration;
/// use weft::time::{self, Instant};
///
/// #[weft::main(flavor = "current_thread", start_paused = true)]
/// async fn main() {
///     let start = Instant::now();
///     let task = weft::spawn(time::sleep(Duration::from_millis(50)));
///     time::advance(Duration::from_millis(50)).await;
///     assert!(task.is_finished());
///     assert_eq!(start.elapsed(), Duration::from_millis(50));
/// }
/// ```
pub async fn advance(duration: Duration) {
    with_clock(|clock| clock.advance(duration));
    if let Some(driver) = crate::runtime::context::time_driver() {
        driver.process();
    }
    crate::task::yield_now().await;
}

#[cfg(all(test, not(loom)))]
mod tests;
