//! The one seam between the shapes and the two runtimes under test (and, in [`BenchSync`],
//! their sync primitives).
//!
//! Every shape is generic over [`BenchRuntime`]; [`WeftRt`] and [`TokioRt`] map its handful of
//! operations one-to-one onto the runtimes' own APIs (no extra boxing, no extra synchronisation),
//! so that after monomorphisation a shape runs exactly the code a hand-written tokio (or weft)
//! benchmark would run. The two implementations are one macro body instantiated with each
//! crate's path (`bench_runtime!`, and likewise `impl_bench_sync!` and `bench_net!`): where the
//! two APIs are the same, the code is written once.

use std::fmt::Debug;
use std::future::Future;

mod serve;
mod sync;

pub use serve::{BenchServe, Started, ECHO_BUFFER};
pub use sync::{BenchSync, OneshotChannel, StandinOneshot, TokioOneshot, WeftOneshot};

/// Worker threads used when `WEFT_BENCH_WORKERS` is not set: 4, like tokio's own bench.
pub const DEFAULT_WORKERS: usize = 4;

/// The environment variable that overrides the worker count of both runtimes.
pub const WORKERS_ENV: &str = "WEFT_BENCH_WORKERS";

/// The worker count to give both runtimes: `WEFT_BENCH_WORKERS` if set, else
/// [`DEFAULT_WORKERS`].
///
/// # Panics
///
/// If `WEFT_BENCH_WORKERS` is set but is not a positive integer.
pub fn workers_from_env() -> usize {
    match std::env::var(WORKERS_ENV) {
        Ok(s) => parse_workers(&s)
            .unwrap_or_else(|| panic!("{WORKERS_ENV} must be a positive integer, got {s:?}")),
        Err(_) => DEFAULT_WORKERS,
    }
}

/// Parses a worker count: a positive integer, surrounding whitespace allowed.
pub fn parse_workers(s: &str) -> Option<usize> {
    s.trim().parse().ok().filter(|&n| n > 0)
}

/// A multi-thread runtime under test, reduced to what the shapes need.
///
/// The three spawn methods mirror the three ways tokio's bench spawns: `Runtime::spawn` from
/// outside, `Handle::spawn` from outside, and the free function `spawn` from inside a task (or
/// from inside `block_on`).
pub trait BenchRuntime: Sized + 'static {
    /// The runtime's name in reports: `"weft"` or `"tokio"`.
    const NAME: &'static str;

    /// What a join handle reports when the task did not complete.
    type JoinError: Debug;

    /// The runtime's join handle. (`T: Send + 'static` so that an implementation whose
    /// `JoinHandle` is only a future for such outputs fits too.)
    type JoinHandle<T: Send + 'static>: Future<Output = Result<T, Self::JoinError>>;

    /// Builds a multi-thread runtime with `workers` worker threads and every driver enabled.
    ///
    /// # Panics
    ///
    /// If the runtime cannot be built.
    fn new(workers: usize) -> Self;

    /// Builds a current-thread runtime with every driver enabled: `block_on` runs the tasks on
    /// the calling thread.
    ///
    /// # Panics
    ///
    /// If the runtime cannot be built.
    fn new_current_thread() -> Self;

    /// Runs `future` to completion on the calling thread (`Runtime::block_on`).
    fn block_on<F: Future>(&self, future: F) -> F::Output;

    /// Spawns onto the runtime from outside it (`Runtime::spawn`).
    fn spawn<F>(&self, future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Spawns onto the runtime from outside it through its handle (`Runtime::handle().spawn`).
    fn handle_spawn<F>(&self, future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Spawns onto the runtime the caller is running in (the free function `spawn`).
    fn spawn_current<F>(future: F) -> Self::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Yields to the scheduler once (`task::yield_now`).
    fn yield_now() -> impl Future<Output = ()> + Send;
}

/// Defines a runtime type and implements [`BenchRuntime`] for it from the path of its crate:
/// weft's API follows tokio's name for name, so the one body fits both.
macro_rules! bench_runtime {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $rt:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $ty(pub(crate) $rt::runtime::Runtime);

        impl BenchRuntime for $ty {
            const NAME: &'static str = $name;
            type JoinError = $rt::task::JoinError;
            type JoinHandle<T: Send + 'static> = $rt::task::JoinHandle<T>;

            fn new(workers: usize) -> Self {
                let rt = $rt::runtime::Builder::new_multi_thread()
                    .worker_threads(workers)
                    .enable_all()
                    .build()
                    .expect(concat!("failed to build the ", $name, " runtime"));
                $ty(rt)
            }

            fn new_current_thread() -> Self {
                let rt = $rt::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect(concat!("failed to build the ", $name, " current-thread runtime"));
                $ty(rt)
            }

            fn block_on<F: Future>(&self, future: F) -> F::Output {
                self.0.block_on(future)
            }

            fn spawn<F>(&self, future: F) -> Self::JoinHandle<F::Output>
            where
                F: Future + Send + 'static,
                F::Output: Send + 'static,
            {
                self.0.spawn(future)
            }

            fn handle_spawn<F>(&self, future: F) -> Self::JoinHandle<F::Output>
            where
                F: Future + Send + 'static,
                F::Output: Send + 'static,
            {
                self.0.handle().spawn(future)
            }

            fn spawn_current<F>(future: F) -> Self::JoinHandle<F::Output>
            where
                F: Future + Send + 'static,
                F::Output: Send + 'static,
            {
                $rt::spawn(future)
            }

            fn yield_now() -> impl Future<Output = ()> + Send {
                $rt::task::yield_now()
            }
        }
    };
}

bench_runtime!(
    /// A weft runtime (multi-thread, or current-thread for the `*_single` shapes).
    WeftRt, "weft", weft
);
bench_runtime!(
    /// A tokio runtime (multi-thread, or current-thread for the `*_single` shapes).
    TokioRt, "tokio", tokio
);

/// The runtimes under test, as a value (for the binary, the bench and the tests to loop over).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuntimeKind {
    /// [`WeftRt`].
    Weft,
    /// [`TokioRt`].
    Tokio,
}

impl RuntimeKind {
    /// Both runtimes, weft first.
    pub const ALL: [RuntimeKind; 2] = [RuntimeKind::Weft, RuntimeKind::Tokio];

    /// The runtime's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            RuntimeKind::Weft => WeftRt::NAME,
            RuntimeKind::Tokio => TokioRt::NAME,
        }
    }

    /// Looks a runtime up by [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<RuntimeKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_workers_accepts_positive_integers_only() {
        assert_eq!(parse_workers("4"), Some(4));
        assert_eq!(parse_workers(" 2\n"), Some(2));
        assert_eq!(parse_workers("0"), None);
        assert_eq!(parse_workers("-1"), None);
        assert_eq!(parse_workers("four"), None);
    }

    #[test]
    fn runtime_names_round_trip() {
        for k in RuntimeKind::ALL {
            assert_eq!(RuntimeKind::from_name(k.name()), Some(k));
        }
        assert_eq!(RuntimeKind::from_name("async-std"), None);
    }
}
