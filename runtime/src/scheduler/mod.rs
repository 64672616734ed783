//! The schedulers: multi-thread (work-stealing), current-thread, and the blocking pool.

pub(crate) mod blocking;
pub(crate) mod current_thread;
pub(crate) mod io_driver;
pub(crate) mod mean_poll_time;
pub(crate) mod multi_thread;
pub(crate) mod park;
pub(crate) mod queue;

use crate::task::JoinHandle;
use crate::time::driver::TimeDriver;
use std::future::Future;
use std::sync::Arc;

/// `runtime::worker_index`: this thread's index among the workers of the runtime it works
/// for now, if it is one (a multi-thread worker, or the thread driving a current-thread
/// runtime).
pub(crate) fn worker_index() -> Option<usize> {
    multi_thread::worker_index().or_else(|| current_thread::is_driving().then_some(0))
}

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
        match self {
            // Only a current-thread clock can pause (tokio's rule), so only there does a
            // blocking job hold auto-advance off.
            #[cfg(any(test, feature = "test-util"))]
            Handle::CurrentThread(shared) => shared.blocking.spawn_inhibiting_auto_advance(
                f,
                blocking::InhibitAutoAdvance::new(shared.time.clone()),
            ),
            _ => self.blocking().spawn(f),
        }
    }

    /// `Handle::id`.
    pub(crate) fn id(&self) -> crate::runtime::Id {
        self.config().runtime_id
    }

    /// `Handle::name`.
    pub(crate) fn name(&self) -> Option<&str> {
        self.config().runtime_name.as_deref()
    }

    pub(crate) fn config(&self) -> &blocking::ThreadConfig {
        match self {
            Handle::MultiThread(shared) => &shared.config,
            Handle::CurrentThread(shared) => &shared.config,
        }
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

    pub(crate) fn metrics(&self) -> crate::runtime::metrics::Snapshot {
        match self {
            Handle::MultiThread(shared) => shared.metrics(),
            Handle::CurrentThread(shared) => shared.metrics(),
        }
    }

    /// Worker `index`'s counters; `index` is below the worker count.
    pub(crate) fn worker_metrics(&self, index: usize) -> crate::runtime::metrics::WorkerSnapshot {
        match self {
            Handle::MultiThread(shared) => shared.worker_metrics(index),
            Handle::CurrentThread(shared) => shared.worker_metrics(),
        }
    }

    /// Task polls of worker `index` in bucket `bucket` of the poll-time histogram; both are
    /// in range.
    pub(crate) fn poll_time_count(&self, index: usize, bucket: usize) -> u64 {
        match self {
            Handle::MultiThread(shared) => shared.poll_time_count(index, bucket),
            Handle::CurrentThread(shared) => shared.poll_time_count(bucket),
        }
    }

    /// `--features tokio-context`: the runtime's tokio companion.
    #[cfg(feature = "tokio-context")]
    pub(crate) fn tokio_companion(&self) -> &crate::runtime::tokio_context::Companion {
        match self {
            Handle::MultiThread(shared) => &shared.tokio,
            Handle::CurrentThread(shared) => &shared.tokio,
        }
    }

    /// A handle that does not keep the runtime's shared state alive.
    pub(crate) fn downgrade(&self) -> WeakHandle {
        match self {
            Handle::MultiThread(shared) => WeakHandle::MultiThread(Arc::downgrade(shared)),
            Handle::CurrentThread(shared) => WeakHandle::CurrentThread(Arc::downgrade(shared)),
        }
    }
}

/// A [`Handle`] that does not keep the runtime's shared state alive (the runtime registry
/// holds one per runtime; `tokio-context`'s hooks hold one, so that a companion and its weft
/// runtime form no cycle).
#[derive(Clone, Debug)]
pub(crate) enum WeakHandle {
    MultiThread(std::sync::Weak<multi_thread::Shared>),
    CurrentThread(std::sync::Weak<current_thread::Shared>),
}

impl WeakHandle {
    /// The handle, while the runtime's shared state lives.
    pub(crate) fn upgrade(&self) -> Option<Handle> {
        match self {
            WeakHandle::MultiThread(shared) => shared.upgrade().map(Handle::MultiThread),
            WeakHandle::CurrentThread(shared) => shared.upgrade().map(Handle::CurrentThread),
        }
    }

    /// Whether the runtime's shared state still lives.
    pub(crate) fn is_alive(&self) -> bool {
        match self {
            WeakHandle::MultiThread(shared) => shared.strong_count() > 0,
            WeakHandle::CurrentThread(shared) => shared.strong_count() > 0,
        }
    }
}
