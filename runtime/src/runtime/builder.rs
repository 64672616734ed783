//! `Builder`: a runtime's settings.

use super::Runtime;
use crate::scheduler::blocking::{BlockingPool, ThreadConfig};
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

/// Builds a [`Runtime`] with custom settings; names and defaults follow tokio's builder.
///
/// ```
/// use weft::runtime::Builder;
///
/// let runtime = Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("my-server")
///     .max_blocking_threads(16)
///     .build()
///     .unwrap();
/// runtime.block_on(async { /* ... */ });
/// ```
pub struct Builder {
    flavor: Flavor,
    worker_threads: Option<usize>,
    max_blocking_threads: usize,
    keep_alive: Duration,
    config: ThreadConfig,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    MultiThread,
    CurrentThread,
}

impl Builder {
    /// A builder for the multi-thread, work-stealing scheduler: by default one worker per CPU.
    pub fn new_multi_thread() -> Builder {
        Builder::new(Flavor::MultiThread)
    }

    /// A builder for the current-thread scheduler: every task runs on the thread that calls
    /// [`Runtime::block_on`].
    pub fn new_current_thread() -> Builder {
        Builder::new(Flavor::CurrentThread)
    }

    fn new(flavor: Flavor) -> Builder {
        Builder {
            flavor,
            worker_threads: None,
            max_blocking_threads: 512,
            keep_alive: Duration::from_secs(10),
            config: ThreadConfig {
                name: Arc::new(|| "weft-worker".to_owned()),
                stack_size: None,
                on_start: None,
                on_stop: None,
            },
        }
    }

    /// Sets the number of worker threads (multi-thread only; default: the number of CPUs).
    ///
    /// # Panics
    /// If `n` is 0.
    #[track_caller]
    pub fn worker_threads(&mut self, n: usize) -> &mut Self {
        assert!(n > 0, "worker_threads must be greater than 0");
        self.worker_threads = Some(n);
        self
    }

    /// Sets the most threads the blocking pool may start (default 512).
    ///
    /// # Panics
    /// If `n` is 0.
    #[track_caller]
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Self {
        assert!(n > 0, "max_blocking_threads must be greater than 0");
        self.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking thread waits for work before it exits (default 10 s).
    pub fn thread_keep_alive(&mut self, duration: Duration) -> &mut Self {
        self.keep_alive = duration;
        self
    }

    /// Names the threads the runtime starts (workers and blocking threads).
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Self {
        let name = name.into();
        self.config.name = Arc::new(move || name.clone());
        self
    }

    /// Names each thread with the result of `f`.
    pub fn thread_name_fn<F: Fn() -> String + Send + Sync + 'static>(&mut self, f: F) -> &mut Self {
        self.config.name = Arc::new(f);
        self
    }

    /// Sets the stack size of the threads the runtime starts.
    pub fn thread_stack_size(&mut self, bytes: usize) -> &mut Self {
        self.config.stack_size = Some(bytes);
        self
    }

    /// Runs `f` on each thread the runtime starts, before it runs any task.
    ///
    /// A panic in `f` is caught (the panic hook reports it) and the thread goes on to serve
    /// the runtime: a hook cannot take a worker or a blocking thread away.
    pub fn on_thread_start<F: Fn() + Send + Sync + 'static>(&mut self, f: F) -> &mut Self {
        self.config.on_start = Some(Arc::new(f));
        self
    }

    /// Runs `f` on each thread the runtime started, just before it exits. Dropping the
    /// runtime waits for it (within [`Runtime::shutdown_timeout`]'s bound).
    ///
    /// A panic in `f` is caught (the panic hook reports it); the thread exits as it would have.
    pub fn on_thread_stop<F: Fn() + Send + Sync + 'static>(&mut self, f: F) -> &mut Self {
        self.config.on_stop = Some(Arc::new(f));
        self
    }

    /// Accepted for tokio compatibility: weft's drivers are always on.
    pub fn enable_all(&mut self) -> &mut Self {
        self
    }

    /// Accepted for tokio compatibility: the time driver is always on.
    pub fn enable_time(&mut self) -> &mut Self {
        self
    }

    /// Accepted for tokio compatibility: the I/O driver is always on.
    pub fn enable_io(&mut self) -> &mut Self {
        self
    }

    /// Builds the runtime and starts its threads.
    pub fn build(&mut self) -> io::Result<Runtime> {
        let blocking = BlockingPool::new(
            self.max_blocking_threads,
            self.keep_alive,
            self.config.clone(),
        );
        let workers = self.worker_threads.unwrap_or_else(num_cpus::get).max(1);
        let io = crate::scheduler::io_driver::IoDriver::new()?;
        Ok(match self.flavor {
            Flavor::MultiThread => {
                Runtime::multi_thread(workers, blocking, self.config.clone(), io)
            }
            Flavor::CurrentThread => Runtime::current_thread(blocking, io),
        })
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("flavor", &self.flavor)
            .field("worker_threads", &self.worker_threads)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("keep_alive", &self.keep_alive)
            .finish_non_exhaustive()
    }
}
