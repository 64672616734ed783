//! The benchmark shapes of tokio's `benches/rt_multi_threaded.rs`, written once for any
//! [`BenchRuntime`].
//!
//! A shape is built once (runtime, channels, background load), then [`Shape::run`] is called
//! once per measured iteration; dropping it stops any background load and shuts the runtime down.
//! Only one shape (so only one runtime) should be alive at a time, or the two runtimes compete for
//! the CPU, which matters most for the `*_busy*` shapes.
//!
//! Where tokio's bench writes a bare `tokio::spawn(..);` statement, the shapes write
//! `drop(R::spawn_current(..))`: the same thing (dropping a `JoinHandle` detaches the task),
//! spelled so that the generic code does not warn about an unused future.
//!
//! | shape | family | one iteration |
//! |---|---|---|
//! | `spawn_many_local` | [`spawn_many`] | from inside `block_on`, spawn 10 000 empty tasks; wait for the last |
//! | `spawn_many_remote_idle` | [`spawn_many`] | from outside, `Runtime::spawn` 10 000 empty tasks; await every handle |
//! | `spawn_many_remote_busy1` | [`spawn_many`] | the same through `Handle::spawn` while 2 × workers tasks stall and yield |
//! | `spawn_many_remote_busy2` | [`spawn_many`] | the same with 1 000 tasks while workers tasks stall and re-spawn |
//! | `ping_pong` | [`ping_pong`] | 1 000 task pairs each exchange a ping and a pong over oneshots |
//! | `yield_many` | [`yield_many`] | 200 tasks each yield 1 000 times |
//! | `chained_spawn` | [`chained_spawn`] | a chain of 1 000 tasks, each spawning the next |

use crate::rt::{BenchRuntime, RuntimeKind, TokioRt, WeftRt};
use std::time::{Duration, Instant};

pub mod chained_spawn;
pub mod ping_pong;
pub mod spawn_many;
pub mod yield_many;

/// The sizes of the shapes. [`Params::standard`] are tokio's constants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Tasks spawned per iteration by `spawn_many_local`, `_remote_idle` and `_remote_busy1`.
    pub num_spawn: usize,
    /// Tasks spawned per iteration by `spawn_many_remote_busy2`.
    pub num_spawn_busy2: usize,
    /// How long a background task of the `*_busy*` shapes burns the CPU per step.
    pub stall: Duration,
    /// Ping-pong pairs per iteration of `ping_pong`.
    pub num_pings: usize,
    /// Tasks per iteration of `yield_many`.
    pub yield_tasks: usize,
    /// Yields per task of `yield_many`.
    pub yields_per_task: usize,
    /// Length of the spawn chain of `chained_spawn`.
    pub chain_len: usize,
}

impl Params {
    /// tokio's constants: what the criterion bench and the `compare` binary measure.
    pub fn standard() -> Params {
        Params {
            num_spawn: 10_000,
            num_spawn_busy2: 1_000,
            stall: Duration::from_micros(10),
            num_pings: 1_000,
            yield_tasks: 200,
            yields_per_task: 1_000,
            chain_len: 1_000,
        }
    }

    /// Small sizes for correctness tests: every code path, a fraction of the work.
    pub fn quick() -> Params {
        Params {
            num_spawn: 500,
            num_spawn_busy2: 100,
            stall: Duration::from_micros(10),
            num_pings: 100,
            yield_tasks: 20,
            yields_per_task: 50,
            chain_len: 100,
        }
    }
}

impl Default for Params {
    fn default() -> Params {
        Params::standard()
    }
}

/// A built benchmark shape: a runtime plus whatever the workload keeps between iterations.
pub trait Shape {
    /// Runs one iteration (the measured unit) and returns how many units of work it saw
    /// completed: tasks, round trips or yields, as the shape's docs say.
    fn run(&mut self) -> usize;

    /// What [`run`](Shape::run) returns when every unit of work of an iteration was done.
    fn expected(&self) -> usize;
}

/// The seven shapes, as values (for the binary, the bench and the tests to loop over).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShapeKind {
    /// [`spawn_many::SpawnManyLocal`].
    SpawnManyLocal,
    /// [`spawn_many::SpawnManyRemoteIdle`].
    SpawnManyRemoteIdle,
    /// [`spawn_many::SpawnManyRemoteBusy1`].
    SpawnManyRemoteBusy1,
    /// [`spawn_many::SpawnManyRemoteBusy2`].
    SpawnManyRemoteBusy2,
    /// [`ping_pong::PingPong`].
    PingPong,
    /// [`yield_many::YieldMany`].
    YieldMany,
    /// [`chained_spawn::ChainedSpawn`].
    ChainedSpawn,
}

impl ShapeKind {
    /// Every shape, in the order of tokio's bench.
    pub const ALL: [ShapeKind; 7] = [
        ShapeKind::SpawnManyLocal,
        ShapeKind::SpawnManyRemoteIdle,
        ShapeKind::SpawnManyRemoteBusy1,
        ShapeKind::SpawnManyRemoteBusy2,
        ShapeKind::PingPong,
        ShapeKind::YieldMany,
        ShapeKind::ChainedSpawn,
    ];

    /// The shape's name, as in tokio's bench.
    pub fn name(self) -> &'static str {
        match self {
            ShapeKind::SpawnManyLocal => "spawn_many_local",
            ShapeKind::SpawnManyRemoteIdle => "spawn_many_remote_idle",
            ShapeKind::SpawnManyRemoteBusy1 => "spawn_many_remote_busy1",
            ShapeKind::SpawnManyRemoteBusy2 => "spawn_many_remote_busy2",
            ShapeKind::PingPong => "ping_pong",
            ShapeKind::YieldMany => "yield_many",
            ShapeKind::ChainedSpawn => "chained_spawn",
        }
    }

    /// Looks a shape up by [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<ShapeKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Builds this shape on a fresh `R` with `workers` worker threads.
    pub fn build<R: BenchRuntime>(self, workers: usize, params: &Params) -> Box<dyn Shape> {
        match self {
            ShapeKind::SpawnManyLocal => {
                Box::new(spawn_many::SpawnManyLocal::<R>::new(workers, params))
            }
            ShapeKind::SpawnManyRemoteIdle => {
                Box::new(spawn_many::SpawnManyRemoteIdle::<R>::new(workers, params))
            }
            ShapeKind::SpawnManyRemoteBusy1 => {
                Box::new(spawn_many::SpawnManyRemoteBusy1::<R>::new(workers, params))
            }
            ShapeKind::SpawnManyRemoteBusy2 => {
                Box::new(spawn_many::SpawnManyRemoteBusy2::<R>::new(workers, params))
            }
            ShapeKind::PingPong => Box::new(ping_pong::PingPong::<R>::new(workers, params)),
            ShapeKind::YieldMany => Box::new(yield_many::YieldMany::<R>::new(workers, params)),
            ShapeKind::ChainedSpawn => {
                Box::new(chained_spawn::ChainedSpawn::<R>::new(workers, params))
            }
        }
    }

    /// Builds this shape on a fresh runtime of kind `rt` with `workers` worker threads.
    pub fn build_on(self, rt: RuntimeKind, workers: usize, params: &Params) -> Box<dyn Shape> {
        match rt {
            RuntimeKind::Weft => self.build::<WeftRt>(workers, params),
            RuntimeKind::Tokio => self.build::<TokioRt>(workers, params),
        }
    }
}

/// Burns the CPU for `dur` while letting other threads run, as tokio's bench does: the
/// background load of the `*_busy*` shapes.
pub fn stall(dur: Duration) {
    let start = Instant::now();
    while start.elapsed() < dur {
        std::thread::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_names_round_trip_and_are_unique() {
        for k in ShapeKind::ALL {
            assert_eq!(ShapeKind::from_name(k.name()), Some(k));
        }
        let mut names: Vec<_> = ShapeKind::ALL.iter().map(|k| k.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ShapeKind::ALL.len());
    }

    #[test]
    fn standard_params_are_tokios_constants() {
        let p = Params::standard();
        assert_eq!(p.num_spawn, 10_000);
        assert_eq!(p.num_spawn_busy2, 1_000);
        assert_eq!(p.stall, Duration::from_micros(10));
        assert_eq!(p.num_pings, 1_000);
        assert_eq!((p.yield_tasks, p.yields_per_task), (200, 1_000));
        assert_eq!(p.chain_len, 1_000);
    }
}
