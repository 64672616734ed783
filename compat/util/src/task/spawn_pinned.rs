//! [`LocalPoolHandle`]: a pool of threads, each running a weft `LocalRuntime`, that runs
//! `!Send` futures pinned to one of them.
//!
//! Invariants:
//! - A worker's `task_count` counts the `spawn_pinned` tasks on it that have not ended: the
//!   count is raised before the task is spawned and lowered by a guard the task owns, so a task
//!   that is aborted, panics or is dropped unpolled lowers it too.
//! - The returned `JoinHandle` is the handle of a `Send` *wrapper* task on the worker's runtime,
//!   which creates the `!Send` future there, spawns it locally, and waits for it. The wrapper
//!   holds the local task in an `AbortOnDropHandle`, so aborting (or dropping, at shutdown) the
//!   wrapper aborts the pinned task: the returned handle controls the pinned work.
//! - A worker's thread runs until every `LocalPoolHandle` is gone (its `stop` sender then
//!   drops); it then lets tasks that have already finished hand their outputs to their
//!   wrappers, and drops its runtime, which cancels what is still running.

use crate::task::AbortOnDropHandle;
use std::fmt;
use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use weft::runtime::{Handle, LocalRuntime};
use weft::sync::oneshot;
use weft::task::JoinHandle;

/// A cloneable handle to a pool of threads, each with its own single-threaded weft runtime
/// (a [`LocalRuntime`]), for `!Send` futures: [`spawn_pinned`](LocalPoolHandle::spawn_pinned)
/// takes a `Send` closure that *creates* the future on the chosen thread, where it stays.
/// [`weft::task::spawn_local`] works inside it and runs on the same thread.
///
/// The pool's threads stop when the last clone of the handle is dropped: tasks still running
/// then are cancelled (their handles report it), as in tokio-util.
///
/// tokio-util's `LocalPoolHandle`, on weft's runtimes.
///
/// ```
/// use std::rc::Rc;
/// use weft_util::task::LocalPoolHandle;
///
/// weft::runtime::Runtime::new().unwrap().block_on(async {
///     let pool = LocalPoolHandle::new(2);
///     let output = pool
///         .spawn_pinned(|| {
///             // `Rc` is neither `Send` nor `Sync`: the future stays on its thread.
///             let data = Rc::new("local data");
///             let shared = data.clone();
///             async move {
///                 let helper = weft::task::spawn_local(async move { shared.len() });
///                 format!("{data}: {}", helper.await.unwrap())
///             }
///         })
///         .await
///         .unwrap();
///     assert_eq!(output, "local data: 10");
/// });
/// ```
#[derive(Clone)]
pub struct LocalPoolHandle {
    pool: Arc<LocalPool>,
}

impl LocalPoolHandle {
    /// Starts a pool of `pool_size` threads, each running a [`LocalRuntime`].
    ///
    /// # Panics
    /// If `pool_size` is zero, or a thread or its runtime cannot be started (the message
    /// carries the OS error).
    #[track_caller]
    pub fn new(pool_size: usize) -> LocalPoolHandle {
        assert!(
            pool_size > 0,
            // tokio-util's words first, which its tests and a ported program's expect.
            "assertion failed: pool_size > 0 (LocalPoolHandle::new: a pool needs at least one thread)"
        );
        let workers = (0..pool_size)
            .map(|index| match Worker::start(index) {
                Ok(worker) => worker,
                Err(error) => {
                    panic!("LocalPoolHandle::new: could not start worker {index}: {error}")
                }
            })
            .collect();
        LocalPoolHandle {
            pool: Arc::new(LocalPool { workers }),
        }
    }

    /// How many threads the pool has.
    pub fn num_threads(&self) -> usize {
        self.pool.workers.len()
    }

    /// How many [`spawn_pinned`](LocalPoolHandle::spawn_pinned) tasks each thread has that have
    /// not ended, by thread index.
    pub fn get_task_loads_for_each_worker(&self) -> Vec<usize> {
        self.pool
            .workers
            .iter()
            .map(|worker| worker.task_count.load(Ordering::SeqCst))
            .collect()
    }

    /// Runs `create_task` on the pool's least busy thread and the future it returns there,
    /// pinned to that thread; returns a handle to the work (it may be awaited from anywhere,
    /// with or without a runtime on the awaiting thread's side, and aborting it aborts the
    /// pinned future). A panic in `create_task` or the future is reported by the handle with
    /// its payload.
    ///
    /// ```
    /// use weft_util::task::LocalPoolHandle;
    ///
    /// let pool = LocalPoolHandle::new(1);
    /// let handle = pool.spawn_pinned(|| async { 6 * 7 });
    /// // No runtime needed to spawn: the work runs on the pool's own.
    /// let answer = weft::runtime::Runtime::new().unwrap().block_on(handle).unwrap();
    /// assert_eq!(answer, 42);
    /// ```
    pub fn spawn_pinned<F, Fut>(&self, create_task: F) -> JoinHandle<Fut::Output>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future + 'static,
        Fut::Output: Send + 'static,
    {
        self.pool.spawn_on(self.pool.least_busy(), create_task)
    }

    /// [`spawn_pinned`](LocalPoolHandle::spawn_pinned) on thread `idx` (from 0 to
    /// [`num_threads`](LocalPoolHandle::num_threads)` - 1`), however busy it is: to run
    /// something on every thread, for example.
    ///
    /// # Panics
    /// If `idx` is not below the number of threads.
    #[track_caller]
    pub fn spawn_pinned_by_idx<F, Fut>(&self, create_task: F, idx: usize) -> JoinHandle<Fut::Output>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future + 'static,
        Fut::Output: Send + 'static,
    {
        let threads = self.num_threads();
        let Some(worker) = self.pool.workers.get(idx) else {
            panic!("LocalPoolHandle::spawn_pinned_by_idx: index {idx} is out of range: the pool has {threads} threads");
        };
        worker.task_count.fetch_add(1, Ordering::SeqCst);
        self.pool.spawn_on(worker, create_task)
    }
}

impl fmt::Debug for LocalPoolHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalPoolHandle")
            .field("threads", &self.num_threads())
            .finish()
    }
}

struct LocalPool {
    workers: Box<[Worker]>,
}

impl LocalPool {
    /// The worker with the fewest tasks, its count already raised for the task to come (a
    /// compare-exchange, so that concurrent spawns spread out instead of all choosing the
    /// same worker).
    fn least_busy(&self) -> &Worker {
        loop {
            let (worker, count) = self
                .workers
                .iter()
                .map(|worker| (worker, worker.task_count.load(Ordering::SeqCst)))
                .min_by_key(|&(_, count)| count)
                .expect("a pool has at least one thread (checked by `new`)");
            if worker
                .task_count
                .compare_exchange(count, count + 1, Ordering::SeqCst, Ordering::Relaxed)
                .is_ok()
            {
                return worker;
            }
        }
    }

    /// Spawns the wrapper task on `worker`, whose count the caller has raised.
    fn spawn_on<F, Fut>(&self, worker: &Worker, create_task: F) -> JoinHandle<Fut::Output>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future + 'static,
        Fut::Output: Send + 'static,
    {
        let count = CountGuard(worker.task_count.clone());
        worker.runtime.spawn(async move {
            let _count = count;
            // On the worker's thread, inside its `LocalRuntime`: `spawn_local` works here.
            let pinned = AbortOnDropHandle::new(weft::task::spawn_local(create_task()));
            match pinned.await {
                Ok(output) => output,
                Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
                // Only the wrapper aborts the pinned task, by being dropped, and then this
                // code no longer runs; what is left is the pool's runtime cancelling it.
                Err(error) => panic!("spawn_pinned: the pinned task did not finish: {error}"),
            }
        })
    }
}

/// Lowers a worker's task count when its task ends, however it ends.
struct CountGuard(Arc<AtomicUsize>);

impl Drop for CountGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Worker {
    runtime: Handle,
    task_count: Arc<AtomicUsize>,
    /// Dropped with the pool: the worker's thread then winds down.
    _stop: oneshot::Sender<()>,
}

impl Worker {
    /// Starts the thread and waits until its runtime is built.
    fn start(index: usize) -> io::Result<Worker> {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel();
        let task_count = Arc::new(AtomicUsize::new(0));
        let count = task_count.clone();
        std::thread::Builder::new()
            .name(format!("weft-local-pool-{index}"))
            .spawn(move || Worker::run(ready_tx, stop_rx, &count))?;
        let runtime = ready_rx.recv().map_err(|_| {
            io::Error::other("the worker thread ended before its runtime was built")
        })??;
        Ok(Worker {
            runtime,
            task_count,
            _stop: stop_tx,
        })
    }

    fn run(
        ready: std::sync::mpsc::Sender<io::Result<Handle>>,
        stop: oneshot::Receiver<()>,
        task_count: &AtomicUsize,
    ) {
        let runtime = match LocalRuntime::new() {
            Ok(runtime) => runtime,
            Err(error) => {
                let _ = ready.send(Err(error));
                return;
            }
        };
        if ready.send(Ok(runtime.handle().clone())).is_err() {
            return; // `start` is gone (it panicked): nobody will spawn here.
        }
        // `Err` once the pool drops its sender: the pool is gone.
        let _ = runtime.block_on(stop);
        // Wrappers whose pinned task has finished still hand its output over: run rounds of
        // tasks until one ends none of them.
        let mut before = task_count.load(Ordering::SeqCst);
        loop {
            runtime.block_on(weft::task::yield_now());
            let after = task_count.load(Ordering::SeqCst);
            if after == before {
                break;
            }
            before = after;
        }
        // Cancels the rest, their futures dropped on this thread.
        drop(runtime);
    }
}
