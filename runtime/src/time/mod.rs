//! Utilities for tracking time: [`sleep`], [`timeout`], [`interval`].
//!
//! Semantics follow `tokio::time`: a program ports by replacing `tokio::` with `weft::`.
//!
//! ```
//! use std::time::Duration;
//! use weft::time::{interval, sleep, timeout};
//!
//! #[weft::main]
//! async fn main() {
//!     sleep(Duration::from_millis(10)).await;
//!     assert!(timeout(Duration::from_millis(10), std::future::pending::<()>()).await.is_err());
//!     let mut ticks = interval(Duration::from_millis(5));
//!     ticks.tick().await; // the first tick completes immediately
//!     ticks.tick().await;
//! }
//! ```
//!
//! # How it works, and the invariants
//!
//! Each runtime owns one `TimeDriver` (`driver.rs`): a hierarchical timing wheel over
//! millisecond ticks (`wheel.rs`) behind one mutex, advanced by the worker that parks in the
//! runtime's driver (and by the monitor thread when none does).
//! - **Never early.** A deadline rounds up to the next millisecond tick, "now" rounds down, and a
//!   `Sleep` completes only once its own clock check finds `now >= deadline`.
//! - **Lazy registration.** A `Sleep` touches the wheel only on a poll that finds its deadline
//!   ahead; a sleep that is already due completes without a lock. Re-polling with another waker
//!   swaps the waker (cloning only if `will_wake` says it differs).
//! - **Nothing left behind.** Dropping a `Sleep` (hence a `Timeout` or `Interval`) cancels its
//!   timer in O(1); a timer that already fired leaves a stale key, which the wheel rejects by
//!   generation even once its slot is reused.
//! - **No waker runs under the lock.** Expired wakers are collected in stack batches of 32 and
//!   woken after the lock is released; replaced or cancelled wakers drop after release too. A
//!   waker can therefore re-enter the driver (drop another `Sleep`) without deadlock.
//! - **No wake storm.** A registration wakes the parked driver holder only if it is earlier than
//!   the deadline the holder sleeps until, and then only once until the holder parks again.
//! - **Shutdown.** The driver wakes every timer and refuses new ones; a `Sleep` polled afterwards
//!   panics (tokio's "A Tokio 1.x context was found, but it is being shutdown.").
//!
//! Outside a runtime, [`sleep`], [`sleep_until`], [`timeout`], [`timeout_at`], [`interval`] and
//! [`interval_at`] panic at creation.
//!
//! # The test clock (`test-util`)
//!
//! With the `test-util` feature, as with tokio's: `pause`, `resume` and `advance`, and
//! *auto-advance*: while a current-thread runtime's clock is paused and every task is idle, the
//! clock jumps to the next timer instead of waiting for it. `#[weft::test(start_paused = true)]`
//! and `Builder::start_paused` start a runtime paused. The clock is
//! per runtime: `weft::time::Instant::now()` reads the paused clock inside the runtime, the real
//! one elsewhere (and `std::time::Instant` always reads the real one).

pub(crate) mod clock;
pub(crate) mod driver;
pub mod error;
mod instant;
mod interval;
#[cfg(any(test, feature = "test-util"))]
mod pause;
mod sleep;
mod timeout;
pub(crate) mod wheel;

pub use instant::Instant;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
#[cfg(any(test, feature = "test-util"))]
pub use pause::{advance, pause, resume};
pub(crate) use sleep::ThreadDriver;
pub use sleep::{sleep, sleep_until, Sleep};
/// `std::time::Duration`, re-exported as tokio does, so that `weft::time::Duration` names it.
pub use std::time::Duration;
pub use timeout::{timeout, timeout_at, Timeout};

#[cfg(all(test, loom))]
mod loom_tests;
