//! `weft::sync::Semaphore` on real runtimes: bounding concurrency (the most tasks inside at
//! once, counted exactly), fairness to a large request under a stream of small ones, close
//! waking every waiter, and cancellation (select-style and by `abort`) losing no permit.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use futures_lite::future::poll_once;
use weft::sync::{Semaphore, TryAcquireError};
use weft::task::yield_now;

/// Runs 100 tasks through a semaphore of 3 permits; returns the most inside at once and how
/// many ran.
fn bounded(rt: &weft::runtime::Runtime) -> (usize, usize) {
    rt.block_on(async {
        let semaphore = Arc::new(Semaphore::new(3));
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let ran = counter();
        let handles: Vec<_> = (0..100)
            .map(|_| {
                let (semaphore, inside, most, ran) =
                    (semaphore.clone(), inside.clone(), most.clone(), ran.clone());
                weft::spawn(async move {
                    let _permit = semaphore.acquire().await.unwrap();
                    let now = inside.fetch_add(1, SeqCst) + 1;
                    most.fetch_max(now, SeqCst);
                    for _ in 0..3 {
                        yield_now().await;
                    }
                    bump(&ran);
                    inside.fetch_sub(1, SeqCst);
                })
            })
            .collect();
        for handle in handles {
            handle.await.unwrap();
        }
        assert_eq!(semaphore.available_permits(), 3);
        (most.load(SeqCst), get(&ran))
    })
}

#[test]
fn a_semaphore_bounds_concurrency() {
    guard(|| {
        let (most, ran) = bounded(&multi(4));
        assert!((1..=3).contains(&most), "{most} tasks inside at once");
        assert_eq!(ran, 100);
        // On one thread the schedule is deterministic: the first three fill the permits.
        assert_eq!(bounded(&current()), (3, 100));
    });
}

#[test]
fn a_large_request_is_not_starved_by_small_ones() {
    guard(|| {
        let rt = multi(4);
        rt.block_on(async {
            let semaphore = Arc::new(Semaphore::new(4));
            let stop = Arc::new(AtomicBool::new(false));
            let small: Vec<_> = (0..8)
                .map(|_| {
                    let (semaphore, stop) = (semaphore.clone(), stop.clone());
                    weft::spawn(async move {
                        while !stop.load(SeqCst) {
                            let _permit = semaphore.acquire().await.unwrap();
                            yield_now().await;
                        }
                    })
                })
                .collect();
            weft::time::sleep(Duration::from_millis(5)).await;
            let all = weft::time::timeout(Duration::from_secs(10), semaphore.acquire_many(4))
                .await
                .expect("the request for all permits was starved")
                .unwrap();
            assert_eq!(all.num_permits(), 4);
            stop.store(true, SeqCst);
            drop(all);
            for task in small {
                task.await.unwrap();
            }
            assert_eq!(semaphore.available_permits(), 4);
        });
    });
}

#[test]
fn close_wakes_every_waiter_with_an_error() {
    guard(|| {
        let rt = multi(2);
        rt.block_on(async {
            let semaphore = Arc::new(Semaphore::new(0));
            let started = counter();
            let waiters: Vec<_> = (0..10)
                .map(|_| {
                    let (semaphore, started) = (semaphore.clone(), started.clone());
                    weft::spawn(async move {
                        bump(&started);
                        semaphore.acquire().await.is_err()
                    })
                })
                .collect();
            while get(&started) < 10 {
                yield_now().await;
            }
            semaphore.close();
            let mut errors = 0;
            for waiter in waiters {
                errors += usize::from(waiter.await.unwrap());
            }
            assert_eq!(errors, 10);
            assert_eq!(
                semaphore.try_acquire().unwrap_err(),
                TryAcquireError::Closed
            );
        });
    });
}

#[test]
fn a_cancelled_acquire_returns_the_permits_set_aside_for_it() {
    guard(|| {
        let rt = current();
        rt.block_on(async {
            let semaphore = Semaphore::new(1);
            // Takes the one permit and waits for a second; cancelled after one poll.
            assert!(poll_once(semaphore.acquire_many(2)).await.is_none());
            assert_eq!(semaphore.available_permits(), 1, "the permit came back");
            let permit = semaphore.acquire().await.unwrap();
            assert!(poll_once(semaphore.acquire()).await.is_none());
            drop(permit);
            assert_eq!(semaphore.available_permits(), 1);
        });
    });
}

#[test]
fn aborting_waiters_loses_no_permit() {
    guard(|| {
        let rt = multi(4);
        rt.block_on(async {
            let semaphore = Arc::new(Semaphore::new(2));
            let held = semaphore.clone().acquire_owned().await.unwrap();
            let started = counter();
            let waiters: Vec<_> = (0..20)
                .map(|_| {
                    let (semaphore, started) = (semaphore.clone(), started.clone());
                    weft::spawn(async move {
                        bump(&started);
                        let _permits = semaphore.acquire_many(2).await.unwrap();
                        yield_now().await;
                    })
                })
                .collect();
            while get(&started) < 20 {
                yield_now().await;
            }
            for (i, waiter) in waiters.iter().enumerate() {
                if i % 2 == 0 {
                    waiter.abort();
                }
            }
            drop(held);
            for waiter in waiters {
                let _ = waiter.await;
            }
            assert_eq!(semaphore.available_permits(), 2);
        });
    });
}
