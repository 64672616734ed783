//! The `spawn_many_*` family: many empty tasks, spawned from inside or from outside the runtime,
//! on an idle or a busy runtime.
//!
//! As in tokio's bench, `spawn_many_local` signals completion through a `std::sync::mpsc`
//! channel from the last task (found with a countdown), and the `remote` variants await every
//! `JoinHandle` inside one `block_on`.

use super::{stall, Params, Shape};
use crate::rt::BenchRuntime;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// `spawn_many_local`: from inside `block_on`, spawn `num_spawn` empty tasks with the free
/// `spawn`; each counts down, and the last one signals the `block_on` thread over a std `mpsc`.
///
/// [`run`](Shape::run) returns how many tasks counted down: `num_spawn` when all ran once.
#[derive(Debug)]
pub struct SpawnManyLocal<R> {
    rt: R,
    num_spawn: usize,
    rem: Arc<AtomicUsize>,
    tx: mpsc::SyncSender<()>,
    rx: mpsc::Receiver<()>,
}

impl<R: BenchRuntime> SpawnManyLocal<R> {
    /// Builds the runtime and the completion channel.
    pub fn new(workers: usize, params: &Params) -> Self {
        assert!(
            params.num_spawn > 0,
            "spawn_many_local needs at least one task"
        );
        let (tx, rx) = mpsc::sync_channel(1000);
        SpawnManyLocal {
            rt: R::new(workers),
            num_spawn: params.num_spawn,
            rem: Arc::new(AtomicUsize::new(0)),
            tx,
            rx,
        }
    }
}

impl<R: BenchRuntime> Shape for SpawnManyLocal<R> {
    fn run(&mut self) -> usize {
        let SpawnManyLocal {
            rt,
            num_spawn,
            rem,
            tx,
            rx,
        } = self;
        let n = *num_spawn;
        rem.store(n, Relaxed);
        rt.block_on(async {
            for _ in 0..n {
                let tx = tx.clone();
                let rem = rem.clone();
                drop(R::spawn_current(async move {
                    if 1 == rem.fetch_sub(1, Relaxed) {
                        tx.send(()).unwrap();
                    }
                }));
            }
            rx.recv().unwrap();
        });
        // The last decrement happens-before the signal we just received, so this sees 0 when
        // every task ran exactly once (a task run twice wraps the counter).
        n.wrapping_sub(rem.load(Relaxed))
    }

    fn expected(&self) -> usize {
        self.num_spawn
    }
}

/// Spawns `n` empty tasks with `spawn`, then awaits every handle inside one `block_on`;
/// returns how many joined successfully.
fn spawn_and_join_all<R: BenchRuntime>(
    rt: &R,
    handles: &mut Vec<R::JoinHandle<()>>,
    n: usize,
    spawn: impl Fn(&R) -> R::JoinHandle<()>,
) -> usize {
    for _ in 0..n {
        handles.push(spawn(rt));
    }
    rt.block_on(async {
        let mut joined = 0;
        for handle in handles.drain(..) {
            handle.await.unwrap();
            joined += 1;
        }
        joined
    })
}

/// `spawn_many_remote_idle`: from outside, `Runtime::spawn` `num_spawn` empty tasks onto an idle
/// runtime, then await every handle.
///
/// [`run`](Shape::run) returns how many handles joined: `num_spawn`.
#[derive(Debug)]
pub struct SpawnManyRemoteIdle<R: BenchRuntime> {
    rt: R,
    num_spawn: usize,
    handles: Vec<R::JoinHandle<()>>,
}

impl<R: BenchRuntime> SpawnManyRemoteIdle<R> {
    /// Builds the runtime.
    pub fn new(workers: usize, params: &Params) -> Self {
        SpawnManyRemoteIdle {
            rt: R::new(workers),
            num_spawn: params.num_spawn,
            handles: Vec::with_capacity(params.num_spawn),
        }
    }
}

impl<R: BenchRuntime> Shape for SpawnManyRemoteIdle<R> {
    fn run(&mut self) -> usize {
        spawn_and_join_all(&self.rt, &mut self.handles, self.num_spawn, |rt| {
            rt.spawn(async {})
        })
    }

    fn expected(&self) -> usize {
        self.num_spawn
    }
}

/// `spawn_many_remote_busy1`: like `spawn_many_remote_idle` (through `Handle::spawn`), while
/// 2 × `workers` background tasks loop { yield; stall }. Yielding is a lower notification
/// priority than spawning, so this measures how remote spawns fare against yielders.
///
/// [`run`](Shape::run) returns how many handles joined: `num_spawn`. Dropping the shape stops the
/// background tasks.
#[derive(Debug)]
pub struct SpawnManyRemoteBusy1<R: BenchRuntime> {
    num_spawn: usize,
    handles: Vec<R::JoinHandle<()>>,
    _busy: BusyFlag,
    // Last: dropped after `BusyFlag` has stopped the background tasks.
    rt: R,
}

impl<R: BenchRuntime> SpawnManyRemoteBusy1<R> {
    /// Builds the runtime and starts the background load.
    pub fn new(workers: usize, params: &Params) -> Self {
        let rt = R::new(workers);
        let busy = BusyFlag::new();
        let stall_for = params.stall;
        for _ in 0..2 * workers {
            let flag = busy.0.clone();
            drop(rt.spawn(async move {
                while flag.load(Relaxed) {
                    R::yield_now().await;
                    stall(stall_for);
                }
            }));
        }
        SpawnManyRemoteBusy1 {
            num_spawn: params.num_spawn,
            handles: Vec::with_capacity(params.num_spawn),
            _busy: busy,
            rt,
        }
    }
}

impl<R: BenchRuntime> Shape for SpawnManyRemoteBusy1<R> {
    fn run(&mut self) -> usize {
        spawn_and_join_all(&self.rt, &mut self.handles, self.num_spawn, |rt| {
            rt.handle_spawn(async {})
        })
    }

    fn expected(&self) -> usize {
        self.num_spawn
    }
}

/// `spawn_many_remote_busy2`: like `spawn_many_remote_busy1` with `num_spawn_busy2` tasks,
/// while `workers` background chains each stall, then spawn their successor. Spawning is a
/// higher notification priority than yielding.
///
/// [`run`](Shape::run) returns how many handles joined: `num_spawn_busy2`. Dropping the shape
/// stops the background chains.
#[derive(Debug)]
pub struct SpawnManyRemoteBusy2<R: BenchRuntime> {
    num_spawn: usize,
    handles: Vec<R::JoinHandle<()>>,
    _busy: BusyFlag,
    // Last: dropped after `BusyFlag` has stopped the background chains.
    rt: R,
}

/// One link of a background chain of `spawn_many_remote_busy2`.
fn busy_chain<R: BenchRuntime>(flag: Arc<AtomicBool>, stall_for: Duration) {
    drop(R::spawn_current(async move {
        if flag.load(Relaxed) {
            stall(stall_for);
            busy_chain::<R>(flag, stall_for);
        }
    }));
}

impl<R: BenchRuntime> SpawnManyRemoteBusy2<R> {
    /// Builds the runtime and starts the background load.
    pub fn new(workers: usize, params: &Params) -> Self {
        let rt = R::new(workers);
        let busy = BusyFlag::new();
        let stall_for = params.stall;
        for _ in 0..workers {
            let flag = busy.0.clone();
            drop(rt.spawn(async move { busy_chain::<R>(flag, stall_for) }));
        }
        SpawnManyRemoteBusy2 {
            num_spawn: params.num_spawn_busy2,
            handles: Vec::with_capacity(params.num_spawn_busy2),
            _busy: busy,
            rt,
        }
    }
}

impl<R: BenchRuntime> Shape for SpawnManyRemoteBusy2<R> {
    fn run(&mut self) -> usize {
        spawn_and_join_all(&self.rt, &mut self.handles, self.num_spawn, |rt| {
            rt.handle_spawn(async {})
        })
    }

    fn expected(&self) -> usize {
        self.num_spawn
    }
}

/// Keeps the background load of a `*_busy*` shape running while alive; clears the flag on drop.
#[derive(Debug)]
struct BusyFlag(Arc<AtomicBool>);

impl BusyFlag {
    fn new() -> Self {
        BusyFlag(Arc::new(AtomicBool::new(true)))
    }
}

impl Drop for BusyFlag {
    fn drop(&mut self) {
        self.0.store(false, Relaxed);
    }
}
