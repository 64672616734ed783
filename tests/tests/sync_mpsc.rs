//! `weft::sync::mpsc` as a user sees it, on real runtimes: fan-in with content checks,
//! back-pressure, close in both directions, cancellation that loses nothing, and values
//! dropped exactly once.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::*;
use futures_lite::future::poll_once;
use weft::sync::mpsc::{self, error::SendError, error::TryRecvError, error::TrySendError};
use weft::task::yield_now;

const PRODUCERS: u64 = 10;
const PER_PRODUCER: u64 = 1000;

/// Checks that `messages` holds every `(producer, seq)` exactly once, each producer's in order.
fn check_fan_in(messages: &[(u64, u64)]) {
    assert_eq!(messages.len() as u64, PRODUCERS * PER_PRODUCER);
    let mut next = vec![0u64; PRODUCERS as usize];
    for &(producer, seq) in messages {
        assert_eq!(
            seq, next[producer as usize],
            "producer {producer}: out of order or duplicated"
        );
        next[producer as usize] += 1;
    }
    assert!(next.iter().all(|&n| n == PER_PRODUCER));
}

#[test]
fn bounded_fan_in_delivers_every_message_once_in_producer_order() {
    guard(|| {
        let rt = multi(4);
        let messages = rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(16);
            for producer in 0..PRODUCERS {
                let tx = tx.clone();
                weft::spawn(async move {
                    for seq in 0..PER_PRODUCER {
                        tx.send((producer, seq)).await.unwrap();
                    }
                });
            }
            drop(tx);
            let mut messages = Vec::new();
            while let Some(message) = rx.recv().await {
                messages.push(message);
            }
            messages
        });
        check_fan_in(&messages);
    });
}

#[test]
fn unbounded_fan_in_delivers_every_message_once_in_producer_order() {
    guard(|| {
        let rt = multi(4);
        let messages = rt.block_on(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            for producer in 0..PRODUCERS {
                let tx = tx.clone();
                weft::spawn(async move {
                    for seq in 0..PER_PRODUCER {
                        tx.send((producer, seq)).unwrap();
                        if seq % 100 == 0 {
                            yield_now().await;
                        }
                    }
                });
            }
            drop(tx);
            let mut messages = Vec::new();
            let mut batch = Vec::new();
            while rx.recv_many(&mut batch, 64).await > 0 {
                messages.append(&mut batch);
            }
            messages
        });
        check_fan_in(&messages);
    });
}

#[test]
fn fan_in_from_plain_threads_with_blocking_send() {
    guard(|| {
        let rt = multi(2);
        let (tx, mut rx) = mpsc::channel(4);
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|producer| {
                let tx = tx.clone();
                thread::spawn(move || {
                    for seq in 0..PER_PRODUCER {
                        tx.blocking_send((producer, seq)).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let messages = rt.block_on(async move {
            let mut messages = Vec::new();
            while let Some(message) = rx.recv().await {
                messages.push(message);
            }
            messages
        });
        for producer in producers {
            producer.join().unwrap();
        }
        check_fan_in(&messages);
    });
}

#[test]
fn a_full_channel_blocks_the_sender_until_a_recv() {
    guard(|| {
        let rt = multi(2);
        let (tx, mut rx) = mpsc::channel(2);
        let sent = counter();
        let s = sent.clone();
        let producer = rt.spawn(async move {
            for i in 0..5 {
                tx.send(i).await.unwrap();
                bump(&s);
            }
        });
        assert!(wait_until(Duration::from_secs(5), || get(&sent) == 2));
        thread::sleep(Duration::from_millis(50));
        assert_eq!(get(&sent), 2, "the third send must wait for room");
        assert_eq!(rt.block_on(rx.recv()), Some(0));
        assert!(wait_until(Duration::from_secs(5), || get(&sent) == 3));
        thread::sleep(Duration::from_millis(20));
        assert_eq!(get(&sent), 3);
        for expected in 1..5 {
            assert_eq!(rt.block_on(rx.recv()), Some(expected));
        }
        rt.block_on(producer).unwrap();
        assert_eq!(get(&sent), 5);
        assert_eq!(rt.block_on(rx.recv()), None);
    });
}

#[test]
fn dropping_every_sender_ends_the_stream_after_draining() {
    guard(|| {
        let rt = multi(2);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(8);
            let tx2 = tx.clone();
            tx.send(1).await.unwrap();
            tx2.send(2).await.unwrap();
            drop(tx);
            assert!(!rx.is_closed());
            let waiter = weft::spawn(async move {
                let mut got = Vec::new();
                while let Some(v) = rx.recv().await {
                    got.push(v);
                }
                got
            });
            yield_now().await;
            tx2.send(3).await.unwrap();
            drop(tx2);
            assert_eq!(waiter.await.unwrap(), [1, 2, 3]);
        });
    });
}

#[test]
fn dropping_the_receiver_fails_sends_with_their_values() {
    guard(|| {
        let rt = multi(2);
        rt.block_on(async {
            // A sender waiting for room gets its value back when the receiver goes.
            let (tx, rx) = mpsc::channel(1);
            tx.send(String::from("stored")).await.unwrap();
            let waiting = {
                let tx = tx.clone();
                weft::spawn(async move { tx.send(String::from("waiting")).await })
            };
            let closed = {
                let tx = tx.clone();
                weft::spawn(async move { tx.closed().await })
            };
            yield_now().await;
            drop(rx);
            let SendError(back) = waiting.await.unwrap().unwrap_err();
            assert_eq!(back, "waiting");
            closed.await.unwrap();
            assert!(tx.is_closed());
            assert_eq!(
                tx.try_send(String::from("late")),
                Err(TrySendError::Closed(String::from("late")))
            );

            let (utx, urx) = mpsc::unbounded_channel();
            drop(urx);
            assert_eq!(utx.send(5), Err(SendError(5)));
        });
    });
}

#[test]
fn close_lets_the_receiver_drain_what_was_sent() {
    guard(|| {
        let rt = multi(2);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            for i in 0..3 {
                tx.send(i).unwrap();
            }
            rx.close();
            assert!(tx.send(3).is_err());
            assert!(rx.is_closed());
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                got.push(v);
            }
            assert_eq!(got, [0, 1, 2]);
            assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        });
    });
}

#[test]
fn a_cancelled_recv_loses_no_message() {
    guard(|| {
        let rt = multi(2);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(4);
            // Pending and dropped: nothing taken.
            assert!(poll_once(rx.recv()).await.is_none());
            tx.send(1).await.unwrap();
            assert_eq!(rx.recv().await, Some(1));

            // A producer streams while the consumer keeps abandoning its recv futures.
            let total = 2000u32;
            let producer = weft::spawn(async move {
                for i in 0..total {
                    tx.send(i).await.unwrap();
                }
            });
            let mut next = 0;
            loop {
                match poll_once(rx.recv()).await {
                    Some(Some(v)) => {
                        assert_eq!(v, next);
                        next += 1;
                    }
                    Some(None) => break,
                    None => yield_now().await,
                }
            }
            producer.await.unwrap();
            assert_eq!(next, total, "every message arrived once, in order");
        });
    });
}

#[test]
fn a_cancelled_send_takes_no_slot_and_sends_nothing() {
    guard(|| {
        let rt = multi(2);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(1);
            tx.send(1).await.unwrap();
            assert!(poll_once(tx.send(2)).await.is_none(), "full: pending");
            assert!(poll_once(tx.reserve()).await.is_none(), "full: pending");
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(tx.capacity(), 1, "the abandoned waits took no slot");
            assert_eq!(rx.try_recv(), Err(TryRecvError::Empty), "2 was never sent");
            tx.send(3).await.unwrap();
            assert_eq!(rx.recv().await, Some(3));
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
fn values_inside_a_dropped_channel_drop_exactly_once() {
    guard(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        // Receiver first, then senders; bounded.
        let (tx, rx) = mpsc::channel(100);
        for _ in 0..50 {
            tx.try_send(Counted(drops.clone())).unwrap();
        }
        drop(rx);
        assert_eq!(drops.load(SeqCst), 50);
        drop(tx);
        assert_eq!(drops.load(SeqCst), 50);

        // Senders first, then the receiver; unbounded (several storage blocks).
        let (tx, rx) = mpsc::unbounded_channel();
        for _ in 0..100 {
            tx.send(Counted(drops.clone())).unwrap();
        }
        drop(tx);
        assert_eq!(drops.load(SeqCst), 50);
        drop(rx);
        assert_eq!(drops.load(SeqCst), 150);

        // A large bound (list storage), partly received.
        let (tx, mut rx) = mpsc::channel(100_000);
        for _ in 0..70 {
            tx.try_send(Counted(drops.clone())).unwrap();
        }
        for _ in 0..20 {
            drop(rx.try_recv().unwrap());
        }
        assert_eq!(drops.load(SeqCst), 170);
        drop(rx);
        drop(tx);
        assert_eq!(drops.load(SeqCst), 220);
    });
}

#[test]
fn zero_capacity_panics_with_tokios_message() {
    expect_panic_containing("mpsc bounded channel requires buffer > 0", || {
        mpsc::channel::<()>(0)
    });
}

#[test]
fn blocking_recv_inside_a_runtime_panics() {
    guard(|| {
        let rt = current();
        expect_panic_containing("cannot be called inside a running runtime", || {
            rt.block_on(async {
                let (_tx, mut rx) = mpsc::unbounded_channel::<()>();
                rx.blocking_recv()
            })
        });
    });
}

#[test]
fn weak_sender_upgrades_only_while_a_sender_lives() {
    guard(|| {
        let rt = multi(2);
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel::<u8>(1);
            let weak = tx.downgrade();
            weak.upgrade().unwrap().send(1).await.unwrap();
            drop(tx);
            assert!(weak.upgrade().is_none());
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(rx.recv().await, None);
        });
    });
}
