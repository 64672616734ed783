//! `Builder`: a runtime's settings.

use super::{HistogramConfiguration, Runtime};
use crate::scheduler::blocking::{BlockingPool, ThreadConfig};
use crate::scheduler::multi_thread::Tuning;
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
    tuning: Tuning,
    /// `start_paused` (test-util).
    start_paused: bool,
    /// `max_io_events_per_tick`.
    io_events_per_tick: usize,
    /// `max_io_events_per_busy_tick`; `None`: as `io_events_per_tick`.
    io_events_per_busy_tick: Option<usize>,
    /// `enable_metrics_poll_time_histogram`.
    poll_time_histogram_enabled: bool,
    /// `metrics_poll_time_histogram_configuration`, used if enabled.
    poll_time_histogram: HistogramConfiguration,
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
                on_park: None,
                on_unpark: None,
                runtime_id: super::Id::next(),
                runtime_name: None,
                poll_time_histogram: None,
                #[cfg(feature = "tokio-context")]
                tokio_companion_threads: 1,
            },
            tuning: Tuning::default(),
            start_paused: false,
            io_events_per_tick: weft_io::DEFAULT_EVENTS_PER_TURN,
            poll_time_histogram_enabled: false,
            poll_time_histogram: HistogramConfiguration::default(),
            io_events_per_busy_tick: None,
        }
    }

    /// Names the runtime, for [`Handle::name`](super::Handle::name) (tokio's `Builder::name`).
    /// Thread names are set apart, with [`thread_name`](Builder::thread_name).
    ///
    /// # Panics
    /// If `name` is empty or only whitespace.
    ///
    /// ```
    /// let runtime = weft::runtime::Builder::new_current_thread()
    ///     .name("ingest")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(runtime.handle().name(), Some("ingest"));
    /// ```
    #[track_caller]
    pub fn name(&mut self, name: impl Into<String>) -> &mut Self {
        let name = name.into();
        assert!(!name.trim().is_empty(), "runtime name shouldn't be empty");
        self.config.runtime_name = Some(name.into());
        self
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

    /// `--features tokio-context`: how many worker threads the runtime's tokio companion has
    /// (one by default). The crates that run on tokio's own runtime run their connections,
    /// timers and spawned futures there (reqwest's connection pool, a database driver's
    /// sockets), so one thread caps what a program whose load goes through such a crate can
    /// do: measured on 2 cores, reqwest GETs from a weft program made 0.70x-0.78x the requests
    /// per second of the same program on tokio with one companion thread, and 0.84x-1.03x with
    /// two. Each more is one more mostly idle thread.
    ///
    /// # Panics
    /// With `threads` 0.
    ///
    /// ```
    /// let runtime = weft::runtime::Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .tokio_companion_threads(2)
    ///     .build()
    ///     .unwrap();
    /// # drop(runtime);
    /// ```
    #[cfg(feature = "tokio-context")]
    #[track_caller]
    pub fn tokio_companion_threads(&mut self, threads: usize) -> &mut Self {
        assert!(threads > 0, "tokio_companion_threads must be at least 1");
        self.config.tokio_companion_threads = threads;
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

    /// Runs `f` on a scheduler thread just before it sleeps for lack of work (a worker of a
    /// multi-thread runtime, or the thread driving a current-thread runtime).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// let parks = Arc::new(AtomicUsize::new(0));
    /// let counted = parks.clone();
    /// let runtime = weft::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .on_thread_park(move || {
    ///         counted.fetch_add(1, Ordering::Relaxed);
    ///     })
    ///     .build()
    ///     .unwrap();
    /// runtime.block_on(async {
    ///     // The worker has nothing to run, so it parks: soon, though not by any deadline (its
    ///     // thread may still be starting on a loaded machine).
    ///     while parks.load(Ordering::Relaxed) == 0 {
    ///         weft::time::sleep(std::time::Duration::from_millis(1)).await;
    ///     }
    /// });
    /// ```
    pub fn on_thread_park<F: Fn() + Send + Sync + 'static>(&mut self, f: F) -> &mut Self {
        self.config.on_park = Some(Arc::new(f));
        self
    }

    /// Runs `f` on a scheduler thread just after it wakes from the sleep that
    /// [`on_thread_park`](Builder::on_thread_park) announced.
    pub fn on_thread_unpark<F: Fn() + Send + Sync + 'static>(&mut self, f: F) -> &mut Self {
        self.config.on_unpark = Some(Arc::new(f));
        self
    }

    /// How many scheduler ticks (task polls) a worker runs between two looks at the global
    /// queue, where tasks spawned or woken from outside wait (default 61, as tokio). Smaller:
    /// fairer to remote work; larger: more locality. Multi-thread only.
    ///
    /// # Panics
    /// If `val` is 0.
    ///
    /// ```
    /// let runtime = weft::runtime::Builder::new_multi_thread()
    ///     .global_queue_interval(31)
    ///     .build()
    ///     .unwrap();
    /// # drop(runtime);
    /// ```
    #[track_caller]
    pub fn global_queue_interval(&mut self, val: u32) -> &mut Self {
        assert!(val > 0, "global_queue_interval must be greater than 0");
        self.tuning.global_queue_interval = val;
        self
    }

    /// How many scheduler ticks a busy worker runs between two polls of the I/O and time
    /// drivers (default 61, as tokio); an idle worker waits in them anyway. Multi-thread only.
    ///
    /// # Panics
    /// If `val` is 0.
    ///
    /// ```
    /// let runtime = weft::runtime::Builder::new_multi_thread()
    ///     .event_interval(31)
    ///     .build()
    ///     .unwrap();
    /// # drop(runtime);
    /// ```
    #[track_caller]
    pub fn event_interval(&mut self, val: u32) -> &mut Self {
        assert!(val > 0, "event_interval must be greater than 0");
        self.tuning.event_interval = val;
        self
    }

    /// Turns off the LIFO slot: a task woken by another task of the same worker goes to the
    /// back of that worker's queue instead of running next. It costs locality (a message
    /// passed between two tasks waits behind the whole queue) for strict FIFO order. tokio has
    /// this knob under `tokio_unstable`. Multi-thread only.
    pub fn disable_lifo_slot(&mut self) -> &mut Self {
        self.tuning.lifo_slot = false;
        self
    }

    /// The most I/O events one look at the reactor takes (tokio's `max_io_events_per_tick`,
    /// default 1024); the rest wait for the next look. A smaller batch lets the tasks of the
    /// first events run sooner on a busy runtime, at the cost of more system calls.
    ///
    /// ```
    /// let runtime = weft::runtime::Builder::new_multi_thread()
    ///     .max_io_events_per_tick(256)
    ///     .build()
    ///     .unwrap();
    /// # drop(runtime);
    /// ```
    ///
    /// # Panics
    /// If `capacity` is 0.
    #[track_caller]
    pub fn max_io_events_per_tick(&mut self, capacity: usize) -> &mut Self {
        assert!(capacity > 0, "max_io_events_per_tick must be non-zero");
        self.io_events_per_tick = capacity;
        self
    }

    /// The most I/O events a look at the reactor takes when it does not wait: a worker that
    /// still has tasks to run (it polls the driver every `event_interval` ticks, and when only
    /// yielded tasks are left), a park whose next timer is already due, and the monitor's
    /// look on behalf of busy workers (tokio's `max_io_events_per_busy_tick`). Every task such
    /// a look wakes joins that worker's queues at once; a smaller batch leaves the rest in the
    /// kernel for the next look, or for an idle worker. Default: the same as
    /// [`max_io_events_per_tick`](Self::max_io_events_per_tick); larger values act as that.
    ///
    /// ```
    /// let runtime = weft::runtime::Builder::new_multi_thread()
    ///     .max_io_events_per_tick(128)
    ///     .max_io_events_per_busy_tick(8)
    ///     .build()
    ///     .unwrap();
    /// # drop(runtime);
    /// ```
    ///
    /// # Panics
    /// If `capacity` is 0.
    #[track_caller]
    pub fn max_io_events_per_busy_tick(&mut self, capacity: usize) -> &mut Self {
        assert!(capacity > 0, "max_io_events_per_busy_tick must be non-zero");
        self.io_events_per_busy_tick = Some(capacity);
        self
    }

    /// The runtime's I/O driver, with the event limits set here.
    fn io_driver(&self) -> io::Result<crate::scheduler::io_driver::IoDriver> {
        let busy = self
            .io_events_per_busy_tick
            .unwrap_or(self.io_events_per_tick);
        crate::scheduler::io_driver::IoDriver::with_event_limits(self.io_events_per_tick, busy)
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

    /// Starts the runtime's clock paused (test-util; tokio's `Builder::start_paused`): as if
    /// the first thing `block_on` did was [`time::pause`](crate::time::pause), with the clock
    /// standing at the instant the runtime was built.
    ///
    /// `build` panics if this is `true` on a multi-thread builder: pausing needs the
    /// current-thread runtime, as in tokio.
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::time::Instant;
    ///
    /// let runtime = weft::runtime::Builder::new_current_thread()
    ///     .start_paused(true)
    ///     .build()
    ///     .unwrap();
    /// runtime.block_on(async {
    ///     let start = Instant::now();
    ///     weft::time::sleep(Duration::from_secs(60)).await; // auto-advance: no real wait
    ///     assert_eq!(start.elapsed(), Duration::from_secs(60));
    /// });
    /// ```
    #[cfg(any(test, feature = "test-util"))]
    pub fn start_paused(&mut self, start_paused: bool) -> &mut Self {
        self.start_paused = start_paused;
        self
    }

    /// Times every task poll and counts it in a histogram per worker thread, read with
    /// [`RuntimeMetrics::poll_time_histogram_bucket_count`](super::RuntimeMetrics::poll_time_histogram_bucket_count)
    /// (tokio's unstable metric). Off by default: each poll then costs two clock reads more
    /// (tens of nanoseconds). The buckets are
    /// [`metrics_poll_time_histogram_configuration`](Self::metrics_poll_time_histogram_configuration)'s,
    /// by default ten of 100 µs each.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let runtime = weft::runtime::Builder::new_multi_thread()
    ///     .worker_threads(1)
    ///     .enable_metrics_poll_time_histogram()
    ///     .build()
    ///     .unwrap();
    /// runtime.block_on(async {
    ///     weft::spawn(async { std::thread::sleep(Duration::from_millis(1)) }).await.unwrap();
    /// });
    /// let metrics = runtime.metrics();
    /// assert!(metrics.poll_time_histogram_enabled());
    /// while metrics.worker_park_unpark_count(0) % 2 == 0 {
    ///     std::thread::yield_now(); // until the worker, done with the poll, sleeps
    /// }
    /// // The poll that slept 1 ms landed in the last bucket (900 µs and more).
    /// assert_eq!(metrics.poll_time_histogram_bucket_count(0, 9), 1);
    /// ```
    pub fn enable_metrics_poll_time_histogram(&mut self) -> &mut Self {
        self.poll_time_histogram_enabled = true;
        self
    }

    /// The buckets of the poll-time histogram (see
    /// [`enable_metrics_poll_time_histogram`](Self::enable_metrics_poll_time_histogram),
    /// which this does not call): linear or logarithmic, see [`HistogramConfiguration`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::runtime::{HistogramConfiguration, LogHistogram};
    ///
    /// let runtime = weft::runtime::Builder::new_current_thread()
    ///     .enable_metrics_poll_time_histogram()
    ///     .metrics_poll_time_histogram_configuration(HistogramConfiguration::log(
    ///         LogHistogram::default(),
    ///     ))
    ///     .build()
    ///     .unwrap();
    /// let metrics = runtime.metrics();
    /// let last = metrics.poll_time_histogram_num_buckets() - 1;
    /// assert_eq!(
    ///     metrics.poll_time_histogram_bucket_range(last).start,
    ///     Duration::from_nanos(1 << 32)
    /// );
    /// ```
    pub fn metrics_poll_time_histogram_configuration(
        &mut self,
        configuration: HistogramConfiguration,
    ) -> &mut Self {
        self.poll_time_histogram = configuration;
        self
    }

    /// The settings of a runtime built now: each gets its own id, even from one builder.
    fn thread_config(&self) -> ThreadConfig {
        ThreadConfig {
            runtime_id: super::Id::next(),
            poll_time_histogram: self
                .poll_time_histogram_enabled
                .then_some(self.poll_time_histogram.layout),
            ..self.config.clone()
        }
    }

    /// Builds the runtime and starts its threads.
    ///
    /// # Panics
    /// With `start_paused(true)` on a multi-thread builder.
    #[track_caller]
    pub fn build(&mut self) -> io::Result<Runtime> {
        #[cfg(any(test, feature = "test-util"))]
        if self.start_paused && self.flavor == Flavor::MultiThread {
            panic!("{}", crate::time::clock::NOT_CURRENT_THREAD);
        }
        let config = self.thread_config();
        let blocking =
            BlockingPool::new(self.max_blocking_threads, self.keep_alive, config.clone());
        let workers = self.worker_threads.unwrap_or_else(num_cpus::get).max(1);
        let io = self.io_driver()?;
        Ok(match self.flavor {
            Flavor::MultiThread => {
                Runtime::multi_thread(workers, blocking, config, self.tuning, io)
            }
            Flavor::CurrentThread => {
                Runtime::current_thread(blocking, io, config, self.start_paused, None)
            }
        })
    }

    /// Builds a [`LocalRuntime`](super::LocalRuntime): a current-thread runtime on which
    /// [`spawn_local`](crate::task::spawn_local) works from any of its tasks.
    ///
    /// # Panics
    /// On a multi-thread builder (as tokio's).
    ///
    /// ```
    /// use std::rc::Rc;
    /// use weft::runtime::{Builder, LocalOptions};
    ///
    /// let runtime = Builder::new_current_thread()
    ///     .build_local(LocalOptions::default())
    ///     .unwrap();
    /// let rc = Rc::new(3);
    /// let out = runtime.block_on(async move {
    ///     weft::task::spawn_local(async move { *rc * 2 }).await.unwrap()
    /// });
    /// assert_eq!(out, 6);
    /// ```
    #[track_caller]
    pub fn build_local(&mut self, options: super::LocalOptions) -> io::Result<super::LocalRuntime> {
        let _ = options;
        assert!(
            self.flavor == Flavor::CurrentThread,
            "multi_thread is not supported for LocalRuntime"
        );
        let config = self.thread_config();
        let blocking =
            BlockingPool::new(self.max_blocking_threads, self.keep_alive, config.clone());
        let io = self.io_driver()?;
        let local = crate::task::LocalSet::new();
        let runtime = Runtime::current_thread(
            blocking,
            io,
            config,
            self.start_paused,
            Some(local.shared().clone()),
        );
        Ok(super::LocalRuntime::from_parts(runtime, local))
    }
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("flavor", &self.flavor)
            .field("worker_threads", &self.worker_threads)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("keep_alive", &self.keep_alive)
            .field("name", &self.config.runtime_name)
            .field("tuning", &self.tuning)
            .field("max_io_events_per_tick", &self.io_events_per_tick)
            .field("max_io_events_per_busy_tick", &self.io_events_per_busy_tick)
            .field(
                "poll_time_histogram",
                &self
                    .poll_time_histogram_enabled
                    .then_some(self.poll_time_histogram),
            )
            .finish_non_exhaustive()
    }
}
