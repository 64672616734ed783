//! loom models of the readiness protocol (`source/mod.rs`): an operation racing the reactor's
//! event (for both kinds of waiters: a `poll_*` caller and a future's `Waiter`), several
//! waiters on one direction, deregistration racing a waiter, a `try_read` followed by
//! `readable` racing an event, the short-read clear racing the peer's FIN (in the same edge as
//! the data and in the next one), a `WouldBlock` disproving a closed bit, and a `Waiter`'s
//! drop racing an event (another task's waiter, and the same task's second waiter); in
//! `interest.rs`, the waits of tokio's interests: several lists at once, error and priority,
//! a guard's clear, a new source assumed ready for nothing, the shutdown of a wait for nothing.
//!
//! The "kernel" is an atomic word that the reactor thread changes before reporting the event,
//! as the kernel queues data before epoll reports it. A lost wake-up shows as a loom deadlock:
//! the waiting thread parks and nobody unparks it; a spin shows as loom's branch limit.
//!
//! The word is only ever changed by read-modify-writes (`fetch_or`, `fetch_update`): loom 0.7
//! can let a plain store slip between the read and the write of a concurrent `swap`
//! (tokio-rs/loom#254), which would report a lost datagram that real hardware cannot lose.

use crate::loom::{Arc, AtomicUsize, Ordering};
use crate::source::{Direction, Source, Waiter, READ_CLOSED, READ_READY, WRITE_READY};
use loom::future::block_on;
use loom::thread;
use std::future::poll_fn;
use std::io;
use std::task::{Context, Poll, Wake, Waker};

mod interest;

/// Queued data in the model's socket: one "byte" (a read of a two-byte buffer is short).
const DATA: usize = 1 << 0;
/// The peer's FIN is queued behind the data.
const FIN: usize = 1 << 1;

/// The "system call": reads the queued byte (1), else EOF (0) after a FIN, else `WouldBlock`.
fn take(kernel: &AtomicUsize) -> io::Result<usize> {
    let before = kernel
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |queue| {
            (queue & DATA != 0).then_some(queue & !DATA)
        })
        .unwrap_or_else(|queue| queue);
    if before & DATA != 0 {
        Ok(1)
    } else if before & FIN != 0 {
        Ok(0)
    } else {
        Err(io::ErrorKind::WouldBlock.into())
    }
}

/// How a model's reader waits: as a `poll_*` caller (a stream read through `AsyncRead`), or
/// holding a `Waiter` (as weft-io's own futures do), or a `Waiter` that receives datagrams
/// (`recv_from`: a short datagram says nothing of the queue, no clear).
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Polled,
    Slot,
    Datagram,
}

/// Waits for readability until the model's read says something other than `WouldBlock`, as a
/// stream read with a two-byte buffer would (a one-byte read is short and clears readiness),
/// or as a datagram receive would.
fn read(source: &Source, kernel: &AtomicUsize, kind: Kind) -> io::Result<usize> {
    let drained = |&n: &usize| n == 1 && kind != Kind::Datagram;
    match kind {
        Kind::Polled => block_on(poll_fn(|cx| {
            source.poll_io(cx, Direction::READ, || take(kernel), drained)
        })),
        Kind::Slot | Kind::Datagram => {
            let mut waiter = Waiter::new(source, Direction::READ);
            block_on(poll_fn(|cx| waiter.poll_io(cx, || take(kernel), drained)))
        }
    }
}

/// What the reactor does for one event: set the readiness, then wake.
fn report(source: &Source, ready: usize) {
    let mut wake = Vec::new();
    source.set_ready(ready, &mut wake);
    for waker in wake {
        waker.wake();
    }
}

/// A thread that plays the kernel and the reactor: queues `queued`, then reports `ready`.
fn peer_sends(
    source: &Arc<Source>,
    kernel: &Arc<AtomicUsize>,
    queued: usize,
    ready: usize,
) -> thread::JoinHandle<()> {
    let (source, kernel) = (source.clone(), kernel.clone());
    thread::spawn(move || {
        kernel.fetch_or(queued, Ordering::Release);
        report(&source, ready);
    })
}

/// A source that is not ready to read (as after a `WouldBlock`, or a new registration
/// before its first event).
fn drained_source() -> Arc<Source> {
    Arc::new(Source::new(0))
}

/// A source assumed ready in both directions before any event (an accepted socket).
fn assumed_ready_source() -> Arc<Source> {
    Arc::new(Source::new(READ_READY | WRITE_READY))
}

fn event_between_would_block_and_waker_store(kind: Kind) {
    loom::model(move || {
        let source = assumed_ready_source();
        let kernel = Arc::new(AtomicUsize::new(0));
        let peer = peer_sends(&source, &kernel, DATA, READ_READY);
        assert_eq!(read(&source, &kernel, kind).expect("the read completes"), 1);
        peer.join().unwrap();
        // A `poll_*` caller's waker stored just before its second look found the event ready
        // stays until the next event (it has no future to remove it); a `Waiter`'s never.
        let left = source.stored_wakers(Direction::READ);
        match kind {
            Kind::Polled => assert!(left <= 1, "{left}"),
            Kind::Slot | Kind::Datagram => assert_eq!(left, 0),
        }
    });
}

#[test]
fn loom_event_between_would_block_and_waker_store() {
    event_between_would_block_and_waker_store(Kind::Polled);
}

#[test]
fn loom_event_between_would_block_and_waker_store_in_a_slot() {
    event_between_would_block_and_waker_store(Kind::Slot);
}

#[test]
fn loom_two_events_two_reads() {
    loom::model(|| {
        let source = assumed_ready_source();
        let kernel = Arc::new(AtomicUsize::new(0));
        let peer = {
            let (source, kernel) = (source.clone(), kernel.clone());
            thread::spawn(move || {
                for _ in 0..2 {
                    // The next byte arrives only once the previous one was read.
                    while kernel.load(Ordering::Acquire) & DATA != 0 {
                        thread::yield_now();
                    }
                    kernel.fetch_or(DATA, Ordering::Release);
                    report(&source, READ_READY);
                }
            })
        };
        // Each read is short: the second relies on the clear never hiding the next event.
        assert_eq!(read(&source, &kernel, Kind::Polled).expect("first read"), 1);
        assert_eq!(read(&source, &kernel, Kind::Slot).expect("second read"), 1);
        peer.join().unwrap();
    });
}

#[test]
fn loom_deregistration_wakes_a_waiter_with_an_error() {
    loom::model(|| {
        let source = assumed_ready_source();
        let never = Arc::new(AtomicUsize::new(0));
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
        let error = read(&source, &never, Kind::Slot).expect_err("a closed source fails the read");
        assert!(error.to_string().contains("shut down"), "{error}");
        closer.join().unwrap();
    });
}

#[test]
fn loom_one_event_wakes_two_waiting_tasks() {
    loom::model(|| {
        let source = assumed_ready_source();
        // Two tasks each receive their own datagram on one socket: the event must wake both.
        let first = Arc::new(AtomicUsize::new(0));
        let second = Arc::new(AtomicUsize::new(0));
        let other_reader = {
            let (source, second) = (source.clone(), second.clone());
            thread::spawn(move || read(&source, &second, Kind::Datagram).expect("second reader"))
        };
        let peer = {
            let (source, first, second) = (source.clone(), first.clone(), second.clone());
            thread::spawn(move || {
                first.fetch_or(DATA, Ordering::Release);
                second.fetch_or(DATA, Ordering::Release);
                report(&source, READ_READY);
            })
        };
        read(&source, &first, Kind::Datagram).expect("first reader");
        other_reader.join().unwrap();
        peer.join().unwrap();
    });
}

/// A `try_read` that says `WouldBlock` (and clears the readiness) racing the event, then
/// `readable` and `try_read` again, as code that makes its own calls does: the data is read.
#[test]
fn loom_try_read_then_readable_races_an_event() {
    loom::model(|| {
        let source = assumed_ready_source();
        let kernel = Arc::new(AtomicUsize::new(0));
        let peer = peer_sends(&source, &kernel, DATA, READ_READY);
        // `IoSource::try_io`'s steps, on the model's "system call".
        let try_read = || -> io::Result<usize> {
            let seen = source.try_ready(Direction::READ)?;
            let result = take(&kernel);
            if result.is_err() {
                source.clear_ready(seen, Direction::READ);
            }
            result
        };
        loop {
            let mut waiter = Waiter::new(&source, Direction::READ);
            block_on(poll_fn(|cx| waiter.poll_ready(cx))).expect("readable");
            match try_read() {
                Ok(n) => {
                    assert_eq!(n, 1);
                    break;
                }
                Err(e) => assert_eq!(e.kind(), io::ErrorKind::WouldBlock),
            }
        }
        peer.join().unwrap();
    });
}

/// The data and the FIN in one edge: the short read of the data clears `READ_READY`, and the
/// sticky `READ_CLOSED` still lets the next read see the EOF. Without the closed bit, the
/// second read would wait for an event that never comes (a loom deadlock).
#[test]
fn loom_a_fin_in_the_same_edge_survives_the_short_read_clear() {
    loom::model(|| {
        let source = assumed_ready_source();
        let kernel = Arc::new(AtomicUsize::new(0));
        let peer = peer_sends(&source, &kernel, DATA | FIN, READ_READY | READ_CLOSED);
        assert_eq!(read(&source, &kernel, Kind::Slot).unwrap(), 1, "the data");
        assert_eq!(read(&source, &kernel, Kind::Polled).unwrap(), 0, "then EOF");
        assert_eq!(
            read(&source, &kernel, Kind::Polled).unwrap(),
            0,
            "EOF stays"
        );
        peer.join().unwrap();
    });
}

/// The FIN in the edge after the data's, racing the short read's clear: the clear never
/// hides the FIN's event.
#[test]
fn loom_a_fin_in_the_next_edge_races_the_short_read_clear() {
    loom::model(|| {
        let source = assumed_ready_source();
        let kernel = Arc::new(AtomicUsize::new(0));
        let peer = {
            let (source, kernel) = (source.clone(), kernel.clone());
            thread::spawn(move || {
                kernel.fetch_or(DATA, Ordering::Release);
                report(&source, READ_READY);
                kernel.fetch_or(FIN, Ordering::Release);
                report(&source, READ_READY | READ_CLOSED);
            })
        };
        assert_eq!(read(&source, &kernel, Kind::Polled).unwrap(), 1, "the data");
        assert_eq!(read(&source, &kernel, Kind::Slot).unwrap(), 0, "then EOF");
        peer.join().unwrap();
    });
}

/// A closed bit that the socket disproves (a datagram socket shut down by its own program
/// reports `EPOLLRDHUP` and still says `WouldBlock`): the read waits for the datagram instead
/// of spinning on the closed bit (a spin would hit loom's branch limit).
#[test]
fn loom_a_would_block_clears_a_disproved_closed_bit() {
    loom::model(|| {
        let source = drained_source();
        let kernel = Arc::new(AtomicUsize::new(0));
        let peer = {
            let (source, kernel) = (source.clone(), kernel.clone());
            thread::spawn(move || {
                report(&source, READ_READY | READ_CLOSED);
                kernel.fetch_or(DATA, Ordering::Release);
                report(&source, READ_READY);
            })
        };
        assert_eq!(read(&source, &kernel, Kind::Slot).unwrap(), 1);
        peer.join().unwrap();
    });
}

/// A cancelled future's `Waiter` dropped while the event comes, beside another task's waiter:
/// the other task is woken, and no waker is left behind.
#[test]
fn loom_a_dropped_waiter_races_an_event() {
    loom::model(|| {
        let source = drained_source();
        let kernel = Arc::new(AtomicUsize::new(0));
        let other_task = {
            let (source, kernel) = (source.clone(), kernel.clone());
            thread::spawn(move || read(&source, &kernel, Kind::Slot).expect("the other task"))
        };
        let peer = peer_sends(&source, &kernel, DATA, READ_READY);
        {
            let mut cancelled = Waiter::new(&source, Direction::READ);
            // Polled once (ready or not), then dropped as a cancelled future is.
            block_on(poll_fn(|cx| {
                let _ = cancelled.poll_ready(cx);
                Poll::Ready(())
            }));
        }
        assert_eq!(other_task.join().unwrap(), 1);
        peer.join().unwrap();
        assert_eq!(source.stored_wakers(Direction::READ), 0);
    });
}

/// Wakes a loom thread parked in `block_on_equal_wakers`. Every `Waker` made from one `Arc` of
/// it is `will_wake`-equal to the others, as a task's wakers are (loom's own `block_on` waker
/// is not equal to its clones).
struct Unpark(thread::Thread);

impl Wake for Unpark {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `poll` with one waker (cloned as a task's is) until it is ready, parking in between.
fn block_on_equal_wakers<T>(mut poll: impl FnMut(&mut Context<'_>) -> Poll<T>) -> T {
    let waker = Waker::from(std::sync::Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(value) = poll(&mut cx) {
            return value;
        }
        thread::park();
    }
}

/// Two futures of one task wait on one source with equal wakers; one is dropped while the
/// event comes: the other's wake-up is kept (a loom deadlock otherwise).
#[test]
fn loom_dropping_one_of_two_waiters_of_a_task_races_an_event() {
    loom::model(|| {
        let source = drained_source();
        let kernel = Arc::new(AtomicUsize::new(0));
        let peer = peer_sends(&source, &kernel, DATA, READ_READY);
        let mut first = Some(Waiter::new(&source, Direction::READ));
        let mut second = Waiter::new(&source, Direction::READ);
        block_on_equal_wakers(|cx| {
            if let Some(waiter) = &mut first {
                let _ = waiter.poll_ready(cx);
            }
            let polled = second.poll_ready(cx);
            // Cancelled once both have stored their (equal) wakers.
            first = None;
            polled
        })
        .expect("readable");
        drop(second);
        peer.join().unwrap();
        assert_eq!(source.stored_wakers(Direction::READ), 0);
    });
}
