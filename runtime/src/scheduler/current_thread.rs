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
//! - Every schedule pushes, then wakes the core (`CoreWake`: a `DriverPark` state word, then
//!   the reactor's notify or the parker's unpark, both sticky), so a task queued while the
//!   driving thread is about to sleep is never missed.
//! - After shutdown no task is polled; queued references are dropped and every future is
//!   dropped by `OwnedTasks::close_and_shutdown_all`.

use super::blocking::{BlockingPool, ThreadConfig};
use super::io_driver::{DriverPark, IoDriver};
use super::queue::{Injector, Steal};
use crate::loom::{lock, AtomicBool, AtomicU64, Mutex, Ordering, Parker, Unparker};
use crate::runtime::context;
use crate::runtime::metrics::{Snapshot, WorkerSnapshot};
use crate::runtime::task::owned::OwnedTasks;
use crate::runtime::task::{Id, JoinHandle, Notified, Schedule, Task};
use crate::time::clock::Clock;
use crate::time::driver::TimeDriver;
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// Tasks run between two looks at the `block_on` future and the timers.
const EVENT_INTERVAL: usize = 61;

pub(crate) struct Shared {
    queue: Injector<Notified>,
    owned: OwnedTasks,
    pub(crate) time: crate::loom::Arc<TimeDriver>,
    pub(crate) blocking: BlockingPool,
    core: Mutex<Option<Core>>,
    /// Wakes whichever thread drives the scheduler.
    wake: Arc<CoreWake>,
    pub(crate) io: IoDriver,
    /// Threads in `block_on` waiting for the core.
    waiters: Mutex<Vec<Unparker>>,
    shutdown: AtomicBool,
    polls: AtomicU64,
    parks: AtomicU64,
    /// The runtime's id and name (the thread settings are unused: no threads of its own).
    pub(crate) config: ThreadConfig,
    /// A `LocalRuntime`'s set of `!Send` tasks, which `spawn_local` finds through the runtime.
    pub(crate) local: Option<crate::loom::Arc<crate::task::LocalShared>>,
}

struct Core {
    parker: Parker,
}

/// How the driving thread sleeps and is woken: in the reactor when there is one, else on the
/// core's parker; `park` tells a waker which of the two to interrupt.
struct CoreWake {
    park: DriverPark,
    unparker: Unparker,
    io: IoDriver,
}

impl CoreWake {
    fn wake(&self) {
        if self.park.unpark() {
            if self.io.reactor().is_some() {
                self.io.notify();
            } else {
                self.unparker.unpark();
            }
        }
    }

    fn sleep(&self, core: &Core, timeout: Option<Duration>) {
        self.park.park(|| {
            if !self.io.turn(timeout) {
                match timeout {
                    Some(timeout) => core.parker.park_timeout(timeout),
                    None => core.parker.park(),
                }
            }
        });
    }
}

/// What tasks of a current-thread runtime hold to reschedule themselves.
#[derive(Clone)]
pub(crate) struct Scheduler(pub(crate) Arc<Shared>);

impl Schedule for Scheduler {
    fn schedule(&self, task: Notified) {
        self.0.schedule(task);
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
        let parker = Parker::new();
        let wake = Arc::new(CoreWake {
            park: DriverPark::new(),
            unparker: parker.unparker().clone(),
            io: io.clone(),
        });
        let wake_driver = {
            let wake = wake.clone();
            Box::new(move || wake.wake())
        };
        Arc::new(Shared {
            queue: Injector::new(),
            owned: OwnedTasks::new(),
            // The one clock that may pause: this thread runs every task, so it knows when
            // they are all idle (auto-advance, in `park`).
            time: crate::loom::Arc::new(TimeDriver::with_clock(
                wake_driver,
                Clock::new(true, start_paused),
            )),
            blocking,
            core: Mutex::new(Some(Core { parker })),
            wake,
            io,
            waiters: Mutex::new(Vec::new()),
            shutdown: AtomicBool::new(false),
            polls: AtomicU64::new(0),
            parks: AtomicU64::new(0),
            config,
            local,
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
        self.queue.push(task);
        self.wake.wake();
        if self.shutdown.load(Ordering::SeqCst) {
            self.drain_queue();
        }
    }

    fn pop(&self) -> Option<Notified> {
        loop {
            match self.queue.steal() {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => {}
            }
        }
    }

    fn drain_queue(&self) {
        while let Some(task) = self.pop() {
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
            idle_workers: 0,
            spins: 0,
            global_queue_depth: self.queue.len(),
            local_queue_depth: 0,
            blocking_threads: self.blocking.num_threads(),
            blocking_queue_depth: self.blocking.queue_depth(),
            io_sources: self.io.sources(),
        }
    }

    /// The one worker: the thread that drives the scheduler.
    pub(crate) fn worker_metrics(&self) -> WorkerSnapshot {
        WorkerSnapshot {
            polls: self.polls.load(Ordering::Relaxed),
            steals: 0,
            parks: self.parks.load(Ordering::Relaxed),
            local_queue_depth: 0,
        }
    }

    /// Runs `future` to completion on this thread, running the runtime's tasks meanwhile.
    pub(crate) fn block_on<F: Future>(self: &Arc<Self>, future: F) -> F::Output {
        let mut future = pin!(future);
        let thread_parker = Parker::new();
        let main = Arc::new(MainWaker {
            woken: AtomicBool::new(true),
            core: self.wake.clone(),
            thread: thread_parker.unparker().clone(),
        });
        let waker = Waker::from(main.clone());
        let mut cx = Context::from_waker(&waker);
        loop {
            // Bind first: in an `if let`, the guard would live through the block.
            let core = lock(&self.core).take();
            if let Some(core) = core {
                let guard = CoreGuard {
                    shared: self,
                    core: Some(core),
                };
                return guard.run(future.as_mut(), &main, &mut cx);
            }
            // Another thread drives the tasks: poll only our future until the core is free.
            lock(&self.waiters).push(thread_parker.unparker().clone());
            if main.woken.swap(false, Ordering::AcqRel) {
                if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                    return output;
                }
            }
            thread_parker.park();
        }
    }

    fn park(&self, core: &Core, main: &MainWaker) {
        self.parks
            .store(self.parks.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        let timeout = self.time.before_park();
        #[cfg(any(test, feature = "test-util"))]
        if let Some(jump) = self.time.auto_advance_jump() {
            // The clock is paused and every task is idle: instead of waiting for the next
            // timer, look for I/O without sleeping and, if nothing woke up, jump to it.
            self.wake.sleep(core, Some(Duration::ZERO));
            if self.queue.is_empty() && !main.woken.load(Ordering::Acquire) {
                self.time.advance_clock(jump);
            }
            self.time.after_park();
            return;
        }
        #[cfg(not(any(test, feature = "test-util")))]
        let _ = main;
        self.wake.sleep(core, timeout);
        self.time.after_park();
    }
}

/// Wakes the `block_on` future: flags it and unparks both the core and the waiting thread.
struct MainWaker {
    woken: AtomicBool,
    core: Arc<CoreWake>,
    thread: Unparker,
}

impl Wake for MainWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.core.wake();
        self.thread.unpark();
    }
}

thread_local! {
    /// Whether this thread drives a current-thread runtime now (holds its core, in
    /// `CoreGuard::run`): it is that runtime's worker 0 (`runtime::worker_index`).
    static DRIVING: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread drives a current-thread runtime's tasks now.
pub(crate) fn is_driving() -> bool {
    DRIVING.try_with(Cell::get).unwrap_or(false)
}

/// Marks this thread as driving until dropped (even on a panic), then restores what it
/// replaced: a runtime driven from a blocking job of another runtime nests.
struct Driving(bool);

impl Driving {
    fn enter() -> Driving {
        Driving(DRIVING.with(|driving| driving.replace(true)))
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
        let _driving = Driving::enter();
        loop {
            let mut yielded = false;
            if main.woken.swap(false, Ordering::AcqRel) {
                if let Poll::Ready(output) = future.as_mut().poll(cx) {
                    return output;
                }
                // Woken while it was polled: it yielded (`yield_now`, or a loop that retries).
                // Its next poll comes after a look at I/O and the timers, as tokio defers a
                // yield's wake-up past the driver: a future that yields until a socket's state
                // changes would otherwise spin without the reactor ever reporting the change.
                yielded = main.woken.load(Ordering::Acquire);
            }
            let mut ran = 0;
            while ran < EVENT_INTERVAL {
                let Some(task) = shared.pop() else { break };
                task.run();
                ran += 1;
            }
            shared.polls.store(
                shared.polls.load(Ordering::Relaxed) + ran as u64,
                Ordering::Relaxed,
            );
            if ran == EVENT_INTERVAL || yielded {
                // Busy: poll for I/O and fire due timers without sleeping, then go round.
                shared.io.turn(Some(Duration::ZERO));
                shared.time.process();
            } else if !main.woken.load(Ordering::Acquire) && shared.queue.is_empty() {
                shared.park(core, main);
            }
        }
    }
}

impl Drop for CoreGuard<'_> {
    fn drop(&mut self) {
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
