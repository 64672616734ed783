//! The multi-thread, work-stealing scheduler.
//!
//! Each worker owns a FIFO `Worker` deque and a one-task LIFO slot; tasks spawned or woken from
//! outside go to the shared `Injector`. A worker runs its LIFO slot (a few times in a row),
//! then its deque, the injector every `global_queue_interval` ticks for fairness, then steals
//! from the injector and its peers, then parks (see `worker.rs`). How a worker sleeps and is
//! woken, in the I/O driver or on its condition variable, is `../park.rs`.
//!
//! Two departures from tokio, both without a wake on the hot path:
//! - **The LIFO slot is stealable.** A peer may take it once the monitor has seen its owner
//!   stuck in one poll (see `monitor.rs`), so a task that spawns a child and then blocks does
//!   not strand the child. Until then the slot is private, which keeps tokio's locality. When
//!   no peer is idle (busy peers never steal), the monitor moves the stuck worker's queued
//!   tasks, LIFO slot included, to the injector, which busy workers check every
//!   `global_queue_interval` ticks.
//! - **Timers never wait for a long poll.** One parked worker blocks in the driver; when none
//!   does and a worker has been in one poll for a while, the monitor polls the driver, and the
//!   woken tasks go to the injector, which wakes a sleeping peer.
//!
//! A worker's queues and parker form its `Core`, which `block_in_place` hands to another thread
//! (a blocking-pool thread) so that the tasks keep running while the closure blocks.
//!
//! Invariants:
//! - A `Notified` is in exactly one place: a deque, the injector, a LIFO slot or a worker's
//!   hand. The LIFO slot is an `AtomicPtr` moved only with `swap`, so owner and thief can never
//!   both take it.
//! - A core is owned by one thread at a time: a worker's context, a handoff slot, or the thread
//!   that takes it from there. Its `Remote` counters are written only by that owner.
//! - Whenever every worker is parked, one of them sits in the driver: a worker always tries
//!   the driver before it sleeps, and leaves it only to run tasks.
//! - After `shutdown` is set no task is polled: workers leave their loop, queued `Notified`s
//!   are dropped, and `OwnedTasks::close_and_shutdown_all` drops every future.
//!
//! # Shutdown
//!
//! Dropping the `Runtime`, `shutdown_timeout(t)` and `shutdown_background()` (`t` = 0) all
//! run [`MultiThread::shutdown`] on the caller's thread, once. In order:
//!
//! 1. **Enter the runtime's context** on this thread, for the whole shutdown: the user code
//!    that the steps below run here (the destructors of futures, outputs and blocking jobs,
//!    wakers) finds the runtime current, as in tokio: `Handle::try_current()` succeeds, and a
//!    `weft::spawn` is accepted and cancelled at once by step 4 (dropped, never run).
//! 2. **Set the flag** (`Shared::shutdown`, SeqCst). No task is polled after a worker sees
//!    it; a remote `schedule` that sees it after its push drains the injector itself (see
//!    `schedule_remote`), so no `Notified` is stranded in a queue nobody reads.
//! 3. **Wake everyone**: every worker's parker, the reactor (where one worker may wait), the
//!    monitor.
//! 4. **Cancel every task** (`OwnedTasks::close_and_shutdown_all`): each shard is closed (a
//!    spawn from now on is cancelled on the spot) and emptied; the futures of tasks that are
//!    not running are dropped here, in the context of step 1, and a task that a worker is
//!    polling drops its own future when that poll returns (the `RUNNING` bit decides, as for
//!    `abort`). Their `JoinHandle`s report `is_cancelled`. This comes before the join: a
//!    worker blocked in a poll (`block_in_place` on a channel, say) may be waiting for exactly
//!    such a destructor.
//! 5. **Join the workers, then the monitor**, until the deadline `now + t`. A worker finishes
//!    the poll it is in, leaves its loop, drops the task references in its queues (references
//!    only) and runs `on_thread_stop`. A worker stuck in a poll past the deadline is left
//!    detached: it exits at its next loop, and its task drops its own future when that poll
//!    returns. A core that `block_in_place` handed to a blocking-pool thread is waited for too
//!    (its thread ends it as a worker does; one still waiting in its handoff slot is ended
//!    here), with the same deadline.
//! 6. **Drain the queues** (injector, LIFO slots): the references left there and whatever the
//!    destructors of step 4 woke.
//! 7. **Timers** (`TimeDriver::shutdown`): every pending timer is woken and none can be
//!    registered; a `Sleep` polled afterwards panics with a clear message.
//! 8. **Reactor** (`IoDriver::shutdown`): tasks elsewhere waiting on this runtime's sockets get
//!    an error instead of waiting forever.
//! 9. **Blocking pool**: no job is accepted any more; the jobs queued or running finish, and
//!    shutdown waits for them (and the pool threads' `on_thread_stop`) with what is left of
//!    the deadline. Those still busy then finish detached.
//!
//! Shutdown never unwinds because of user code: every call into it above is caught where it is
//! made (the task core for futures, outputs and join wakers, the timer wheel and the I/O driver
//! for wakers, the blocking pool and the workers for the thread hooks), so each step runs to the
//! end. The
//! current-thread scheduler shuts down in the same order, without steps 3 and 4.

mod cpu_clock;
mod idle;
mod monitor;
mod sleep;
mod worker;

#[cfg(all(test, loom))]
mod loom_tests;

pub(crate) use self::worker::block_in_place;

use self::cpu_clock::CpuClockSlot;
use self::idle::Idle;
use self::monitor::Monitor;
use self::worker::{Core, Why};
use super::blocking::{BlockingPool, ThreadConfig};
use super::io_driver::IoDriver;
use super::park::{Driver, Parker, Unparker};
use super::queue::{Injector, Steal, Stealer, Worker};
use crate::loom::{
    lock, spin_loop_hint, AtomicBool, AtomicPtr, AtomicU64, Condvar, Mutex, Ordering,
};
use crate::runtime::context;
use crate::runtime::metrics::poll_time_counters;
use crate::runtime::task::owned::OwnedTasks;
use crate::runtime::task::{Id, JoinHandle, Notified, Schedule, Task};
use crate::time::driver::TimeDriver;
use crossbeam_utils::CachePadded;
use std::future::Future;
use std::ptr::{self, NonNull};
use std::sync::Arc;
use std::thread::JoinHandle as ThreadHandle;
use std::time::{Duration, Instant};

/// The index of the worker running on this thread, if it is a worker of a multi-thread
/// runtime (`runtime::worker_index`).
pub(crate) fn worker_index() -> Option<usize> {
    worker::with_current(|worker| worker.and_then(worker::WorkerContext::core_index))
}

/// The scheduler's knobs, from the `Builder`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tuning {
    /// Look at the injector first every this many ticks.
    pub(crate) global_queue_interval: u32,
    /// Poll the driver (I/O and timers) every this many ticks while busy.
    pub(crate) event_interval: u32,
    /// Whether woken tasks go to the LIFO slot.
    pub(crate) lifo_slot: bool,
}

impl Default for Tuning {
    fn default() -> Tuning {
        // tokio's defaults (61 is prime, so the two intervals drift apart).
        Tuning {
            global_queue_interval: 61,
            event_interval: 61,
            lifo_slot: true,
        }
    }
}

/// Everything the workers, the monitor and the handles share.
pub(crate) struct Shared {
    remotes: Box<[CachePadded<Remote>]>,
    injector: Injector<Notified>,
    idle: Idle,
    owned: OwnedTasks,
    driver: crate::loom::Arc<Driver>,
    /// Wakes worker `i`, on whichever thread holds its core.
    unparkers: Box<[Unparker]>,
    pub(crate) time: crate::loom::Arc<TimeDriver>,
    pub(crate) blocking: BlockingPool,
    monitor: Monitor,
    shutdown: AtomicBool,
    pub(crate) config: ThreadConfig,
    tuning: Tuning,
    /// Tasks scheduled from outside the workers (`schedule_remote`): the one counter that
    /// several threads write, so it has a line of its own.
    remote_schedules: CachePadded<AtomicU64>,
    /// Whether the machine has more than one CPU: on one, a spinning `block_on` thread would
    /// only delay the worker that is to wake it (`has_sleeping_worker`).
    several_cpus: bool,
    /// Cores whose run loop has not ended for good, and the condition shutdown waits on.
    live_cores: Mutex<usize>,
    cores_ended: Condvar,
    /// `--features tokio-context`: the runtime's tokio companion (`runtime/tokio_context.rs`).
    #[cfg(feature = "tokio-context")]
    pub(crate) tokio: crate::runtime::tokio_context::Companion,
}

/// The part of a worker that other threads touch.
struct Remote {
    stealer: Stealer<Notified>,
    /// The worker's deque of tasks that yielded (see `worker.rs`).
    yielded: Stealer<Notified>,
    /// The LIFO slot: a `Notified` stored as its header pointer, or null.
    lifo: AtomicPtr<crate::runtime::task::Header>,
    /// Set by the monitor when the owner seems stuck in a poll: peers may take the LIFO slot.
    lifo_stealable: AtomicBool,
    /// Incremented before and after every poll (odd: polling), written only by the owner.
    poll_ticks: AtomicU64,
    /// The CPU clock of the thread that holds the core (`cpu_clock.rs`), for the monitor.
    cpu_clock: CpuClockSlot,
    /// A core that `block_in_place` handed off, until the thread started for it (or the
    /// blocking thread itself, once its closure returned) takes it.
    handoff: Mutex<Option<Box<Core>>>,
    metrics: WorkerCounters,
}

/// Counters written only by their worker (a plain store, no locked instruction), read by
/// anyone.
#[derive(Default)]
pub(crate) struct WorkerCounters {
    pub(crate) polls: AtomicU64,
    /// Tasks stolen from peers, and the steals that took them.
    pub(crate) steals: AtomicU64,
    pub(crate) steal_operations: AtomicU64,
    pub(crate) parks: AtomicU64,
    /// Parks with no poll since the previous park (`worker::Core::polls_at_last_park`).
    pub(crate) noops: AtomicU64,
    /// Tasks this worker's thread queued on its own core (`schedule_local`).
    pub(crate) local_schedules: AtomicU64,
    /// Polls that spent the task's whole cooperative budget.
    pub(crate) forced_yields: AtomicU64,
    /// Bumped before every park and after it: odd while the worker sleeps.
    pub(crate) park_unparks: AtomicU64,
    /// Nanoseconds out of park, added at each park.
    pub(crate) busy_nanos: AtomicU64,
    /// `worker_mean_poll_time` in nanoseconds, published by the core's holder.
    pub(crate) mean_poll_nanos: AtomicU64,
    /// Task polls per bucket of the poll-time histogram; empty when it is not enabled.
    pub(crate) poll_times: Box<[AtomicU64]>,
}

impl WorkerCounters {
    fn bump(counter: &AtomicU64) {
        WorkerCounters::add(counter, 1);
    }

    /// `bump` with a release store, for the counter a reader loads first (with acquire) to
    /// see the others at least as new.
    fn bump_released(counter: &AtomicU64) {
        counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Release);
    }

    fn add(counter: &AtomicU64, amount: u64) {
        counter.store(
            counter.load(Ordering::Relaxed).saturating_add(amount),
            Ordering::Relaxed,
        );
    }
}

/// The scheduler of a multi-thread runtime: what tasks hold to reschedule themselves.
#[derive(Clone)]
pub(crate) struct Scheduler(pub(crate) Arc<Shared>);

impl Schedule for Scheduler {
    fn schedule(&self, task: Notified) {
        self.0.schedule(task, Why::Woken);
    }

    fn reschedule(&self, task: Notified, yielded: bool) {
        let why = if yielded {
            Why::Yielded
        } else {
            Why::WokenWhileRunning
        };
        self.0.schedule(task, why);
    }

    fn release(&self, task: &Task) -> Option<Task> {
        self.0.owned.remove(task)
    }
}

/// A started multi-thread scheduler: its shared state and its threads.
pub(crate) struct MultiThread {
    pub(crate) shared: Arc<Shared>,
    workers: Vec<ThreadHandle<()>>,
    monitor: Option<ThreadHandle<()>>,
}

impl MultiThread {
    pub(crate) fn new(
        num_workers: usize,
        blocking: BlockingPool,
        config: ThreadConfig,
        tuning: Tuning,
        io: IoDriver,
    ) -> MultiThread {
        assert!(
            num_workers > 0,
            "a multi-thread runtime needs at least one worker"
        );
        // A timer wheel per worker: workers register and cancel timers without contending.
        let time =
            crate::loom::Arc::new(TimeDriver::new(Driver::time_wake(io.clone()), num_workers));
        let driver = crate::loom::Arc::new(Driver::new(io, time.clone()));
        let cores: Vec<Box<Core>> = (0..num_workers)
            .map(|index| Core::new(index, Parker::new(driver.clone()), &tuning))
            .collect();
        let shared = Arc::new(Shared {
            remotes: cores
                .iter()
                .map(|core| {
                    CachePadded::new(Remote {
                        stealer: core.stealer(),
                        yielded: core.yielded_stealer(),
                        lifo: AtomicPtr::new(ptr::null_mut()),
                        lifo_stealable: AtomicBool::new(false),
                        poll_ticks: AtomicU64::new(0),
                        cpu_clock: CpuClockSlot::new(),
                        handoff: Mutex::new(None),
                        metrics: WorkerCounters {
                            poll_times: poll_time_counters(config.poll_time_histogram),
                            ..WorkerCounters::default()
                        },
                    })
                })
                .collect(),
            unparkers: cores.iter().map(|core| core.unparker()).collect(),
            injector: Injector::new(),
            idle: Idle::new(num_workers),
            owned: OwnedTasks::new(),
            driver,
            time,
            blocking,
            monitor: Monitor::new(),
            shutdown: AtomicBool::new(false),
            remote_schedules: CachePadded::new(AtomicU64::new(0)),
            several_cpus: num_cpus::get() > 1,
            config,
            tuning,
            live_cores: Mutex::new(num_workers),
            cores_ended: Condvar::new(),
            #[cfg(feature = "tokio-context")]
            tokio: Default::default(),
        });
        let workers = cores
            .into_iter()
            .map(|core| worker::start(shared.clone(), core))
            .collect::<std::io::Result<Vec<_>>>()
            .unwrap_or_else(|error| panic!("weft could not start a worker thread: {error}"));
        let monitor = Some(monitor::start(shared.clone()));
        MultiThread {
            shared,
            workers,
            monitor,
        }
    }

    /// Stops the scheduler: see "Shutdown" at the top of this module.
    pub(crate) fn shutdown(&mut self, timeout: Option<Duration>) {
        // A timeout past what the clock can count (`Duration::MAX`) is no deadline at all.
        let deadline = timeout.and_then(|timeout| Instant::now().checked_add(timeout));
        let shared = &self.shared;
        // User code runs on this thread from here on (futures' and jobs' destructors, wakers):
        // inside the runtime, as in tokio, so that it may use it.
        let _context = context::set_scheduler(super::Handle::MultiThread(shared.clone()));
        shared.shutdown.store(true, Ordering::SeqCst);
        for unparker in shared.unparkers.iter() {
            unparker.unpark();
        }
        shared.driver.io().notify();
        shared.monitor.unpark();
        // Cancel every task before waiting for the workers: a worker may be blocked (in
        // `block_in_place`, say) until some other task's destructor runs, as in tokio's
        // `hang_on_shutdown` (a thread waits on a channel whose sender a sleeping task holds).
        shared.owned.close_and_shutdown_all();
        for worker in self.workers.drain(..) {
            join_until(worker, deadline);
        }
        // Cores handed off by `block_in_place` run on blocking threads: end those too (a core
        // still waiting in its handoff slot is ended here).
        for remote in shared.remotes.iter() {
            let parked = lock(&remote.handoff).take();
            if let Some(core) = parked {
                shared.end_core(core);
            }
        }
        shared.wait_for_cores(deadline);
        if let Some(monitor) = self.monitor.take() {
            join_until(monitor, deadline);
        }
        // Drop what the workers left queued, and whatever the cancelled futures woke.
        shared.drain_queues();
        shared.time.shutdown();
        // Tasks of other runtimes (or threads) waiting on this runtime's sockets get an error.
        shared.driver.io().shutdown();
        shared
            .blocking
            .shutdown(deadline.map(|deadline| deadline.saturating_duration_since(Instant::now())));
    }
}

fn join_until(thread: ThreadHandle<()>, deadline: Option<Instant>) {
    if let Some(deadline) = deadline {
        while !thread.is_finished() {
            if Instant::now() >= deadline {
                // Stuck in a poll past the deadline: leave it detached.
                return;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    // A worker never unwinds: task panics are caught in the task harness.
    let _ = thread.join();
}

impl Shared {
    pub(crate) fn spawn<F>(self: &Arc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = self.owned.bind(future, Scheduler(self.clone()), Id::next());
        if let Some(notified) = notified {
            self.schedule(notified, Why::Woken);
        }
        join
    }

    fn schedule(self: &Arc<Self>, task: Notified, why: Why) {
        let remote = worker::with_current(|current| match current {
            Some(worker) if ptr::eq(worker.shared(), &**self) => worker.schedule_local(task, why),
            _ => Some(task),
        });
        if let Some(task) = remote {
            self.schedule_remote(task);
        }
    }

    fn schedule_remote(&self, task: Notified) {
        self.remote_schedules.fetch_add(1, Ordering::Relaxed);
        self.injector.push(task);
        self.notify_parked();
        // `notify_parked` made a SeqCst read-modify-write, so this load is ordered after the
        // push: either shutdown's drain sees our task, or we see the flag and drain it.
        if self.shutdown.load(Ordering::SeqCst) {
            self.drain_queues();
        }
    }

    /// Whether a `block_on` thread may spin before it sleeps (`runtime/thread_park.rs`): some
    /// worker sleeps now (a plain load: a hint), so a CPU is likely free, and there is more
    /// than one.
    pub(crate) fn has_sleeping_worker(&self) -> bool {
        self.several_cpus && self.idle.unparked_hint() < self.remotes.len()
    }

    /// Wakes one sleeping worker if the work just made visible might otherwise wait.
    fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.unparkers[index].unpark();
        }
    }

    /// Wakes a worker if any queue holds work: the last searcher's check before it sleeps.
    fn notify_if_work_pending(&self) {
        let pending = !self.injector.is_empty()
            || self
                .remotes
                .iter()
                .any(|remote| remote.has_queued() || remote.lifo_stealable_with_task());
        if pending {
            self.notify_parked();
        }
    }

    fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    /// A core's run loop ended for good (shutdown): drop its queued tasks and count it out.
    fn end_core(&self, core: Box<Core>) {
        core.drop_queued(&self.remotes[core.index()]);
        drop(core);
        let mut live = lock(&self.live_cores);
        *live -= 1;
        if *live == 0 {
            self.cores_ended.notify_all();
        }
    }

    fn wait_for_cores(&self, deadline: Option<Instant>) {
        let mut live = lock(&self.live_cores);
        while *live > 0 {
            live = match deadline {
                None => self
                    .cores_ended
                    .wait(live)
                    .unwrap_or_else(|error| error.into_inner()),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return;
                    }
                    self.cores_ended
                        .wait_timeout(live, left)
                        .unwrap_or_else(|error| error.into_inner())
                        .0
                }
            };
        }
    }

    /// The monitor found `remote`'s worker stuck in one poll with tasks queued behind it, and
    /// no peer idle to steal them (busy peers never steal: they have work of their own). Moves
    /// those tasks to the injector, which every busy worker checks at least every
    /// `global_queue_interval` ticks, so that they are not stranded until the poll ends.
    fn move_stuck_work_to_injector(&self, remote: &Remote) {
        remote.take_queued(|task| self.schedule_remote(task));
    }

    /// Drops every queued task reference (after shutdown).
    fn drain_queues(&self) {
        loop {
            match self.injector.steal() {
                Steal::Success(task) => drop(task),
                Steal::Empty => break,
                Steal::Retry => {}
            }
        }
        for remote in self.remotes.iter() {
            drop(remote.take_lifo());
        }
    }

    pub(crate) fn io(&self) -> &IoDriver {
        self.driver.io()
    }

    pub(crate) fn metrics(&self) -> crate::runtime::metrics::Snapshot {
        let counter = |f: fn(&WorkerCounters) -> &AtomicU64| -> u64 {
            self.remotes
                .iter()
                .map(|remote| f(&remote.metrics).load(Ordering::Relaxed))
                .sum()
        };
        crate::runtime::metrics::Snapshot {
            workers: self.remotes.len(),
            tasks_alive: self.owned.len(),
            tasks_spawned: self.owned.spawned(),
            polls: counter(|c| &c.polls),
            steals: counter(|c| &c.steals),
            parks: counter(|c| &c.parks),
            remote_schedules: self.remote_schedules.load(Ordering::Relaxed),
            forced_yields: counter(|c| &c.forced_yields),
            idle_workers: self.remotes.len().saturating_sub(self.idle.unparked()),
            global_queue_depth: self.injector.len(),
            local_queue_depth: self
                .remotes
                .iter()
                .map(|r| r.stealer.len() + r.yielded.len())
                .sum(),
            blocking_threads: self.blocking.num_threads(),
            idle_blocking_threads: self.blocking.num_idle(),
            blocking_queue_depth: self.blocking.queue_depth(),
            io_sources: self.driver.io().sources(),
            io: self.driver.io().counts(),
        }
    }

    /// Task polls of worker `index` counted in bucket `bucket` of the poll-time histogram
    /// (both in range, checked by the caller).
    pub(crate) fn poll_time_count(&self, index: usize, bucket: usize) -> u64 {
        self.remotes[index].metrics.poll_times[bucket].load(Ordering::Relaxed)
    }

    /// Worker `index`'s counters (`index < remotes.len()`, checked by the caller).
    pub(crate) fn worker_metrics(&self, index: usize) -> crate::runtime::metrics::WorkerSnapshot {
        let remote = &self.remotes[index];
        // First, with acquire: the counters the worker wrote before it are at least as new.
        let park_unparks = remote.metrics.park_unparks.load(Ordering::Acquire);
        crate::runtime::metrics::WorkerSnapshot {
            polls: remote.metrics.polls.load(Ordering::Relaxed),
            steals: remote.metrics.steals.load(Ordering::Relaxed),
            steal_operations: remote.metrics.steal_operations.load(Ordering::Relaxed),
            parks: remote.metrics.parks.load(Ordering::Relaxed),
            noops: remote.metrics.noops.load(Ordering::Relaxed),
            local_schedules: remote.metrics.local_schedules.load(Ordering::Relaxed),
            park_unparks,
            busy: Duration::from_nanos(remote.metrics.busy_nanos.load(Ordering::Relaxed)),
            mean_poll_time: Duration::from_nanos(
                remote.metrics.mean_poll_nanos.load(Ordering::Relaxed),
            ),
            local_queue_depth: remote.stealer.len() + remote.yielded.len(),
        }
    }
}

impl Remote {
    /// Takes the LIFO slot's task, if any. Owner and thieves alike: `swap` hands it to one.
    fn take_lifo(&self) -> Option<Notified> {
        let ptr = NonNull::new(self.lifo.swap(ptr::null_mut(), Ordering::AcqRel))?;
        // SAFETY: a non-null slot holds a `Notified` reference (stored by `put_lifo`), and the
        // swap moved it to us alone.
        Some(unsafe { Notified::from_raw(ptr) })
    }

    /// Puts a task in the LIFO slot, returning the one it displaced.
    fn put_lifo(&self, task: Notified) -> Option<Notified> {
        let prev = self.lifo.swap(task.into_raw().as_ptr(), Ordering::AcqRel);
        // SAFETY: as in `take_lifo`: the swap moved the previous occupant's reference to us.
        NonNull::new(prev).map(|ptr| unsafe { Notified::from_raw(ptr) })
    }

    /// Takes every task queued on this worker (the LIFO slot, then both deques) as a thief
    /// does, and hands each to `push`: the monitor's move of a stuck worker's tasks. Each task
    /// is taken once, by `swap` from the slot or through a stealer, so the owner, which may
    /// push and pop meanwhile, never sees one that was taken (the model in `loom_tests.rs`).
    fn take_queued(&self, mut push: impl FnMut(Notified)) {
        if let Some(task) = self.take_lifo() {
            push(task);
        }
        let batch = Worker::new_fifo();
        for stealer in [&self.stealer, &self.yielded] {
            loop {
                match stealer.steal_batch_and_pop(&batch) {
                    Steal::Success(task) => {
                        push(task);
                        while let Some(task) = batch.pop() {
                            push(task);
                        }
                    }
                    Steal::Empty => break,
                    Steal::Retry => spin_loop_hint(),
                }
            }
        }
    }

    /// Whether the deques hold stealable work.
    fn has_queued(&self) -> bool {
        !self.stealer.is_empty() || !self.yielded.is_empty()
    }

    fn has_lifo(&self) -> bool {
        !self.lifo.load(Ordering::Acquire).is_null()
    }

    fn lifo_stealable_with_task(&self) -> bool {
        self.lifo_stealable.load(Ordering::Acquire) && self.has_lifo()
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("multi_thread::Shared")
            .field("workers", &self.remotes.len())
            .field("idle", &self.idle)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for MultiThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.shared.fmt(f)
    }
}
