//! `block_in_place`: the worker's other tasks keep running while the closure blocks, with exact
//! counts; it runs plainly outside a runtime and in a multi-thread `block_on`; it panics on a
//! current-thread runtime and in a `LocalSet` with tokio's message; the budget and `block_on` inside the closure;
//! shutdown while a core is handed off.

mod common;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use common::*;
use weft::task::block_in_place;
use weft::task::coop::{consume_budget, has_budget_remaining};

#[test]
fn outside_a_runtime_the_closure_just_runs_here() {
    guard(|| {
        let here = std::thread::current().id();
        let (value, there) = block_in_place(|| (7, std::thread::current().id()));
        assert_eq!(value, 7);
        assert_eq!(here, there);
    });
}

#[test]
fn a_current_thread_runtime_refuses_with_tokios_message() {
    guard(|| {
        let rt = current();
        expect_panic_containing(
            "can call blocking only when running on the multi-threaded runtime",
            || rt.block_on(async { block_in_place(|| ()) }),
        );
        // The runtime is still usable.
        assert_eq!(
            rt.block_on(async { weft::spawn(async { 1 }).await.unwrap() }),
            1
        );
    });
}

/// A `LocalSet`'s tasks cannot move to another thread while the closure blocks: refused, on a
/// multi-thread runtime too, both from a local task and from the future the set drives; the
/// set and the runtime stay usable.
#[test]
fn a_local_set_refuses_with_tokios_message() {
    guard(|| {
        let rt = multi(2);
        let local = weft::task::LocalSet::new();
        let from_task = local.block_on(&rt, async {
            weft::task::spawn_local(async { block_in_place(|| ()) }).await
        });
        let payload = from_task.expect_err("the local task panicked").into_panic();
        assert!(panic_message(&*payload)
            .contains("can call blocking only when running on the multi-threaded runtime"));
        expect_panic_containing(
            "can call blocking only when running on the multi-threaded runtime",
            || local.block_on(&rt, async { block_in_place(|| ()) }),
        );
        let after = local.block_on(&rt, async {
            weft::task::spawn_local(async { 2 }).await.unwrap()
        });
        assert_eq!(after, 2);
        // Outside the set, the same `block_on` thread runs closures in place again.
        assert_eq!(rt.block_on(async { block_in_place(|| 3) }), 3);
    });
}

#[test]
fn a_multi_thread_block_on_runs_the_closure_in_place() {
    guard(|| {
        let rt = multi(2);
        let here = std::thread::current().id();
        let there = rt.block_on(async { block_in_place(|| std::thread::current().id()) });
        assert_eq!(here, there);
    });
}

/// On a one-worker runtime, a task blocks until a task queued behind it on that worker has run:
/// only a handed-off core can run it.
#[test]
fn the_tasks_queued_on_a_blocked_worker_keep_running() {
    guard(|| {
        let rt = multi(1);
        let helper_polls = counter();
        let saw_flag = rt.block_on(rt.spawn({
            let helper_polls = helper_polls.clone();
            async move {
                let (tx, rx) = mpsc::channel();
                // Queued on this worker (its LIFO slot): it can run only once the core moved.
                let helper = weft::spawn(count_polls(&helper_polls, async move {
                    tx.send(()).unwrap();
                }));
                let saw = block_in_place(|| rx.recv_timeout(HANG_LIMIT).is_ok());
                helper.await.unwrap();
                saw
            }
        }));
        assert!(
            saw_flag.unwrap(),
            "the helper never ran while the worker blocked"
        );
        assert_eq!(get(&helper_polls), 1);
    });
}

#[test]
fn the_task_carries_on_after_the_closure() {
    guard(|| {
        let rt = multi(2);
        let steps = counter();
        let out = rt.block_on(rt.spawn({
            let steps = steps.clone();
            async move {
                let a = block_in_place(|| 20);
                bump(&steps);
                weft::task::yield_now().await;
                let b = weft::spawn(async { 22 }).await.unwrap();
                bump(&steps);
                weft::time::sleep(Duration::from_millis(1)).await;
                bump(&steps);
                a + b
            }
        }));
        assert_eq!(out.unwrap(), 42);
        assert_eq!(get(&steps), 3);
    });
}

#[test]
fn the_closure_may_block_on_the_runtime_and_nest() {
    guard(|| {
        let rt = multi(2);
        let out = rt.block_on(rt.spawn(async {
            block_in_place(|| {
                let handle = weft::runtime::Handle::current();
                let inner = handle.block_on(async { weft::spawn(async { 40 }).await.unwrap() });
                inner + block_in_place(|| 2)
            })
        }));
        assert_eq!(out.unwrap(), 42);
    });
}

#[test]
fn the_closure_runs_without_a_budget_and_the_task_gets_its_own_back() {
    guard(|| {
        let rt = multi(2);
        rt.block_on(rt.spawn(async {
            for _ in 0..128 {
                consume_budget().await;
            }
            assert!(!has_budget_remaining());
            assert!(block_in_place(has_budget_remaining));
            assert!(!has_budget_remaining());
        }))
        .unwrap();
    });
}

#[test]
fn many_calls_from_many_tasks_all_return() {
    guard(|| {
        let rt = multi(2);
        let done = counter();
        rt.block_on(async {
            let tasks: Vec<_> = (0..200)
                .map(|i| {
                    let done = done.clone();
                    weft::spawn(async move {
                        for j in 0..5 {
                            let v = block_in_place(|| i * 10 + j);
                            assert_eq!(v, i * 10 + j);
                            weft::task::yield_now().await;
                        }
                        bump(&done);
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
        });
        assert_eq!(get(&done), 200);
        let metrics = rt.handle().metrics();
        assert_eq!(metrics.num_alive_tasks(), 0);
    });
}

#[test]
fn shutdown_while_a_closure_blocks_waits_only_as_told() {
    guard(|| {
        let rt = multi(2);
        let release = Arc::new(AtomicBool::new(false));
        let (started_tx, started_rx) = mpsc::channel();
        {
            let release = release.clone();
            rt.spawn(async move {
                block_in_place(|| {
                    started_tx.send(()).unwrap();
                    while !release.load(SeqCst) {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                });
            });
        }
        started_rx.recv_timeout(HANG_LIMIT).unwrap();
        // The blocked thread is left to finish detached; the rest shuts down.
        rt.shutdown_timeout(Duration::from_millis(50));
        release.store(true, SeqCst);
    });
}

/// Shutdown cancels the tasks before it waits for the workers: a `block_in_place` waiting on a
/// channel whose sender a sleeping task holds is released by that task's drop (tokio's
/// `hang_on_shutdown`), and the runtime's drop returns. Counts: the sleeping task dropped
/// once, never finished; the blocked closure saw the channel close.
#[test]
fn shutdown_drops_the_task_that_a_block_in_place_waits_for() {
    guard(|| {
        let rt = multi(2);
        let (sender_dropped, sleeper_finished) = (counter(), counter());
        let (released_tx, released_rx) = std::sync::mpsc::channel();
        let (blocked_tx, blocked_rx) = std::sync::mpsc::channel::<()>();
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let dropped = DropGuard::new(&sender_dropped);
        let finished = sleeper_finished.clone();
        rt.spawn(async move {
            let _holds = (blocked_tx, dropped);
            weft::time::sleep(Duration::from_secs(3600)).await;
            bump(&finished);
        });
        rt.spawn(async move {
            block_in_place(move || {
                started_tx.send(()).unwrap();
                released_tx.send(blocked_rx.recv().is_err()).unwrap();
            });
        });
        // Shut down only once the closure blocks: a task dropped before its first poll would
        // drop the closure, not run it (a fixed sleep here failed on a loaded machine).
        started_rx.recv_timeout(HANG_LIMIT).unwrap();
        drop(rt);
        assert_eq!(
            released_rx.recv(),
            Ok(true),
            "the closure saw the sender go"
        );
        assert_eq!(get(&sender_dropped), 1);
        assert_eq!(get(&sleeper_finished), 0);
    });
}
