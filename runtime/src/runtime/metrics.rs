//! `RuntimeMetrics`: counters that are cheap enough to leave on.

/// A snapshot of a runtime's counters, from [`Handle::metrics`](super::Handle::metrics).
///
/// Each worker writes its own counters with plain stores (no shared cache line, no locked
/// instruction); a snapshot sums them, so it is approximate while the runtime runs and exact
/// once it is idle.
///
/// ```
/// let runtime = weft::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// runtime.block_on(async {
///     weft::spawn(async {}).await.unwrap();
/// });
/// let metrics = runtime.handle().metrics();
/// assert_eq!(metrics.workers, 2);
/// assert_eq!(metrics.tasks_spawned, 1);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuntimeMetrics {
    /// Worker threads (1 for a current-thread runtime).
    pub workers: usize,
    /// Tasks spawned and not yet completed.
    pub tasks_alive: usize,
    /// Tasks spawned since the runtime started (blocking jobs not included).
    pub tasks_spawned: u64,
    /// Task polls.
    pub polls: u64,
    /// Successful steals from peers.
    pub steals: u64,
    /// Times a worker went to sleep.
    pub parks: u64,
    /// Workers asleep now, waiting for work (0 for a current-thread runtime): a test or a
    /// health check can wait for a runtime to go idle on it.
    pub idle_workers: usize,
    /// Tasks waiting in the shared (injector) queue.
    pub global_queue_depth: usize,
    /// Tasks waiting in the workers' own queues.
    pub local_queue_depth: usize,
    /// Threads in the blocking pool.
    pub blocking_threads: usize,
    /// Blocking jobs waiting for a thread.
    pub blocking_queue_depth: usize,
    /// Sockets registered with the runtime's I/O driver now.
    pub io_sources: usize,
}
