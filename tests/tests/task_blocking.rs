//! `spawn_blocking`: results, panics, the `max_blocking_threads` bound, the runtime context on
//! blocking threads, async work going on beside it, and shutdown waiting for (or, with
//! `shutdown_timeout`, giving up on) the blocking jobs queued or running when it begins.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::*;
use weft::runtime::{Builder, Handle};
use weft::task::yield_now;

#[test]
fn spawn_blocking_returns_results() {
    guard(|| {
        for rt in [multi(2), current()] {
            let caller = thread::current().id();
            let (a, b, other_thread) = rt.block_on(async move {
                let a = weft::spawn_blocking(|| (1..=10).sum::<u32>())
                    .await
                    .unwrap();
                let b = weft::task::spawn_blocking(|| String::from("blocking"))
                    .await
                    .unwrap();
                let id = weft::spawn_blocking(|| thread::current().id())
                    .await
                    .unwrap();
                (a, b, id != caller)
            });
            assert_eq!(a, 55);
            assert_eq!(b, "blocking");
            assert!(
                other_thread,
                "a blocking closure ran on the block_on thread"
            );
        }
    });
}

#[test]
fn spawn_blocking_from_inside_a_task() {
    guard(|| {
        let rt = multi(2);
        let out = rt.block_on(async {
            weft::spawn(async {
                let h = weft::spawn_blocking(|| 21);
                h.await.unwrap() * 2
            })
            .await
            .unwrap()
        });
        assert_eq!(out, 42);
    });
}

#[test]
fn one_hundred_blocking_jobs_each_run_once() {
    guard(|| {
        let rt = multi(2);
        let runs = counter();
        let r = runs.clone();
        let sum = rt.block_on(async move {
            let hs: Vec<_> = (0..100usize)
                .map(|i| {
                    let r = r.clone();
                    weft::spawn_blocking(move || {
                        bump(&r);
                        i
                    })
                })
                .collect();
            let mut sum = 0;
            for h in hs {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(sum, (0..100).sum());
        assert_eq!(get(&runs), 100);
    });
}

#[test]
fn panic_in_spawn_blocking_is_reported() {
    guard(|| {
        let rt = multi(2);
        let err = rt
            .block_on(async { weft::spawn_blocking(|| panic!("blocking boom")).await })
            .unwrap_err();
        assert!(err.is_panic());
        assert!(!err.is_cancelled());
        let msg = err.into_panic().downcast::<&str>().expect("&str payload");
        assert_eq!(*msg, "blocking boom");
        // The pool still serves jobs afterwards.
        let again = rt.block_on(async { weft::spawn_blocking(|| 3).await.unwrap() });
        assert_eq!(again, 3);
    });
}

#[test]
fn max_blocking_threads_bounds_concurrency() {
    guard(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let running = Arc::new(AtomicUsize::new(0));
        let max_seen = Arc::new(AtomicUsize::new(0));
        let runs = counter();
        let (r, m, n) = (running.clone(), max_seen.clone(), runs.clone());
        rt.block_on(async move {
            let hs: Vec<_> = (0..8)
                .map(|_| {
                    let (r, m, n) = (r.clone(), m.clone(), n.clone());
                    weft::spawn_blocking(move || {
                        let now = r.fetch_add(1, SeqCst) + 1;
                        m.fetch_max(now, SeqCst);
                        thread::sleep(Duration::from_millis(40));
                        r.fetch_sub(1, SeqCst);
                        bump(&n);
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        });
        assert_eq!(
            get(&runs),
            8,
            "every queued blocking job must run exactly once"
        );
        let max = max_seen.load(SeqCst);
        assert!(
            max <= 2,
            "max_blocking_threads(2), but {max} blocking jobs ran at once"
        );
        assert_eq!(
            max, 2,
            "8 queued jobs with a bound of 2 should use both threads"
        );
    });
}

#[test]
fn blocking_jobs_do_not_stall_async_tasks() {
    guard(|| {
        let rt = multi(1);
        let (release, released) = std::sync::mpsc::channel();
        let released_in_time = rt.block_on(async move {
            // The blocking job waits until an async task on the only worker has run to its end.
            let blocking = weft::spawn_blocking(move || released.recv_timeout(HANG_LIMIT).is_ok());
            let a = weft::spawn(async move {
                for _ in 0..10 {
                    yield_now().await;
                }
                release.send(()).unwrap();
            });
            a.await.unwrap();
            blocking.await.unwrap()
        });
        assert!(
            released_in_time,
            "an async task on the only worker waited for a blocking job"
        );
    });
}

#[test]
fn blocking_threads_are_inside_the_runtime() {
    guard(|| {
        let rt = multi(2);
        let (has_handle, spawned, nested_block_on) = rt.block_on(async {
            weft::spawn_blocking(|| {
                let has_handle = Handle::try_current().is_ok();
                let h = weft::spawn(async { 4 });
                // A blocking thread is not a runtime worker: Handle::block_on is allowed here.
                let spawned = Handle::current().block_on(h).unwrap();
                let nested =
                    Handle::current().block_on(async { weft::spawn(async { 5 }).await.unwrap() });
                (has_handle, spawned, nested)
            })
            .await
            .unwrap()
        });
        assert!(
            has_handle,
            "Handle::try_current() failed on a blocking thread"
        );
        assert_eq!(spawned, 4);
        assert_eq!(nested_block_on, 5);
    });
}

#[test]
fn shutdown_timeout_gives_up_on_a_stuck_blocking_task() {
    guard(|| {
        let rt = multi(2);
        let (started, is_started) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let pending_drops = counter();
        let pd = pending_drops.clone();
        rt.block_on(async move {
            // Stuck until released, which happens only once `shutdown_timeout` has returned:
            // if it waited for the job, the test would hang.
            drop(weft::spawn_blocking(move || {
                started.send(()).unwrap();
                let _ = released.recv();
            }));
            for _ in 0..10 {
                let g = DropGuard::new(&pd);
                drop(weft::spawn(async move {
                    let _g = g;
                    std::future::pending::<()>().await
                }));
            }
        });
        is_started.recv_timeout(HANG_LIMIT).unwrap();
        rt.shutdown_timeout(Duration::from_millis(50));
        release.send(()).unwrap();
        assert_eq!(
            get(&pending_drops),
            10,
            "shutdown_timeout must drop pending tasks"
        );
    });
}

/// tokio's `spawn_blocking_started_before_shutdown_continues`: a job spawned just before
/// `shutdown_timeout` runs, whether its thread had picked it up or it was still queued.
#[test]
fn a_job_spawned_just_before_shutdown_timeout_runs_to_completion() {
    guard(|| {
        for flavor in 0..2 {
            for _ in 0..20 {
                let rt = if flavor == 0 { current() } else { multi(2) };
                let handle = rt.handle().clone();
                let join = {
                    let _enter = handle.enter();
                    weft::spawn_blocking(|| 42)
                };
                rt.shutdown_timeout(Duration::from_secs(1000));
                assert!(join.is_finished(), "shutdown returned before the job ran");
                assert_eq!(handle.block_on(join).unwrap(), 42);
            }
        }
    });
}

#[test]
fn jobs_queued_or_running_when_shutdown_begins_run_and_shutdown_waits_for_them() {
    type Shutdown = fn(weft::runtime::Runtime);
    let ways: [Shutdown; 2] = [drop, |rt| rt.shutdown_timeout(Duration::from_secs(1000))];
    guard(move || {
        for (flavor, shutdown) in [0, 1].into_iter().flat_map(|f| ways.map(|way| (f, way))) {
            let builder = if flavor == 0 {
                Builder::new_current_thread()
            } else {
                let mut multi = Builder::new_multi_thread();
                multi.worker_threads(2);
                multi
            };
            let rt = { builder }.max_blocking_threads(1).build().unwrap();
            let handle = rt.handle().clone();
            let (started_tx, started_rx) = std::sync::mpsc::channel();
            let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
            // The pool's one thread runs `first`, which waits to be released; `second` queues.
            let first = rt.spawn_blocking(move || {
                started_tx.send(()).unwrap();
                release_rx.recv().unwrap();
                1
            });
            let second = rt.spawn_blocking(|| 2);
            started_rx.recv_timeout(HANG_LIMIT).unwrap();
            // Releases `first` once the pool has begun its shutdown, which it shows by
            // refusing a new job (its handle is finished at once, cancelled).
            let releaser = thread::spawn(move || loop {
                if handle.spawn_blocking(|| 0).is_finished() {
                    release_tx.send(()).unwrap();
                    return handle;
                }
                thread::yield_now();
            });
            shutdown(rt);
            let handle = releaser.join().unwrap();
            assert!(first.is_finished() && second.is_finished());
            assert_eq!(handle.block_on(first).unwrap(), 1);
            assert_eq!(
                handle
                    .block_on(second)
                    .expect("a job queued before shutdown began was cancelled"),
                2
            );
        }
    });
}
