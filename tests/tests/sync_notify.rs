//! `weft::sync::Notify` on real runtimes: a permit stored before the task waits, a long
//! ping-pong (no lost wake-up), `notify_waiters` reaching every registered task, and a
//! notification given to a cancelled future passing on to the next waiter.

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use futures_lite::future::poll_once;
use weft::sync::Notify;
use weft::task::yield_now;

#[test]
fn a_permit_stored_before_the_task_waits_is_kept() {
    guard(|| {
        for rt in [multi(2), current()] {
            rt.block_on(async {
                let notify = Arc::new(Notify::new());
                notify.notify_one();
                let waiter = weft::spawn({
                    let notify = notify.clone();
                    async move { notify.notified().await }
                });
                waiter.await.unwrap();
            });
        }
    });
}

#[test]
fn ping_pong_a_thousand_rounds() {
    guard(|| {
        let rt = multi(4);
        let rounds = rt.block_on(async {
            let ping = Arc::new(Notify::new());
            let pong = Arc::new(Notify::new());
            let rounds = counter();
            let ponger = weft::spawn({
                let (ping, pong, rounds) = (ping.clone(), pong.clone(), rounds.clone());
                async move {
                    for _ in 0..1000 {
                        ping.notified().await;
                        bump(&rounds);
                        pong.notify_one();
                    }
                }
            });
            for _ in 0..1000 {
                ping.notify_one();
                pong.notified().await;
            }
            ponger.await.unwrap();
            get(&rounds)
        });
        assert_eq!(rounds, 1000);
    });
}

#[test]
fn notify_waiters_wakes_every_registered_task() {
    guard(|| {
        let rt = multi(4);
        let woken = rt.block_on(async {
            let notify = Arc::new(Notify::new());
            let registered = counter();
            let woken = counter();
            let tasks: Vec<_> = (0..50)
                .map(|_| {
                    let (notify, registered, woken) =
                        (notify.clone(), registered.clone(), woken.clone());
                    weft::spawn(async move {
                        let mut notified = pin!(notify.notified());
                        notified.as_mut().enable();
                        bump(&registered);
                        notified.await;
                        bump(&woken);
                    })
                })
                .collect();
            while get(&registered) < 50 {
                yield_now().await;
            }
            notify.notify_waiters();
            for task in tasks {
                task.await.unwrap();
            }
            // No permit was stored.
            assert!(poll_once(notify.notified()).await.is_none());
            get(&woken)
        });
        assert_eq!(woken, 50);
    });
}

#[test]
fn a_notification_given_to_a_cancelled_future_passes_on() {
    guard(|| {
        let rt = multi(2);
        rt.block_on(async {
            let notify = Arc::new(Notify::new());
            let mut cancelled = Box::pin(notify.notified());
            assert!(poll_once(&mut cancelled).await.is_none()); // first in the queue
            let registered = counter();
            let waiter = weft::spawn({
                let (notify, registered) = (notify.clone(), registered.clone());
                async move {
                    let mut notified = pin!(notify.notified());
                    notified.as_mut().enable();
                    bump(&registered);
                    notified.await;
                }
            });
            while get(&registered) < 1 {
                yield_now().await;
            }
            notify.notify_one(); // goes to `cancelled`, the oldest waiter
            drop(cancelled); // ...which passes it on
            weft::time::timeout(Duration::from_secs(10), waiter)
                .await
                .expect("the notification was lost with the cancelled future")
                .unwrap();
        });
    });
}

#[test]
fn a_timed_out_wait_loses_no_later_notification() {
    guard(|| {
        let rt = multi(2);
        rt.block_on(async {
            let notify = Notify::new();
            let late = weft::time::timeout(Duration::from_millis(5), notify.notified()).await;
            assert!(late.is_err());
            notify.notify_one();
            weft::time::timeout(Duration::from_secs(10), notify.notified())
                .await
                .expect("the stored permit was lost");
        });
    });
}
