//! The shapes of tokio's `benches/sync_semaphore.rs`: `uncontented/multi`,
//! `uncontented/concurrent_{multi, single}` and `contention/concurrent_{multi, single}`, each
//! runtime with its own `Semaphore`.
//!
//! Every shape takes one permit `semaphore_tasks` (6) times; the semaphore has 10 permits
//! (uncontended: nobody waits) or 5 (contended: the sixth waits for a release). `*_multi` runs on
//! the multi-thread runtime, `*_single` on a current-thread runtime, as in tokio's bench.
//!
//! tokio's bench joins with `tokio::join!` / `tokio::try_join!`; so do these shapes, on both
//! runtimes: the macros are plain future combinators (no runtime in them), so both runtimes run
//! the same joining code.
//!
//! [`run`](Shape::run) returns how many permits were acquired: `semaphore_tasks`.

use super::{Params, Shape};
use crate::rt::BenchSync;
use std::sync::Arc;

/// The permits of an uncontended semaphore (tokio's 10).
pub const UNCONTENDED_PERMITS: usize = 10;
/// The permits of a contended semaphore (tokio's 5, for 6 tasks).
pub const CONTENDED_PERMITS: usize = 5;

/// Acquires one permit and releases it; 1 if it was granted (tokio's `task`).
async fn take_one<R: BenchSync>(s: Arc<R::Semaphore>) -> usize {
    let permit = R::acquire(&s).await;
    let granted = usize::from(permit.is_ok());
    drop(permit);
    granted
}

/// `uncontended` (tokio's `uncontented/multi`): per iteration, inside `block_on` on the
/// multi-thread runtime, acquire and release one permit 6 times in a row.
#[derive(Debug)]
pub struct Uncontended<R: BenchSync> {
    rt: R,
    semaphore: Arc<R::Semaphore>,
    tasks: usize,
}

impl<R: BenchSync> Uncontended<R> {
    /// Builds the runtime and a semaphore of [`UNCONTENDED_PERMITS`].
    pub fn new(workers: usize, params: &Params) -> Self {
        Uncontended {
            rt: R::new(workers),
            semaphore: Arc::new(R::semaphore_new(UNCONTENDED_PERMITS)),
            tasks: params.semaphore_tasks,
        }
    }
}

impl<R: BenchSync> Shape for Uncontended<R> {
    fn run(&mut self) -> usize {
        let s = self.semaphore.clone();
        let n = self.tasks;
        self.rt.block_on(async move {
            let mut granted = 0;
            for _ in 0..n {
                let permit = R::acquire(&s).await;
                granted += usize::from(permit.is_ok());
                drop(permit);
            }
            granted
        })
    }

    fn expected(&self) -> usize {
        self.tasks
    }
}

/// Where the tasks of a [`Concurrent`] shape run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `concurrent_multi`: 6 tasks spawned on the multi-thread runtime, joined with
    /// `try_join!` on their handles.
    Multi,
    /// `concurrent_single`: 6 futures joined with `join!` inside `block_on` of a current-thread
    /// runtime (no spawn).
    Single,
}

/// `{uncontended, contended}_concurrent_{multi, single}`: per iteration, 6 concurrent
/// acquire-and-release of one permit each, on a semaphore of `permits`.
#[derive(Debug)]
pub struct Concurrent<R: BenchSync> {
    rt: R,
    flavor: Flavor,
    semaphore: Arc<R::Semaphore>,
}

impl<R: BenchSync> Concurrent<R> {
    /// Builds the runtime (multi-thread with `workers` workers, or current-thread) and a
    /// semaphore of `permits`.
    ///
    /// # Panics
    ///
    /// If `params.semaphore_tasks` is not 6: the join macros take a fixed list of futures.
    pub fn new(workers: usize, params: &Params, flavor: Flavor, permits: usize) -> Self {
        assert_eq!(
            params.semaphore_tasks, 6,
            "the concurrent shapes join 6 tasks"
        );
        let rt = match flavor {
            Flavor::Multi => R::new(workers),
            Flavor::Single => R::new_current_thread(),
        };
        Concurrent {
            rt,
            flavor,
            semaphore: Arc::new(R::semaphore_new(permits)),
        }
    }
}

impl<R: BenchSync> Shape for Concurrent<R> {
    fn run(&mut self) -> usize {
        let s = self.semaphore.clone();
        match self.flavor {
            Flavor::Multi => self.rt.block_on(async move {
                let j = tokio::try_join! {
                    R::spawn_current(take_one::<R>(s.clone())),
                    R::spawn_current(take_one::<R>(s.clone())),
                    R::spawn_current(take_one::<R>(s.clone())),
                    R::spawn_current(take_one::<R>(s.clone())),
                    R::spawn_current(take_one::<R>(s.clone())),
                    R::spawn_current(take_one::<R>(s.clone()))
                };
                let (a, b, c, d, e, f) = j.expect("a semaphore task failed");
                a + b + c + d + e + f
            }),
            Flavor::Single => self.rt.block_on(async move {
                let (a, b, c, d, e, f) = tokio::join! {
                    take_one::<R>(s.clone()),
                    take_one::<R>(s.clone()),
                    take_one::<R>(s.clone()),
                    take_one::<R>(s.clone()),
                    take_one::<R>(s.clone()),
                    take_one::<R>(s.clone())
                };
                a + b + c + d + e + f
            }),
        }
    }

    fn expected(&self) -> usize {
        6
    }
}
