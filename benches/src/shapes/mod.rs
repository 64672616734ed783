//! The benchmark shapes of tokio's `benches/rt_multi_threaded.rs` ([`Group::Rt`]), of its
//! `sync_mpsc.rs`, `sync_notify.rs` and `sync_semaphore.rs` ([`Group::Sync`]) and of its
//! `time_timeout.rs` ([`Group::Time`]), written once for any [`BenchSync`] runtime.
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
//! | `ping_pong` | [`ping_pong`] | 1 000 task pairs each exchange a ping and a pong over the runtime's own oneshots |
//! | `ping_pong_standin` | [`ping_pong`] | the same over the stand-in oneshot of [`crate::oneshot`] on both runtimes |
//! | `yield_many` | [`yield_many`] | 200 tasks each yield 1 000 times |
//! | `chained_spawn` | [`chained_spawn`] | a chain of 1 000 tasks, each spawning the next |
//! | `mpsc_send_{medium, large}` | [`mpsc`] | make a channel(1 000), `block_on` one send of 512 B / 32 KiB, `block_on` one recv |
//! | `mpsc_contention_bounded` | [`mpsc`] | 5 spawned producers × 1 000 sends into channel(1 000 000); received in `block_on` |
//! | `mpsc_contention_bounded_full` | [`mpsc`] | the same into channel(100) |
//! | `mpsc_contention_unbounded` | [`mpsc`] | the same into an unbounded channel |
//! | `mpsc_uncontended_{bounded, unbounded}` | [`mpsc`] | in `block_on`, send 5 000 then receive 5 000 |
//! | `notify_one_{10..500}` | [`notify`] | N tasks wait in a loop; the bench thread `notify_one`s until 500 wake-ups |
//! | `notify_waiters_{10..500}` | [`notify`] | the same with `notify_waiters` |
//! | `semaphore_uncontended` | [`semaphore`] | in `block_on`, acquire and release 1 of 10 permits 6 times |
//! | `semaphore_{un,}contended_concurrent_multi` | [`semaphore`] | 6 spawned tasks each take 1 of 10 (5) permits; `try_join!` |
//! | `semaphore_{un,}contended_concurrent_single` | [`semaphore`] | the same as 6 futures in `join!` on a current-thread runtime |
//! | `mpsc_block_on_consumer` | [`lockstep`] | `block_on` receives 10 000 messages from 2 spawned producers through channel(16) |
//! | `mpsc_full_4_producers` | [`lockstep`] | a spawned consumer receives 10 000 messages from 4 spawned producers through channel(16) |
//! | `mpsc_token_ring` | [`lockstep`] | 16 tasks in a ring of channel(1)s pass a token 10 000 hops |
//! | `time_timeout` | [`timer`] | a task per worker awaits `timeout(1 s, ready)`, 10 000 in all (never registers) |
//! | `time_sleep` | [`timer`] | the same creating `sleep(1 s)` and dropping it unpolled |
//! | `time_timeout_pending` | [`timer`] | the same awaiting `timeout(1 s, yield_now())`: register, then cancel |

use crate::rt::{BenchSync, RuntimeKind, StandinOneshot, TokioRt, WeftRt};
use std::time::{Duration, Instant};

pub mod chained_spawn;
pub mod lockstep;
pub mod mpsc;
pub mod notify;
pub mod ping_pong;
pub mod semaphore;
pub mod spawn_many;
pub mod timer;
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
    /// Ping-pong pairs per iteration of `ping_pong` and `ping_pong_standin`.
    pub num_pings: usize,
    /// Tasks per iteration of `yield_many`.
    pub yield_tasks: usize,
    /// Yields per task of `yield_many`.
    pub yields_per_task: usize,
    /// Length of the spawn chain of `chained_spawn`.
    pub chain_len: usize,
    /// Capacity of the channel of `mpsc_send_*`.
    pub mpsc_send_capacity: usize,
    /// Producer tasks of `mpsc_contention_*`.
    pub mpsc_producers: usize,
    /// Messages per producer of `mpsc_contention_*`.
    pub mpsc_per_producer: usize,
    /// Capacity of the "never full" bounded channel of `mpsc_contention_bounded` and
    /// `mpsc_uncontended_bounded`; at least `mpsc_producers × mpsc_per_producer` and
    /// `mpsc_uncontended`.
    pub mpsc_big_capacity: usize,
    /// Capacity of the channel of `mpsc_contention_bounded_full`.
    pub mpsc_full_capacity: usize,
    /// Messages per iteration of `mpsc_uncontended_*`.
    pub mpsc_uncontended: usize,
    /// Wake-ups per iteration of `notify_*`.
    pub notify_iters: usize,
    /// Permits taken per iteration of `semaphore_*` (6: the concurrent shapes join 6 tasks).
    pub semaphore_tasks: usize,
    /// Producers of `mpsc_block_on_consumer`.
    pub lockstep_producers: usize,
    /// Messages per iteration of `mpsc_block_on_consumer` and `mpsc_full_4_producers`, split
    /// evenly between the producers (a multiple of 4 and of `lockstep_producers`).
    pub lockstep_messages: usize,
    /// Capacity of the channel of those two shapes.
    pub lockstep_capacity: usize,
    /// Tasks in the ring of `mpsc_token_ring`.
    pub ring_tasks: usize,
    /// Hops of the token per iteration of `mpsc_token_ring`.
    pub ring_hops: usize,
    /// Timer operations per iteration of the `time_*` shapes, split between one task per
    /// worker.
    pub timer_ops: usize,
}

impl Params {
    /// tokio's constants: what the criterion benches and the `compare` binary measure.
    pub fn standard() -> Params {
        Params {
            num_spawn: 10_000,
            num_spawn_busy2: 1_000,
            stall: Duration::from_micros(10),
            num_pings: 1_000,
            yield_tasks: 200,
            yields_per_task: 1_000,
            chain_len: 1_000,
            mpsc_send_capacity: 1_000,
            mpsc_producers: 5,
            mpsc_per_producer: 1_000,
            mpsc_big_capacity: 1_000_000,
            mpsc_full_capacity: 100,
            mpsc_uncontended: 5_000,
            notify_iters: 500,
            semaphore_tasks: 6,
            lockstep_producers: 2,
            lockstep_messages: 10_000,
            lockstep_capacity: 16,
            ring_tasks: 16,
            ring_hops: 10_000,
            timer_ops: 10_000,
        }
    }

    /// Small sizes for correctness tests: every code path, a fraction of the work. (The
    /// `bounded_full` channel stays much smaller than the messages, so that producers still
    /// wait for slots.)
    pub fn quick() -> Params {
        Params {
            num_spawn: 500,
            num_spawn_busy2: 100,
            stall: Duration::from_micros(10),
            num_pings: 100,
            yield_tasks: 20,
            yields_per_task: 50,
            chain_len: 100,
            mpsc_send_capacity: 100,
            mpsc_producers: 5,
            mpsc_per_producer: 100,
            mpsc_big_capacity: 10_000,
            mpsc_full_capacity: 10,
            mpsc_uncontended: 500,
            notify_iters: 50,
            semaphore_tasks: 6,
            lockstep_producers: 2,
            lockstep_messages: 400,
            lockstep_capacity: 4,
            ring_tasks: 8,
            ring_hops: 400,
            timer_ops: 400,
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
    /// completed: tasks, round trips, yields, messages, wake-ups or permits, as the shape's docs
    /// say.
    fn run(&mut self) -> usize;

    /// What [`run`](Shape::run) returns when every unit of work of an iteration was done.
    fn expected(&self) -> usize;
}

/// Which of tokio's bench files a shape comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    /// `benches/rt_multi_threaded.rs` (plus `ping_pong_standin`): the scheduler.
    Rt,
    /// `benches/sync_{mpsc, notify, semaphore}.rs`: the sync primitives on their runtime.
    Sync,
    /// `benches/time_timeout.rs` (plus `time_timeout_pending`): timers on their runtime.
    Time,
}

impl Group {
    /// Every group, in report order.
    pub const ALL: [Group; 3] = [Group::Rt, Group::Sync, Group::Time];

    /// The group's name in reports: `"rt_multi_threaded"`, `"sync"` or `"time"`.
    pub fn name(self) -> &'static str {
        match self {
            Group::Rt => "rt_multi_threaded",
            Group::Sync => "sync",
            Group::Time => "time",
        }
    }
}

/// Declares [`ShapeKind`]: each variant with its name, group and builder, in report order.
macro_rules! shape_kinds {
    ($(
        $(#[$doc:meta])*
        $variant:ident = $name:literal, $group:ident, |$w:ident, $p:ident| $build:expr;
    )*) => {
        /// Every shape, as a value (for the binary, the benches and the tests to loop over).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ShapeKind {
            $( $(#[$doc])* $variant, )*
        }

        impl ShapeKind {
            /// Every shape, in report order: tokio's `rt_multi_threaded` order, then the sync
            /// shapes in the order of tokio's `sync_*` files.
            pub const ALL: &'static [ShapeKind] = &[ $( ShapeKind::$variant, )* ];

            /// The shape's name: tokio's bench function, prefixed by the primitive for the sync
            /// shapes.
            pub fn name(self) -> &'static str {
                match self {
                    $( ShapeKind::$variant => $name, )*
                }
            }

            /// The bench file the shape comes from.
            pub fn group(self) -> Group {
                match self {
                    $( ShapeKind::$variant => Group::$group, )*
                }
            }

            /// Builds this shape on a fresh `R` with `workers` worker threads.
            pub fn build<R: BenchSync>(self, workers: usize, params: &Params) -> Box<dyn Shape> {
                match self {
                    $( ShapeKind::$variant => {
                        let ($w, $p) = (workers, params);
                        Box::new($build)
                    } )*
                }
            }
        }
    };
}

shape_kinds! {
    /// [`spawn_many::SpawnManyLocal`].
    SpawnManyLocal = "spawn_many_local", Rt,
        |w, p| spawn_many::SpawnManyLocal::<R>::new(w, p);
    /// [`spawn_many::SpawnManyRemoteIdle`].
    SpawnManyRemoteIdle = "spawn_many_remote_idle", Rt,
        |w, p| spawn_many::SpawnManyRemoteIdle::<R>::new(w, p);
    /// [`spawn_many::SpawnManyRemoteBusy1`].
    SpawnManyRemoteBusy1 = "spawn_many_remote_busy1", Rt,
        |w, p| spawn_many::SpawnManyRemoteBusy1::<R>::new(w, p);
    /// [`spawn_many::SpawnManyRemoteBusy2`].
    SpawnManyRemoteBusy2 = "spawn_many_remote_busy2", Rt,
        |w, p| spawn_many::SpawnManyRemoteBusy2::<R>::new(w, p);
    /// [`ping_pong::PingPong`] over the runtime's own oneshot: tokio's exact shape.
    PingPong = "ping_pong", Rt,
        |w, p| ping_pong::PingPong::<R, R::Oneshot>::new(w, p);
    /// [`ping_pong::PingPong`] over the stand-in oneshot on both runtimes: schedulers only.
    PingPongStandin = "ping_pong_standin", Rt,
        |w, p| ping_pong::PingPong::<R, StandinOneshot>::new(w, p);
    /// [`yield_many::YieldMany`].
    YieldMany = "yield_many", Rt,
        |w, p| yield_many::YieldMany::<R>::new(w, p);
    /// [`chained_spawn::ChainedSpawn`].
    ChainedSpawn = "chained_spawn", Rt,
        |w, p| chained_spawn::ChainedSpawn::<R>::new(w, p);

    /// [`mpsc::SendData`] with [`mpsc::Medium`].
    MpscSendMedium = "mpsc_send_medium", Sync,
        |w, p| mpsc::SendData::<R, mpsc::Medium>::new(w, p);
    /// [`mpsc::SendData`] with [`mpsc::Large`].
    MpscSendLarge = "mpsc_send_large", Sync,
        |w, p| mpsc::SendData::<R, mpsc::Large>::new(w, p);
    /// [`mpsc::Contention`], bounded, never full.
    MpscContentionBounded = "mpsc_contention_bounded", Sync,
        |w, p| mpsc::Contention::<R>::new(w, p, mpsc::Channel::Bounded { capacity: p.mpsc_big_capacity });
    /// [`mpsc::Contention`], bounded, full.
    MpscContentionBoundedFull = "mpsc_contention_bounded_full", Sync,
        |w, p| mpsc::Contention::<R>::new(w, p, mpsc::Channel::Bounded { capacity: p.mpsc_full_capacity });
    /// [`mpsc::Contention`], unbounded.
    MpscContentionUnbounded = "mpsc_contention_unbounded", Sync,
        |w, p| mpsc::Contention::<R>::new(w, p, mpsc::Channel::Unbounded);
    /// [`mpsc::Uncontended`], bounded.
    MpscUncontendedBounded = "mpsc_uncontended_bounded", Sync,
        |w, p| mpsc::Uncontended::<R>::new(w, p, mpsc::Channel::Bounded { capacity: p.mpsc_big_capacity });
    /// [`mpsc::Uncontended`], unbounded.
    MpscUncontendedUnbounded = "mpsc_uncontended_unbounded", Sync,
        |w, p| mpsc::Uncontended::<R>::new(w, p, mpsc::Channel::Unbounded);

    /// [`notify::NotifyLoop`], `notify_one`, 10 waiters.
    NotifyOne10 = "notify_one_10", Sync,
        |w, p| notify::NotifyLoop::<R>::new(w, p, notify::Mode::One, 10);
    /// [`notify::NotifyLoop`], `notify_one`, 50 waiters.
    NotifyOne50 = "notify_one_50", Sync,
        |w, p| notify::NotifyLoop::<R>::new(w, p, notify::Mode::One, 50);
    /// [`notify::NotifyLoop`], `notify_one`, 100 waiters.
    NotifyOne100 = "notify_one_100", Sync,
        |w, p| notify::NotifyLoop::<R>::new(w, p, notify::Mode::One, 100);
    /// [`notify::NotifyLoop`], `notify_one`, 200 waiters.
    NotifyOne200 = "notify_one_200", Sync,
        |w, p| notify::NotifyLoop::<R>::new(w, p, notify::Mode::One, 200);
    /// [`notify::NotifyLoop`], `notify_one`, 500 waiters.
    NotifyOne500 = "notify_one_500", Sync,
        |w, p| notify::NotifyLoop::<R>::new(w, p, notify::Mode::One, 500);
    /// [`notify::NotifyLoop`], `notify_waiters`, 10 waiters.
    NotifyWaiters10 = "notify_waiters_10", Sync,
        |w, p| notify::NotifyLoop::<R>::new(w, p, notify::Mode::Waiters, 10);
    /// [`notify::NotifyLoop`], `notify_waiters`, 50 waiters.
    NotifyWaiters50 = "notify_waiters_50", Sync,
        |w, p| notify::NotifyLoop::<R>::new(w, p, notify::Mode::Waiters, 50);
    /// [`notify::NotifyLoop`], `notify_waiters`, 100 waiters.
    NotifyWaiters100 = "notify_waiters_100", Sync,
        |w, p| notify::NotifyLoop::<R>::new(w, p, notify::Mode::Waiters, 100);
    /// [`notify::NotifyLoop`], `notify_waiters`, 200 waiters.
    NotifyWaiters200 = "notify_waiters_200", Sync,
        |w, p| notify::NotifyLoop::<R>::new(w, p, notify::Mode::Waiters, 200);
    /// [`notify::NotifyLoop`], `notify_waiters`, 500 waiters.
    NotifyWaiters500 = "notify_waiters_500", Sync,
        |w, p| notify::NotifyLoop::<R>::new(w, p, notify::Mode::Waiters, 500);

    /// [`semaphore::Uncontended`].
    SemaphoreUncontended = "semaphore_uncontended", Sync,
        |w, p| semaphore::Uncontended::<R>::new(w, p);
    /// [`semaphore::Concurrent`], 10 permits, multi-thread.
    SemaphoreUncontendedConcurrentMulti = "semaphore_uncontended_concurrent_multi", Sync,
        |w, p| semaphore::Concurrent::<R>::new(w, p, semaphore::Flavor::Multi, semaphore::UNCONTENDED_PERMITS);
    /// [`semaphore::Concurrent`], 10 permits, current-thread.
    SemaphoreUncontendedConcurrentSingle = "semaphore_uncontended_concurrent_single", Sync,
        |w, p| semaphore::Concurrent::<R>::new(w, p, semaphore::Flavor::Single, semaphore::UNCONTENDED_PERMITS);
    /// [`semaphore::Concurrent`], 5 permits, multi-thread.
    SemaphoreContendedConcurrentMulti = "semaphore_contended_concurrent_multi", Sync,
        |w, p| semaphore::Concurrent::<R>::new(w, p, semaphore::Flavor::Multi, semaphore::CONTENDED_PERMITS);
    /// [`semaphore::Concurrent`], 5 permits, current-thread.
    SemaphoreContendedConcurrentSingle = "semaphore_contended_concurrent_single", Sync,
        |w, p| semaphore::Concurrent::<R>::new(w, p, semaphore::Flavor::Single, semaphore::CONTENDED_PERMITS);

    /// [`lockstep::Producers`], the consumer in `block_on`.
    MpscBlockOnConsumer = "mpsc_block_on_consumer", Sync,
        |w, p| lockstep::Producers::<R>::block_on_consumer(w, p);
    /// [`lockstep::Producers`], four producers, a spawned consumer.
    MpscFull4Producers = "mpsc_full_4_producers", Sync,
        |w, p| lockstep::Producers::<R>::full_four(w, p);
    /// [`lockstep::TokenRing`].
    MpscTokenRing = "mpsc_token_ring", Sync,
        |w, p| lockstep::TokenRing::<R>::new(w, p);

    /// [`timer::Timers`], [`timer::Op::TimeoutReady`].
    TimeTimeout = "time_timeout", Time,
        |w, p| timer::Timers::<R>::new(w, p, timer::Op::TimeoutReady);
    /// [`timer::Timers`], [`timer::Op::SleepUnpolled`].
    TimeSleep = "time_sleep", Time,
        |w, p| timer::Timers::<R>::new(w, p, timer::Op::SleepUnpolled);
    /// [`timer::Timers`], [`timer::Op::TimeoutPending`].
    TimeTimeoutPending = "time_timeout_pending", Time,
        |w, p| timer::Timers::<R>::new(w, p, timer::Op::TimeoutPending);
}

impl ShapeKind {
    /// The shapes of `group`, in report order.
    pub fn of_group(group: Group) -> impl Iterator<Item = ShapeKind> {
        ShapeKind::ALL
            .iter()
            .copied()
            .filter(move |k| k.group() == group)
    }

    /// Looks a shape up by [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<ShapeKind> {
        ShapeKind::ALL.iter().copied().find(|k| k.name() == name)
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
        for &k in ShapeKind::ALL {
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
        assert_eq!(p.mpsc_send_capacity, 1_000);
        assert_eq!((p.mpsc_producers, p.mpsc_per_producer), (5, 1_000));
        assert_eq!(
            (p.mpsc_big_capacity, p.mpsc_full_capacity),
            (1_000_000, 100)
        );
        assert_eq!(p.mpsc_uncontended, 5_000);
        assert_eq!(p.notify_iters, 500);
        assert_eq!(p.semaphore_tasks, 6);
        assert_eq!(notify::WAITERS, [10, 50, 100, 200, 500]);
        assert_eq!(
            (semaphore::UNCONTENDED_PERMITS, semaphore::CONTENDED_PERMITS),
            (10, 5)
        );
    }

    #[test]
    fn never_full_capacity_holds_every_message() {
        for p in [Params::standard(), Params::quick()] {
            assert!(p.mpsc_big_capacity >= p.mpsc_producers * p.mpsc_per_producer);
            assert!(p.mpsc_big_capacity >= p.mpsc_uncontended);
            assert!(p.mpsc_full_capacity < p.mpsc_producers * p.mpsc_per_producer);
            assert_eq!(p.lockstep_messages % 4, 0);
            assert_eq!(p.lockstep_messages % p.lockstep_producers, 0);
            assert!(p.lockstep_capacity < p.lockstep_messages / 4);
        }
    }

    #[test]
    fn groups_partition_the_shapes() {
        let rt: Vec<_> = ShapeKind::of_group(Group::Rt).collect();
        let sync: Vec<_> = ShapeKind::of_group(Group::Sync).collect();
        let time: Vec<_> = ShapeKind::of_group(Group::Time).collect();
        assert_eq!(rt.len(), 8);
        assert_eq!(sync.len(), 7 + 10 + 5 + 3);
        assert_eq!(time.len(), 3);
        assert_eq!(rt.len() + sync.len() + time.len(), ShapeKind::ALL.len());
        // Report order: the rt shapes, then the sync ones, then the time ones.
        let in_order: Vec<_> = rt.iter().chain(&sync).chain(&time).copied().collect();
        assert_eq!(ShapeKind::ALL, &in_order[..]);
    }
}
