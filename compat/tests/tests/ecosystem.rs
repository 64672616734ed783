//! Crates built on tokio's own runtime, called from weft tasks of a program ported by the
//! rename (`tokio` is weft here; `real_tokio` is tokio, as a library sees it), with weft's
//! `tokio-context` feature: a library's tokio server, client and timers; tokio-util's
//! `DelayQueue` and `TaskTracker::spawn`; where the tokio context is current (with a weft
//! runtime, and only then), a tokio companion per weft runtime that stops with it, and weft's
//! own APIs working in a task that a crate hands to `tokio::spawn`.

use futures_util::future::poll_fn;
use real_tokio_util::task::TaskTracker;
use real_tokio_util::time::DelayQueue;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use weft_compat_tests::{fetch, start_echo_server};

const DELAY: Duration = Duration::from_millis(20);
const LIMIT: Duration = Duration::from_secs(10);

/// The library's server (tokio's listener, `tokio::spawn`, a tokio timer per reply) answers a
/// weft client and the library's own tokio client, one after the other and eight at once.
async fn library_round_trips() {
    let (address, accepting) = start_echo_server(DELAY).await.unwrap();
    let start = Instant::now();
    let mut weft_client = TcpStream::connect(address).await.unwrap();
    weft_client.write_all(b"from weft").await.unwrap();
    let mut reply = [0u8; 9];
    tokio::time::timeout(LIMIT, weft_client.read_exact(&mut reply))
        .await
        .expect("the weft client timed out")
        .unwrap();
    assert_eq!(&reply, b"from weft");
    assert!(
        start.elapsed() >= DELAY,
        "the reply waited for tokio's timer"
    );
    assert_eq!(
        fetch(address, b"from tokio", 10, LIMIT).await,
        b"from tokio"
    );
    let fetches: Vec<_> = (0..8u8)
        .map(|i| tokio::spawn(async move { fetch(address, &[i; 100], 100, LIMIT).await }))
        .collect();
    for (i, fetched) in fetches.into_iter().enumerate() {
        assert_eq!(fetched.await.unwrap(), [i as u8; 100], "fetch {i}");
    }
    accepting.abort();
    assert!(accepting.await.unwrap_err().is_cancelled());
}

#[tokio::test]
async fn a_tokio_library_serves_and_fetches_on_a_current_thread_runtime() {
    library_round_trips().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tokio_library_serves_and_fetches_on_a_multi_thread_runtime() {
    library_round_trips().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delay_queue_expires_in_deadline_order_on_tokios_timer() {
    let mut queue = DelayQueue::new();
    for (item, ms) in [("third", 30), ("first", 10), ("second", 20)] {
        queue.insert(item, Duration::from_millis(ms));
    }
    let start = Instant::now();
    let mut order = Vec::new();
    while let Some(expired) = poll_fn(|cx| queue.poll_expired(cx)).await {
        order.push(expired.into_inner());
    }
    assert_eq!(order, ["first", "second", "third"]);
    assert!(start.elapsed() >= Duration::from_millis(30));
}

#[tokio::test]
async fn task_tracker_spawns_on_tokios_runtime_and_weft_waits_for_every_task() {
    let tracker = TaskTracker::new();
    let finished = Arc::new(AtomicUsize::new(0));
    let threads = Arc::new(Mutex::new(Vec::new()));
    for _ in 0..10 {
        let (finished, threads) = (finished.clone(), threads.clone());
        tracker.spawn(async move {
            real_tokio::time::sleep(Duration::from_millis(1)).await;
            let name = std::thread::current().name().map(str::to_owned);
            threads.lock().unwrap().push(name);
            finished.fetch_add(1, SeqCst);
        });
    }
    tracker.close();
    tokio::time::timeout(LIMIT, tracker.wait())
        .await
        .expect("the tracked tasks finished");
    assert_eq!(finished.load(SeqCst), 10);
    let threads = threads.lock().unwrap();
    assert_eq!(threads.len(), 10);
    assert!(
        threads
            .iter()
            .all(|name| name.as_deref() == Some("weft-tokio")),
        "tokio::spawn runs on tokio's worker: {threads:?}"
    );
}

#[test]
fn the_tokio_context_is_current_exactly_while_a_weft_runtime_is() {
    assert!(!tokio_current(), "a plain thread has no tokio context");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    {
        let _enter = runtime.enter();
        assert!(tokio_current(), "inside Runtime::enter");
    }
    assert!(!tokio_current(), "left with the guard");
    let (in_block_on, on_worker, on_blocking_pool) = runtime.block_on(async {
        let on_worker = tokio::spawn(async { tokio_current() });
        let on_blocking_pool = tokio::task::spawn_blocking(tokio_current);
        (
            tokio_current(),
            on_worker.await.unwrap(),
            on_blocking_pool.await.unwrap(),
        )
    });
    assert!(in_block_on && on_worker && on_blocking_pool);
    assert!(!tokio_current(), "left when block_on returns");
    // A tokio companion per weft runtime: a task that a crate spawns on tokio runs in the
    // context of the weft runtime it was spawned from (2 workers, or a current-thread one).
    let current_thread = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let workers_seen_by_a_crate_s_task = || async {
        real_tokio::spawn(async { tokio::runtime::Handle::current().metrics().num_workers() })
            .await
            .unwrap()
    };
    assert_eq!(runtime.block_on(workers_seen_by_a_crate_s_task()), 2);
    assert_eq!(current_thread.block_on(workers_seen_by_a_crate_s_task()), 1);
    // The companion stops with its weft runtime: a crate's spawn on it is cancelled after.
    let companion = runtime.block_on(async { real_tokio::runtime::Handle::current() });
    drop(runtime);
    let after = current_thread.block_on(companion.spawn(async { "ran" }));
    assert!(after.unwrap_err().is_cancelled());
    drop(current_thread);
    assert!(!tokio_current());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_a_crate_spawns_on_tokio_can_use_weft() {
    // A program's future that a crate hands to `tokio::spawn` (axum's WebSocket upgrade,
    // hyper-util's `TokioExecutor`) runs on the companion's worker, inside this weft runtime:
    // weft's timers, sockets and `spawn` work there.
    let (address, _accepting) = start_echo_server(Duration::ZERO).await.unwrap();
    let on_tokio = real_tokio::spawn(async move {
        let thread = std::thread::current().name().map(str::to_owned);
        tokio::time::sleep(DELAY).await;
        let answer = tokio::spawn(async { 6 * 7 }).await.unwrap();
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(b"weft").await.unwrap();
        let mut echoed = [0u8; 4];
        stream.read_exact(&mut echoed).await.unwrap();
        (thread, answer, echoed)
    });
    let (thread, answer, echoed) = tokio::time::timeout(LIMIT, on_tokio)
        .await
        .expect("the task on tokio timed out")
        .unwrap();
    assert_eq!(thread.as_deref(), Some("weft-tokio"));
    assert_eq!((answer, &echoed), (42, b"weft"));
}

#[test]
fn weft_guards_dropped_out_of_order_leave_tokios_in_order() {
    let (first, second) = (
        tokio::runtime::Runtime::new().unwrap(),
        tokio::runtime::Runtime::new().unwrap(),
    );
    let outer = first.enter();
    let inner = second.enter();
    assert!(tokio_current());
    // weft closes the inner entry first, then the outer, then panics (as tokio does for its own
    // guards); tokio's guards inside them are dropped innermost first, so tokio never sees its
    // guards out of order.
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(outer)))
        .expect_err("out of order");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("dropped out of order"), "{message:?}");
    assert!(!tokio_current(), "both contexts left");
    drop(inner);
    assert!(!tokio_current());
    first.block_on(async { assert!(tokio_current()) });
}

/// Whether this thread is inside a tokio runtime's context.
fn tokio_current() -> bool {
    real_tokio::runtime::Handle::try_current().is_ok()
}

#[test]
fn runtimes_dropped_by_a_thread_local_s_destructor_end_quietly() {
    use std::cell::RefCell;
    thread_local! {
        static KEPT: RefCell<Vec<tokio::runtime::Runtime>> = const { RefCell::new(Vec::new()) };
    }
    // Dropped as the thread exits, after tokio's own thread-locals may be gone: a companion
    // must neither start there (the never-entered runtimes) nor abort the process stopping
    // (the entered ones), on either flavor.
    std::thread::spawn(|| {
        for entered in [false, true] {
            let runtimes = [
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap(),
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .unwrap(),
            ];
            for runtime in runtimes {
                if entered {
                    runtime.block_on(async { real_tokio::spawn(async {}).await.unwrap() });
                }
                KEPT.with(|kept| kept.borrow_mut().push(runtime));
            }
        }
    })
    .join()
    .unwrap();
}
