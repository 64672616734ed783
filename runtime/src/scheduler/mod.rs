//! The schedulers: multi-thread (work-stealing), current-thread, and the blocking pool.

pub(crate) mod blocking;
pub(crate) mod current_thread;
pub(crate) mod io_driver;
pub(crate) mod multi_thread;
pub(crate) mod park;
pub(crate) mod queue;

use crate::task::JoinHandle;
use crate::time::driver::TimeDriver;
use std::future::Future;
use std::sync::Arc;

/// A runtime's scheduler, as handles and the thread-local context hold it.
#[derive(Clone, Debug)]
pub(crate) enum Handle {
    MultiThread(Arc<multi_thread::Shared>),
    CurrentThread(Arc<current_thread::Shared>),
}

impl Handle {
    pub(crate) fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Handle::MultiThread(shared) => shared.spawn(future),
            Handle::CurrentThread(shared) => shared.spawn(future),
        }
    }

    pub(crate) fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.blocking().spawn(f)
    }

    pub(crate) fn blocking(&self) -> &blocking::BlockingPool {
        match self {
            Handle::MultiThread(shared) => &shared.blocking,
            Handle::CurrentThread(shared) => &shared.blocking,
        }
    }

    pub(crate) fn time(&self) -> &crate::loom::Arc<TimeDriver> {
        match self {
            Handle::MultiThread(shared) => &shared.time,
            Handle::CurrentThread(shared) => &shared.time,
        }
    }

    pub(crate) fn io(&self) -> &io_driver::IoDriver {
        match self {
            Handle::MultiThread(shared) => shared.io(),
            Handle::CurrentThread(shared) => &shared.io,
        }
    }

    pub(crate) fn metrics(&self) -> crate::runtime::RuntimeMetrics {
        match self {
            Handle::MultiThread(shared) => shared.metrics(),
            Handle::CurrentThread(shared) => shared.metrics(),
        }
    }
}
