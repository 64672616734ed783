//! loom models of the signal delivery protocol (`slot.rs`): a listener's poll racing the
//! handler and a dispatch, two dispatches (two reactors' drivers) racing one record, and a
//! driver closing while its listener polls. A lost wake-up shows as a loom deadlock.

use super::slot::Slot;
use crate::loom::{Arc, AtomicBool, Ordering};
use loom::future::block_on;
use loom::thread;
use std::future::poll_fn;
use std::task::Poll;

/// The handler (`record`) then one driver's dispatch, as the self-pipe orders them.
fn deliver(slot: &Slot) {
    slot.record();
    let mut wake = Vec::new();
    slot.dispatch(&mut wake);
    wake.into_iter().for_each(|waker| waker.wake());
}

#[test]
fn loom_a_delivery_after_registration_is_never_lost() {
    loom::model(|| {
        let slot = Arc::new(Slot::new());
        let mut listener = slot.register();
        let deliverer = {
            let slot = slot.clone();
            thread::spawn(move || deliver(&slot))
        };
        block_on(poll_fn(|cx| slot.poll(&mut listener, cx)));
        deliverer.join().unwrap();
        // Received exactly once: nothing is left to receive.
        let again = block_on(poll_fn(|cx| Poll::Ready(slot.poll(&mut listener, cx))));
        assert_eq!(again, Poll::Pending);
    });
}

#[test]
fn loom_two_drivers_dispatching_one_record_publish_it_once() {
    loom::model(|| {
        let slot = Arc::new(Slot::new());
        let mut listener = slot.register();
        slot.record();
        let published = Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        let drivers: Vec<_> = (0..2)
            .map(|_| {
                let (slot, published) = (slot.clone(), published.clone());
                thread::spawn(move || {
                    let mut wake = Vec::new();
                    if slot.dispatch(&mut wake) {
                        published.fetch_add(1, Ordering::SeqCst);
                    }
                    wake.into_iter().for_each(|waker| waker.wake());
                })
            })
            .collect();
        block_on(poll_fn(|cx| slot.poll(&mut listener, cx)));
        for driver in drivers {
            driver.join().unwrap();
        }
        assert_eq!(published.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn loom_a_closing_driver_is_seen_by_a_polling_listener() {
    loom::model(|| {
        let slot = Arc::new(Slot::new());
        let closed = Arc::new(AtomicBool::new(false));
        let mut listener = slot.register();
        let closer = {
            let (slot, closed) = (slot.clone(), closed.clone());
            thread::spawn(move || {
                // What `Driver::dispatch` does when its reactor shut down.
                closed.store(true, Ordering::SeqCst);
                let mut wake = Vec::new();
                slot.close(&mut wake);
                wake.into_iter().for_each(|waker| waker.wake());
            })
        };
        // What `Signal::poll_recv` does: the closed flag is read after the waker is stored.
        let received = block_on(poll_fn(|cx| match slot.poll(&mut listener, cx) {
            Poll::Ready(()) => Poll::Ready(Some(())),
            Poll::Pending if closed.load(Ordering::SeqCst) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }));
        assert_eq!(received, None);
        closer.join().unwrap();
    });
}
