//! `weft::sync::watch` on real runtimes: receivers see values in order and always the last one,
//! the close reaches every receiver, `Sender::closed` resolves when the receivers are gone,
//! and a cancelled `changed` loses no change.

mod common;

use std::time::Duration;

use common::*;
use futures_lite::future::poll_once;
use weft::sync::watch;

#[test]
fn every_receiver_sees_the_last_value_then_the_close() {
    guard(|| {
        for rt in [multi(4), current()] {
            let lasts = rt.block_on(async {
                let (tx, rx) = watch::channel(0u32);
                let receivers: Vec<_> = (0..5)
                    .map(|_| {
                        let mut rx = rx.clone();
                        weft::spawn(async move {
                            let mut last = *rx.borrow_and_update();
                            while rx.changed().await.is_ok() {
                                let value = *rx.borrow_and_update();
                                assert!(value > last, "values go backwards: {last} then {value}");
                                last = value;
                            }
                            last
                        })
                    })
                    .collect();
                drop(rx);
                for i in 1..=100 {
                    tx.send(i).unwrap();
                    if i % 10 == 0 {
                        weft::task::yield_now().await;
                    }
                }
                drop(tx);
                let mut lasts = Vec::new();
                for receiver in receivers {
                    lasts.push(receiver.await.unwrap());
                }
                lasts
            });
            assert_eq!(lasts, [100; 5]);
        }
    });
}

#[test]
fn sender_closed_resolves_when_the_receivers_are_gone() {
    guard(|| {
        let rt = multi(2);
        rt.block_on(async {
            let (tx, rx) = watch::channel(());
            let holders: Vec<_> = (0..3)
                .map(|_| {
                    let rx = rx.clone();
                    weft::spawn(async move {
                        weft::time::sleep(Duration::from_millis(5)).await;
                        drop(rx);
                    })
                })
                .collect();
            drop(rx);
            assert!(poll_once(tx.closed()).await.is_none());
            weft::time::timeout(Duration::from_secs(10), tx.closed())
                .await
                .expect("closed() missed the last receiver's drop");
            assert_eq!(tx.receiver_count(), 0);
            assert!(tx.send(()).is_err());
            for holder in holders {
                holder.await.unwrap();
            }
        });
    });
}

#[test]
fn a_cancelled_changed_loses_no_change() {
    guard(|| {
        let rt = current();
        rt.block_on(async {
            let (tx, mut rx) = watch::channel(0);
            assert!(poll_once(rx.changed()).await.is_none());
            tx.send(1).unwrap();
            assert!(poll_once(rx.changed()).await.is_some());
            assert_eq!(*rx.borrow(), 1);
            drop(tx);
            assert!(rx.changed().await.is_err());
        });
    });
}
