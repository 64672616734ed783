//! hyper-util's `rt`, with [`TokioExecutor`] and [`TokioTimer`] on weft (a local item wins
//! over the glob import of hyper-util's).

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

// With no feature on, hyper-util's `rt` exports nothing, and the glob is unused.
#[allow(unused_imports)]
pub use hyper_util::rt::*;

/// hyper-util's `rt::tokio`, with this module's executor and timer.
#[cfg(feature = "tokio")]
pub mod tokio {
    pub use super::{TokioExecutor, TokioTimer};
    pub use hyper_util::rt::tokio::*;
}

/// A [`hyper::rt::Executor`] that spawns on the current weft runtime: hyper-util's
/// `TokioExecutor`, for weft (it spawns with `weft::spawn`, so call it from a weft task or
/// inside a weft runtime's context; elsewhere it panics as `weft::spawn` does).
#[non_exhaustive]
#[derive(Default, Debug, Clone)]
pub struct TokioExecutor {}

impl TokioExecutor {
    /// An executor on the runtime current where each future is spawned.
    pub fn new() -> Self {
        TokioExecutor {}
    }
}

impl<F> hyper::rt::Executor<F> for TokioExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        weft::hyper::WeftExecutor::new().execute(future);
    }
}

/// A [`hyper::rt::Timer`] on weft's timers: hyper-util's `TokioTimer`, for weft.
#[non_exhaustive]
#[derive(Default, Debug, Clone, Copy)]
pub struct TokioTimer;

impl TokioTimer {
    /// A timer on the runtime current where each sleep is made.
    pub fn new() -> Self {
        TokioTimer
    }
}

impl hyper::rt::Timer for TokioTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        weft::hyper::WeftTimer::new().sleep(duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        weft::hyper::WeftTimer::new().sleep_until(deadline)
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn hyper::rt::Sleep>>, new_deadline: Instant) {
        weft::hyper::WeftTimer::new().reset(sleep, new_deadline);
    }
}
