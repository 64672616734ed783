//! weft::signal with real signals raised at this process. Each test listens for a signal of
//! its own (a real-time signal number, `SIGRTMIN() + k`), so the tests of this binary run in
//! parallel without seeing each other's deliveries. Ctrl-C (SIGINT) has its own binary.

mod common;

use std::future::poll_fn;
use std::io::ErrorKind;
use std::sync::mpsc;
use std::task::Poll;
use std::thread;
use weft::runtime::{Builder, Runtime};
use weft::signal::unix::{signal, Signal, SignalKind};

/// The test's own signal.
fn realtime(k: i32) -> SignalKind {
    SignalKind::from_raw(libc::SIGRTMIN() + k)
}

/// Raises `kind` at this process. `kill(2)` to ourselves delivers the signal (runs the handler)
/// before it returns, on this thread or another.
fn raise(kind: SignalKind) {
    // SAFETY: kill(2) with our own pid and a valid signal number has no memory effects.
    let result = unsafe { libc::kill(libc::getpid(), kind.as_raw_value()) };
    assert_eq!(result, 0, "kill: {}", std::io::Error::last_os_error());
}

/// Polls `listener` once: `Ready(Some(()))` if a delivery is waiting, `Pending` if not.
async fn poll_once(listener: &mut Signal) -> Poll<Option<()>> {
    poll_fn(|cx| Poll::Ready(listener.poll_recv(cx))).await
}

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn each_delivery_raised_after_the_last_recv_is_received_exactly_once() {
    common::guard(|| {
        current_thread().block_on(async {
            let kind = realtime(1);
            let mut listener = signal(kind).unwrap();
            let mut received = 0;
            for _ in 0..5 {
                raise(kind);
                assert_eq!(listener.recv().await, Some(()));
                received += 1;
            }
            assert_eq!(received, 5);
            assert_eq!(poll_once(&mut listener).await, Poll::Pending);
        });
    });
}

#[test]
fn deliveries_raised_before_a_recv_coalesce_into_one_notification() {
    common::guard(|| {
        current_thread().block_on(async {
            let kind = realtime(2);
            let mut listener = signal(kind).unwrap();
            for _ in 0..3 {
                raise(kind);
            }
            assert_eq!(listener.recv().await, Some(()));
            assert_eq!(poll_once(&mut listener).await, Poll::Pending);
        });
    });
}

#[test]
fn every_listener_of_a_signal_is_notified_once_per_delivery() {
    common::guard(|| {
        current_thread().block_on(async {
            let kind = realtime(3);
            let mut listeners: Vec<Signal> = (0..4).map(|_| signal(kind).unwrap()).collect();
            raise(kind);
            for listener in &mut listeners {
                assert_eq!(listener.recv().await, Some(()));
            }
            for listener in &mut listeners {
                assert_eq!(poll_once(listener).await, Poll::Pending);
            }
        });
    });
}

#[test]
fn listeners_in_several_runtimes_at_once_are_each_woken() {
    common::guard(|| {
        let kind = realtime(4);
        let (ready, all_ready) = mpsc::channel();
        let runtimes: Vec<_> = (0..4)
            .map(|i| {
                let ready = ready.clone();
                thread::spawn(move || {
                    let runtime = if i % 2 == 0 {
                        current_thread()
                    } else {
                        Builder::new_multi_thread()
                            .worker_threads(2)
                            .build()
                            .unwrap()
                    };
                    runtime.block_on(async {
                        let mut listener = signal(kind).unwrap();
                        ready.send(()).unwrap();
                        listener.recv().await
                    })
                })
            })
            .collect();
        for _ in 0..4 {
            all_ready.recv().unwrap();
        }
        raise(kind);
        let received: Vec<_> = runtimes.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(received, vec![Some(()); 4]);
    });
}

#[test]
fn dropping_one_runtime_leaves_the_others_delivering() {
    common::guard(|| {
        let kind = realtime(5);
        let (first, second) = (current_thread(), current_thread());
        let mut first_listener = first.block_on(async { signal(kind).unwrap() });
        let mut second_listener = second.block_on(async { signal(kind).unwrap() });
        raise(kind);
        assert_eq!(first.block_on(first_listener.recv()), Some(()));
        drop(first);
        drop(first_listener);
        raise(kind);
        assert_eq!(second.block_on(second_listener.recv()), Some(()));
        // The first delivery reached the second listener too; both coalesced into one.
        assert_eq!(
            second.block_on(poll_once(&mut second_listener)),
            Poll::Pending
        );
    });
}

#[test]
fn a_listener_whose_runtime_shut_down_receives_none() {
    common::guard(|| {
        let kind = realtime(6);
        let first = current_thread();
        let mut orphan = first.block_on(async { signal(kind).unwrap() });
        drop(first);
        let second = current_thread();
        assert_eq!(second.block_on(orphan.recv()), None);
        // A listener made in the live runtime still works.
        second.block_on(async {
            let mut listener = signal(kind).unwrap();
            raise(kind);
            assert_eq!(listener.recv().await, Some(()));
        });
    });
}

#[test]
fn dropping_a_listener_keeps_the_other_listeners_of_its_signal() {
    common::guard(|| {
        current_thread().block_on(async {
            let kind = realtime(7);
            let before = signal(kind).unwrap();
            let mut kept = signal(kind).unwrap();
            let after = signal(kind).unwrap();
            drop(before);
            drop(after);
            raise(kind);
            assert_eq!(kept.recv().await, Some(()));
        });
    });
}

#[test]
fn a_dropped_recv_future_loses_no_delivery() {
    common::guard(|| {
        current_thread().block_on(async {
            let kind = realtime(8);
            let mut listener = signal(kind).unwrap();
            // Polled once (pending, waker stored), then dropped by the select.
            weft::select! {
                biased;
                _ = listener.recv() => unreachable!("nothing was raised yet"),
                () = std::future::ready(()) => {}
            }
            raise(kind);
            assert_eq!(listener.recv().await, Some(()));
        });
    });
}

#[test]
fn a_listener_in_a_task_of_a_multi_thread_runtime_receives_each_delivery() {
    common::guard(|| {
        let runtime = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        runtime.block_on(async {
            let kind = realtime(9);
            let mut listener = signal(kind).unwrap();
            let (acks, mut acked) = weft::sync::mpsc::unbounded_channel();
            let task = weft::spawn(async move {
                let mut received = 0;
                while listener.recv().await.is_some() {
                    received += 1;
                    acks.send(received).unwrap();
                    if received == 3 {
                        break;
                    }
                }
                received
            });
            for round in 1..=3 {
                raise(kind);
                // Acknowledged before the next raise, so that no two deliveries coalesce.
                assert_eq!(acked.recv().await, Some(round));
            }
            assert_eq!(task.await.unwrap(), 3);
        });
    });
}

#[test]
fn signals_that_must_not_be_caught_and_non_signals_are_refused() {
    common::guard(|| {
        current_thread().block_on(async {
            for forbidden in [
                libc::SIGKILL,
                libc::SIGSTOP,
                libc::SIGILL,
                libc::SIGFPE,
                libc::SIGSEGV,
            ] {
                let error = signal(SignalKind::from_raw(forbidden)).unwrap_err();
                assert_eq!(
                    error.kind(),
                    ErrorKind::InvalidInput,
                    "{forbidden}: {error}"
                );
                assert!(error.to_string().contains("refusing"), "{error}");
            }
            for not_a_signal in [-1, 0, libc::SIGRTMAX() + 1, i32::MAX] {
                let error = signal(SignalKind::from_raw(not_a_signal)).unwrap_err();
                assert_eq!(
                    error.kind(),
                    ErrorKind::InvalidInput,
                    "{not_a_signal}: {error}"
                );
            }
            // A refused signal stays refused, with the same error.
            let again = signal(SignalKind::from_raw(libc::SIGKILL)).unwrap_err();
            assert_eq!(again.kind(), ErrorKind::InvalidInput);
        });
    });
}

#[test]
#[should_panic(expected = "there is no reactor running")]
fn a_listener_outside_any_runtime_panics() {
    let _ = signal(SignalKind::hangup());
}
