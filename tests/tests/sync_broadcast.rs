//! `weft::sync::broadcast` as a user sees it, on real runtimes: the shutdown-signal pattern of
//! a tokio server, fan-out with content checks, lagging under load with exact accounting, and
//! values dropped exactly once.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use common::*;
use weft::sync::broadcast::{self, error::RecvError};

/// The tokio idiom that a channel closing with its last receiver breaks:
/// `let (shutdown, _) = broadcast::channel(1)` drops the first receiver at once, and every
/// handler subscribes later. The handlers must wait for the signal, not see a closed channel.
#[test]
fn a_shutdown_signal_reaches_handlers_that_subscribed_after_the_first_receiver_dropped() {
    guard(|| {
        let rt = multi(2);
        rt.block_on(async {
            let (shutdown, _) = broadcast::channel::<()>(1);
            let stopped = Arc::new(AtomicUsize::new(0));
            let handlers: Vec<_> = (0..8)
                .map(|_| {
                    let mut signal = shutdown.subscribe();
                    let stopped = stopped.clone();
                    weft::spawn(async move {
                        assert_eq!(signal.recv().await, Ok(()));
                        stopped.fetch_add(1, SeqCst);
                    })
                })
                .collect();
            weft::task::yield_now().await;
            assert_eq!(stopped.load(SeqCst), 0, "nobody stops before the signal");
            assert_eq!(shutdown.send(()), Ok(8));
            for handler in handlers {
                handler.await.unwrap();
            }
            assert_eq!(stopped.load(SeqCst), 8);
        });
    });
}

/// Four receivers on worker threads, two senders: each receiver gets all 2 000 messages, each
/// sender's in order, then `Closed`. The capacity is large enough that nobody lags.
#[test]
fn every_receiver_gets_every_message_in_sender_order() {
    guard(|| {
        let rt = multi(4);
        let results = rt.block_on(async {
            let (tx, rx) = broadcast::channel::<(u8, u32)>(4096);
            let receivers: Vec<_> = (0..4)
                .map(|i| {
                    let mut rx = if i == 0 {
                        rx.resubscribe()
                    } else {
                        tx.subscribe()
                    };
                    weft::spawn(async move {
                        let mut next = [0u32; 2];
                        loop {
                            match rx.recv().await {
                                Ok((sender, seq)) => {
                                    assert_eq!(seq, next[sender as usize]);
                                    next[sender as usize] += 1;
                                }
                                Err(RecvError::Closed) => return next,
                                Err(RecvError::Lagged(n)) => panic!("lagged by {n}"),
                            }
                        }
                    })
                })
                .collect();
            drop(rx);
            let senders: Vec<_> = (0..2u8)
                .map(|sender| {
                    let tx = tx.clone();
                    weft::spawn(async move {
                        for seq in 0..1000 {
                            tx.send((sender, seq)).unwrap();
                            if seq % 64 == 0 {
                                weft::task::yield_now().await;
                            }
                        }
                    })
                })
                .collect();
            drop(tx);
            for sender in senders {
                sender.await.unwrap();
            }
            let mut results = Vec::new();
            for receiver in receivers {
                results.push(receiver.await.unwrap());
            }
            results
        });
        assert_eq!(results, vec![[1000, 1000]; 4]);
    });
}

/// A receiver that does not keep up is told exactly how many messages it missed: what it
/// received plus what it was told it lagged by is everything that was sent.
#[test]
fn a_slow_receiver_accounts_for_every_message() {
    guard(|| {
        let rt = multi(2);
        let (received, lagged, last) = rt.block_on(async {
            let (tx, mut rx) = broadcast::channel::<u32>(8);
            let producer = weft::spawn(async move {
                for i in 0..10_000 {
                    tx.send(i).unwrap();
                    if i % 100 == 0 {
                        weft::task::yield_now().await;
                    }
                }
            });
            let (mut received, mut lagged, mut last) = (0u64, 0u64, None);
            loop {
                match rx.recv().await {
                    Ok(value) => {
                        assert!(last.is_none_or(|last| value > last), "in order");
                        last = Some(value);
                        received += 1;
                    }
                    Err(RecvError::Lagged(n)) => lagged += n,
                    Err(RecvError::Closed) => break,
                }
            }
            producer.await.unwrap();
            (received, lagged, last)
        });
        assert_eq!(received + lagged, 10_000);
        assert_eq!(last, Some(9_999), "the newest message is never lost");
    });
}

/// Every message is dropped exactly once: overwritten, or after its last reader (a receiver
/// that drops releases its share).
#[test]
fn values_are_dropped_exactly_once() {
    #[derive(Clone)]
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, mut reader) = broadcast::channel(4);
    let quitter = tx.subscribe();
    for _ in 0..10 {
        tx.send(Counted(drops.clone())).unwrap();
    }
    assert_eq!(drops.load(SeqCst), 6, "six overwritten");
    drop(quitter);
    assert_eq!(
        drops.load(SeqCst),
        6,
        "the reader still holds the other four"
    );
    assert!(matches!(
        reader.try_recv(),
        Err(broadcast::error::TryRecvError::Lagged(6))
    ));
    for read in 1..=4 {
        match reader.try_recv() {
            Ok(value) => drop(value),
            Err(error) => panic!("message {read} was kept: {error}"),
        }
        // The clone, and the original after its last reader.
        assert_eq!(drops.load(SeqCst), 6 + 2 * read);
    }
    drop((tx, reader));
    assert_eq!(drops.load(SeqCst), 14);
}
