//! What a tokio program reaches for, used from outside the crate as a ported program would:
//! the test clock through the attributes, `task_local!`, `pin!`, `LocalSet`/`LocalRuntime`,
//! runtime ids, names, flavors and metrics.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use weft::runtime::{Builder, Handle, RuntimeFlavor};
use weft::task::{self, JoinSet, LocalSet};
use weft::time::{self, Duration, Instant};

weft::task_local! {
    static REQUEST: u32;
}

#[weft::test(start_paused = true)]
async fn start_paused_attribute_auto_advances_through_an_hour_of_timers() {
    let start = Instant::now();
    let mut set = JoinSet::new();
    for minutes in [60u64, 15, 45, 30] {
        set.spawn(async move {
            time::sleep(Duration::from_secs(60 * minutes)).await;
            (minutes, start.elapsed())
        });
    }
    let mut order = Vec::new();
    while let Some(joined) = set.join_next().await {
        order.push(joined.unwrap());
    }
    let expected: Vec<_> = [15u64, 30, 45, 60]
        .into_iter()
        .map(|m| (m, Duration::from_secs(60 * m)))
        .collect();
    assert_eq!(order, expected);
    assert_eq!(start.elapsed(), Duration::from_secs(3600));
}

#[weft::test(start_paused = true)]
async fn a_key_expiry_test_without_real_waiting() {
    // The case: a cache entry that expires after 10 s, tested without sleeping 10 s.
    let expires = Instant::now() + Duration::from_secs(10);
    let expired = || Instant::now() >= expires;
    time::advance(Duration::from_secs(9)).await;
    assert!(!expired());
    time::advance(Duration::from_secs(1)).await;
    assert!(expired());
    assert!(
        time::timeout(Duration::from_secs(30), std::future::pending::<()>())
            .await
            .is_err()
    );
}

#[weft::main(flavor = "current_thread", start_paused = true)]
async fn paused_main() -> Duration {
    let start = Instant::now();
    time::sleep(Duration::from_millis(1500)).await;
    start.elapsed()
}

#[test]
fn start_paused_on_main() {
    assert_eq!(paused_main(), Duration::from_millis(1500));
}

#[weft::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_locals_follow_tasks_across_workers() {
    let handles: Vec<_> = (0..32u32)
        .map(|i| {
            weft::spawn(REQUEST.scope(i, async move {
                for _ in 0..4 {
                    task::yield_now().await;
                    assert_eq!(REQUEST.get(), i);
                }
                REQUEST.get()
            }))
        })
        .collect();
    let mut sum = 0;
    for handle in handles {
        sum += handle.await.unwrap();
    }
    assert_eq!(sum, (0..32).sum::<u32>());
    assert!(REQUEST.try_get().is_err());
}

#[weft::test]
async fn pin_both_forms() {
    async fn one() -> u32 {
        1
    }
    let a = one();
    weft::pin!(a);
    weft::pin! {
        let b = one();
        let c = async { 2 };
    }
    assert_eq!((&mut a).await + b.as_mut().await + c.as_mut().await, 4);
}

#[weft::test]
async fn local_set_on_current_thread() {
    let local = LocalSet::new();
    let shared = Rc::new(Cell::new(0));
    for _ in 0..10 {
        let shared = shared.clone();
        local.spawn_local(async move {
            task::yield_now().await;
            shared.set(shared.get() + 1);
        });
    }
    local.await;
    assert_eq!(shared.get(), 10);
}

#[weft::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_set_on_multi_thread_with_wakes_from_workers() {
    let local = LocalSet::new();
    let woken = Arc::new(AtomicUsize::new(0));
    let out = local
        .run_until(async {
            let rc = Rc::new(5);
            let (tx, rx) = weft::sync::oneshot::channel();
            let woken = woken.clone();
            weft::spawn(async move {
                time::sleep(Duration::from_millis(1)).await;
                woken.fetch_add(1, SeqCst);
                tx.send(()).unwrap();
            });
            task::spawn_local(async move {
                rx.await.unwrap();
                *rc
            })
            .await
            .unwrap()
        })
        .await;
    assert_eq!(out, 5);
    assert_eq!(woken.load(SeqCst), 1);
}

// The handle a task returns is the point: it is joined by the caller.
#[allow(clippy::async_yields_async)]
#[weft::main(flavor = "local")]
async fn local_main() -> u32 {
    let rc = Rc::new(20);
    // A `Send` task spawns a local one and hands back its (`Send`) handle.
    let from_send_task = weft::spawn(async { task::spawn_local(async { 1 }) })
        .await
        .unwrap();
    task::spawn_local(async move { *rc }).await.unwrap() + from_send_task.await.unwrap()
}

#[test]
fn local_flavor_main() {
    assert_eq!(local_main(), 21);
}

#[weft::test(name = "named-runtime")]
async fn runtime_identity_and_metrics() {
    let handle = Handle::current();
    assert_eq!(handle.name(), Some("named-runtime"));
    assert_eq!(handle.runtime_flavor(), RuntimeFlavor::CurrentThread);
    let metrics = handle.metrics();
    assert_eq!(metrics.num_workers(), 1);
    assert_eq!(metrics.num_alive_tasks(), 0);
    let task = weft::spawn(std::future::pending::<()>());
    assert_eq!(metrics.num_alive_tasks(), 1, "a live view, not a snapshot");
    assert_eq!(metrics.spawned_tasks_count(), 1);
    task.abort();
    let _ = task.await;
    assert_eq!(metrics.num_alive_tasks(), 0);

    let other = Builder::new_multi_thread()
        .worker_threads(3)
        .build()
        .unwrap();
    assert_ne!(other.handle().id(), handle.id());
    assert_eq!(other.metrics().num_workers(), 3);
    assert_eq!(other.handle().runtime_flavor(), RuntimeFlavor::MultiThread);
    assert_eq!(other.handle().name(), None);
    other.shutdown_background();
}

#[test]
fn task_ids_inside_tasks() {
    let runtime = Builder::new_current_thread().build().unwrap();
    runtime.block_on(async {
        assert!(task::try_id().is_none());
        let handle = weft::spawn(async { task::id() });
        let expected = handle.id();
        assert_eq!(handle.await.unwrap(), expected);
    });
}

/// What tokio 1.x's `full` feature enables (from tokio 1.54.1's manifest); with `full` itself
/// and `test-util`, its stable features (`io-uring`, `taskdump` and `schedule-latency` need
/// `--cfg tokio_unstable` and are left out).
const TOKIO_FULL: [&str; 12] = [
    "fs",
    "io-util",
    "io-std",
    "macros",
    "net",
    "parking_lot",
    "process",
    "rt",
    "rt-multi-thread",
    "signal",
    "sync",
    "time",
];

/// `weft`'s `[features]` table: each feature's name and what it enables.
fn weft_features() -> Vec<(String, Vec<String>)> {
    let manifest = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../runtime/Cargo.toml"
    ));
    let table = manifest
        .split("\n[features]\n")
        .nth(1)
        .expect("runtime/Cargo.toml has a [features] table");
    let table = table.split("\n[").next().unwrap_or(table);
    table
        .lines()
        .filter(|line| !line.trim_start().starts_with('#') && line.contains('='))
        .map(|line| {
            let (name, value) = line.split_once('=').unwrap();
            let enables = value
                .split(['[', ']', ','])
                .map(|item| item.trim().trim_matches('"'))
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect();
            (name.trim().to_owned(), enables)
        })
        .collect()
}

#[test]
fn a_tokio_manifest_ports_by_the_rename_too() {
    // This crate's own dependency names `full` (see Cargo.toml): it would not build without it.
    let features = weft_features();
    let names: Vec<&str> = features.iter().map(|(name, _)| name.as_str()).collect();
    let missing: Vec<&str> = ["full", "test-util"]
        .into_iter()
        .chain(TOKIO_FULL)
        .filter(|tokio| !names.contains(tokio))
        .collect();
    assert!(missing.is_empty(), "tokio features weft lacks: {missing:?}");
    let full = &features.iter().find(|(name, _)| name == "full").unwrap().1;
    assert_eq!(full, &TOKIO_FULL, "weft's `full` enables what tokio's does");
    // Every alias selects nothing: weft builds its whole API whichever of them a program names.
    for (name, enables) in &features {
        if TOKIO_FULL.contains(&name.as_str()) {
            assert!(
                enables.is_empty(),
                "`{name}` should select nothing: {enables:?}"
            );
        }
    }
}
