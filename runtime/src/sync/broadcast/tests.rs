//! Unit tests of the broadcast channel with counting wakers: exact wakes, drops and outcomes,
//! no runtime.

use super::error::{RecvError, SendError, TryRecvError};
use super::{channel, Sender};
use crate::test_util::counting_waker;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};

fn poll<F: Future>(future: std::pin::Pin<&mut F>, waker: &std::task::Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

/// Counts its drops and its clones.
#[derive(Debug)]
struct Tracked {
    drops: Arc<AtomicUsize>,
    clones: Arc<AtomicUsize>,
}

impl Clone for Tracked {
    fn clone(&self) -> Tracked {
        self.clones.fetch_add(1, SeqCst);
        Tracked {
            drops: self.drops.clone(),
            clones: self.clones.clone(),
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

#[test]
fn every_receiver_gets_every_message_in_order() {
    let (tx, mut a) = channel(4);
    let mut b = tx.subscribe();
    for i in 0..3 {
        assert_eq!(tx.send(i), Ok(2));
    }
    for i in 0..3 {
        assert_eq!(a.try_recv(), Ok(i));
    }
    assert_eq!(a.try_recv(), Err(TryRecvError::Empty));
    for i in 0..3 {
        assert_eq!(b.try_recv(), Ok(i));
    }
    drop(tx);
    assert_eq!(a.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(b.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn a_slow_receiver_lags_by_the_exact_count_and_skips_to_the_oldest_kept() {
    let (tx, mut slow) = channel(4);
    let mut fast = tx.subscribe();
    for i in 0..10u32 {
        tx.send(i).unwrap();
        assert_eq!(fast.try_recv(), Ok(i));
    }
    // Capacity 4: messages 0..6 were overwritten.
    assert_eq!(slow.len(), 10);
    assert_eq!(slow.try_recv(), Err(TryRecvError::Lagged(6)));
    assert_eq!(slow.len(), 4);
    for i in 6..10 {
        assert_eq!(slow.try_recv(), Ok(i));
    }
    assert_eq!(slow.try_recv(), Err(TryRecvError::Empty));
    // Lagging again, through `recv`.
    for i in 10..15 {
        tx.send(i).unwrap();
    }
    let (waker, _) = counting_waker();
    assert_eq!(
        poll(pin!(slow.recv()), &waker),
        Poll::Ready(Err(RecvError::Lagged(1)))
    );
    assert_eq!(poll(pin!(slow.recv()), &waker), Poll::Ready(Ok(11)));
}

#[test]
fn capacity_rounds_up_to_a_power_of_two() {
    let (tx, mut rx) = channel(3);
    for i in 0..4 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.try_recv(), Ok(0), "four slots: nothing overwritten");
    tx.send(4).unwrap();
    tx.send(5).unwrap();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(1)));
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn send_fails_only_without_receivers_and_the_channel_stays_usable() {
    let (tx, rx) = channel(2);
    drop(rx);
    assert_eq!(tx.send(1), Err(SendError(1)));
    assert_eq!(tx.receiver_count(), 0);
    let mut rx = tx.subscribe();
    assert_eq!(tx.send(2), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    let sender = Sender::<u8>::new(2);
    assert_eq!(sender.receiver_count(), 0);
    assert_eq!(sender.send(0), Err(SendError(0)));
}

#[test]
fn a_new_subscriber_sees_only_later_messages() {
    let (tx, mut first) = channel(4);
    tx.send(1).unwrap();
    let mut second = tx.subscribe();
    let mut third = first.resubscribe();
    tx.send(2).unwrap();
    assert_eq!(first.try_recv(), Ok(1));
    assert_eq!(second.try_recv(), Ok(2));
    assert_eq!(third.try_recv(), Ok(2));
    assert_eq!(first.try_recv(), Ok(2));
    assert!(first.same_channel(&second));
    let (other, _rx) = channel::<u8>(1);
    assert!(tx.same_channel(&tx.clone()));
    assert!(!tx.subscribe().same_channel(&other.subscribe()));
}

#[test]
fn a_send_wakes_every_waiting_receiver_once() {
    let (tx, mut a) = channel(2);
    let mut b = tx.subscribe();
    let (waker_a, wakes_a) = counting_waker();
    let (waker_b, wakes_b) = counting_waker();
    let mut recv_a = Box::pin(a.recv());
    let mut recv_b = Box::pin(b.recv());
    assert!(poll(recv_a.as_mut(), &waker_a).is_pending());
    assert!(poll(recv_a.as_mut(), &waker_a).is_pending());
    assert!(poll(recv_b.as_mut(), &waker_b).is_pending());
    tx.send(5).unwrap();
    assert_eq!((wakes_a.wakes(), wakes_b.wakes()), (1, 1));
    tx.send(6).unwrap();
    assert_eq!(
        (wakes_a.wakes(), wakes_b.wakes()),
        (1, 1),
        "woken once, not per send"
    );
    assert_eq!(poll(recv_a.as_mut(), &waker_a), Poll::Ready(Ok(5)));
    assert_eq!(poll(recv_b.as_mut(), &waker_b), Poll::Ready(Ok(5)));
}

#[test]
fn the_last_sender_drop_wakes_waiters_with_closed_after_the_rest() {
    let (tx, mut rx) = channel(2);
    let tx2 = tx.clone();
    tx.send(1).unwrap();
    assert_eq!(rx.try_recv(), Ok(1));
    let (waker, wakes) = counting_waker();
    let mut recv = Box::pin(rx.recv());
    assert!(poll(recv.as_mut(), &waker).is_pending());
    drop(tx);
    assert_eq!(wakes.wakes(), 0, "a sender is left");
    tx2.send(2).unwrap();
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(Ok(2)));
    drop(recv);
    let mut recv = Box::pin(rx.recv());
    assert!(poll(recv.as_mut(), &waker).is_pending());
    drop(tx2);
    assert_eq!(wakes.wakes(), 2);
    assert_eq!(
        poll(recv.as_mut(), &waker),
        Poll::Ready(Err(RecvError::Closed))
    );
    drop(recv);
    assert!(rx.is_closed());
}

#[test]
fn a_dropped_recv_leaves_the_wait_list_and_loses_nothing() {
    let (tx, mut rx) = channel(2);
    let (waker, wakes) = counting_waker();
    {
        let mut recv = pin!(rx.recv());
        assert!(poll(recv.as_mut(), &waker).is_pending());
    }
    let refs = Arc::strong_count(&wakes);
    tx.send(3).unwrap();
    assert_eq!(wakes.wakes(), 0, "the dropped future's waker is gone");
    assert_eq!(Arc::strong_count(&wakes), refs);
    assert_eq!(rx.try_recv(), Ok(3));
}

/// Each receiver gets a clone (tokio's rule), and the stored message is dropped as soon as the
/// last receiver read it, not later.
#[test]
fn every_reader_gets_a_clone_and_the_message_is_dropped_after_the_last() {
    let drops = Arc::new(AtomicUsize::new(0));
    let clones = Arc::new(AtomicUsize::new(0));
    let (tx, mut a) = channel(4);
    let mut b = tx.subscribe();
    let mut c = tx.subscribe();
    tx.send(Tracked {
        drops: drops.clone(),
        clones: clones.clone(),
    })
    .unwrap();
    drop(a.try_recv().unwrap());
    drop(b.try_recv().unwrap());
    assert_eq!((clones.load(SeqCst), drops.load(SeqCst)), (2, 2));
    let last = c.try_recv().unwrap();
    assert_eq!(
        (clones.load(SeqCst), drops.load(SeqCst)),
        (3, 3),
        "the stored original went with the last read"
    );
    assert_eq!(tx.len(), 0);
    drop(last);
    drop((tx, a, b, c));
    assert_eq!(drops.load(SeqCst), 4);
}

/// A panicking `Clone` skips the message for that receiver (tokio's rule) instead of wedging
/// it, and leaves the channel usable.
#[test]
fn a_panicking_clone_skips_the_message() {
    #[derive(Debug, PartialEq)]
    struct Fragile(u8);
    impl Clone for Fragile {
        fn clone(&self) -> Fragile {
            assert_ne!(self.0, 0, "cannot clone zero");
            Fragile(self.0)
        }
    }
    let (tx, mut rx) = channel(4);
    tx.send(Fragile(0)).unwrap();
    tx.send(Fragile(1)).unwrap();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rx.try_recv()));
    assert!(outcome.is_err());
    assert_eq!(rx.try_recv(), Ok(Fragile(1)));
    assert_eq!(tx.len(), 0);
}

/// A receiver dropped with unread messages releases them: a message nobody else needs is
/// dropped at once.
#[test]
fn dropping_a_receiver_releases_what_it_did_not_read() {
    let drops = Arc::new(AtomicUsize::new(0));
    let clones = Arc::new(AtomicUsize::new(0));
    let (tx, mut a) = channel(4);
    let b = tx.subscribe();
    for _ in 0..3 {
        tx.send(Tracked {
            drops: drops.clone(),
            clones: clones.clone(),
        })
        .unwrap();
    }
    drop(a.try_recv().unwrap());
    assert_eq!(tx.len(), 3);
    drop(b);
    assert_eq!(drops.load(SeqCst), 2, "the read one, and b's share of it");
    assert_eq!(tx.len(), 2);
    drop(a);
    assert_eq!(drops.load(SeqCst), 4);
    assert_eq!(tx.len(), 0);
    assert_eq!(clones.load(SeqCst), 1);
}

#[test]
fn overwritten_messages_are_dropped_when_overwritten() {
    let drops = Arc::new(AtomicUsize::new(0));
    let clones = Arc::new(AtomicUsize::new(0));
    let (tx, _rx) = channel(1);
    for _ in 0..5 {
        tx.send(Tracked {
            drops: drops.clone(),
            clones: clones.clone(),
        })
        .unwrap();
    }
    assert_eq!(drops.load(SeqCst), 4);
    drop(tx);
    drop(_rx);
    assert_eq!(drops.load(SeqCst), 5);
}

#[test]
fn closed_waits_for_the_last_receiver() {
    let (tx, rx) = channel::<u8>(1);
    let rx2 = tx.subscribe();
    let (waker, wakes) = counting_waker();
    let mut closed = Box::pin(tx.closed());
    assert!(poll(closed.as_mut(), &waker).is_pending());
    drop(rx);
    assert_eq!(wakes.wakes(), 0);
    drop(rx2);
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(poll(closed.as_mut(), &waker), Poll::Ready(()));
    assert_eq!(poll(pin!(tx.closed()), &waker), Poll::Ready(()));
}

#[test]
fn weak_senders_do_not_keep_the_channel_open() {
    let (tx, mut rx) = channel::<u8>(2);
    let weak = tx.downgrade();
    assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
    assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (1, 1));
    let upgraded = weak.upgrade().unwrap();
    assert_eq!(weak.strong_count(), 2);
    upgraded.send(1).unwrap();
    drop(upgraded);
    drop(tx);
    assert!(weak.upgrade().is_none());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert_eq!(weak.clone().weak_count(), 2);
}

#[test]
#[should_panic(expected = "broadcast channel capacity cannot be zero")]
fn zero_capacity_panics() {
    let _ = channel::<u8>(0);
}

#[test]
fn lens_and_emptiness() {
    let (tx, mut rx) = channel(8);
    assert!(tx.is_empty() && rx.is_empty());
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    assert_eq!((tx.len(), rx.len()), (2, 2));
    rx.try_recv().unwrap();
    assert_eq!((tx.len(), rx.len()), (1, 1));
    assert!(!rx.is_empty());
    assert_eq!(format!("{:?}", rx), "broadcast::Receiver { next: 1, .. }");
}

#[test]
fn blocking_recv_from_a_plain_thread() {
    let (tx, mut rx) = channel(1);
    let listener = std::thread::spawn(move || (rx.blocking_recv(), rx.blocking_recv()));
    tx.send(5).unwrap();
    drop(tx);
    assert_eq!(listener.join().unwrap(), (Ok(5), Err(RecvError::Closed)));
}

#[test]
fn errors_display_as_tokio_does() {
    assert_eq!(SendError(1).to_string(), "channel closed");
    assert_eq!(RecvError::Closed.to_string(), "channel closed");
    assert_eq!(RecvError::Lagged(3).to_string(), "channel lagged by 3");
    assert_eq!(TryRecvError::Empty.to_string(), "channel empty");
    assert_eq!(TryRecvError::Lagged(2).to_string(), "channel lagged by 2");
}

#[test]
fn handles_are_send_and_sync_for_send_messages() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<super::Sender<std::cell::Cell<u8>>>();
    send_sync::<super::Receiver<std::cell::Cell<u8>>>();
    send_sync::<super::WeakSender<std::cell::Cell<u8>>>();
}
