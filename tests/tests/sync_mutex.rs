//! `weft::sync::Mutex` on real runtimes: many tasks incrementing under the lock (guards held
//! across `.await` on a multi-thread runtime), owned guards moved into tasks, cancellation of a
//! waiting lock (select-style and by `abort`), and `blocking_lock` inside and outside a runtime.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use futures_lite::future::poll_once;
use weft::sync::Mutex;
use weft::task::yield_now;

#[test]
fn a_thousand_tasks_increment_under_the_lock() {
    guard(|| {
        for rt in [multi(4), current()] {
            let total = rt.block_on(async {
                let count = Arc::new(Mutex::new(0usize));
                let inside = Arc::new(AtomicUsize::new(0));
                let handles: Vec<_> = (0..1000)
                    .map(|_| {
                        let (count, inside) = (count.clone(), inside.clone());
                        weft::spawn(async move {
                            let mut guard = count.lock().await;
                            assert_eq!(inside.fetch_add(1, SeqCst), 0, "two tasks inside");
                            let before = *guard;
                            yield_now().await; // held across an await, maybe moving threads
                            *guard = before + 1;
                            inside.fetch_sub(1, SeqCst);
                        })
                    })
                    .collect();
                for handle in handles {
                    handle.await.unwrap();
                }
                let total = *count.lock().await;
                total
            });
            assert_eq!(total, 1000);
        }
    });
}

#[test]
fn owned_guards_move_into_tasks() {
    guard(|| {
        let rt = multi(2);
        let log = rt.block_on(async {
            let mutex = Arc::new(Mutex::new(Vec::new()));
            let mut handles = Vec::new();
            for i in 0..50 {
                let guard = mutex.clone().lock_owned().await;
                handles.push(weft::spawn(async move {
                    let mut guard = guard;
                    yield_now().await;
                    guard.push(i);
                }));
            }
            for handle in handles {
                handle.await.unwrap();
            }
            Arc::try_unwrap(mutex).unwrap().into_inner()
        });
        assert_eq!(
            log,
            (0..50).collect::<Vec<_>>(),
            "each lock waited for the previous"
        );
    });
}

#[test]
fn a_lock_cancelled_select_style_loses_nothing() {
    guard(|| {
        let rt = multi(2);
        rt.block_on(async {
            let mutex = Arc::new(Mutex::new(0));
            let held = mutex.lock().await;
            // Polled once while locked, then dropped: as the losing branch of a `select!`.
            assert!(poll_once(mutex.lock()).await.is_none());
            // Queued first, then handed the lock, then dropped before it ran again.
            let mut chosen = Box::pin(mutex.lock());
            assert!(poll_once(&mut chosen).await.is_none());
            let queued = counter();
            let next = weft::spawn({
                let (mutex, queued) = (mutex.clone(), queued.clone());
                async move {
                    let mut lock = std::pin::pin!(mutex.lock());
                    assert!(poll_once(lock.as_mut()).await.is_none(), "behind `chosen`");
                    bump(&queued);
                    *lock.await += 1;
                }
            });
            while get(&queued) < 1 {
                yield_now().await;
            }
            drop(held); // the lock goes to `chosen`, the oldest waiter
            drop(chosen); // ...which passes it on to `next`
            weft::time::timeout(Duration::from_secs(10), next)
                .await
                .expect("the lock was lost with the cancelled future")
                .unwrap();
            assert_eq!(*mutex.try_lock().expect("nobody holds the lock"), 1);
        });
    });
}

#[test]
fn aborting_a_task_that_waits_for_the_lock_leaves_it_usable() {
    guard(|| {
        let rt = multi(2);
        rt.block_on(async {
            let mutex = Arc::new(Mutex::new(0));
            let held = mutex.clone().lock_owned().await;
            let started = counter();
            let victims: Vec<_> = (0..10)
                .map(|_| {
                    let (mutex, started) = (mutex.clone(), started.clone());
                    weft::spawn(async move {
                        bump(&started);
                        *mutex.lock().await += 1;
                    })
                })
                .collect();
            while get(&started) < 10 {
                yield_now().await;
            }
            for victim in &victims {
                victim.abort();
            }
            for victim in victims {
                let _ = victim.await;
            }
            drop(held);
            let value = weft::time::timeout(Duration::from_secs(5), mutex.lock())
                .await
                .map(|guard| *guard)
                .expect("the lock is free after the waiters were aborted");
            assert!(value <= 10);
        });
    });
}

#[test]
fn blocking_lock_inside_a_runtime_panics_with_a_clear_message() {
    guard(|| {
        let rt = current();
        let mutex = Mutex::new(0);
        expect_panic_containing("cannot be called inside a running runtime", || {
            rt.block_on(async { *mutex.blocking_lock() += 1 })
        });
        let rt = multi(2);
        let mutex = Arc::new(Mutex::new(0));
        let m = mutex.clone();
        let err = rt
            .block_on(rt.spawn(async move { *m.blocking_lock() += 1 }))
            .expect_err("blocking_lock in a task panics");
        assert!(err.is_panic());
        let message = panic_message(&*err.into_panic());
        assert!(message.contains("Mutex::blocking_lock"), "{message}");
        assert_eq!(*mutex.blocking_lock(), 0, "outside a runtime it works");
    });
}

#[test]
fn blocking_lock_from_spawn_blocking_waits_for_an_async_holder() {
    guard(|| {
        let rt = multi(2);
        let value = rt.block_on(async {
            let mutex = Arc::new(Mutex::new(1));
            let held = mutex.lock().await;
            let blocking = weft::task::spawn_blocking({
                let mutex = mutex.clone();
                move || {
                    let mut guard = mutex.blocking_lock();
                    *guard *= 10;
                }
            });
            weft::time::sleep(Duration::from_millis(10)).await;
            drop(held);
            blocking.await.unwrap();
            let value = *mutex.lock().await;
            value
        });
        assert_eq!(value, 10);
    });
}
