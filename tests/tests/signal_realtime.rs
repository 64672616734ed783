//! Every real-time signal (SIGRTMIN..=SIGRTMAX) can be listened for, and each listener gets
//! exactly its own signal. Its own binary: it raises every real-time signal.

mod common;

use std::future::poll_fn;
use std::task::Poll;
use weft::signal::unix::{signal, SignalKind};

#[test]
fn every_realtime_signal_reaches_its_own_listener_only() {
    common::guard(|| {
        let runtime = weft::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let numbers: Vec<i32> = (libc::SIGRTMIN()..=libc::SIGRTMAX()).collect();
            let mut listeners: Vec<_> = numbers
                .iter()
                .map(|&n| signal(SignalKind::from_raw(n)).unwrap())
                .collect();
            // Raise every other one: only those listeners are notified.
            for &n in numbers.iter().step_by(2) {
                // SAFETY: kill(2) with our own pid and a valid signal number.
                assert_eq!(unsafe { libc::kill(libc::getpid(), n) }, 0);
            }
            for listener in listeners.iter_mut().step_by(2) {
                assert_eq!(listener.recv().await, Some(()));
            }
            let mut notified = 0;
            for listener in &mut listeners {
                if poll_fn(|cx| Poll::Ready(listener.poll_recv(cx)))
                    .await
                    .is_ready()
                {
                    notified += 1;
                }
            }
            assert_eq!(
                notified, 0,
                "a listener was notified of a signal not raised"
            );
            assert!(numbers.len() >= 8, "{} real-time signals", numbers.len());
        });
    });
}
