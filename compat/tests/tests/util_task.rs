//! tokio-util's `JoinQueue` and `LocalPoolHandle` as a program ported by the rename meets them
//! (`tokio` is weft, `tokio_util` is weft-util): outputs in spawn order, cancel safety, aborts
//! and drops counted exactly; `!Send` futures pinned to the pool's threads, loads, aborts,
//! panics and the pool's shutdown.

use std::cell::Cell;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::time::timeout;
use tokio_util::task::{JoinQueue, LocalPoolHandle};

/// A bound on waits that would otherwise hang a broken test; never reached by a passing one.
const LIMIT: Duration = Duration::from_secs(10);

/// Counts its drops.
struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Yields until `done` holds, at most `LIMIT`.
async fn until(mut done: impl FnMut() -> bool) {
    timeout(LIMIT, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .expect("the condition never held");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_queue_returns_outputs_in_spawn_order_with_their_ids() {
    let mut queue = JoinQueue::new();
    assert!(queue.is_empty());
    let mut gates = Vec::new();
    let mut ids = Vec::new();
    for n in 0..4u32 {
        let (open, gate) = oneshot::channel::<()>();
        gates.push(open);
        ids.push(queue.spawn(async move {
            gate.await.unwrap();
            n
        }));
    }
    assert_eq!(queue.len(), 4);
    // The last three finish first; the oldest still runs, so nothing can be joined yet.
    for gate in gates.drain(1..).rev() {
        gate.send(()).unwrap();
    }
    until(|| ids[1..].iter().all(|task| task.is_finished())).await;
    assert!(queue.try_join_next().is_none());
    assert_eq!(queue.len(), 4);
    gates.pop().unwrap().send(()).unwrap();
    let mut joined = Vec::new();
    while let Some(next) = timeout(LIMIT, queue.join_next_with_id()).await.unwrap() {
        joined.push(next.unwrap());
    }
    let expected: Vec<_> = ids.iter().map(|task| task.id()).zip(0..4).collect();
    assert_eq!(joined, expected);
    assert!(queue.is_empty());
    assert!(queue.join_next().await.is_none());
}

#[tokio::test]
async fn join_queue_try_join_next_takes_only_a_finished_oldest_task() {
    let mut queue: JoinQueue<&str> = ["a", "b"].into_iter().map(|s| async move { s }).collect();
    assert_eq!(queue.len(), 2);
    assert!(queue.try_join_next().is_none(), "nothing ran yet");
    tokio::task::yield_now().await; // current thread: both tasks run and finish
    let first = queue.try_join_next_with_id().unwrap().unwrap();
    assert_eq!(first.1, "a");
    assert_eq!(queue.try_join_next().unwrap().unwrap(), "b");
    assert!(queue.try_join_next().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_join_next_leaves_every_task_in_the_queue() {
    let mut queue = JoinQueue::new();
    let (open, gate) = oneshot::channel::<()>();
    queue.spawn(async move {
        gate.await.unwrap();
        1
    });
    queue.spawn(async { 2 });
    for _ in 0..3 {
        tokio::select! {
            biased;
            _ = queue.join_next() => panic!("the oldest task is still waiting"),
            _ = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
        assert_eq!(queue.len(), 2);
    }
    open.send(()).unwrap();
    assert_eq!(queue.join_all().await, [1, 2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_all_reports_each_task_cancelled_and_drops_each_future_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut queue = JoinQueue::new();
    for _ in 0..3 {
        let counter = DropCounter(drops.clone());
        queue.spawn(async move {
            let _counter = counter;
            std::future::pending::<()>().await
        });
    }
    queue.abort_all();
    assert_eq!(queue.len(), 3, "aborted tasks stay until joined");
    let mut cancelled = 0;
    while let Some(joined) = timeout(LIMIT, queue.join_next()).await.unwrap() {
        assert!(joined.unwrap_err().is_cancelled());
        cancelled += 1;
    }
    assert_eq!((cancelled, drops.load(Ordering::SeqCst)), (3, 3));

    // `shutdown` is the same, and empties the queue.
    let counter = DropCounter(drops.clone());
    queue.spawn(async move {
        let _counter = counter;
        std::future::pending::<()>().await
    });
    timeout(LIMIT, queue.shutdown()).await.unwrap();
    assert!(queue.is_empty());
    assert_eq!(drops.load(Ordering::SeqCst), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_queue_aborts_its_tasks_and_detached_ones_run_on() {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut queue = JoinQueue::new();
    let counter = DropCounter(drops.clone());
    let aborted = queue.spawn(async move {
        let _counter = counter;
        std::future::pending::<()>().await
    });
    drop(queue);
    until(|| aborted.is_finished()).await;
    assert_eq!(drops.load(Ordering::SeqCst), 1);

    let mut queue = JoinQueue::new();
    let (done_tx, done_rx) = oneshot::channel();
    let (open, gate) = oneshot::channel::<()>();
    queue.spawn(async move {
        gate.await.unwrap();
        done_tx.send("ran on").unwrap();
    });
    queue.detach_all();
    assert!(queue.is_empty());
    drop(queue);
    open.send(()).unwrap();
    assert_eq!(timeout(LIMIT, done_rx).await.unwrap().unwrap(), "ran on");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_all_resumes_a_task_s_panic_and_aborts_the_rest() {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut queue = JoinQueue::new();
    queue.spawn(async { panic!("task one failed") });
    let counter = DropCounter(drops.clone());
    let rest = queue.spawn(async move {
        let _counter = counter;
        std::future::pending::<()>().await
    });
    let panicked = tokio::spawn(queue.join_all()).await.unwrap_err();
    let payload = panicked.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"task one failed"));
    until(|| rest.is_finished()).await;
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn join_queue_spawns_locally_blocking_and_on_a_handle() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut queue = JoinQueue::new();
    queue.spawn_on(async { 1 }, runtime.handle());
    queue.spawn_blocking_on(|| 2, runtime.handle());
    let outputs = runtime.block_on(async move {
        queue.spawn_blocking(|| 3);
        let local = tokio::task::LocalSet::new();
        local
            .run_until(async move {
                let not_send = Rc::new(4);
                queue.spawn_local(async move { *not_send });
                queue.join_all().await
            })
            .await
    });
    assert_eq!(outputs, [1, 2, 3, 4]);
}

fn thread_name() -> String {
    std::thread::current().name().unwrap_or("").to_string()
}

#[test]
fn spawn_pinned_runs_a_not_send_future_on_a_pool_thread_without_a_runtime_here() {
    let pool = LocalPoolHandle::new(2);
    assert_eq!(pool.num_threads(), 2);
    let handle = pool.spawn_pinned(|| {
        let polls = Rc::new(Cell::new(0));
        async move {
            let helper = {
                let polls = polls.clone();
                tokio::task::spawn_local(async move { polls.set(polls.get() + 1) })
            };
            helper.await.unwrap();
            tokio::task::yield_now().await;
            (thread_name(), polls.get())
        }
    });
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (name, polls) = runtime.block_on(handle).unwrap();
    assert!(name.starts_with("weft-local-pool-"), "ran on {name:?}");
    assert_eq!(polls, 1);
    assert_eq!(pool.get_task_loads_for_each_worker(), [0, 0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_pinned_spreads_tasks_over_the_least_busy_threads_and_counts_them() {
    let pool = LocalPoolHandle::new(3);
    let mut gates = Vec::new();
    let mut handles = Vec::new();
    for _ in 0..6 {
        let (open, gate) = oneshot::channel::<()>();
        gates.push(open);
        handles.push(pool.spawn_pinned(move || async move {
            gate.await.unwrap();
            thread_name()
        }));
    }
    assert_eq!(pool.get_task_loads_for_each_worker(), [2, 2, 2]);
    for gate in gates {
        gate.send(()).unwrap();
    }
    let mut names = Vec::new();
    for handle in handles {
        names.push(timeout(LIMIT, handle).await.unwrap().unwrap());
    }
    names.sort();
    let expected: Vec<_> = (0..3)
        .flat_map(|i| {
            [
                format!("weft-local-pool-{i}"),
                format!("weft-local-pool-{i}"),
            ]
        })
        .collect();
    assert_eq!(names, expected);
    until(|| pool.get_task_loads_for_each_worker() == [0, 0, 0]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_pinned_by_idx_runs_on_that_thread_however_busy() {
    let pool = LocalPoolHandle::new(2);
    let (open, gate) = oneshot::channel::<()>();
    let busy = pool.spawn_pinned_by_idx(move || async move { gate.await.unwrap() }, 1);
    let name = pool.spawn_pinned_by_idx(|| async { thread_name() }, 1);
    assert_eq!(
        timeout(LIMIT, name).await.unwrap().unwrap(),
        "weft-local-pool-1"
    );
    open.send(()).unwrap();
    timeout(LIMIT, busy).await.unwrap().unwrap();
}

#[test]
fn bad_pool_sizes_and_indexes_panic_with_a_message() {
    let zero = std::panic::catch_unwind(|| LocalPoolHandle::new(0)).unwrap_err();
    assert_eq!(
        zero.downcast_ref::<&str>(),
        Some(&"assertion failed: pool_size > 0 (LocalPoolHandle::new: a pool needs at least one thread)")
    );
    let pool = LocalPoolHandle::new(2);
    let out_of_range = std::panic::catch_unwind(AssertUnwindSafe(|| {
        pool.spawn_pinned_by_idx(|| async {}, 2)
    }))
    .unwrap_err();
    assert_eq!(
        out_of_range.downcast_ref::<String>().map(String::as_str),
        Some(
            "LocalPoolHandle::spawn_pinned_by_idx: index 2 is out of range: the pool has 2 threads"
        )
    );
    assert_eq!(pool.get_task_loads_for_each_worker(), [0, 0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborting_the_handle_aborts_the_pinned_future_and_lowers_the_load() {
    let pool = LocalPoolHandle::new(1);
    let drops = Arc::new(AtomicUsize::new(0));
    let (started_tx, started) = oneshot::channel();
    let counter = DropCounter(drops.clone());
    let handle = pool.spawn_pinned(move || async move {
        let _counter = counter;
        started_tx.send(()).unwrap();
        std::future::pending::<()>().await
    });
    timeout(LIMIT, started).await.unwrap().unwrap();
    handle.abort();
    assert!(timeout(LIMIT, handle)
        .await
        .unwrap()
        .unwrap_err()
        .is_cancelled());
    until(|| drops.load(Ordering::SeqCst) == 1).await;
    until(|| pool.get_task_loads_for_each_worker() == [0]).await;
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panics_reach_the_handle_with_their_payload_and_the_pool_runs_on() {
    let pool = LocalPoolHandle::new(1);
    let in_future = pool.spawn_pinned(|| async { panic!("in the future") });
    let error = timeout(LIMIT, in_future).await.unwrap().unwrap_err();
    assert_eq!(
        error.into_panic().downcast_ref::<&str>(),
        Some(&"in the future")
    );
    let in_create = pool.spawn_pinned(|| -> std::future::Ready<()> { panic!("in create_task") });
    let error = timeout(LIMIT, in_create).await.unwrap().unwrap_err();
    assert_eq!(
        error.into_panic().downcast_ref::<&str>(),
        Some(&"in create_task")
    );
    let after = pool.spawn_pinned(|| async { "still running" });
    assert_eq!(
        timeout(LIMIT, after).await.unwrap().unwrap(),
        "still running"
    );
    until(|| pool.get_task_loads_for_each_worker() == [0]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_pool_cancels_running_tasks_and_keeps_finished_outputs() {
    let pool = LocalPoolHandle::new(1);
    let drops = Arc::new(AtomicUsize::new(0));
    let counter = DropCounter(drops.clone());
    let (started_tx, started) = oneshot::channel();
    let running = pool.spawn_pinned(move || async move {
        let _counter = counter;
        started_tx.send(()).unwrap();
        std::future::pending::<()>().await
    });
    let finished = pool.spawn_pinned(|| async { 7 });
    timeout(LIMIT, started).await.unwrap().unwrap();
    until(|| finished.is_finished()).await;
    drop(pool);
    assert!(timeout(LIMIT, running)
        .await
        .unwrap()
        .unwrap_err()
        .is_cancelled());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_eq!(finished.await.unwrap(), 7);
}
