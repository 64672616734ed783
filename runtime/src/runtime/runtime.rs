//! `Runtime`: owns the scheduler's threads; dropping it shuts everything down.

use super::{EnterGuard, Handle, RuntimeMetrics};
use crate::scheduler::blocking::{BlockingPool, ThreadConfig};
use crate::scheduler::current_thread;
use crate::scheduler::io_driver::IoDriver;
use crate::scheduler::multi_thread::{MultiThread, Tuning};
use crate::scheduler::Handle as SchedulerHandle;
use crate::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::time::Duration;

/// The weft runtime: a scheduler, its timers and its blocking pool.
///
/// Dropping it cancels every task still alive (their futures are dropped, inside the runtime's
/// context, so destructors run and may use it: a task they spawn is cancelled at once), joins
/// the workers and waits for the blocking jobs queued or running; [`shutdown_timeout`] bounds
/// that wait.
///
/// ```
/// let runtime = weft::runtime::Runtime::new().unwrap();
/// let handle = runtime.spawn(async { "hello" });
/// assert_eq!(runtime.block_on(handle).unwrap(), "hello");
/// ```
///
/// [`shutdown_timeout`]: Runtime::shutdown_timeout
pub struct Runtime {
    handle: Handle,
    kind: Kind,
}

/// The scheduler a runtime runs; from [`Handle::runtime_flavor`](super::Handle::runtime_flavor).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// Every task runs on the thread that calls `block_on`
    /// ([`Builder::new_current_thread`](super::Builder::new_current_thread)).
    CurrentThread,
    /// Tasks run on a pool of worker threads
    /// ([`Builder::new_multi_thread`](super::Builder::new_multi_thread)).
    MultiThread,
}

enum Kind {
    MultiThread(MultiThread),
    CurrentThread,
    /// Already shut down by `shutdown_timeout`.
    Stopped,
}

impl Runtime {
    /// A multi-thread runtime with the default settings (one worker per CPU).
    pub fn new() -> std::io::Result<Runtime> {
        super::Builder::new_multi_thread().build()
    }

    pub(crate) fn multi_thread(
        workers: usize,
        blocking: BlockingPool,
        config: ThreadConfig,
        tuning: Tuning,
        io: IoDriver,
    ) -> Runtime {
        let scheduler = MultiThread::new(workers, blocking, config, tuning, io);
        let handle = SchedulerHandle::MultiThread(scheduler.shared.clone());
        handle.blocking().set_handle(handle.clone());
        super::registry::register(&handle);
        Runtime {
            handle: Handle { inner: handle },
            kind: Kind::MultiThread(scheduler),
        }
    }

    pub(crate) fn current_thread(
        blocking: BlockingPool,
        io: IoDriver,
        config: ThreadConfig,
        start_paused: bool,
        local: Option<crate::loom::Arc<crate::task::LocalShared>>,
    ) -> Runtime {
        let shared = current_thread::Shared::new(blocking, io, config, start_paused, local);
        let handle = SchedulerHandle::CurrentThread(shared);
        handle.blocking().set_handle(handle.clone());
        super::registry::register(&handle);
        Runtime {
            handle: Handle { inner: handle },
            kind: Kind::CurrentThread,
        }
    }

    /// Runs `future` to completion on this thread and returns its output. On a multi-thread
    /// runtime the workers run the spawned tasks meanwhile; on a current-thread runtime this
    /// thread runs them.
    ///
    /// # Panics
    /// Inside a running runtime (a task, or another `block_on`): use `.await` there.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Spawns a task on this runtime; see [`weft::spawn`](crate::spawn).
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs a blocking closure on this runtime's blocking pool; see
    /// [`spawn_blocking`](crate::task::spawn_blocking).
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// A handle to this runtime, which can be cloned and sent to other threads.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// A view of the runtime's counters; the same as `handle().metrics()`.
    ///
    /// ```
    /// let runtime = weft::runtime::Builder::new_multi_thread().worker_threads(3).build().unwrap();
    /// assert_eq!(runtime.metrics().num_workers(), 3);
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        self.handle.metrics()
    }

    /// Makes this runtime current on this thread until the guard drops, so that
    /// [`weft::spawn`](crate::spawn) and timers work from plain code.
    pub fn enter(&self) -> EnterGuard<'_> {
        self.handle.enter()
    }

    /// Shuts down like `drop`, but waits at most `timeout` for blocking jobs (and for workers
    /// stuck in a poll) to finish; threads still busy then are left to finish detached, and
    /// blocking jobs still queued then still run on them.
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Some(timeout));
    }

    /// Shuts down without waiting for blocking jobs.
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }

    /// Shuts down now; `drop` then has nothing left to do.
    pub(crate) fn shutdown_in_place(&mut self, timeout: Option<Duration>) {
        self.shutdown(timeout);
    }

    fn shutdown(&mut self, timeout: Option<Duration>) {
        // Shutting down enters the runtime to drop its tasks, maybe from a thread-local's
        // destructor: a tokio companion not started by now must not start there.
        #[cfg(feature = "tokio-context")]
        self.handle.inner.tokio_companion().forbid_start();
        match std::mem::replace(&mut self.kind, Kind::Stopped) {
            Kind::MultiThread(mut scheduler) => scheduler.shutdown(timeout),
            Kind::CurrentThread => match &self.handle.inner {
                SchedulerHandle::CurrentThread(shared) => shared.shutdown(timeout),
                SchedulerHandle::MultiThread(_) => {
                    unreachable!("a current-thread runtime has a current-thread handle")
                }
            },
            Kind::Stopped => {}
        }
        // After weft's tasks are gone (their drops may still use the crates' tokio resources):
        // the tokio companion stops too, without waiting for its thread (idempotent).
        #[cfg(feature = "tokio-context")]
        self.handle.inner.tokio_companion().shut_down();
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if matches!(self.kind, Kind::Stopped) {
            return;
        }
        if super::context::in_runtime() && !std::thread::panicking() {
            // Joining the workers from inside a task could wait for this very thread.
            self.shutdown(Some(Duration::ZERO));
            // tokio's words first; a literal, so the payload is a `&'static str` as tokio's.
            panic!(
                "Cannot drop a runtime in a context where blocking is not allowed. This happens \
                 when a runtime is dropped from within an asynchronous context. (Drop it \
                 outside, or use Runtime::shutdown_background.)"
            );
        }
        self.shutdown(None);
    }
}

// As tokio's: a panic in code that holds a `&Runtime` (a `block_on`'s future, a hook) leaves
// the runtime usable, since the scheduler catches the panics of user code it runs and keeps
// its own state consistent across them; so `catch_unwind(|| runtime.block_on(..))` compiles.
impl std::panic::UnwindSafe for Runtime {}

impl std::panic::RefUnwindSafe for Runtime {}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("handle", &self.handle)
            .finish()
    }
}
