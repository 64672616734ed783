//! Unit tests of the oneshot channel with counting wakers: exact wakes, no runtime.

use super::channel;
use super::error::{RecvError, TryRecvError};
use crate::test_util::{counting_waker, noop_waker};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

fn poll<F: Future + Unpin>(future: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(future).poll(&mut Context::from_waker(waker))
}

/// Counts its drops.
struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn send_then_recv() {
    let (tx, mut rx) = channel();
    assert_eq!(tx.send(1), Ok(()));
    assert_eq!(poll(&mut rx, &noop_waker()), Poll::Ready(Ok(1)));
    assert!(rx.is_terminated());
}

#[test]
fn recv_pending_then_send_wakes_once() {
    let (tx, mut rx) = channel();
    let (waker, wakes) = counting_waker();
    assert_eq!(poll(&mut rx, &waker), Poll::Pending);
    assert_eq!(poll(&mut rx, &waker), Poll::Pending, "same waker: no churn");
    assert_eq!(wakes.wakes(), 0);
    tx.send("v").unwrap();
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(poll(&mut rx, &waker), Poll::Ready(Ok("v")));
    assert_eq!(wakes.wakes(), 1);
}

#[test]
fn a_new_waker_replaces_the_old_one() {
    let (tx, mut rx) = channel();
    let (first, first_wakes) = counting_waker();
    let (second, second_wakes) = counting_waker();
    assert_eq!(poll(&mut rx, &first), Poll::Pending);
    assert_eq!(poll(&mut rx, &second), Poll::Pending);
    tx.send(()).unwrap();
    assert_eq!(first_wakes.wakes(), 0);
    assert_eq!(second_wakes.wakes(), 1);
}

#[test]
fn sender_drop_wakes_with_error() {
    let (tx, mut rx) = channel::<u8>();
    let (waker, wakes) = counting_waker();
    assert_eq!(poll(&mut rx, &waker), Poll::Pending);
    drop(tx);
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(poll(&mut rx, &waker), Poll::Ready(Err(RecvError(()))));
}

#[test]
fn send_to_dropped_receiver_returns_the_value() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = channel();
    drop(rx);
    assert!(tx.is_closed());
    let back = tx.send(Tracked(drops.clone())).unwrap_err();
    assert_eq!(drops.load(SeqCst), 0);
    drop(back);
    assert_eq!(drops.load(SeqCst), 1);
}

#[test]
fn value_dropped_once_when_receiver_drops_unread() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = channel();
    assert!(tx.send(Tracked(drops.clone())).is_ok());
    assert_eq!(drops.load(SeqCst), 0);
    drop(rx);
    assert_eq!(drops.load(SeqCst), 1);
}

#[test]
fn try_recv_states() {
    let (tx, mut rx) = channel();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(rx.is_empty());
    tx.send(3).unwrap();
    assert!(!rx.is_empty());
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));

    let (tx, mut rx) = channel::<()>();
    drop(tx);
    assert!(rx.is_empty());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn close_fails_later_send_and_wakes_closed() {
    let (mut tx, mut rx) = channel();
    let (waker, wakes) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    assert_eq!(tx.poll_closed(&mut cx), Poll::Pending);
    assert_eq!(tx.poll_closed(&mut cx), Poll::Pending);
    rx.close();
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(tx.poll_closed(&mut cx), Poll::Ready(()));
    assert_eq!(tx.send(9), Err(9));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn close_after_send_keeps_the_value() {
    let (tx, mut rx) = channel();
    tx.send(4).unwrap();
    rx.close();
    assert_eq!(rx.try_recv(), Ok(4));
}

#[test]
fn closed_waker_replaced_and_dropping_receiver_wakes() {
    let (mut tx, rx) = channel::<()>();
    let (first, first_wakes) = counting_waker();
    let (second, second_wakes) = counting_waker();
    assert_eq!(
        tx.poll_closed(&mut Context::from_waker(&first)),
        Poll::Pending
    );
    assert_eq!(
        tx.poll_closed(&mut Context::from_waker(&second)),
        Poll::Pending
    );
    drop(rx);
    assert_eq!((first_wakes.wakes(), second_wakes.wakes()), (0, 1));
    assert!(tx.is_closed());
}

#[test]
fn send_does_not_wake_closed_waiter() {
    let (mut tx, rx) = channel::<u8>();
    let (waker, wakes) = counting_waker();
    assert_eq!(
        tx.poll_closed(&mut Context::from_waker(&waker)),
        Poll::Pending
    );
    tx.send(1).unwrap();
    drop(rx);
    assert_eq!(wakes.wakes(), 0);
}

#[test]
fn dropping_both_halves_releases_wakers() {
    let (waker, wakes) = counting_waker();
    let before = Arc::strong_count(&wakes);
    let (mut tx, mut rx) = channel::<u8>();
    assert_eq!(poll(&mut rx, &waker), Poll::Pending);
    assert_eq!(
        tx.poll_closed(&mut Context::from_waker(&waker)),
        Poll::Pending
    );
    assert_eq!(Arc::strong_count(&wakes), before + 2);
    drop(tx);
    drop(rx);
    assert_eq!(Arc::strong_count(&wakes), before);
    assert_eq!(wakes.wakes(), 1, "the sender's drop woke the receiver");
}

#[test]
fn blocking_recv_outside_a_runtime() {
    let (tx, rx) = channel();
    let sender = std::thread::spawn(move || tx.send(11).unwrap());
    assert_eq!(rx.blocking_recv(), Ok(11));
    sender.join().unwrap();
}

#[test]
fn blocking_recv_inside_a_runtime_panics() {
    let runtime = crate::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async {
            let (_tx, rx) = channel::<()>();
            let _ = rx.blocking_recv();
        })
    }));
    let payload = result.unwrap_err();
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("cannot be called inside a running runtime"),
        "{message}"
    );
}

#[test]
fn blocking_recv_on_a_plain_thread_gets_a_value_sent_by_a_task() {
    let runtime = crate::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let (tx, rx) = channel();
    let waiter = std::thread::spawn(move || rx.blocking_recv());
    // Send only once the other thread blocks in `blocking_recv`.
    while !tx.receiver_is_waiting() {
        std::thread::yield_now();
    }
    runtime.spawn(async move { tx.send(7_u8).unwrap() });
    assert_eq!(waiter.join().unwrap(), Ok(7));
}
