//! The current-thread scheduler: every task runs on the thread that calls `block_on`.
//!
//! The run queue is an injector (any thread may spawn or wake); the thread that holds the
//! `Core` runs it, polls the `block_on` future when its waker fires, and parks in the driver
//! (the reactor's wait, with the nearest timer as its timeout) when both are idle. While busy
//! it looks at I/O and the timers without sleeping every `EVENT_INTERVAL` tasks, and after
//! every poll in which the `block_on` future woke itself (a yield).
//!
//! Invariants:
//! - At most one thread holds the `Core` (it is taken out of a mutex). A second concurrent
//!   `block_on` polls only its own future, and takes the core when the first returns it.
//! - Every schedule pushes, then unparks the core's parker (`park.rs`: a state word, then the
//!   reactor's notify, both sticky), so a task queued while the driving thread is about to
//!   sleep is never missed.
//! - After shutdown no task is polled; queued references are dropped and every future is
//!   dropped by `OwnedTasks::close_and_shutdown_all`.

use super::blocking::{BlockingPool, ThreadConfig};
use super::io_driver::IoDriver;
use super::park::{Driver, Parker, Unparker};
use super::queue::{Injector, Steal};
use crate::loom::{lock, AtomicBool, AtomicU64, Mutex, Ordering};
use crate::runtime::context;
use crate::runtime::metrics::{HistogramLayout, Snapshot, WorkerSnapshot};
use crate::runtime::task::owned::OwnedTasks;
use crate::runtime::task::{Id, JoinHandle, Notified, Schedule, Task};
use crate::time::clock::Clock;
use crate::time::driver::TimeDriver;
use std::cell::Cell;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

/// Tasks run between two looks at the `block_on` future and the timers.
const EVENT_INTERVAL: usize = 61;

pub(crate) struct Shared {
    queue: Injector<Notified>,
    /// Tasks that woke themselves while they ran (`yield_now`, a spent coop budget): they run
    /// again only after the driver was polled and the `block_on` future had its turn.
    yielded: Injector<Notified>,
    owned: OwnedTasks,
    pub(crate) time: crate::loom::Arc<TimeDriver>,
    pub(crate) blocking: BlockingPool,
    core: Mutex<Option<Core>>,
    /// Wakes whichever thread drives the scheduler: the core's parker.
    wake: Unparker,
    pub(crate) io: IoDriver,
    /// Threads in `block_on` waiting for the core.
    waiters: Mutex<Vec<crate::loom::Unparker>>,
    shutdown: AtomicBool,
    polls: AtomicU64,
    parks: AtomicU64,
    /// Parks with no task polled since the previous park (or the start): no-op wake-ups.
    noops: AtomicU64,
    /// Tasks scheduled by the driving thread (written only by it) and by any other thread.
    local_schedules: AtomicU64,
    remote_schedules: AtomicU64,
    /// Polls (of tasks and of the `block_on` future) that spent the whole cooperative budget.
    forced_yields: AtomicU64,
    /// Parks and unparks together: odd while the driving thread sleeps.
    park_unparks: AtomicU64,
    /// Nanoseconds the core spent held and out of park, added at each park and each return of
    /// the core.
    busy_nanos: AtomicU64,
    /// Task polls per bucket of the poll-time histogram; empty when it is not enabled.
    poll_times: Box<[AtomicU64]>,
    /// The runtime's id and name (the thread settings are unused: no threads of its own).
    pub(crate) config: ThreadConfig,
    /// A `LocalRuntime`'s set of `!Send` tasks, which `spawn_local` finds through the runtime.
    pub(crate) local: Option<crate::loom::Arc<crate::task::LocalShared>>,
    /// `--features tokio-context`: the runtime's tokio companion (`runtime/tokio_context.rs`).
    #[cfg(feature = "tokio-context")]
    pub(crate) tokio: crate::runtime::tokio_context::Companion,
}

struct Core {
    /// Sleeps in the driver: this scheduler's only sleeper always finds it free.
    parker: Parker,
    /// When the holder took the core or last left its park: `worker_total_busy_duration`.
    busy_since: Cell<Instant>,
    /// The task polls counted at the last park: a park with none since is a no-op (`noops`).
    polls_at_last_park: Cell<u64>,
}

impl Core {
    /// Adds the busy stretch that ends now to `busy_nanos`.
    fn end_busy(&self, shared: &Shared) {
        bump_by(
            &shared.busy_nanos,
            crate::runtime::metrics::nanos(self.busy_since.get().elapsed()),
        );
    }
}

/// Adds to a counter written only by the core's holder (a plain store, no locked instruction).
fn bump_by(counter: &AtomicU64, amount: u64) {
    counter.store(
        counter.load(Ordering::Relaxed).saturating_add(amount),
        Ordering::Relaxed,
    );
}

/// What tasks of a current-thread runtime hold to reschedule themselves.
#[derive(Clone)]
pub(crate) struct Scheduler(pub(crate) Arc<Shared>);

impl Schedule for Scheduler {
    fn schedule(&self, task: Notified) {
        self.0.schedule(task);
    }

    fn reschedule(&self, task: Notified, yielded: bool) {
        if yielded {
            // Only the core's thread runs tasks, so it is the one that moves this back.
            bump_by(&self.0.local_schedules, 1);
            self.0.yielded.push(task);
        } else {
            self.0.schedule(task);
        }
    }

    fn release(&self, task: &Task) -> Option<Task> {
        self.0.owned.remove(task)
    }
}

impl Shared {
    /// # Panics
    /// Never for `start_paused`: a current-thread clock may pause.
    pub(crate) fn new(
        blocking: BlockingPool,
        io: IoDriver,
        config: ThreadConfig,
        start_paused: bool,
        local: Option<crate::loom::Arc<crate::task::LocalShared>>,
    ) -> Arc<Shared> {
        // The one clock that may pause: this thread runs every task, so it knows when they are
        // all idle (auto-advance, in `park`).
        let time = crate::loom::Arc::new(TimeDriver::with_clock(
            Driver::time_wake(io.clone()),
            Clock::new(true, start_paused),
            1,
        ));
        let parker = Parker::new(crate::loom::Arc::new(Driver::new(io.clone(), time.clone())));
        let wake = parker.unparker();
        Arc::new(Shared {
            queue: Injector::new(),
            yielded: Injector::new(),
            owned: OwnedTasks::new(),
            time,
            blocking,
            core: Mutex::new(Some(Core {
                parker,
                busy_since: Cell::new(Instant::now()),
                polls_at_last_park: Cell::new(0),
            })),
            wake,
            io,
            waiters: Mutex::new(Vec::new()),
            shutdown: AtomicBool::new(false),
            polls: AtomicU64::new(0),
            parks: AtomicU64::new(0),
            noops: AtomicU64::new(0),
            local_schedules: AtomicU64::new(0),
            remote_schedules: AtomicU64::new(0),
            forced_yields: AtomicU64::new(0),
            park_unparks: AtomicU64::new(0),
            busy_nanos: AtomicU64::new(0),
            poll_times: crate::runtime::metrics::poll_time_counters(config.poll_time_histogram),
            config,
            local,
            #[cfg(feature = "tokio-context")]
            tokio: Default::default(),
        })
    }

    pub(crate) fn spawn<F>(self: &Arc<Self>, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = self.owned.bind(future, Scheduler(self.clone()), Id::next());
        if let Some(notified) = notified {
            self.schedule(notified);
        }
        join
    }

    fn schedule(&self, task: Notified) {
        if self.is_driven_here() {
            bump_by(&self.local_schedules, 1);
        } else {
            self.remote_schedules.fetch_add(1, Ordering::Relaxed);
        }
        self.queue.push(task);
        self.wake.unpark();
        if self.shutdown.load(Ordering::SeqCst) {
            self.drain_queue();
        }
    }

    fn pop(&self) -> Option<Notified> {
        Self::pop_from(&self.queue)
    }

    fn pop_from(queue: &Injector<Notified>) -> Option<Notified> {
        loop {
            match queue.steal() {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => {}
            }
        }
    }

    fn drain_queue(&self) {
        while let Some(task) = self.pop().or_else(|| Self::pop_from(&self.yielded)) {
            drop(task);
        }
    }

    /// Cancels every task and stops the blocking pool (waiting at most `timeout`), in the
    /// order and with the guarantees of the multi-thread scheduler's "Shutdown" section (it
    /// has no worker threads to stop).
    pub(crate) fn shutdown(self: &Arc<Self>, timeout: Option<Duration>) {
        // Destructors and wakers run on this thread from here on: inside the runtime.
        let _context = context::set_scheduler(super::Handle::CurrentThread(self.clone()));
        // SeqCst pairs with the load in `schedule`: see multi_thread's `schedule_remote`.
        self.shutdown.store(true, Ordering::SeqCst);
        self.owned.close_and_shutdown_all();
        self.drain_queue();
        self.time.shutdown();
        self.io.shutdown();
        self.blocking.shutdown(timeout);
    }

    pub(crate) fn metrics(&self) -> Snapshot {
        Snapshot {
            workers: 1,
            tasks_alive: self.owned.len(),
            tasks_spawned: self.owned.spawned(),
            polls: self.polls.load(Ordering::Relaxed),
            steals: 0,
            parks: self.parks.load(Ordering::Relaxed),
            remote_schedules: self.remote_schedules.load(Ordering::Relaxed),
            forced_yields: self.forced_yields.load(Ordering::Relaxed),
            idle_workers: 0,
            global_queue_depth: self.queue.len() + self.yielded.len(),
            local_queue_depth: 0,
            blocking_threads: self.blocking.num_threads(),
            idle_blocking_threads: self.blocking.num_idle(),
            blocking_queue_depth: self.blocking.queue_depth(),
            io_sources: self.io.sources(),
            io: self.io.counts(),
        }
    }

    /// Task polls counted in bucket `bucket` of the poll-time histogram (in range, checked by
    /// the caller).
    pub(crate) fn poll_time_count(&self, bucket: usize) -> u64 {
        self.poll_times[bucket].load(Ordering::Relaxed)
    }

    /// A task's poll with `enable_metrics_poll_time_histogram`: the poll alone is timed and
    /// counted in its bucket. Returns whether the poll spent its budget. Out of line, as the
    /// multi-thread workers' `run_timed`: an untimed poll carries nothing of it.
    #[inline(never)]
    fn run_timed(&self, task: Notified, histogram: HistogramLayout) -> bool {
        let started = Instant::now();
        let ((), spent) = weft_io::coop::budget_spent(|| task.run());
        bump_by(&self.poll_times[histogram.bucket_of(started.elapsed())], 1);
        spent
    }

    /// The one worker: the thread that drives the scheduler.
    pub(crate) fn worker_metrics(&self) -> WorkerSnapshot {
        WorkerSnapshot {
            polls: self.polls.load(Ordering::Relaxed),
            steals: 0,
            steal_operations: 0,
            parks: self.parks.load(Ordering::Relaxed),
            noops: self.noops.load(Ordering::Relaxed),
            local_schedules: self.local_schedules.load(Ordering::Relaxed),
            park_unparks: self.park_unparks.load(Ordering::Relaxed),
            busy: Duration::from_nanos(self.busy_nanos.load(Ordering::Relaxed)),
            // As tokio's: the mean poll time is the multi-thread runtime's (its one thread
            // also polls the `block_on` future, which no task poll count includes).
            mean_poll_time: Duration::ZERO,
            local_queue_depth: 0,
        }
    }

    /// Runs `future` to completion on this thread, running the runtime's tasks meanwhile.
    pub(crate) fn block_on<F: Future>(self: &Arc<Self>, future: F) -> F::Output {
        let future = pin!(future);
        let cached = BlockOnCache::take_for(self).unwrap_or_else(|| BlockOnCache::new(self));
        let output = self.block_on_with(future, &cached);
        cached.put_back();
        output
    }

    fn block_on_with<F: Future>(
        self: &Arc<Self>,
        mut future: Pin<&mut F>,
        cached: &BlockOnCache,
    ) -> F::Output {
        let (main, thread_parker) = (&cached.main, &cached.thread_parker);
        // Poll first; a wake left over from this thread's previous `block_on` only adds a poll.
        main.woken.store(true, Ordering::Release);
        let waker = Waker::from(main.clone());
        let mut cx = Context::from_waker(&waker);
        loop {
            // Bind first: in an `if let`, the guard would live through the block.
            let core = lock(&self.core).take();
            if let Some(core) = core {
                core.busy_since.set(Instant::now());
                let guard = CoreGuard {
                    shared: self,
                    core: Some(core),
                };
                return guard.run(future.as_mut(), main, &mut cx);
            }
            // Another thread drives the tasks: poll only our future until the core is free.
            lock(&self.waiters).push(thread_parker.unparker().clone());
            if main.woken.swap(false, Ordering::AcqRel) {
                if let Poll::Ready(output) = weft_io::coop::budget(|| future.as_mut().poll(&mut cx))
                {
                    return output;
                }
            }
            thread_parker.park();
        }
    }

    fn park(&self, core: &Core, main: &MainWaker) {
        bump_by(&self.parks, 1);
        // tokio's rule for `worker_noop_count`: no task poll between two parks.
        let polls = self.polls.load(Ordering::Relaxed);
        if polls == core.polls_at_last_park.replace(polls) {
            bump_by(&self.noops, 1);
        }
        bump_by(&self.park_unparks, 1);
        core.end_busy(self);
        self.config.run_on_park();
        if main.woken.load(Ordering::Acquire) {
            // The park hook woke the `block_on` future (tokio's `on_thread_park` used to drive
            // an outer event loop): no sleep, but still a look at I/O and the timers, or a
            // runtime driven in such short bursts would never fire a timer.
            core.parker.park_yield();
        } else {
            self.sleep(core, main);
        }
        bump_by(&self.park_unparks, 1);
        core.busy_since.set(Instant::now());
        self.config.run_on_unpark();
    }

    /// The sleep of `park`: in the driver until woken, or with a paused clock, an auto-advance.
    fn sleep(&self, core: &Core, main: &MainWaker) {
        #[cfg(any(test, feature = "test-util"))]
        if self.time.auto_advance_jump().is_some() {
            // The clock is paused and every task is idle: instead of sleeping until the next
            // timer, look for I/O (and due timers) without sleeping. Only if that woke nothing
            // (the driver's wait would have slept), and still no blocking job is in flight (one
            // from another thread may have started meanwhile), jump to the next timer and fire
            // it. A pending notification stays for the next `park`.
            core.parker.park_yield();
            if self.queue.is_empty() && !main.woken.load(Ordering::Acquire) {
                if let Some(jump) = self.time.auto_advance_jump() {
                    self.time.advance_clock(jump);
                    self.time.process();
                }
            }
            return;
        }
        #[cfg(not(any(test, feature = "test-util")))]
        let _ = main;
        core.parker.park();
    }
}

/// Wakes the `block_on` future: flags it and unparks both the core and the waiting thread.
///
/// It holds its runtime weakly: a waker kept by a task, or by this thread's [`BlockOnCache`],
/// must not keep a dropped runtime's reactor alive. The `Weak` also keeps the runtime's
/// allocation from being reused while it exists, so comparing its address with a runtime's
/// identifies that runtime.
struct MainWaker {
    woken: AtomicBool,
    runtime: Weak<Shared>,
    thread: crate::loom::Unparker,
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        if let Some(runtime) = self.runtime.upgrade() {
            runtime.wake.unpark();
        }
        self.thread.unpark();
    }
}

/// What `block_on` needs besides its future: the future's waker and the parker the thread waits
/// on while another thread holds the core. Made once and kept in a thread-local while the
/// thread keeps calling `block_on` on the same runtime, so a loop of `block_on` calls (a test, a
/// benchmark, a request handler) allocates nothing, as tokio's does. Reuse is sound: a wake
/// from an earlier call, through a waker some task kept, only sets `woken` (one extra poll of
/// the next future) or leaves the parker's token (one early return from `park`, after which
/// the loop looks again); `block_on` cannot nest on a thread (`enter_runtime` forbids it).
struct BlockOnCache {
    main: Arc<MainWaker>,
    thread_parker: crate::loom::Parker,
}

thread_local! {
    static BLOCK_ON_CACHE: Cell<Option<BlockOnCache>> = const { Cell::new(None) };
}

impl BlockOnCache {
    fn new(runtime: &Arc<Shared>) -> BlockOnCache {
        let thread_parker = crate::loom::Parker::new();
        BlockOnCache {
            main: Arc::new(MainWaker {
                woken: AtomicBool::new(true),
                runtime: Arc::downgrade(runtime),
                thread: thread_parker.unparker().clone(),
            }),
            thread_parker,
        }
    }

    /// This thread's cache, if it was made for `runtime`. (`None` as well while the
    /// thread-local is being destroyed: a `block_on` from another thread-local's destructor.)
    fn take_for(runtime: &Arc<Shared>) -> Option<BlockOnCache> {
        let cached = BLOCK_ON_CACHE.try_with(Cell::take).ok().flatten()?;
        std::ptr::eq(cached.main.runtime.as_ptr(), Arc::as_ptr(runtime)).then_some(cached)
    }

    /// Keeps it for this thread's next `block_on` (replacing one made for another runtime).
    fn put_back(self) {
        // Err only while the thread-local is being destroyed: then this one is just dropped.
        let _ = BLOCK_ON_CACHE.try_with(|cell| cell.set(Some(self)));
    }
}

thread_local! {
    /// Whether this thread drives a current-thread runtime now (holds its core, in
    /// `CoreGuard::run`): it is that runtime's worker 0 (`runtime::worker_index`).
    /// The runtime it drives (null: none), for telling its own schedules from others'.
    static DRIVING: Cell<*const Shared> = const { Cell::new(std::ptr::null()) };
}

/// Whether this thread drives a current-thread runtime's tasks now.
pub(crate) fn is_driving() -> bool {
    DRIVING
        .try_with(|driving| !driving.get().is_null())
        .unwrap_or(false)
}

impl Shared {
    /// Whether this thread drives this runtime now (a schedule from it is local).
    fn is_driven_here(&self) -> bool {
        DRIVING
            .try_with(|driving| std::ptr::eq(driving.get(), self))
            .unwrap_or(false)
    }
}

/// Marks this thread as driving `shared` until dropped (even on a panic), then restores what
/// it replaced: a runtime driven from a blocking job of another runtime nests.
struct Driving(*const Shared);

impl Driving {
    fn enter(shared: &Shared) -> Driving {
        Driving(DRIVING.with(|driving| driving.replace(shared)))
    }
}

impl Drop for Driving {
    fn drop(&mut self) {
        // The thread-local may be gone already when a runtime drives during thread teardown.
        let _ = DRIVING.try_with(|driving| driving.set(self.0));
    }
}

/// Holds the core while a thread drives; returns it (and wakes waiters) even on a panic.
struct CoreGuard<'a> {
    shared: &'a Arc<Shared>,
    core: Option<Core>,
}

impl CoreGuard<'_> {
    fn run<F: Future + ?Sized>(
        &self,
        mut future: std::pin::Pin<&mut F>,
        main: &MainWaker,
        cx: &mut Context<'_>,
    ) -> F::Output {
        let core = self.core.as_ref().expect("the guard holds the core");
        let shared = self.shared;
        let _driving = Driving::enter(shared);
        loop {
            let mut yielded = false;
            if main.woken.swap(false, Ordering::AcqRel) {
                let (poll, spent) = weft_io::coop::budget_spent(|| future.as_mut().poll(cx));
                if spent {
                    bump_by(&shared.forced_yields, 1);
                }
                if let Poll::Ready(output) = poll {
                    return output;
                }
                // Woken while it was polled: it yielded (`yield_now`, or a loop that retries).
                // Its next poll comes after a look at I/O and the timers, as tokio defers a
                // yield's wake-up past the driver: a future that yields until a socket's state
                // changes would otherwise spin without the reactor ever reporting the change.
                yielded = main.woken.load(Ordering::Acquire);
            }
            let mut ran = 0;
            let timed = shared.config.poll_time_histogram;
            while ran < EVENT_INTERVAL {
                let Some(task) = shared.pop() else { break };
                let spent = match timed {
                    Some(histogram) => shared.run_timed(task, histogram),
                    None => weft_io::coop::budget_spent(|| task.run()).1,
                };
                if spent {
                    bump_by(&shared.forced_yields, 1);
                }
                ran += 1;
            }
            shared.polls.store(
                shared.polls.load(Ordering::Relaxed) + ran as u64,
                Ordering::Relaxed,
            );
            if ran == EVENT_INTERVAL || yielded || !shared.yielded.is_empty() {
                // Busy, or tasks or the `block_on` future yielded: poll for I/O and fire due
                // timers without sleeping, so that a yield lets the driver's tasks (and, for a
                // task's yield, the `block_on` future) in first.
                core.parker.park_yield();
                // The tasks that yielded before this turn join the back of the run queue (as
                // tokio wakes its deferred tasks there), so they run even while other tasks
                // keep the queue from ever emptying; those that yield again wait for the next
                // turn.
                for _ in 0..shared.yielded.len() {
                    let Some(task) = Shared::pop_from(&shared.yielded) else {
                        break;
                    };
                    shared.queue.push(task);
                }
            } else if !main.woken.load(Ordering::Acquire) && shared.queue.is_empty() {
                shared.park(core, main);
            }
        }
    }
}

impl Drop for CoreGuard<'_> {
    fn drop(&mut self) {
        if let Some(core) = &self.core {
            core.end_busy(self.shared);
        }
        *lock(&self.shared.core) = self.core.take();
        for waiter in lock(&self.shared.waiters).drain(..) {
            waiter.unpark();
        }
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("current_thread::Shared")
            .finish_non_exhaustive()
    }
}
