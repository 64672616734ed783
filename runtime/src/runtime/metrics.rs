//! `RuntimeMetrics`: counters that are cheap enough to leave on.
//!
//! The schedulers keep the counters (each worker writes its own with plain stores) and fill a
//! [`Snapshot`] on demand; `RuntimeMetrics` is tokio's shape around that: a handle to the
//! runtime whose every method reads the current value.

use super::Handle;
use std::fmt;
use std::time::Duration;

mod histogram;

pub(crate) use histogram::Layout as HistogramLayout;
pub use histogram::{
    HistogramConfiguration, InvalidHistogramConfiguration, LogHistogram, LogHistogramBuilder,
};

/// A view of a runtime's counters; from [`Handle::metrics`](super::Handle::metrics) or
/// [`Runtime::metrics`](super::Runtime::metrics).
///
/// As tokio's, it is a live view, not a snapshot: each method reads the counter now, so one
/// `RuntimeMetrics` can be kept and read again later (also after the runtime was dropped, when
/// the counters no longer move). Readings are approximate while the runtime runs (workers
/// write their counters without synchronising with the reader) and exact once it is idle.
///
/// tokio's stable methods are here under their names ([`num_workers`](Self::num_workers),
/// [`num_alive_tasks`](Self::num_alive_tasks), [`global_queue_depth`](Self::global_queue_depth),
/// [`worker_park_count`](Self::worker_park_count)); weft's other counters use the names of
/// tokio's unstable ones where it has them ([`spawned_tasks_count`](Self::spawned_tasks_count),
/// [`worker_poll_count`](Self::worker_poll_count), ...), and need no `--cfg tokio_unstable`.
///
/// ```
/// let runtime = weft::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let metrics = runtime.metrics();
/// runtime.block_on(async {
///     weft::spawn(async {}).await.unwrap();
/// });
/// assert_eq!(metrics.num_workers(), 2);
/// assert_eq!(metrics.spawned_tasks_count(), 1);
/// ```
#[derive(Clone)]
pub struct RuntimeMetrics {
    handle: Handle,
}

/// All counters at one moment, as a scheduler reports them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Snapshot {
    /// Worker threads (1 for a current-thread runtime).
    pub(crate) workers: usize,
    /// Tasks spawned and not yet completed.
    pub(crate) tasks_alive: usize,
    /// Tasks spawned since the runtime started (blocking jobs not included).
    pub(crate) tasks_spawned: u64,
    /// Task polls.
    pub(crate) polls: u64,
    /// Tasks stolen from peers.
    pub(crate) steals: u64,
    /// Times a worker went to sleep.
    pub(crate) parks: u64,
    /// Tasks scheduled from outside the runtime's threads (into the shared queue).
    pub(crate) remote_schedules: u64,
    /// Task polls that spent the whole cooperative budget.
    pub(crate) forced_yields: u64,
    /// Workers asleep now, waiting for work (0 for a current-thread runtime).
    pub(crate) idle_workers: usize,
    /// Tasks waiting in the shared (injector) queue.
    pub(crate) global_queue_depth: usize,
    /// Tasks waiting in the workers' own queues.
    pub(crate) local_queue_depth: usize,
    /// Threads in the blocking pool.
    pub(crate) blocking_threads: usize,
    /// Of those, the threads waiting for a job.
    pub(crate) idle_blocking_threads: usize,
    /// Blocking jobs waiting for a thread.
    pub(crate) blocking_queue_depth: usize,
    /// Sockets registered with the runtime's I/O driver now.
    pub(crate) io_sources: usize,
    /// The I/O driver's registrations, deregistrations and readiness events so far.
    pub(crate) io: IoCounts,
}

/// What the I/O driver has done since the runtime started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct IoCounts {
    pub(crate) registered: u64,
    pub(crate) deregistered: u64,
    pub(crate) ready: u64,
}

/// One worker's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct WorkerSnapshot {
    pub(crate) polls: u64,
    /// Tasks stolen, and the steals that took them (a steal takes a batch).
    pub(crate) steals: u64,
    pub(crate) steal_operations: u64,
    pub(crate) parks: u64,
    /// Parks with no task polled since the worker's previous park (or its start).
    pub(crate) noops: u64,
    /// Tasks this worker's thread scheduled on its own queues.
    pub(crate) local_schedules: u64,
    /// Parks and unparks together: odd while the worker sleeps.
    pub(crate) park_unparks: u64,
    /// Time spent out of park, up to the worker's last park (or last `block_on` return).
    pub(crate) busy: Duration,
    /// The average time per task poll (multi-thread runtime only; zero otherwise).
    pub(crate) mean_poll_time: Duration,
    pub(crate) local_queue_depth: usize,
}

/// One zeroed counter per bucket of a poll-time histogram, or none if it is not enabled.
pub(crate) fn poll_time_counters(layout: Option<HistogramLayout>) -> Box<[crate::loom::AtomicU64]> {
    let buckets = layout.map_or(0, |layout| layout.num_buckets());
    (0..buckets)
        .map(|_| crate::loom::AtomicU64::new(0))
        .collect()
}

/// `duration` in whole nanoseconds, saturating (after 580 years): how the schedulers keep busy
/// time in an `AtomicU64`.
pub(crate) fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

impl RuntimeMetrics {
    pub(crate) fn new(handle: Handle) -> RuntimeMetrics {
        RuntimeMetrics { handle }
    }

    fn now(&self) -> Snapshot {
        self.handle.inner.metrics()
    }

    /// # Panics
    /// If `worker >= num_workers()`.
    #[track_caller]
    fn worker(&self, worker: usize) -> WorkerSnapshot {
        self.check_worker(worker);
        self.handle.inner.worker_metrics(worker)
    }

    /// # Panics
    /// If `worker >= num_workers()`.
    #[track_caller]
    fn check_worker(&self, worker: usize) {
        let workers = self.num_workers();
        assert!(
            worker < workers,
            "worker index {worker} out of range: the runtime has {workers} worker(s)"
        );
    }

    /// The number of worker threads (1 for a current-thread runtime).
    pub fn num_workers(&self) -> usize {
        self.now().workers
    }

    /// Tasks spawned and not yet completed (blocking jobs and `LocalSet` tasks not included).
    pub fn num_alive_tasks(&self) -> usize {
        self.now().tasks_alive
    }

    /// Tasks waiting in the runtime's shared queue (spawned or woken from outside a worker).
    pub fn global_queue_depth(&self) -> usize {
        self.now().global_queue_depth
    }

    /// Times worker `worker` went to sleep (for a current-thread runtime, worker 0 is the
    /// thread in `block_on`).
    ///
    /// # Panics
    /// If `worker >= num_workers()`.
    #[track_caller]
    pub fn worker_park_count(&self, worker: usize) -> u64 {
        self.worker(worker).parks
    }

    /// Times worker `worker` went to sleep plus the times it woke: odd while it sleeps, even
    /// while it runs (tokio's `worker_park_unpark_count`). Two readings that differ show that
    /// it slept in between, which `worker_park_count` alone misses when the reading falls
    /// inside a sleep.
    ///
    /// ```
    /// let runtime = weft::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// let metrics = runtime.metrics();
    /// let on_worker = runtime.block_on(async {
    ///     let metrics = weft::runtime::Handle::current().metrics();
    ///     weft::spawn(async move { metrics.worker_park_unpark_count(0) }).await.unwrap()
    /// });
    /// assert_eq!(on_worker % 2, 0); // read by a task: the worker was running it
    /// # drop(metrics);
    /// ```
    ///
    /// # Panics
    /// If `worker >= num_workers()`.
    #[track_caller]
    pub fn worker_park_unpark_count(&self, worker: usize) -> u64 {
        self.worker(worker).park_unparks
    }

    /// The time worker `worker` has spent out of its sleep (running tasks, looking for them,
    /// polling the drivers), from its start to its last park (tokio's
    /// `worker_total_busy_duration`; as there, the stretch since the last park is added when
    /// the worker next parks, or when it stops at shutdown). For a current-thread runtime: the
    /// time inside `block_on` out of
    /// its sleep, up to the last park or the last return from `block_on`.
    ///
    /// # Panics
    /// If `worker >= num_workers()`.
    #[track_caller]
    pub fn worker_total_busy_duration(&self, worker: usize) -> Duration {
        self.worker(worker).busy
    }

    /// Task polls by worker `worker`.
    ///
    /// # Panics
    /// If `worker >= num_workers()`.
    #[track_caller]
    pub fn worker_poll_count(&self, worker: usize) -> u64 {
        self.worker(worker).polls
    }

    /// How long worker `worker` spends per task poll: an exponentially weighted moving
    /// average in which each poll weighs a tenth (tokio's unstable metric, with tokio's
    /// weight). No poll is timed on its own: the worker's busy stretches (from waking to its
    /// next sleep, cut at each of its periodic driver polls) are divided by the polls they
    /// held, scheduler work included, so the figure costs a clock read per 61 polls and per
    /// park. Zero until the worker has ended a stretch with a poll in it. As tokio's, only
    /// the multi-thread runtime keeps it: a current-thread runtime reports zero.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let runtime = weft::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// runtime.block_on(async {
    ///     let spin = || {
    ///         let start = Instant::now();
    ///         while start.elapsed() < Duration::from_millis(2) {}
    ///     };
    ///     // Eleven polls of at least 2 ms each: ten end in a yield, the last in the return.
    ///     weft::spawn(async move {
    ///         for _ in 0..10 {
    ///             spin();
    ///             weft::task::yield_now().await;
    ///         }
    ///         spin();
    ///     })
    ///     .await
    ///     .unwrap();
    /// });
    /// let metrics = runtime.metrics();
    /// while metrics.worker_park_unpark_count(0) % 2 == 0 {
    ///     std::thread::yield_now(); // until the worker sleeps, its stretch folded in
    /// }
    /// // Each poll moved the average a tenth of the way towards 2 ms or more.
    /// let floor = Duration::from_millis(2).mul_f64(1.0 - 0.9f64.powi(11));
    /// assert!(metrics.worker_mean_poll_time(0) >= floor);
    /// ```
    ///
    /// # Panics
    /// If `worker >= num_workers()`.
    #[track_caller]
    pub fn worker_mean_poll_time(&self, worker: usize) -> Duration {
        self.worker(worker).mean_poll_time
    }

    /// Tasks worker `worker` stole from its peers (tokio's `worker_steal_count`: tasks, not
    /// steals; one steal takes up to half a peer's queue). 0 on a current-thread runtime.
    ///
    /// # Panics
    /// If `worker >= num_workers()`.
    #[track_caller]
    pub fn worker_steal_count(&self, worker: usize) -> u64 {
        self.worker(worker).steals
    }

    /// Steals by worker `worker` that took at least one task from a peer (tokio's
    /// `worker_steal_operations`). 0 on a current-thread runtime.
    ///
    /// # Panics
    /// If `worker >= num_workers()`.
    #[track_caller]
    pub fn worker_steal_operations(&self, worker: usize) -> u64 {
        self.worker(worker).steal_operations
    }

    /// Times worker `worker` went to sleep without having polled a task since it last woke (or
    /// since it started): wake-ups that found nothing to do (tokio's `worker_noop_count`, with
    /// tokio's rule, so a worker's first sleep counts when it polled nothing before it).
    ///
    /// ```
    /// let runtime = weft::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// let metrics = runtime.metrics();
    /// // Odd once the worker sleeps, and then its other counters are up to date.
    /// let asleep = || metrics.worker_park_unpark_count(0) % 2 == 1;
    /// while !asleep() {
    ///     std::thread::yield_now(); // the worker starts, finds nothing, and sleeps
    /// }
    /// assert_eq!(metrics.worker_noop_count(0), 1);
    /// runtime.block_on(async { weft::spawn(async {}).await.unwrap() });
    /// while !asleep() {
    ///     std::thread::yield_now();
    /// }
    /// // Woken for the task, it polled it before it slept again: not a no-op.
    /// assert_eq!(metrics.worker_noop_count(0), 1);
    /// ```
    ///
    /// # Panics
    /// If `worker >= num_workers()`.
    #[track_caller]
    pub fn worker_noop_count(&self, worker: usize) -> u64 {
        self.worker(worker).noops
    }

    /// Tasks that worker `worker`'s thread scheduled on its own queues: spawned or woken by
    /// the task it was running, or by its own driver turn (tokio's
    /// `worker_local_schedule_count`). A task scheduled from any other thread goes through the
    /// shared queue: [`remote_schedule_count`](Self::remote_schedule_count).
    ///
    /// # Panics
    /// If `worker >= num_workers()`.
    #[track_caller]
    pub fn worker_local_schedule_count(&self, worker: usize) -> u64 {
        self.worker(worker).local_schedules
    }

    /// Tasks waiting in worker `worker`'s own queues.
    ///
    /// # Panics
    /// If `worker >= num_workers()`.
    #[track_caller]
    pub fn worker_local_queue_depth(&self, worker: usize) -> usize {
        self.worker(worker).local_queue_depth
    }

    /// Tasks spawned since the runtime started (blocking jobs not included).
    pub fn spawned_tasks_count(&self) -> u64 {
        self.now().tasks_spawned
    }

    /// Tasks spawned or woken from outside the runtime's threads (a `block_on` thread, a
    /// blocking job, any other thread), which go through the shared queue (tokio's
    /// `remote_schedule_count`).
    ///
    /// ```
    /// let runtime = weft::runtime::Builder::new_multi_thread().worker_threads(1).build().unwrap();
    /// let metrics = runtime.metrics();
    /// let tasks: Vec<_> = (0..3).map(|_| runtime.spawn(async {})).collect();
    /// runtime.block_on(async {
    ///     for task in tasks {
    ///         task.await.unwrap();
    ///     }
    /// });
    /// assert_eq!(metrics.remote_schedule_count(), 3);
    /// ```
    pub fn remote_schedule_count(&self) -> u64 {
        self.now().remote_schedules
    }

    /// Task polls that spent the whole cooperative budget, so that the task's leaf futures
    /// made it yield (tokio's `budget_forced_yield_count`; see [`crate::task::coop`]).
    pub fn budget_forced_yield_count(&self) -> u64 {
        self.now().forced_yields
    }

    /// Threads in the blocking pool now.
    pub fn num_blocking_threads(&self) -> usize {
        self.now().blocking_threads
    }

    /// Threads of the blocking pool that wait for a job now (they exit after the keep-alive).
    ///
    /// ```
    /// let rt = weft::runtime::Runtime::new().unwrap();
    /// assert_eq!(rt.metrics().num_idle_blocking_threads(), 0);
    /// ```
    pub fn num_idle_blocking_threads(&self) -> usize {
        self.now().idle_blocking_threads
    }

    /// Blocking jobs waiting for a thread.
    pub fn blocking_queue_depth(&self) -> usize {
        self.now().blocking_queue_depth
    }

    /// Task polls, all workers together.
    pub fn poll_count(&self) -> u64 {
        self.now().polls
    }

    /// Tasks stolen, all workers together.
    pub fn steal_count(&self) -> u64 {
        self.now().steals
    }

    /// Times a worker went to sleep, all workers together.
    pub fn park_count(&self) -> u64 {
        self.now().parks
    }

    /// Workers asleep now, waiting for work (0 for a current-thread runtime): a test or a
    /// health check can wait for a runtime to go idle on it.
    ///
    /// ```
    /// let runtime = weft::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    /// let metrics = runtime.metrics();
    /// while metrics.idle_workers() < 2 {
    ///     std::thread::yield_now(); // both workers go to sleep once they find no work
    /// }
    /// ```
    pub fn idle_workers(&self) -> usize {
        self.now().idle_workers
    }

    /// Tasks waiting in the workers' own queues, all together.
    pub fn local_queue_depth(&self) -> usize {
        self.now().local_queue_depth
    }

    /// Sockets registered with the runtime's I/O driver now.
    pub fn io_sources(&self) -> usize {
        self.now().io_sources
    }

    /// Whether task polls are timed into a histogram
    /// ([`Builder::enable_metrics_poll_time_histogram`](super::Builder::enable_metrics_poll_time_histogram)).
    pub fn poll_time_histogram_enabled(&self) -> bool {
        self.handle.inner.config().poll_time_histogram.is_some()
    }

    /// How many buckets the poll-time histogram has (0 when it is not enabled).
    pub fn poll_time_histogram_num_buckets(&self) -> usize {
        self.histogram().map_or(0, |layout| layout.num_buckets())
    }

    /// The durations bucket `bucket` of the poll-time histogram counts: from its start,
    /// included, to its end, excluded; the first starts at zero, the last ends at `u64::MAX`
    /// nanoseconds (it takes every longer poll).
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::runtime::{Builder, HistogramConfiguration};
    ///
    /// let runtime = Builder::new_current_thread()
    ///     .enable_metrics_poll_time_histogram()
    ///     .metrics_poll_time_histogram_configuration(HistogramConfiguration::linear(
    ///         Duration::from_micros(50),
    ///         4,
    ///     ))
    ///     .build()
    ///     .unwrap();
    /// let metrics = runtime.metrics();
    /// assert_eq!(metrics.poll_time_histogram_num_buckets(), 4);
    /// assert_eq!(
    ///     metrics.poll_time_histogram_bucket_range(1),
    ///     Duration::from_micros(50)..Duration::from_micros(100)
    /// );
    /// assert_eq!(
    ///     metrics.poll_time_histogram_bucket_range(3).end,
    ///     Duration::from_nanos(u64::MAX)
    /// );
    /// ```
    ///
    /// # Panics
    /// If the histogram is not enabled, or `bucket >= poll_time_histogram_num_buckets()`.
    #[track_caller]
    pub fn poll_time_histogram_bucket_range(&self, bucket: usize) -> std::ops::Range<Duration> {
        self.histogram_bucket(bucket).bucket_range(bucket)
    }

    /// How many task polls of worker `worker` took a time within bucket `bucket`'s range
    /// (tokio's unstable metric). Each worker counts its own polls; a current-thread runtime's
    /// one thread is worker 0.
    ///
    /// # Panics
    /// If the histogram is not enabled, `worker >= num_workers()`, or
    /// `bucket >= poll_time_histogram_num_buckets()`.
    #[track_caller]
    pub fn poll_time_histogram_bucket_count(&self, worker: usize, bucket: usize) -> u64 {
        self.histogram_bucket(bucket);
        self.check_worker(worker);
        self.handle.inner.poll_time_count(worker, bucket)
    }

    fn histogram(&self) -> Option<HistogramLayout> {
        self.handle.inner.config().poll_time_histogram
    }

    /// The histogram's layout, checking that it has bucket `bucket`.
    #[track_caller]
    fn histogram_bucket(&self, bucket: usize) -> HistogramLayout {
        let Some(layout) = self.histogram() else {
            panic!(
                "the poll-time histogram is not enabled: build the runtime with \
                 Builder::enable_metrics_poll_time_histogram"
            );
        };
        let buckets = layout.num_buckets();
        assert!(
            bucket < buckets,
            "bucket index {bucket} out of range: the poll-time histogram has {buckets} bucket(s)"
        );
        layout
    }

    /// How many descriptors (sockets, pipes, `AsyncFd`s) have been registered with the
    /// runtime's I/O driver since it started (tokio's unstable name): a count that only grows,
    /// so that the rate of new connections can be read off it.
    /// [`io_driver_fd_deregistered_count`](Self::io_driver_fd_deregistered_count) counts their
    /// removal; the difference is [`io_sources`](Self::io_sources).
    ///
    /// ```
    /// let runtime = weft::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// let metrics = runtime.metrics();
    /// runtime.block_on(async {
    ///     let socket = weft::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    ///     assert_eq!(metrics.io_driver_fd_registered_count(), 1);
    ///     drop(socket);
    ///     assert_eq!(metrics.io_driver_fd_deregistered_count(), 1);
    /// });
    /// assert_eq!(metrics.io_sources(), 0);
    /// ```
    pub fn io_driver_fd_registered_count(&self) -> u64 {
        self.now().io.registered
    }

    /// How many descriptors have been deregistered from the runtime's I/O driver since it
    /// started (dropped, or taken back with `into_std` and the like; tokio's unstable name).
    pub fn io_driver_fd_deregistered_count(&self) -> u64 {
        self.now().io.deregistered
    }

    /// How many readiness events the runtime's I/O driver has delivered since it started
    /// (tokio's unstable name): one per descriptor per poll of the driver that found it
    /// ready, whichever thread polled. The driver's own wake-ups are not counted.
    pub fn io_driver_ready_count(&self) -> u64 {
        self.now().io.ready
    }
}

impl fmt::Debug for RuntimeMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let now = self.now();
        f.debug_struct("RuntimeMetrics")
            .field("workers", &now.workers)
            .field("tasks_alive", &now.tasks_alive)
            .field("tasks_spawned", &now.tasks_spawned)
            .field("polls", &now.polls)
            .field("steals", &now.steals)
            .field("parks", &now.parks)
            .field("remote_schedules", &now.remote_schedules)
            .field("forced_yields", &now.forced_yields)
            .field("idle_workers", &now.idle_workers)
            .field("global_queue_depth", &now.global_queue_depth)
            .field("local_queue_depth", &now.local_queue_depth)
            .field("blocking_threads", &now.blocking_threads)
            .field("blocking_queue_depth", &now.blocking_queue_depth)
            .field("io_sources", &now.io_sources)
            .field("io_driver_fd_registered", &now.io.registered)
            .field("io_driver_fd_deregistered", &now.io.deregistered)
            .field("io_driver_ready", &now.io.ready)
            .finish()
    }
}
