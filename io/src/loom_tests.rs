//! loom models of the readiness protocol (`source.rs`): an operation racing the reactor's
//! event, several waiters on one direction, deregistration racing a waiter, and a `try_read`
//! followed by `readable` racing an event.
//!
//! The "system call" is an atomic flag that the reactor thread sets before reporting the
//! event, as the kernel makes data readable before epoll reports it. A lost wake-up shows as
//! a loom deadlock: the waiting thread parks and nobody unparks it.
//!
//! The flag is only ever changed by read-modify-writes (`fetch_or`, `compare_exchange`):
//! loom 0.7 can let a plain store slip between the read and the write of a concurrent `swap`
//! (tokio-rs/loom#254), which would report a lost datagram that real hardware cannot lose.

use crate::loom::{Arc, AtomicBool, Ordering};
use crate::source::{Direction, Source};
use loom::future::block_on;
use loom::thread;
use std::future::poll_fn;
use std::io;

/// The "system call": takes the datagram `data` announces, or `WouldBlock`.
fn take(data: &AtomicBool) -> io::Result<()> {
    let consumed = data
        .compare_exchange(true, false, Ordering::AcqRel, Ordering::Acquire)
        .is_ok();
    if consumed {
        Ok(())
    } else {
        Err(io::ErrorKind::WouldBlock.into())
    }
}

/// Waits for readability until `data` is set, as a read on a socket would.
fn read(source: &Source, data: &AtomicBool) -> io::Result<()> {
    block_on(poll_fn(|cx| {
        source.poll_io(cx, Direction::READ, || take(data))
    }))
}

/// A thread that plays the kernel and the reactor for one datagram: sets `data`, then reports
/// the source readable.
fn datagram_arrives(source: &Arc<Source>, data: &Arc<AtomicBool>) -> thread::JoinHandle<()> {
    let (source, data) = (source.clone(), data.clone());
    thread::spawn(move || {
        data.fetch_or(true, Ordering::Release);
        report_readable(&source);
    })
}

/// What the reactor does for one readable event: set the readiness, then wake.
fn report_readable(source: &Source) {
    let mut wake = Vec::new();
    source.set_ready(Direction::READ_BIT, &mut wake);
    for waker in wake {
        waker.wake();
    }
}

#[test]
fn loom_event_between_would_block_and_waker_store() {
    loom::model(|| {
        let source = Arc::new(Source::new());
        let data = Arc::new(AtomicBool::new(false));
        let reactor = datagram_arrives(&source, &data);
        read(&source, &data).expect("the read completes");
        reactor.join().unwrap();
    });
}

#[test]
fn loom_two_events_two_reads() {
    loom::model(|| {
        let source = Arc::new(Source::new());
        let data = Arc::new(AtomicBool::new(false));
        let reactor = {
            let (source, data) = (source.clone(), data.clone());
            thread::spawn(move || {
                for _ in 0..2 {
                    // The next datagram arrives only once the previous one was read.
                    while data.load(Ordering::Acquire) {
                        thread::yield_now();
                    }
                    data.fetch_or(true, Ordering::Release);
                    report_readable(&source);
                }
            })
        };
        read(&source, &data).expect("first read");
        read(&source, &data).expect("second read");
        reactor.join().unwrap();
    });
}

#[test]
fn loom_deregistration_wakes_a_waiter_with_an_error() {
    loom::model(|| {
        let source = Arc::new(Source::new());
        let never = Arc::new(AtomicBool::new(false));
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
        let error = read(&source, &never).expect_err("a closed source fails the read");
        assert!(error.to_string().contains("shut down"), "{error}");
        closer.join().unwrap();
    });
}

#[test]
fn loom_one_event_wakes_two_waiting_tasks() {
    loom::model(|| {
        let source = Arc::new(Source::new());
        // Two readers each consume their own datagram: the event must wake both.
        let first = Arc::new(AtomicBool::new(false));
        let second = Arc::new(AtomicBool::new(false));
        let other_reader = {
            let (source, second) = (source.clone(), second.clone());
            thread::spawn(move || read(&source, &second).expect("second reader"))
        };
        let reactor = {
            let (source, first, second) = (source.clone(), first.clone(), second.clone());
            thread::spawn(move || {
                first.fetch_or(true, Ordering::Release);
                second.fetch_or(true, Ordering::Release);
                report_readable(&source);
            })
        };
        read(&source, &first).expect("first reader");
        other_reader.join().unwrap();
        reactor.join().unwrap();
    });
}

/// A `try_read` that says `WouldBlock` (and clears the readiness) racing the event, then
/// `readable` and `try_read` again, as code that makes its own calls does: the data is read.
#[test]
fn loom_try_read_then_readable_races_an_event() {
    loom::model(|| {
        let source = Arc::new(Source::new());
        let data = Arc::new(AtomicBool::new(false));
        let reactor = datagram_arrives(&source, &data);
        // `IoSource::try_io`'s steps, on the model's "system call".
        let try_read = || -> io::Result<()> {
            let seen = source.try_ready(Direction::READ)?;
            let result = take(&data);
            if result.is_err() {
                source.clear_ready(seen, Direction::READ);
            }
            result
        };
        loop {
            block_on(poll_fn(|cx| source.poll_ready(cx, Direction::READ))).expect("readable");
            match try_read() {
                Ok(()) => break,
                Err(e) => assert_eq!(e.kind(), io::ErrorKind::WouldBlock),
            }
        }
        reactor.join().unwrap();
    });
}
