//! Loom models of the channels: sends, receives, closes and drops racing. Each checks that
//! every message is received exactly once or handed back, that values are dropped exactly
//! once, and that no party sleeps through the event it waits for (loom reports a deadlock).
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p weft --release --lib loom`.

use super::{channel, unbounded_channel};
use crate::sync::prim::{Arc, AtomicUsize, Ordering::SeqCst};
use crate::test_util::noop_waker;
use loom::future::block_on;
use loom::thread;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};

struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// The sender sends two messages and drops while the receiver waits: the receiver gets both, in
/// order, and then `None` (never hangs).
#[test]
fn loom_mpsc_unbounded_send_and_drop_vs_recv() {
    loom::model(|| {
        let (tx, mut rx) = unbounded_channel();
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
        });
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), Some(2));
        assert_eq!(block_on(rx.recv()), None);
        sender.join().unwrap();
    });
}

/// Back-pressure: with one slot, the second send waits until the receiver takes the first,
/// and the receiver's take wakes it.
#[test]
fn loom_mpsc_bounded_back_pressure() {
    loom::model(|| {
        let (tx, mut rx) = channel(1);
        let sender = thread::spawn(move || {
            block_on(tx.send(1)).unwrap();
            block_on(tx.send(2)).unwrap();
        });
        assert_eq!(block_on(rx.recv()), Some(1));
        assert_eq!(block_on(rx.recv()), Some(2));
        assert_eq!(block_on(rx.recv()), None);
        sender.join().unwrap();
    });
}

/// Two senders, each sends one message and drops, one on another thread and one on the
/// receiver's (three threads made this model take minutes once the store became the real,
/// lock-free list): the receiver gets both, then `None`.
#[test]
fn loom_mpsc_two_senders_drop_vs_recv() {
    loom::model(|| {
        let (tx, mut rx) = channel(2);
        let sender = {
            let tx = tx.clone();
            thread::spawn(move || tx.try_send(0).unwrap())
        };
        tx.try_send(1).unwrap();
        drop(tx);
        let mut got = [block_on(rx.recv()), block_on(rx.recv())];
        got.sort();
        assert_eq!(got, [Some(0), Some(1)]);
        assert_eq!(block_on(rx.recv()), None);
        sender.join().unwrap();
    });
}

/// The receiver drops while a send is under way: the send returns `Err` with the value, or
/// `Ok` and the channel drops the value; exactly one drop either way.
#[test]
fn loom_mpsc_receiver_drop_vs_send() {
    loom::model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let (utx, urx) = unbounded_channel();
        let (btx, brx) = channel(1);
        let values = [Tracked(drops.clone()), Tracked(drops.clone())];
        let sender = thread::spawn(move || {
            let [a, b] = values;
            let unbounded = utx.send(a).map_err(|e| drop(e.0)).is_ok();
            let bounded = block_on(btx.send(b)).map_err(|e| drop(e.0)).is_ok();
            (unbounded, bounded)
        });
        drop(urx);
        drop(brx);
        let _outcome = sender.join().unwrap();
        assert_eq!(drops.load(SeqCst), 2);
    });
}

/// The receiver closes while a send is under way (unbounded): the send is refused, or it is
/// accepted and the receiver gets it before `None`, even if it is still being stored when
/// the receiver looks.
#[test]
fn loom_mpsc_unbounded_close_vs_send() {
    loom::model(|| {
        let (tx, mut rx) = unbounded_channel();
        let sender = thread::spawn(move || tx.send(7).is_ok());
        rx.close();
        let got = block_on(rx.recv());
        assert_eq!(block_on(rx.recv()), None);
        let sent = sender.join().unwrap();
        assert_eq!(got.is_some(), sent);
    });
}

/// The receiver closes while a sender waits for a slot (bounded, full): the waiting send fails
/// with its value or gets in first; the receiver gets exactly what was accepted, then `None`.
#[test]
fn loom_mpsc_bounded_close_vs_waiting_send() {
    loom::model(|| {
        let (tx, mut rx) = channel(1);
        tx.try_send(1).unwrap();
        let sender = thread::spawn(move || block_on(tx.send(2)).is_ok());
        assert_eq!(block_on(rx.recv()), Some(1));
        rx.close();
        let got = block_on(rx.recv());
        assert_eq!(block_on(rx.recv()), None);
        let sent = sender.join().unwrap();
        assert_eq!(got, sent.then_some(2));
    });
}

/// A waiting send is polled once and dropped while the receiver takes the message ahead of it
/// (possibly granting its slot to the waiter) and closes: the receiver still ends with `None`
/// instead of waiting for a slot nobody will use.
#[test]
fn loom_mpsc_dropped_send_vs_close() {
    loom::model(|| {
        let (tx, mut rx) = channel(1);
        tx.try_send(1).unwrap();
        let sender = thread::spawn(move || {
            let waker = noop_waker();
            let mut send = pin!(tx.send(2));
            let polled = send.as_mut().poll(&mut Context::from_waker(&waker));
            matches!(polled, Poll::Ready(Ok(())))
        });
        assert_eq!(block_on(rx.recv()), Some(1));
        rx.close();
        let got = block_on(rx.recv());
        assert_eq!(block_on(rx.recv()), None);
        let sent = sender.join().unwrap();
        assert_eq!(got, sent.then_some(2));
    });
}

/// A sender waits in `closed()` while the receiver drops: the sender is woken.
#[test]
fn loom_mpsc_closed_vs_receiver_drop() {
    loom::model(|| {
        let (tx, rx) = channel::<u8>(1);
        let dropper = thread::spawn(move || drop(rx));
        block_on(tx.closed());
        assert!(tx.is_closed());
        dropper.join().unwrap();
    });
}

/// `recv` polled once and dropped while a message arrives loses nothing: the message is taken
/// by that poll or by the next receive.
#[test]
fn loom_mpsc_cancelled_recv_loses_nothing() {
    loom::model(|| {
        let (tx, mut rx) = unbounded_channel();
        let sender = thread::spawn(move || tx.send(3).unwrap());
        let waker = noop_waker();
        let first = match pin!(rx.recv()).poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(value) => value,
            Poll::Pending => None,
        };
        let rest = block_on(rx.recv());
        sender.join().unwrap();
        match first {
            Some(value) => {
                assert_eq!(value, 3);
                assert_eq!(rest, None);
            }
            None => assert_eq!(rest, Some(3)),
        }
    });
}

/// Two permits outstanding when the receiver closes and waits; both come back unsent from two
/// threads at once: the receiver ends with `None` (the release of the last slot wakes it; the
/// first release, which leaves the channel busy, need not).
#[test]
fn loom_mpsc_permits_released_after_close_finish_the_receiver() {
    loom::model(|| {
        let (tx, mut rx) = channel::<u8>(2);
        let first = tx.clone().try_reserve_owned().unwrap();
        let second = tx.clone().try_reserve_owned().unwrap();
        // A sender stays alive throughout, so only the idle check can end the wait.
        let _alive = tx;
        rx.close();
        let releasers = [first, second].map(|permit| thread::spawn(move || drop(permit)));
        assert_eq!(block_on(rx.recv()), None);
        for releaser in releasers {
            releaser.join().unwrap();
        }
    });
}

/// Models of the block list itself (`list.rs`), with two slots per block under loom: senders
/// racing to link a block and to move the tail hint, the receiver reusing a block while a
/// sender walks the list, and the drop of a list that still holds messages.
mod list {
    use super::super::list::List;
    use super::Tracked;
    use crate::sync::prim::{Arc, AtomicUsize, Ordering::SeqCst};
    use loom::thread;

    /// Pops until `n` messages came, yielding while the next one is not written yet.
    fn receive<T>(list: &List<T>, n: usize) -> Vec<T> {
        let mut got = Vec::new();
        while got.len() < n {
            // SAFETY: only the model's main thread pops.
            match unsafe { list.pop() } {
                Some(value) => got.push(value),
                None => thread::yield_now(),
            }
        }
        got
    }

    /// Index 0 is sent first; two senders then claim indices 1 and 2, the second of which
    /// needs a new block (one of them links it, the other finds it), and the one that walks
    /// past the full first block moves the hint. The receiver gets all three, once each.
    #[test]
    fn loom_list_senders_race_to_grow_and_move_the_hint() {
        loom::model(|| {
            let list = Arc::new(List::new());
            list.push(0);
            let senders: Vec<_> = [1, 2]
                .map(|value| {
                    let list = list.clone();
                    thread::spawn(move || list.push(value))
                })
                .into_iter()
                .collect();
            let mut got = receive(&list, 3);
            for sender in senders {
                sender.join().unwrap();
            }
            assert_eq!(got[0], 0);
            got.sort();
            assert_eq!(got, [0, 1, 2]);
            // SAFETY: the main thread pops.
            assert!(unsafe { list.pop() }.is_none());
        });
    }

    /// One sender sends five messages (three blocks) while the receiver takes them: the
    /// receiver resets and links finished blocks at the end while the sender walks and grows
    /// the list. Everything arrives in order.
    #[test]
    fn loom_list_reuse_vs_sender() {
        loom::model(|| {
            let list = Arc::new(List::new());
            let sender = {
                let list = list.clone();
                thread::spawn(move || {
                    for i in 0..5 {
                        list.push(i);
                    }
                })
            };
            assert_eq!(receive(&list, 5), [0, 1, 2, 3, 4]);
            sender.join().unwrap();
        });
    }

    /// The receiver takes what it finds while a sender sends three messages, then the list
    /// is dropped: every message is dropped exactly once, taken or not.
    #[test]
    fn loom_list_drop_with_messages_left() {
        loom::model(|| {
            let drops = Arc::new(AtomicUsize::new(0));
            let list = Arc::new(List::new());
            let sender = {
                let (list, drops) = (list.clone(), drops.clone());
                thread::spawn(move || {
                    for _ in 0..3 {
                        list.push(Tracked(drops.clone()));
                    }
                })
            };
            // SAFETY: only the main thread pops.
            if let Some(first) = unsafe { list.pop() } {
                drop(first);
                assert_eq!(drops.load(SeqCst), 1);
            }
            sender.join().unwrap();
            drop(list);
            assert_eq!(drops.load(SeqCst), 3);
        });
    }
}
