//! Unit tests of the channels with counting wakers: exact wakes and outcomes, no runtime.

use super::error::{SendError, TryRecvError, TrySendError};
use super::{channel, unbounded_channel};
use crate::test_util::{counting_waker, noop_waker};
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

fn poll<F: Future + ?Sized>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

/// Counts its drops.
#[derive(Debug)]
struct Tracked(Arc<AtomicUsize>);

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn unbounded_keeps_order_and_reports_disconnect() {
    let (tx, mut rx) = unbounded_channel();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    for i in 0..100 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.len(), 100);
    drop(tx);
    for i in 0..100 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert!(rx.is_closed());
    assert!(rx.is_empty());
}

#[test]
fn a_send_wakes_a_waiting_receiver_once() {
    let (tx, mut rx) = unbounded_channel();
    let (waker, wakes) = counting_waker();
    {
        let mut recv = pin!(rx.recv());
        assert_eq!(poll(recv.as_mut(), &waker), Poll::Pending);
        assert_eq!(poll(recv.as_mut(), &waker), Poll::Pending);
        tx.send(1).unwrap();
        assert_eq!(wakes.wakes(), 1);
        // The slot is empty after the wake: more sends do not wake again.
        tx.send(2).unwrap();
        tx.send(3).unwrap();
        assert_eq!(wakes.wakes(), 1);
        assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(Some(1)));
    }
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(wakes.wakes(), 1);
}

#[test]
fn only_the_last_sender_drop_ends_the_stream() {
    let (tx, mut rx) = channel::<u8>(4);
    let tx2 = tx.clone();
    assert_eq!(tx.strong_count(), 2);
    let (waker, wakes) = counting_waker();
    let mut recv = pin!(rx.recv());
    assert_eq!(poll(recv.as_mut(), &waker), Poll::Pending);
    drop(tx);
    assert_eq!(wakes.wakes(), 0);
    assert_eq!(poll(recv.as_mut(), &waker), Poll::Pending);
    drop(tx2);
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(None));
}

#[test]
fn receiver_drop_hands_values_back_and_drops_stored_ones_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = channel(8);
    for _ in 0..3 {
        tx.try_send(Tracked(drops.clone())).unwrap();
    }
    drop(rx);
    assert_eq!(
        drops.load(SeqCst),
        3,
        "stored messages drop with the receiver"
    );
    assert!(tx.is_closed());
    let back = tx.try_send(Tracked(drops.clone())).unwrap_err();
    assert!(matches!(back, TrySendError::Closed(_)));
    assert_eq!(drops.load(SeqCst), 3);
    drop(back);
    let SendError(value) = pin!(tx.send(Tracked(drops.clone())))
        .poll(&mut Context::from_waker(&noop_waker()))
        .map(Result::unwrap_err)
        .into_ready();
    drop(value);
    drop(tx);
    assert_eq!(drops.load(SeqCst), 5);
}

#[test]
fn messages_drop_once_when_the_whole_channel_drops() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = unbounded_channel();
    for _ in 0..40 {
        tx.send(Tracked(drops.clone())).unwrap();
    }
    drop(tx);
    assert_eq!(drops.load(SeqCst), 0);
    drop(rx);
    assert_eq!(drops.load(SeqCst), 40);
}

#[test]
fn close_refuses_sends_drains_then_ends_and_wakes_closed_waiters() {
    let (tx, mut rx) = unbounded_channel();
    let (waker, wakes) = counting_waker();
    let mut closed = pin!(tx.closed());
    assert_eq!(poll(closed.as_mut(), &waker), Poll::Pending);
    assert_eq!(poll(closed.as_mut(), &waker), Poll::Pending);
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    rx.close();
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(poll(closed.as_mut(), &waker), Poll::Ready(()));
    assert!(tx.is_closed());
    assert_eq!(tx.send(3), Err(SendError(3)));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn dropped_closed_future_leaves_nothing_behind() {
    let (tx, mut rx) = channel::<u8>(1);
    let (waker, wakes) = counting_waker();
    for _ in 0..10 {
        let mut closed = pin!(tx.closed());
        assert_eq!(poll(closed.as_mut(), &waker), Poll::Pending);
    }
    let before = Arc::strong_count(&wakes);
    rx.close();
    assert_eq!(wakes.wakes(), 0, "dropped waiters are not woken");
    assert_eq!(Arc::strong_count(&wakes), before);
}

#[test]
fn bounded_send_waits_for_a_slot_and_recv_wakes_it() {
    let (tx, mut rx) = channel(1);
    assert_eq!((tx.capacity(), tx.max_capacity()), (1, 1));
    tx.try_send(1).unwrap();
    assert_eq!(tx.capacity(), 0);
    assert_eq!(tx.try_send(9), Err(TrySendError::Full(9)));
    let (waker, wakes) = counting_waker();
    let mut send = pin!(tx.send(2));
    assert_eq!(poll(send.as_mut(), &waker), Poll::Pending);
    assert_eq!(poll(send.as_mut(), &waker), Poll::Pending);
    assert_eq!(wakes.wakes(), 0);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(
        wakes.wakes(),
        1,
        "the freed slot went to the waiting sender"
    );
    // The slot is the waiter's: a try_send may not jump ahead.
    assert_eq!(tx.try_send(8), Err(TrySendError::Full(8)));
    assert_eq!(poll(send.as_mut(), &waker), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(tx.capacity(), 1);
}

#[test]
fn a_dropped_waiting_send_takes_no_slot() {
    let (tx, mut rx) = channel(1);
    tx.try_send(1).unwrap();
    let (waker, _wakes) = counting_waker();
    {
        let mut send = pin!(tx.send(2));
        assert_eq!(poll(send.as_mut(), &waker), Poll::Pending);
    }
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(tx.capacity(), 1);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    // A slot granted to a waiter that then drops goes back too.
    tx.try_send(3).unwrap();
    {
        let mut send = pin!(tx.send(4));
        assert_eq!(poll(send.as_mut(), &waker), Poll::Pending);
        assert_eq!(rx.try_recv(), Ok(3));
        assert_eq!(tx.capacity(), 0, "granted to the waiter");
    }
    assert_eq!(tx.capacity(), 1);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn permits_reserve_release_and_send() {
    let (tx, mut rx) = channel(2);
    let permit = tx.try_reserve().unwrap();
    let second = tx.try_reserve().unwrap();
    assert!(matches!(tx.try_reserve(), Err(TrySendError::Full(()))));
    drop(second);
    assert_eq!(tx.capacity(), 1);
    permit.send(5);
    assert_eq!(tx.capacity(), 1);
    assert_eq!(rx.try_recv(), Ok(5));
    assert_eq!(tx.capacity(), 2);

    let owned = tx.clone().try_reserve_owned().unwrap();
    let back = owned.send(6);
    assert!(back.same_channel(&tx));
    let owned = back.try_reserve_owned().unwrap();
    assert_eq!(tx.capacity(), 0, "one slot holds 6, the other is reserved");
    drop(owned.release());
    assert_eq!(tx.capacity(), 1);
    assert_eq!(rx.try_recv(), Ok(6));
    assert_eq!(tx.capacity(), 2);
}

#[test]
fn close_waits_for_every_outstanding_permit_and_the_last_one_wakes_once() {
    let (tx, mut rx) = channel::<u8>(4);
    let borrowed = tx.try_reserve().unwrap();
    let owned = tx.clone().try_reserve_owned().unwrap();
    rx.close();
    let (waker, wakes) = counting_waker();
    let mut recv = pin!(rx.recv());
    assert_eq!(
        poll(recv.as_mut(), &waker),
        Poll::Pending,
        "a message may come"
    );
    drop(owned.release());
    assert_eq!(
        wakes.wakes(),
        0,
        "one permit is still out: nothing to wake for"
    );
    drop(borrowed);
    assert_eq!(
        wakes.wakes(),
        1,
        "the last permit back finishes the channel"
    );
    assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(None));
}

#[test]
fn close_delivers_what_an_outstanding_permit_sends() {
    let (tx, mut rx) = channel::<u8>(2);
    let permit = tx.try_reserve().unwrap();
    rx.close();
    assert!(matches!(tx.try_send(1), Err(TrySendError::Closed(1))));
    let (waker, wakes) = counting_waker();
    {
        let mut recv = pin!(rx.recv());
        assert_eq!(poll(recv.as_mut(), &waker), Poll::Pending);
        permit.send(7);
        assert_eq!(wakes.wakes(), 1);
        assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(Some(7)));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn close_wakes_a_receiver_when_a_granted_waiter_drops() {
    let (tx, mut rx) = channel::<u8>(1);
    tx.try_send(1).unwrap();
    let (waker, wakes) = counting_waker();
    let mut send = Box::pin(tx.send(2));
    assert_eq!(poll(send.as_mut(), &waker), Poll::Pending);
    assert_eq!(rx.try_recv(), Ok(1)); // the slot goes to the waiting send
    rx.close();
    let (rx_waker, rx_wakes) = counting_waker();
    {
        let mut recv = pin!(rx.recv());
        assert_eq!(poll(recv.as_mut(), &rx_waker), Poll::Pending);
        drop(send);
        assert_eq!(rx_wakes.wakes(), 1);
        assert_eq!(poll(recv.as_mut(), &rx_waker), Poll::Ready(None));
    }
    assert_eq!(wakes.wakes(), 1);
}

#[test]
fn close_fails_a_waiting_send_with_its_value() {
    let (tx, mut rx) = channel(1);
    tx.try_send(1).unwrap();
    let (waker, wakes) = counting_waker();
    let mut send = pin!(tx.send(2));
    assert_eq!(poll(send.as_mut(), &waker), Poll::Pending);
    rx.close();
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(poll(send.as_mut(), &waker), Poll::Ready(Err(SendError(2))));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn recv_many_takes_up_to_the_limit() {
    let (tx, mut rx) = channel(8);
    for i in 0..5 {
        tx.try_send(i).unwrap();
    }
    let mut buffer = vec![100];
    let waker = noop_waker();
    assert_eq!(
        poll(pin!(rx.recv_many(&mut buffer, 3)), &waker),
        Poll::Ready(3)
    );
    assert_eq!(buffer, [100, 0, 1, 2]);
    assert_eq!(tx.capacity(), 6);
    assert_eq!(
        poll(pin!(rx.recv_many(&mut buffer, 0)), &waker),
        Poll::Ready(0)
    );
    assert_eq!(
        poll(pin!(rx.recv_many(&mut buffer, 10)), &waker),
        Poll::Ready(2)
    );
    assert_eq!(tx.capacity(), 8);
    drop(tx);
    assert_eq!(
        poll(pin!(rx.recv_many(&mut buffer, 10)), &waker),
        Poll::Ready(0)
    );
    assert_eq!(buffer, [100, 0, 1, 2, 3, 4]);
}

#[test]
fn weak_senders_do_not_keep_the_channel_open() {
    let (tx, mut rx) = unbounded_channel::<u8>();
    let weak = tx.downgrade();
    assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
    let upgraded = weak.upgrade().unwrap();
    upgraded.send(1).unwrap();
    drop(upgraded);
    drop(tx);
    assert!(weak.upgrade().is_none());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    assert_eq!(rx.sender_weak_count(), 1);
}

/// A bound of several blocks: the semaphore keeps it, the list grows to hold it.
#[test]
fn a_bound_spanning_blocks_fills_exactly_and_drains_in_order() {
    let bound = 3 * super::block::BLOCK_CAP + 1;
    let (tx, mut rx) = channel(bound);
    for i in 0..bound {
        tx.try_send(i).unwrap();
    }
    assert_eq!(tx.try_send(bound), Err(TrySendError::Full(bound)));
    assert_eq!(rx.len(), bound);
    assert_eq!(rx.try_recv(), Ok(0));
    tx.try_send(bound).unwrap();
    for i in 1..=bound {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(tx.capacity(), bound);
}

#[test]
#[should_panic(expected = "mpsc bounded channel requires buffer > 0")]
fn zero_capacity_panics() {
    let _ = channel::<()>(0);
}

#[test]
fn blocking_recv_outside_a_runtime() {
    let (tx, mut rx) = channel(1);
    let producer = std::thread::spawn(move || {
        for i in 0..10 {
            tx.blocking_send(i).unwrap();
        }
    });
    for i in 0..10 {
        assert_eq!(rx.blocking_recv(), Some(i));
    }
    assert_eq!(rx.blocking_recv(), None);
    producer.join().unwrap();
}

#[test]
fn blocking_send_inside_a_runtime_panics() {
    let runtime = crate::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let payload = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async {
            let (tx, _rx) = channel(1);
            let _ = tx.blocking_send(());
        })
    }))
    .unwrap_err();
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("mpsc::Sender::blocking_send cannot be called inside a running runtime")
    );
}

trait IntoReady<T> {
    fn into_ready(self) -> T;
}

impl<T> IntoReady<T> for Poll<T> {
    fn into_ready(self) -> T {
        match self {
            Poll::Ready(value) => value,
            Poll::Pending => panic!("expected Ready"),
        }
    }
}

#[test]
fn handles_and_futures_are_send_and_sync() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    fn send<T: Send>(_: &T) {}
    let (tx, mut rx) = channel::<u8>(1);
    let (utx, mut urx) = unbounded_channel::<u8>();
    send_sync(&tx);
    send_sync(&rx);
    send_sync(&utx);
    send_sync(&urx);
    send_sync(&tx.downgrade());
    send(&tx.send(1));
    send(&tx.reserve());
    send(&tx.closed());
    send(&rx.recv());
    send(&urx.recv());
    let (otx, orx) = crate::sync::oneshot::channel::<u8>();
    send_sync(&otx);
    send_sync(&orx);
}

/// tokio's `failed_reserve_wakes_closed_receiver`: a queued `reserve()` whose slot was granted
/// before `rx.close()` but which is polled only after it must fail (the channel is closed), give
/// the slot back, and wake the receiver that waits for the channel to go idle.
#[test]
fn a_granted_reserve_polled_after_close_fails_and_wakes_the_receiver() {
    let (tx, mut rx) = channel::<u8>(1);
    let held = tx.try_reserve().unwrap();
    let (waker, wakes) = counting_waker();
    let mut reserve = Box::pin(tx.reserve());
    assert!(poll(reserve.as_mut(), &waker).is_pending());
    drop(held); // the slot goes to the queued reservation
    assert_eq!(wakes.wakes(), 1);
    rx.close();
    let (rx_waker, rx_wakes) = counting_waker();
    {
        let mut recv = pin!(rx.recv());
        assert_eq!(poll(recv.as_mut(), &rx_waker), Poll::Pending);
        assert!(matches!(
            poll(reserve.as_mut(), &waker),
            Poll::Ready(Err(SendError(())))
        ));
        assert_eq!(
            rx_wakes.wakes(),
            1,
            "the slot came back: the channel is idle"
        );
        assert_eq!(poll(recv.as_mut(), &rx_waker), Poll::Ready(None));
    }
    assert_eq!(tx.capacity(), 1);
    assert_eq!(wakes.wakes(), 1);
}

/// The same for `send`: its value comes back in the error.
#[test]
fn a_granted_send_polled_after_close_fails_with_its_value() {
    let (tx, mut rx) = channel::<u8>(1);
    let held = tx.try_reserve().unwrap();
    let (waker, _wakes) = counting_waker();
    let mut send = Box::pin(tx.send(5));
    assert!(poll(send.as_mut(), &waker).is_pending());
    drop(held);
    rx.close();
    assert_eq!(poll(send.as_mut(), &waker), Poll::Ready(Err(SendError(5))));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

/// Panics in its drop when `panics` is set; counts every drop.
struct PanicsOnDrop {
    panics: bool,
    drops: Arc<AtomicUsize>,
}

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
        if self.panics {
            panic!("a message's drop panicked");
        }
    }
}

/// tokio's `drop_all_elements_during_panic`: the receiver's drop drops every stored message
/// even though the first one's drop panics, and then resumes that panic.
#[test]
fn receiver_drop_drops_every_message_when_one_panics() {
    for bounded in [false, true] {
        let drops = Arc::new(AtomicUsize::new(0));
        let message = |panics| PanicsOnDrop {
            panics,
            drops: drops.clone(),
        };
        let (utx, urx) = unbounded_channel();
        let (btx, brx) = channel(4);
        let receiver: Box<dyn std::any::Any> = if bounded {
            for panics in [true, false, false] {
                btx.try_send(message(panics)).unwrap();
            }
            Box::new(brx)
        } else {
            for panics in [true, false, false] {
                utx.send(message(panics)).unwrap();
            }
            Box::new(urx)
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(receiver)));
        let payload = outcome.expect_err("the message's panic is resumed");
        assert_eq!(
            payload.downcast_ref::<&str>(),
            Some(&"a message's drop panicked")
        );
        assert_eq!(
            drops.load(SeqCst),
            3,
            "every message dropped (bounded: {bounded})"
        );
        drop((utx, btx));
        assert_eq!(drops.load(SeqCst), 3, "and none twice");
    }
}

/// Several panicking drops: all messages are dropped, the first panic is resumed.
#[test]
fn channel_drop_drops_every_message_when_several_panic() {
    let drops = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = unbounded_channel();
    for panics in [false, true, false, true, false] {
        tx.send(PanicsOnDrop {
            panics,
            drops: drops.clone(),
        })
        .unwrap();
    }
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(rx)));
    assert!(outcome.is_err());
    assert_eq!(drops.load(SeqCst), 5);
    drop(tx);
    assert_eq!(drops.load(SeqCst), 5);
}

/// tokio's `release_waker_on_rx_drop`: the receiver's waker is released when the receiver is
/// dropped, not when the last sender goes (a waker keeps its task's memory alive).
#[test]
fn receiver_drop_releases_its_waker() {
    let (waker, count) = counting_waker();
    let (tx, mut rx) = channel::<u8>(1);
    let (utx, mut urx) = unbounded_channel::<u8>();
    let before = Arc::strong_count(&count);
    assert_eq!(poll(pin!(rx.recv()), &waker), Poll::Pending);
    assert_eq!(poll(pin!(urx.recv()), &waker), Poll::Pending);
    assert_eq!(Arc::strong_count(&count), before + 2);
    drop(rx);
    drop(urx);
    assert_eq!(
        Arc::strong_count(&count),
        before,
        "dropping the receivers released both"
    );
    assert_eq!(count.wakes(), 0);
    drop((tx, utx));
}

/// tokio's handles are unwind safe; so are weft's (see `chan.rs` for why that is sound).
#[test]
fn handles_are_unwind_safe() {
    fn unwind_safe<T: std::panic::RefUnwindSafe + std::panic::UnwindSafe>() {}
    type NotUnwindSafe = (std::cell::Cell<u8>, *mut u8);
    unwind_safe::<super::Sender<NotUnwindSafe>>();
    unwind_safe::<super::Receiver<NotUnwindSafe>>();
    unwind_safe::<super::WeakSender<NotUnwindSafe>>();
    unwind_safe::<super::UnboundedSender<NotUnwindSafe>>();
    unwind_safe::<super::UnboundedReceiver<NotUnwindSafe>>();
    unwind_safe::<super::WeakUnboundedSender<NotUnwindSafe>>();
    unwind_safe::<super::Permit<'static, NotUnwindSafe>>();
    unwind_safe::<super::OwnedPermit<NotUnwindSafe>>();
    unwind_safe::<super::PermitIterator<'static, NotUnwindSafe>>();
}

#[test]
fn reserve_many_takes_slots_together_and_returns_the_unused_ones() {
    let (tx, mut rx) = channel::<u32>(4);
    tx.try_send(0).unwrap();
    let (waker, wakes) = counting_waker();
    let mut many = Box::pin(tx.reserve_many(4));
    assert!(
        poll(many.as_mut(), &waker).is_pending(),
        "one slot is taken"
    );
    // A single reserve queues behind it: no overtaking.
    let mut single = Box::pin(tx.reserve());
    assert!(poll(single.as_mut(), &waker).is_pending());
    assert_eq!(rx.try_recv(), Ok(0));
    assert_eq!(wakes.wakes(), 1, "the four slots went to the first in line");
    let Poll::Ready(Ok(mut permits)) = poll(many.as_mut(), &waker) else {
        panic!("four slots were granted");
    };
    assert_eq!(permits.len(), 4);
    permits.next().unwrap().send(1);
    assert_eq!(permits.len(), 3);
    drop(permits); // three unused slots come back: the single reserve gets one
    assert_eq!(wakes.wakes(), 2);
    assert!(matches!(poll(single.as_mut(), &waker), Poll::Ready(Ok(_))));
    drop(single);
    drop(many);
    assert_eq!(tx.capacity(), 3);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(tx.capacity(), 4);
    // Zero: an empty iterator; more than the bound: refused at once.
    assert_eq!(tx.try_reserve_many(0).unwrap().len(), 0);
    assert!(matches!(
        poll(pin!(tx.reserve_many(5)), &waker),
        Poll::Ready(Err(SendError(())))
    ));
    assert!(matches!(
        tx.try_reserve_many(5),
        Err(TrySendError::Full(()))
    ));
    rx.close();
    assert!(matches!(
        tx.try_reserve_many(0),
        Err(TrySendError::Closed(()))
    ));
    assert!(matches!(
        poll(pin!(tx.reserve_many(1)), &waker),
        Poll::Ready(Err(SendError(())))
    ));
}

/// Unused permits of an iterator dropped after the close are what a closed receiver waits for.
#[test]
fn a_permit_iterator_dropped_after_close_wakes_the_receiver() {
    let (tx, mut rx) = channel::<u8>(3);
    let permits = tx.try_reserve_many(2).unwrap();
    rx.close();
    let (waker, wakes) = counting_waker();
    let mut recv = pin!(rx.recv());
    assert_eq!(poll(recv.as_mut(), &waker), Poll::Pending);
    drop(permits);
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(poll(recv.as_mut(), &waker), Poll::Ready(None));
}

#[test]
#[cfg_attr(miri, ignore)] // a runtime: its timer and reactor make syscalls miri cannot run.
fn send_timeout_sends_times_out_or_reports_the_close() {
    use super::error::SendTimeoutError;
    use std::time::Duration;
    let rt = crate::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let (tx, mut rx) = channel(1);
        tx.send_timeout(1, Duration::from_millis(5)).await.unwrap();
        let late = tx.send_timeout(2, Duration::from_millis(5)).await;
        assert_eq!(late, Err(SendTimeoutError::Timeout(2)));
        assert_eq!(late.unwrap_err().into_inner(), 2);
        assert_eq!(rx.recv().await, Some(1));
        rx.close();
        let closed = tx.send_timeout(3, Duration::from_secs(60)).await;
        assert_eq!(closed, Err(SendTimeoutError::Closed(3)));
        assert_eq!(closed.unwrap_err().to_string(), "channel closed");
        assert_eq!(
            SendTimeoutError::Timeout(()).to_string(),
            "timed out waiting on send operation"
        );
    });
}

/// A receiver's waker that panics when a permit's send wakes it: the message is stored and
/// keeps its slot (the unwinding frees nothing), and the channel works on.
#[test]
fn a_panicking_receiver_waker_leaves_a_permit_s_message_holding_its_slot() {
    let (tx, mut rx) = channel(1);
    let panicking = crate::test_util::PanickingWaker::new();
    let waker = Waker::from(panicking.clone());
    assert_eq!(
        rx.poll_recv(&mut Context::from_waker(&waker)),
        Poll::Pending
    );
    let permit = tx.try_reserve().unwrap();
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| permit.send(7)));
    assert!(unwound.is_err());
    assert_eq!(panicking.wakes(), 1);
    assert_eq!((tx.capacity(), rx.len()), (0, 1));
    assert_eq!(rx.try_recv(), Ok(7));
    assert_eq!(tx.capacity(), 1);
    tx.try_send(8).unwrap();
    assert_eq!(rx.try_recv(), Ok(8));
    assert_eq!(
        panicking.wakes(),
        1,
        "the waker was taken by the first wake"
    );
}

/// tokio's rule: after the close, a reservation that holds part of its slots keeps them until
/// it is polled (and fails) or dropped; the closed receiver is woken once, only when the last
/// slot comes back.
#[test]
fn a_closed_receiver_waits_for_a_partial_reservation_to_give_its_slot_back() {
    for cancel in [false, true] {
        let (tx, mut rx) = channel::<()>(2);
        let held = tx.try_reserve().unwrap();
        let (reserve_waker, reserve_wakes) = counting_waker();
        let mut reserve = Box::pin(tx.reserve_many(2));
        assert!(poll(reserve.as_mut(), &reserve_waker).is_pending());
        rx.close();
        assert_eq!(reserve_wakes.wakes(), 1, "the close fails the reservation");
        let (rx_waker, rx_wakes) = counting_waker();
        let mut recv = Box::pin(rx.recv());
        assert_eq!(poll(recv.as_mut(), &rx_waker), Poll::Pending);
        drop(held);
        assert_eq!(rx_wakes.wakes(), 0, "the reservation still holds a slot");
        if cancel {
            drop(reserve);
        } else {
            assert!(matches!(
                poll(reserve.as_mut(), &reserve_waker),
                Poll::Ready(Err(_))
            ));
        }
        assert_eq!(
            rx_wakes.wakes(),
            1,
            "its slot came back: the channel is idle"
        );
        assert_eq!(poll(recv.as_mut(), &rx_waker), Poll::Ready(None));
    }
}
