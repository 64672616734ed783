//! loom models of the waits for tokio's interests: a wait in several lists at once woken by
//! an event in any of them (and cancelled while it comes), an error wait among ordinary
//! events, a guard's clear racing the next event, and keeping the closed bit, the first edge
//! of a source assumed ready for nothing, and the shutdown of a wait for nothing.

use super::{drained_source, peer_sends, read, report, take, Kind};
use crate::loom::{Arc, AtomicUsize, Ordering};
use crate::source::{Direction, Source, Waiter, ERROR, READ_CLOSED, READ_READY, WRITE_READY};
use loom::future::block_on;
use loom::thread;
use std::future::poll_fn;
use std::task::Poll;

/// A wait for reading or writing on a source ready for neither; the event reports writing
/// only. The wait ends with `WRITE_READY` seen, and once the `Waiter` is gone no waker is left
/// in either list (the read list's slot held one the event did not take).
#[test]
fn loom_a_wait_for_both_directions_is_woken_by_either() {
    loom::model(|| {
        let source = drained_source();
        let peer = {
            let source = source.clone();
            thread::spawn(move || report(&source, WRITE_READY))
        };
        let both = Direction::READ.union(Direction::WRITE);
        {
            let mut waiter = Waiter::new(&source, both);
            let seen = block_on(poll_fn(|cx| waiter.poll_ready(cx))).expect("ready");
            assert_eq!(seen & (READ_READY | WRITE_READY), WRITE_READY);
        }
        peer.join().unwrap();
        assert_eq!(source.stored_wakers(both), 0);
    });
}

/// The same wait, cancelled while the event comes: nothing is left in any list.
#[test]
fn loom_a_dropped_wait_in_two_lists_races_an_event() {
    loom::model(|| {
        let source = drained_source();
        let peer = {
            let source = source.clone();
            thread::spawn(move || report(&source, READ_READY))
        };
        let both = Direction::READ.union(Direction::WRITE);
        {
            let mut waiter = Waiter::new(&source, both);
            block_on(poll_fn(|cx| {
                let _ = waiter.poll_ready(cx);
                Poll::Ready(())
            }));
        }
        peer.join().unwrap();
        assert_eq!(source.stored_wakers(both), 0);
    });
}

/// A reader and an error wait on one source; the reactor reports the data, then an error (with
/// the readiness an error brings). Each wait ends with what it waits for: the data for the
/// reader, the `ERROR` bit for the other (the data's event alone must not end it).
#[test]
fn loom_an_error_wait_is_woken_by_the_error_among_other_events() {
    loom::model(|| {
        let source = drained_source();
        let kernel = Arc::new(AtomicUsize::new(0));
        let peer = {
            let (source, kernel) = (source.clone(), kernel.clone());
            thread::spawn(move || {
                kernel.fetch_or(super::DATA, Ordering::Release);
                report(&source, READ_READY);
                report(&source, READ_READY | WRITE_READY | ERROR);
            })
        };
        let reader = {
            let (source, kernel) = (source.clone(), kernel.clone());
            thread::spawn(move || read(&source, &kernel, Kind::Slot).expect("the data"))
        };
        let mut waiter = Waiter::new(&source, Direction::ERROR);
        let seen = block_on(poll_fn(|cx| waiter.poll_ready(cx))).expect("the error");
        assert_ne!(seen & ERROR, 0);
        drop(waiter);
        assert_eq!(reader.join().unwrap(), 1);
        peer.join().unwrap();
    });
}

/// A guard's `try_io` (tokio's `AsyncFd`): wait, take a guard of what was seen, try the
/// caller's own read, and clear what the guard saw when it says `WouldBlock`, racing the
/// event that brings the data. The clear never hides that event: the loop ends with the data
/// (a lost event would be a loom deadlock).
#[test]
fn loom_a_guard_s_clear_races_the_next_event() {
    loom::model(|| {
        let source = Arc::new(Source::new(READ_READY));
        let kernel = Arc::new(AtomicUsize::new(0));
        let peer = peer_sends(&source, &kernel, super::DATA, READ_READY);
        let n = loop {
            let mut waiter = Waiter::new(&source, Direction::READ);
            let seen = block_on(poll_fn(|cx| waiter.poll_ready(cx))).expect("ready");
            drop(waiter);
            match take(&kernel) {
                Ok(n) => break n,
                Err(_would_block) => source.clear_seen(seen, seen & READ_READY),
            }
        };
        assert_eq!(n, 1);
        peer.join().unwrap();
    });
}

/// A guard's clear never takes a closed bit (tokio treats them as final), even while another
/// event comes: a read after it still finds the source ready and reads the EOF.
#[test]
fn loom_a_guard_s_clear_keeps_the_closed_bit() {
    loom::model(|| {
        let source = drained_source();
        let kernel = Arc::new(AtomicUsize::new(super::FIN));
        report(&source, READ_READY | READ_CLOSED);
        let seen = source.try_ready(Direction::READ).expect("ready");
        let peer = {
            let source = source.clone();
            thread::spawn(move || report(&source, READ_READY | READ_CLOSED))
        };
        source.clear_seen(seen, READ_READY | READ_CLOSED);
        assert_ne!(
            source.try_ready(Direction::READ).expect("ready") & READ_CLOSED,
            0
        );
        assert_eq!(read(&source, &kernel, Kind::Slot).expect("EOF"), 0);
        peer.join().unwrap();
    });
}

/// A source assumed ready for nothing (just registered): its first operation waits for the
/// first event (the registration's edge, or the data's), which it cannot miss.
#[test]
fn loom_a_new_source_waits_for_its_first_edge() {
    loom::model(|| {
        let source = Arc::new(Source::new(0));
        let kernel = Arc::new(AtomicUsize::new(0));
        let peer = peer_sends(&source, &kernel, super::DATA, READ_READY);
        assert_eq!(read(&source, &kernel, Kind::Polled).expect("the data"), 1);
        peer.join().unwrap();
    });
}

/// A wait for nothing (an `AsyncFd` asked for an interest it was not registered for) still
/// ends, with the error, when the source leaves its reactor.
#[test]
fn loom_the_shutdown_ends_a_wait_for_nothing() {
    loom::model(|| {
        let source = drained_source();
        let closer = {
            let source = source.clone();
            thread::spawn(move || {
                let mut wake = Vec::new();
                source.close(&mut wake);
                for waker in wake {
                    waker.wake();
                }
            })
        };
        let mut waiter = Waiter::new(&source, Direction::NONE);
        let error = block_on(poll_fn(|cx| waiter.poll_ready(cx))).expect_err("shut down");
        assert!(error.to_string().contains("shut down"), "{error}");
        drop(waiter);
        closer.join().unwrap();
    });
}
