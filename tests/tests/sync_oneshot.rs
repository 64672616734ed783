//! `weft::sync::oneshot` as a user sees it, on real runtimes: values across tasks and threads,
//! both halves dropping, `closed()`, cancellation, and values dropped exactly once.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;

use common::*;
use futures_lite::future::poll_once;
use weft::sync::oneshot::{self, error::TryRecvError};

#[test]
fn many_channels_across_tasks_deliver_their_own_values() {
    guard(|| {
        let rt = multi(4);
        let sum = rt.block_on(async {
            let mut receivers = Vec::new();
            for i in 0..1000u64 {
                let (tx, rx) = oneshot::channel();
                weft::spawn(async move { tx.send(i * 3).unwrap() });
                receivers.push((i, rx));
            }
            let mut sum = 0;
            for (i, rx) in receivers {
                let v = rx.await.unwrap();
                assert_eq!(v, i * 3);
                sum += v;
            }
            sum
        });
        assert_eq!(sum, 3 * 999 * 1000 / 2);
    });
}

#[test]
fn a_sender_dropped_without_sending_completes_with_an_error() {
    guard(|| {
        let rt = multi(2);
        rt.block_on(async {
            let (tx, rx) = oneshot::channel::<u8>();
            weft::spawn(async move { drop(tx) });
            let err = rx.await.unwrap_err();
            assert_eq!(err.to_string(), "channel closed");
        });
    });
}

#[test]
fn a_dropped_receiver_hands_the_value_back_and_wakes_closed() {
    guard(|| {
        let rt = multi(2);
        rt.block_on(async {
            let (mut tx, rx) = oneshot::channel();
            let waiter = weft::spawn(async move {
                tx.closed().await;
                tx.send(String::from("unwanted"))
            });
            weft::task::yield_now().await;
            drop(rx);
            assert_eq!(waiter.await.unwrap(), Err(String::from("unwanted")));
        });
    });
}

#[test]
fn a_cancelled_receive_loses_nothing() {
    guard(|| {
        let rt = multi(2);
        rt.block_on(async {
            let (tx, mut rx) = oneshot::channel();
            assert!(poll_once(&mut rx).await.is_none());
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
            weft::spawn(async move { tx.send(42).unwrap() });
            assert_eq!(rx.await, Ok(42));
        });
    });
}

#[test]
fn blocking_recv_inside_a_runtime_panics() {
    guard(|| {
        let rt = current();
        expect_panic_containing("cannot be called inside a running runtime", || {
            rt.block_on(async {
                let (_tx, rx) = oneshot::channel::<()>();
                rx.blocking_recv()
            })
        });
    });
}

#[derive(Debug)]
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn values_drop_exactly_once_whoever_goes_last() {
    guard(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        // Sent, never received.
        let (tx, rx) = oneshot::channel();
        tx.send(Counted(drops.clone())).unwrap();
        assert_eq!(drops.load(SeqCst), 0);
        drop(rx);
        assert_eq!(drops.load(SeqCst), 1);
        // Refused and handed back.
        let (tx, rx) = oneshot::channel();
        drop(rx);
        let back = tx.send(Counted(drops.clone())).unwrap_err();
        assert_eq!(drops.load(SeqCst), 1);
        drop(back);
        assert_eq!(drops.load(SeqCst), 2);
        // Received across threads, racing.
        let rt = multi(2);
        for _ in 0..200 {
            let (tx, rx) = oneshot::channel();
            let value = Counted(drops.clone());
            let sender = thread::spawn(move || drop(tx.send(value)));
            rt.block_on(async move { drop(rx.await) });
            sender.join().unwrap();
        }
        assert_eq!(drops.load(SeqCst), 202);
    });
}
