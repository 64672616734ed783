//! Unit tests of the reactor with real sockets (each needs system calls: none runs under miri,
//! which cannot run epoll; the protocol itself is checked by the loom models instead).

mod basics;
mod cancel;
mod interest;
mod polled;
mod readiness;
mod waker_panic;

use crate::net::{TcpListener, TcpStream};
use crate::Reactor;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// Counts its wakes.
#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl CountingWaker {
    fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `future` once with `waker`.
fn poll_once<F: Future + ?Sized>(
    future: Pin<&mut F>,
    waker: &Arc<CountingWaker>,
) -> Poll<F::Output> {
    poll_with(future, &Waker::from(waker.clone()))
}

/// Polls `future` once with any waker.
fn poll_with<F: Future + ?Sized>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

fn connected_pair(reactor: &Arc<Reactor>) -> (TcpStream, TcpStream) {
    reactor
        .block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let client = TcpStream::connect(listener.local_addr()?).await?;
            let (server, _) = listener.accept().await?;
            std::io::Result::Ok((client, server))
        })
        .unwrap()
        .unwrap()
}

/// Turns the reactor until a turn wakes something (loopback data may take a turn or two to
/// be reported); how many that turn woke.
fn turn_until_woken(reactor: &Reactor) -> usize {
    loop {
        let woken = reactor.turn(Some(Duration::from_secs(5))).unwrap();
        if woken > 0 {
            return woken;
        }
    }
}
