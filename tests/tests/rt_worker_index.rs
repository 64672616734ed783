//! `runtime::worker_index`: which worker a piece of code runs on, as tokio reports it. Each
//! task records the index it saw; the counts of tasks per index add up exactly.

mod common;

use std::collections::HashMap;
use std::sync::mpsc::sync_channel;
use std::sync::Arc;
use std::thread;

use common::guard;
use weft::runtime::{self, Builder, LocalRuntime};

#[test]
fn off_the_workers_there_is_no_index() {
    guard(|| {
        assert_eq!(runtime::worker_index(), None, "outside any runtime");
        let multi = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let seen = multi.block_on(async {
            let blocking = weft::task::spawn_blocking(runtime::worker_index)
                .await
                .unwrap();
            (runtime::worker_index(), blocking)
        });
        assert_eq!(
            seen,
            (None, None),
            "block_on's thread and the blocking pool"
        );
        let current = Builder::new_current_thread().build().unwrap();
        let blocking = current.block_on(async {
            weft::task::spawn_blocking(runtime::worker_index)
                .await
                .unwrap()
        });
        assert_eq!(blocking, None);
    });
}

#[test]
fn every_task_of_a_multi_thread_runtime_sees_a_worker_index_in_range() {
    guard(|| {
        const TASKS: usize = 1000;
        const WORKERS: usize = 3;
        let rt = Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .build()
            .unwrap();
        let per_index = rt.block_on(async {
            let handles: Vec<_> = (0..TASKS)
                .map(|_| {
                    weft::spawn(async {
                        let index = runtime::worker_index().expect("tasks run on workers");
                        (index, thread::current().id())
                    })
                })
                .collect();
            let mut per_index: HashMap<usize, (usize, thread::ThreadId)> = HashMap::new();
            for handle in handles {
                let (index, thread) = handle.await.unwrap();
                let entry = per_index.entry(index).or_insert((0, thread));
                entry.0 += 1;
                assert_eq!(entry.1, thread, "one index, one thread");
            }
            per_index
        });
        assert!(per_index.keys().all(|&index| index < WORKERS));
        assert_eq!(
            per_index.values().map(|(tasks, _)| tasks).sum::<usize>(),
            TASKS
        );
    });
}

#[test]
fn the_thread_driving_a_current_thread_runtime_is_worker_zero() {
    guard(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        let seen = rt.block_on(async {
            let spawned = weft::spawn(async { runtime::worker_index() })
                .await
                .unwrap();
            (runtime::worker_index(), spawned)
        });
        assert_eq!(seen, (Some(0), Some(0)));
        assert_eq!(runtime::worker_index(), None, "reset once block_on returns");
        let local = LocalRuntime::new().unwrap();
        assert_eq!(local.block_on(async { runtime::worker_index() }), Some(0));
        // A panic inside the drive resets it too.
        let unwound = std::panic::catch_unwind(|| rt.block_on(async { panic!("boom") }));
        assert!(unwound.is_err());
        assert_eq!(runtime::worker_index(), None);
    });
}

#[test]
fn a_second_block_on_of_a_current_thread_runtime_is_no_worker() {
    guard(|| {
        let rt = Arc::new(Builder::new_current_thread().build().unwrap());
        let (entered_tx, entered_rx) = sync_channel(1);
        let (release_tx, release_rx) = weft::sync::oneshot::channel::<()>();
        let owner = thread::spawn({
            let rt = rt.clone();
            move || {
                rt.block_on(async {
                    entered_tx.send(()).unwrap();
                    release_rx.await.unwrap();
                    runtime::worker_index()
                })
            }
        });
        entered_rx.recv().unwrap();
        let other = thread::spawn({
            let rt = rt.clone();
            move || rt.block_on(async { runtime::worker_index() })
        });
        assert_eq!(other.join().unwrap(), None, "it only polls its own future");
        release_tx.send(()).unwrap();
        assert_eq!(owner.join().unwrap(), Some(0));
    });
}

#[test]
fn inside_block_in_place_the_thread_is_no_worker() {
    guard(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let (before, inside) = rt.block_on(async {
            weft::spawn(async {
                let before = runtime::worker_index();
                // The worker's core goes to another thread for the closure's duration.
                let inside = weft::task::block_in_place(runtime::worker_index);
                (before, inside)
            })
            .await
            .unwrap()
        });
        assert!(matches!(before, Some(0 | 1)), "{before:?}");
        assert_eq!(inside, None);
    });
}
