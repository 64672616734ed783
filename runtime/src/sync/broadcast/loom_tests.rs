//! Loom models of the broadcast channel: sends racing receives, a receiver lagging while the
//! sender overwrites, the close racing a waiting receiver, and a receiver dropped while
//! messages are sent. Each checks exact outcomes and drop counts; loom reports a receiver that
//! sleeps through a send or the close as a deadlock.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft --release --lib loom`.

use super::channel;
use super::error::RecvError;
use crate::sync::prim::{Arc, AtomicUsize, Ordering::SeqCst};
use loom::future::block_on;
use loom::thread;

/// Counts its drops.
#[derive(Debug)]
struct Tracked(Arc<AtomicUsize>);

impl Clone for Tracked {
    fn clone(&self) -> Tracked {
        Tracked(self.0.clone())
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Two receivers on two threads wait while the sender sends two messages and drops: each gets
/// both, in order, then `Closed`.
#[test]
fn loom_broadcast_send_vs_two_receivers() {
    loom::model(|| {
        let (tx, mut first) = channel(2);
        let mut second = tx.subscribe();
        let other = thread::spawn(move || {
            let got = [block_on(second.recv()), block_on(second.recv())];
            (got, block_on(second.recv()))
        });
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        drop(tx);
        assert_eq!(block_on(first.recv()), Ok(1));
        assert_eq!(block_on(first.recv()), Ok(2));
        assert_eq!(block_on(first.recv()), Err(RecvError::Closed));
        assert_eq!(
            other.join().unwrap(),
            ([Ok(1), Ok(2)], Err(RecvError::Closed))
        );
    });
}

/// Capacity 1, three sends while the receiver reads: whatever it reads is in order, and what
/// it read plus what it was told it missed is exactly three, then `Closed`.
#[test]
fn loom_broadcast_lag_vs_send() {
    loom::model(|| {
        let (tx, mut rx) = channel(1);
        let sender = thread::spawn(move || {
            for i in 0..3u32 {
                tx.send(i).unwrap();
            }
        });
        let mut last = None;
        let mut accounted = 0;
        loop {
            match block_on(rx.recv()) {
                Ok(value) => {
                    assert!(last.is_none_or(|last| value > last));
                    last = Some(value);
                    accounted += 1;
                }
                Err(RecvError::Lagged(missed)) => accounted += missed,
                Err(RecvError::Closed) => break,
            }
        }
        assert_eq!(accounted, 3);
        assert_eq!(last, Some(2), "the newest message is never lost");
        sender.join().unwrap();
    });
}

/// A receiver is dropped while the sender sends two messages: each message is dropped exactly
/// once (overwritten, released by the drop, or with the channel), and `send` fails only after
/// the receiver is gone.
#[test]
fn loom_broadcast_receiver_drop_vs_send() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel(1);
        let dropper = thread::spawn(move || drop(rx));
        let mut failed = 0;
        for _ in 0..2 {
            if let Err(error) = tx.send(Tracked(drops.clone())) {
                drop(error.0);
                failed += 1;
            }
        }
        dropper.join().unwrap();
        assert_eq!(tx.receiver_count(), 0);
        assert!(tx.send(Tracked(drops.clone())).is_err());
        assert!(failed <= 2);
        drop(tx);
        assert_eq!(drops.load(SeqCst), 3);
    });
}

/// The last sender drops while a receiver waits (or is about to): it wakes with `Closed`.
#[test]
fn loom_broadcast_close_vs_waiting_receiver() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u8>(1);
        let closer = thread::spawn(move || drop(tx));
        assert_eq!(block_on(rx.recv()), Err(RecvError::Closed));
        closer.join().unwrap();
    });
}
