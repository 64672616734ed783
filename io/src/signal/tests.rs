//! Unit tests of the delivery protocol (`Slot`) with exact wake counts, and of `SignalKind`.
//! Raising real signals is left to the integration tests (`tests/tests/signal_*.rs`), one
//! signal per test binary, since a signal reaches every listener in the process.

use super::slot::Slot;
use super::unix::SignalKind;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting() -> (Arc<CountingWaker>, Waker) {
    let counter = Arc::new(CountingWaker::default());
    (counter.clone(), Waker::from(counter))
}

fn woken(wake: Vec<Waker>) -> usize {
    let count = wake.len();
    wake.into_iter().for_each(Waker::wake);
    count
}

#[test]
fn a_dispatch_without_a_record_publishes_nothing_and_wakes_nobody() {
    let slot = Slot::new();
    let mut listener = slot.register();
    let (counter, waker) = counting();
    assert_eq!(
        slot.poll(&mut listener, &Context::from_waker(&waker)),
        Poll::Pending
    );
    let mut wake = Vec::new();
    assert!(!slot.dispatch(&mut wake));
    assert_eq!(woken(wake), 0);
    assert_eq!(counter.0.load(Ordering::SeqCst), 0);
}

#[test]
fn one_record_wakes_each_waiting_listener_once_and_each_receives_it_once() {
    let slot = Slot::new();
    let mut listeners = [slot.register(), slot.register(), slot.register()];
    let (counter, waker) = counting();
    let cx = Context::from_waker(&waker);
    for listener in &mut listeners {
        assert_eq!(slot.poll(listener, &cx), Poll::Pending);
    }
    slot.record();
    let mut wake = Vec::new();
    assert!(slot.dispatch(&mut wake));
    assert_eq!(woken(wake), 3);
    assert_eq!(counter.0.load(Ordering::SeqCst), 3);
    for listener in &mut listeners {
        assert_eq!(slot.poll(listener, &cx), Poll::Ready(()));
        assert_eq!(slot.poll(listener, &cx), Poll::Pending);
    }
    // The second round of polls stored the wakers again; nothing wakes them yet.
    let mut wake = Vec::new();
    assert!(!slot.dispatch(&mut wake));
    assert_eq!(woken(wake), 0);
}

#[test]
fn records_between_two_polls_coalesce_into_one_notification() {
    let slot = Slot::new();
    let mut listener = slot.register();
    let (_, waker) = counting();
    let cx = Context::from_waker(&waker);
    for _ in 0..5 {
        slot.record();
        slot.dispatch(&mut Vec::new());
    }
    assert_eq!(slot.poll(&mut listener, &cx), Poll::Ready(()));
    assert_eq!(slot.poll(&mut listener, &cx), Poll::Pending);
}

#[test]
fn a_recorded_but_undispatched_delivery_reaches_a_listener_registered_after_it() {
    let slot = Slot::new();
    slot.record();
    let mut listener = slot.register();
    let (_, waker) = counting();
    let cx = Context::from_waker(&waker);
    assert_eq!(slot.poll(&mut listener, &cx), Poll::Pending);
    assert!(slot.dispatch(&mut Vec::new()));
    assert_eq!(slot.poll(&mut listener, &cx), Poll::Ready(()));
}

#[test]
fn a_dispatched_delivery_does_not_reach_a_listener_registered_after_it() {
    let slot = Slot::new();
    slot.record();
    assert!(slot.dispatch(&mut Vec::new()));
    let mut listener = slot.register();
    let (_, waker) = counting();
    assert_eq!(
        slot.poll(&mut listener, &Context::from_waker(&waker)),
        Poll::Pending
    );
}

#[test]
fn a_dropped_listener_leaves_no_waker_and_its_entry_is_reused() {
    let slot = Slot::new();
    let mut first = slot.register();
    let (counter, waker) = counting();
    assert_eq!(
        slot.poll(&mut first, &Context::from_waker(&waker)),
        Poll::Pending
    );
    drop(waker);
    slot.deregister(&first);
    assert_eq!(slot.listeners(), 0);
    // Only the counter itself holds the waker's Arc now: the slot dropped its clone.
    assert_eq!(Arc::strong_count(&counter), 1);
    let _second = slot.register();
    assert_eq!(slot.listeners(), 1);
    slot.record();
    let mut wake = Vec::new();
    slot.dispatch(&mut wake);
    assert_eq!(woken(wake), 0);
}

#[test]
fn polling_twice_with_the_same_waker_stores_it_once() {
    let slot = Slot::new();
    let mut listener = slot.register();
    let (counter, waker) = counting();
    let cx = Context::from_waker(&waker);
    assert_eq!(slot.poll(&mut listener, &cx), Poll::Pending);
    assert_eq!(slot.poll(&mut listener, &cx), Poll::Pending);
    slot.record();
    let mut wake = Vec::new();
    slot.dispatch(&mut wake);
    assert_eq!(woken(wake), 1);
    assert_eq!(counter.0.load(Ordering::SeqCst), 1);
}

#[test]
fn close_wakes_every_waiting_listener_without_a_notification() {
    let slot = Slot::new();
    let mut listeners = [slot.register(), slot.register()];
    let (counter, waker) = counting();
    let cx = Context::from_waker(&waker);
    for listener in &mut listeners {
        assert_eq!(slot.poll(listener, &cx), Poll::Pending);
    }
    let mut wake = Vec::new();
    slot.close(&mut wake);
    assert_eq!(woken(wake), 2);
    assert_eq!(counter.0.load(Ordering::SeqCst), 2);
    for listener in &mut listeners {
        assert_eq!(slot.poll(listener, &cx), Poll::Pending);
    }
}

#[test]
fn signal_kinds_are_their_numbers() {
    let kinds = [
        (SignalKind::alarm(), libc::SIGALRM),
        (SignalKind::child(), libc::SIGCHLD),
        (SignalKind::hangup(), libc::SIGHUP),
        (SignalKind::interrupt(), libc::SIGINT),
        (SignalKind::io(), libc::SIGIO),
        (SignalKind::pipe(), libc::SIGPIPE),
        (SignalKind::quit(), libc::SIGQUIT),
        (SignalKind::terminate(), libc::SIGTERM),
        (SignalKind::user_defined1(), libc::SIGUSR1),
        (SignalKind::user_defined2(), libc::SIGUSR2),
        (SignalKind::window_change(), libc::SIGWINCH),
    ];
    for (kind, raw) in kinds {
        assert_eq!(kind.as_raw_value(), raw);
        assert_eq!(SignalKind::from_raw(raw), kind);
        assert_eq!(SignalKind::from(raw), kind);
        assert_eq!(i32::from(kind), raw);
    }
}

#[test]
#[cfg_attr(miri, ignore)] // a socket pair, sigaction and epoll
fn a_reactor_gets_one_driver_whatever_its_listener_count_and_loses_it_with_the_last() {
    use super::unix::signal;
    use crate::Reactor;

    let reactor = Arc::new(Reactor::new().unwrap());
    let _entered = reactor.enter();
    assert_eq!(reactor.sources(), 0);
    let first = signal(SignalKind::from_raw(libc::SIGRTMIN() + 20)).unwrap();
    assert_eq!(reactor.sources(), 1);
    let second = signal(SignalKind::from_raw(libc::SIGRTMIN() + 21)).unwrap();
    let third = signal(SignalKind::from_raw(libc::SIGRTMIN() + 20)).unwrap();
    assert_eq!(reactor.sources(), 1);
    drop(first);
    drop(second);
    assert_eq!(reactor.sources(), 1);
    drop(third);
    assert_eq!(reactor.sources(), 0);
}

#[test]
#[cfg_attr(miri, ignore)] // a socket pair, sigaction and epoll
fn a_listener_on_a_shut_down_reactor_is_refused_with_the_shutdown_error() {
    use super::unix::signal;
    use crate::Reactor;

    let reactor = Arc::new(Reactor::new().unwrap());
    let _entered = reactor.enter();
    reactor.shutdown();
    let error = signal(SignalKind::from_raw(libc::SIGRTMIN() + 22)).unwrap_err();
    assert!(error.to_string().contains("shut down"), "{error}");
    assert_eq!(reactor.sources(), 0);
}
