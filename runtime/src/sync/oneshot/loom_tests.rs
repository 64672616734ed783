//! Loom models of the oneshot channel: send, receive, close and drop of each half racing. Each
//! checks that the value is delivered or handed back (never both, never lost), dropped exactly
//! once, and that a waiting half is woken.
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft --release --lib loom`.

use super::channel;
use super::error::TryRecvError;
use crate::sync::prim::{Arc, AtomicUsize, Ordering::SeqCst};
use crate::test_util::noop_waker;
use loom::future::block_on;
use loom::thread;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// The receiver awaits while the sender sends: the value always arrives (no lost wake-up).
#[test]
fn loom_oneshot_send_vs_recv() {
    loom::model(|| {
        let (tx, rx) = channel();
        let sender = thread::spawn(move || tx.send(1).unwrap());
        assert_eq!(block_on(rx), Ok(1));
        sender.join().unwrap();
    });
}

/// The sender drops without sending while the receiver awaits: the receiver gets the error.
#[test]
fn loom_oneshot_sender_drop_vs_recv() {
    loom::model(|| {
        let (tx, rx) = channel::<u8>();
        let dropper = thread::spawn(move || drop(tx));
        assert!(block_on(rx).is_err());
        dropper.join().unwrap();
    });
}

/// The receiver drops while the sender sends: `Ok` and the value dropped by the channel, or
/// `Err` and the value handed back; exactly one drop either way.
#[test]
fn loom_oneshot_receiver_drop_vs_send() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel();
        let value = Tracked(drops.clone());
        let sender = thread::spawn(move || tx.send(value).map_err(drop).is_ok());
        drop(rx);
        let _sent = sender.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    });
}

/// The receiver polls (storing its waker) and then closes while the sender sends: a value sent
/// before the close can still be taken, one sent after comes back.
#[test]
fn loom_oneshot_close_vs_send() {
    loom::model(|| {
        let (tx, mut rx) = channel();
        let sender = thread::spawn(move || tx.send(5).is_ok());
        let waker = noop_waker();
        if let Poll::Ready(result) = Pin::new(&mut rx).poll(&mut Context::from_waker(&waker)) {
            assert_eq!(result, Ok(5));
            assert!(sender.join().unwrap());
            return;
        }
        rx.close();
        let sent = sender.join().unwrap();
        match rx.try_recv() {
            Ok(value) => {
                assert!(sent);
                assert_eq!(value, 5);
            }
            Err(error) => {
                assert!(!sent);
                assert_eq!(error, TryRecvError::Closed);
            }
        }
    });
}

/// The sender waits in `closed()` while the receiver drops: the sender is woken.
#[test]
fn loom_oneshot_closed_vs_receiver_drop() {
    loom::model(|| {
        let (mut tx, rx) = channel::<u8>();
        let dropper = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        assert!(tx.is_closed());
        dropper.join().unwrap();
    });
}

/// Both halves drop at once, with wakers stored: nothing leaks (loom checks) and no value
/// is dropped twice.
#[test]
fn loom_oneshot_both_drop() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut tx, mut rx) = channel::<Tracked>();
        let waker = noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(Pin::new(&mut rx).poll(&mut cx).is_pending());
        assert!(tx.poll_closed(&mut cx).is_pending());
        let value = Tracked(drops.clone());
        let sender = thread::spawn(move || drop(tx.send(value)));
        drop(rx);
        sender.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    });
}
