//! The blocking pool: threads for `spawn_blocking`, kept apart from the async workers.
//!
//! Invariants:
//! - `num_threads <= max_threads`. A job is queued; an idle thread is woken for it if there is
//!   one (`num_idle`), else a thread is started if the bound allows, else it waits its turn.
//! - `num_notify` counts wakes sent to idle threads and not yet consumed, so that a spurious
//!   condvar wake-up is told apart from a real one and a keep-alive timeout never strands a
//!   job that was handed to the waking thread.
//! - Every queued job has a thread that will run it: one was woken or started for it, or all
//!   `max_threads` are busy and each of them looks at the queue before it idles or exits.
//! - Once shutdown begins, no job is accepted (`spawn_blocking` gets a cancelled handle), but
//!   the jobs already queued or running when it began run to completion, as in tokio: a thread
//!   exits only once the queue is empty. `shutdown` waits for that, and for the threads' stop
//!   hooks, up to its timeout; the threads still busy then finish detached.

use super::Handle;
use crate::loom::{lock, Condvar, Mutex, MutexGuard};
use crate::runtime::context;
use crate::runtime::task::{Id, JoinHandle, Notified, Schedule, Task};
use crate::runtime::user_code::catch_user_panic;
use crate::task::BlockingTask;
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The callbacks a runtime's threads run, and the runtime's identity, from the `Builder`.
#[derive(Clone)]
pub(crate) struct ThreadConfig {
    pub(crate) name: Arc<dyn Fn() -> String + Send + Sync>,
    pub(crate) stack_size: Option<usize>,
    pub(crate) on_start: Option<Arc<dyn Fn() + Send + Sync>>,
    pub(crate) on_stop: Option<Arc<dyn Fn() + Send + Sync>>,
    /// Run by a scheduler thread before it sleeps for lack of work, and after it wakes.
    pub(crate) on_park: Option<Arc<dyn Fn() + Send + Sync>>,
    pub(crate) on_unpark: Option<Arc<dyn Fn() + Send + Sync>>,
    /// `Handle::id`.
    pub(crate) runtime_id: crate::runtime::Id,
    /// `Builder::name`, for `Handle::name`.
    pub(crate) runtime_name: Option<Arc<str>>,
    /// `Builder::enable_metrics_poll_time_histogram`: the buckets the schedulers' threads
    /// count their task polls in, or `None` (no poll is timed).
    pub(crate) poll_time_histogram: Option<crate::runtime::metrics::HistogramLayout>,
    /// `Builder::tokio_companion_threads` (`tokio-context`): the companion's worker threads.
    #[cfg(feature = "tokio-context")]
    pub(crate) tokio_companion_threads: usize,
}

impl ThreadConfig {
    /// Runs `on_thread_start`, if set. A panic in the hook is caught (the panic hook has
    /// reported it) and the thread goes on: a hook cannot take a worker or a blocking thread
    /// away from the runtime, nor leave the pool's thread count wrong.
    pub(crate) fn run_on_start(&self) {
        if let Some(on_start) = &self.on_start {
            catch_user_panic(|| on_start());
        }
    }

    /// Runs `on_thread_stop`, if set; a panic in it is caught, as in `run_on_start`.
    pub(crate) fn run_on_stop(&self) {
        if let Some(on_stop) = &self.on_stop {
            catch_user_panic(|| on_stop());
        }
    }

    /// Runs `on_thread_park`, if set; a panic in it is caught, as in `run_on_start` (a worker
    /// must still sleep and wake as the park protocol says).
    pub(crate) fn run_on_park(&self) {
        if let Some(on_park) = &self.on_park {
            catch_user_panic(|| on_park());
        }
    }

    /// Runs `on_thread_unpark`, if set; a panic in it is caught, as in `run_on_start`.
    pub(crate) fn run_on_unpark(&self) {
        if let Some(on_unpark) = &self.on_unpark {
            catch_user_panic(|| on_unpark());
        }
    }

    pub(crate) fn builder(&self) -> std::thread::Builder {
        let builder = std::thread::Builder::new().name((self.name)());
        match self.stack_size {
            Some(size) => builder.stack_size(size),
            None => builder,
        }
    }
}

impl fmt::Debug for ThreadConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadConfig").finish_non_exhaustive()
    }
}

pub(crate) struct BlockingPool {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    /// Idle threads wait here for jobs.
    work: Condvar,
    /// `shutdown` waits here for the last thread to leave.
    exited: Condvar,
    max_threads: usize,
    keep_alive: Duration,
    config: ThreadConfig,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Notified>,
    num_threads: usize,
    num_idle: usize,
    num_notify: usize,
    shutdown: bool,
    /// The runtime the threads enter, so that jobs can `weft::spawn`; cleared at shutdown to
    /// break the runtime -> pool -> handle cycle.
    handle: Option<Handle>,
}

/// The scheduler of blocking tasks: the pool's queue.
struct BlockingSchedule {
    inner: Arc<Inner>,
    /// With `test-util`, on a current-thread runtime: holds the paused clock's auto-advance
    /// off until the job completes (the runtime may be idle only because it waits for it).
    #[cfg(any(test, feature = "test-util"))]
    inhibit: Option<InhibitAutoAdvance>,
}

impl Schedule for BlockingSchedule {
    fn schedule(&self, task: Notified) {
        self.inner.push(task);
    }

    fn release(&self, _task: &Task) -> Option<Task> {
        // Blocking tasks are not in the owned-task list: running ones cannot be cancelled, and
        // queued ones are cancelled by the pool's own shutdown.
        None
    }

    fn completed(&self) {
        #[cfg(any(test, feature = "test-util"))]
        if let Some(inhibit) = &self.inhibit {
            inhibit.release();
        }
    }
}

/// One blocking job's hold on a paused clock's auto-advance: taken at spawn, given back once
/// when the job has completed (run, or cancelled by shutdown) *and* woken whoever awaits it, so
/// that the runtime sees that task runnable before it may jump; then the driver is woken so
/// that it can jump again.
#[cfg(any(test, feature = "test-util"))]
pub(crate) struct InhibitAutoAdvance {
    driver: crate::loom::Arc<crate::time::driver::TimeDriver>,
    released: crate::loom::AtomicBool,
}

#[cfg(any(test, feature = "test-util"))]
impl InhibitAutoAdvance {
    pub(crate) fn new(driver: crate::loom::Arc<crate::time::driver::TimeDriver>) -> Self {
        driver.clock().inhibit_auto_advance();
        InhibitAutoAdvance {
            driver,
            released: crate::loom::AtomicBool::new(false),
        }
    }

    fn release(&self) {
        if !self.released.swap(true, crate::loom::Ordering::AcqRel) {
            self.driver.clock().allow_auto_advance();
            self.driver.unpark();
        }
    }
}

#[cfg(any(test, feature = "test-util"))]
impl Drop for InhibitAutoAdvance {
    fn drop(&mut self) {
        // Every task completes before its scheduler drops; this only guards the count.
        self.release();
    }
}

impl BlockingPool {
    pub(crate) fn new(
        max_threads: usize,
        keep_alive: Duration,
        config: ThreadConfig,
    ) -> BlockingPool {
        assert!(max_threads > 0, "max_blocking_threads must be at least 1");
        BlockingPool {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                work: Condvar::new(),
                exited: Condvar::new(),
                max_threads,
                keep_alive,
                config,
            }),
        }
    }

    /// Gives the pool the handle its threads enter. Called once the runtime exists.
    pub(crate) fn set_handle(&self, handle: Handle) {
        lock(&self.inner.state).handle = Some(handle);
    }

    pub(crate) fn spawn<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.spawn_job(
            f,
            #[cfg(any(test, feature = "test-util"))]
            None,
        )
    }

    /// `spawn`, holding the paused clock's auto-advance off while the job is in flight.
    #[cfg(any(test, feature = "test-util"))]
    pub(crate) fn spawn_inhibiting_auto_advance<F, R>(
        &self,
        f: F,
        inhibit: InhibitAutoAdvance,
    ) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.spawn_job(f, Some(inhibit))
    }

    fn spawn_job<F, R>(
        &self,
        f: F,
        #[cfg(any(test, feature = "test-util"))] inhibit: Option<InhibitAutoAdvance>,
    ) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let scheduler = BlockingSchedule {
            inner: self.inner.clone(),
            #[cfg(any(test, feature = "test-util"))]
            inhibit,
        };
        let (task, notified, join) =
            crate::runtime::task::new_task(BlockingTask::new(f), scheduler, Id::next());
        // Not owned by a list (see `BlockingSchedule::release`): drop that reference now.
        drop(task);
        self.inner.push(notified);
        join
    }

    pub(crate) fn num_threads(&self) -> usize {
        lock(&self.inner.state).num_threads
    }

    /// Whether the pool has begun shutting down (it accepts no job any more).
    pub(crate) fn is_shut_down(&self) -> bool {
        lock(&self.inner.state).shutdown
    }

    pub(crate) fn num_idle(&self) -> usize {
        lock(&self.inner.state).num_idle
    }

    pub(crate) fn queue_depth(&self) -> usize {
        lock(&self.inner.state).queue.len()
    }

    /// Refuses new jobs and waits up to `timeout` for the queued and running ones; `true` if
    /// they all finished in time.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) -> bool {
        // A timeout past what the clock can count (`Duration::MAX`) is no deadline at all.
        let deadline = timeout.and_then(|timeout| Instant::now().checked_add(timeout));
        let _handle = {
            let mut state = lock(&self.inner.state);
            state.shutdown = true;
            state.handle.take()
        };
        // Idle threads wake, drain the queue and exit.
        self.inner.work.notify_all();
        let mut state = lock(&self.inner.state);
        while state.num_threads > 0 {
            state = match deadline {
                None => self
                    .inner
                    .exited
                    .wait(state)
                    .unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    self.inner
                        .exited
                        .wait_timeout(state, deadline - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
        true
    }
}

impl Inner {
    fn push(self: &Arc<Self>, task: Notified) {
        let mut state = lock(&self.state);
        if state.shutdown {
            drop(state);
            task.shutdown();
            return;
        }
        state.queue.push_back(task);
        if state.num_idle > 0 {
            state.num_idle -= 1;
            state.num_notify += 1;
            drop(state);
            self.work.notify_one();
        } else if state.num_threads < self.max_threads {
            state.num_threads += 1;
            let handle = state.handle.clone();
            drop(state);
            self.start_thread(handle);
        }
    }

    fn start_thread(self: &Arc<Self>, handle: Option<Handle>) {
        let inner = self.clone();
        let spawned = self.config.builder().spawn(move || inner.run(handle));
        if let Err(error) = spawned {
            let mut state = lock(&self.state);
            state.num_threads -= 1;
            if state.num_threads == 0 {
                // No thread will ever run the queue: fail its jobs loudly rather than hang.
                let queued = std::mem::take(&mut state.queue);
                drop(state);
                for task in queued {
                    task.shutdown();
                }
            }
            panic!("weft could not start a blocking thread: {error}");
        }
    }

    fn run(self: Arc<Self>, handle: Option<Handle>) {
        let _context = handle.map(context::set_scheduler);
        self.config.run_on_start();
        let mut state = lock(&self.state);
        loop {
            if let Some(task) = state.queue.pop_front() {
                drop(state);
                task.run();
                state = lock(&self.state);
                continue;
            }
            if state.shutdown {
                break;
            }
            state.num_idle += 1;
            let (next, timeout) = self
                .work
                .wait_timeout(state, self.keep_alive)
                .unwrap_or_else(|e| e.into_inner());
            state = next;
            if state.num_notify > 0 {
                // Woken for a job (or for shutdown): the waker already took us off `num_idle`.
                state.num_notify -= 1;
                continue;
            }
            state.num_idle -= 1;
            if timeout.timed_out() && state.queue.is_empty() {
                // Idle past the keep-alive: leave the count under the lock that decided it, so
                // that a job pushed from now on starts a thread rather than wait for this one.
                self.leave(state);
                self.config.run_on_stop();
                return;
            }
        }
        // Shut down and the queue is empty: nothing can be queued any more, so the count can
        // wait until the stop hook has run, and `shutdown` waits for the hook too. The context's
        // handle goes first: a runtime dropped once `shutdown` returns is not kept alive here.
        drop(state);
        self.config.run_on_stop();
        drop(_context);
        self.leave(lock(&self.state));
    }

    /// Takes this thread out of the count; the last one out wakes `shutdown`.
    fn leave(&self, mut state: MutexGuard<'_, State>) {
        state.num_threads -= 1;
        if state.num_threads == 0 {
            drop(state);
            self.exited.notify_all();
        }
    }
}

impl fmt::Debug for BlockingPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingPool")
            .field("max_threads", &self.inner.max_threads)
            .finish_non_exhaustive()
    }
}
