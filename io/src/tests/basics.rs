//! The reactor with real sockets, driven by `Reactor::block_on` or by hand: waits, wake
//! counts, deregistration, shutdown.

use super::{connected_pair, poll_once, turn_until_woken, CountingWaker};
use crate::io::{AsyncReadExt, AsyncWriteExt};
use crate::net::{TcpListener, TcpStream, UdpSocket};
use crate::Reactor;
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::Poll;

#[test]
fn a_read_waits_for_data_and_one_turn_wakes_it_once() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (mut client, mut server) = connected_pair(&reactor);
    let waker = Arc::new(CountingWaker::default());
    let mut buf = [0u8; 8];
    let mut read = pin!(server.read(&mut buf));
    // Nothing sent yet: the read tried `read(2)`, got WouldBlock, and stored the waker.
    assert!(poll_once(read.as_mut(), &waker).is_pending());
    assert!(
        poll_once(read.as_mut(), &waker).is_pending(),
        "polling twice stores one waker"
    );
    reactor.block_on(client.write_all(b"abc")).unwrap().unwrap();
    let woken = turn_until_woken(&reactor);
    assert_eq!(woken, 1);
    assert_eq!(waker.0.load(Ordering::SeqCst), 1);
    assert!(matches!(
        poll_once(read.as_mut(), &waker),
        Poll::Ready(Ok(3))
    ));
}

#[test]
fn dropping_sockets_deregisters_them() {
    let reactor = Arc::new(Reactor::new().unwrap());
    assert_eq!(reactor.sources(), 0);
    let (client, server) = connected_pair(&reactor);
    assert_eq!(
        reactor.sources(),
        2,
        "the listener is gone, the two streams remain"
    );
    drop(client);
    assert_eq!(reactor.sources(), 1);
    drop(server);
    assert_eq!(reactor.sources(), 0);
}

#[test]
fn shutdown_wakes_a_waiting_task_with_an_error() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (_client, mut server) = connected_pair(&reactor);
    let waker = Arc::new(CountingWaker::default());
    let mut buf = [0u8; 8];
    let mut read = pin!(server.read(&mut buf));
    assert!(poll_once(read.as_mut(), &waker).is_pending());
    reactor.shutdown();
    assert_eq!(
        waker.0.load(Ordering::SeqCst),
        1,
        "shutdown woke the reader"
    );
    match poll_once(read.as_mut(), &waker) {
        Poll::Ready(Err(error)) => assert!(error.to_string().contains("shut down"), "{error}"),
        other => panic!("expected an error, got {other:?}"),
    }
    let _enter = reactor.enter();
    let error = std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(UdpSocket::from_std)
        .expect_err("no registration after shutdown");
    assert!(error.to_string().contains("shut down"), "{error}");
}

#[test]
#[should_panic(expected = "there is no reactor running")]
fn a_socket_outside_any_reactor_panics_with_a_message() {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let _ = UdpSocket::from_std(socket);
}

#[test]
fn connection_refused_is_the_os_error() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let error = reactor
        .block_on(async {
            let addr = {
                let listener = TcpListener::bind("127.0.0.1:0").await?;
                listener.local_addr()?
            };
            TcpStream::connect(addr).await.map(drop)
        })
        .unwrap()
        .expect_err("nobody listens");
    assert_eq!(error.kind(), std::io::ErrorKind::ConnectionRefused);
    assert_eq!(reactor.sources(), 0, "the failed socket was deregistered");
}

#[test]
fn a_would_block_try_read_makes_readable_wait_for_the_next_event() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (client, server) = connected_pair(&reactor);
    let waker = Arc::new(CountingWaker::default());
    let mut buf = [0u8; 8];
    // An accepted socket is assumed readable (as tokio), so `readable` returns at once ...
    assert!(poll_once(pin!(server.readable()), &waker).is_ready());
    // ... and the first try makes the call, which would block and clears the readiness.
    let error = server.try_read(&mut buf).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock);
    let mut readable = pin!(server.readable());
    assert!(poll_once(readable.as_mut(), &waker).is_pending());
    assert_eq!(client.try_write(b"abc").unwrap(), 3);
    let woken = turn_until_woken(&reactor);
    assert_eq!(woken, 1);
    assert_eq!(waker.0.load(Ordering::SeqCst), 1);
    assert!(matches!(
        poll_once(readable.as_mut(), &waker),
        Poll::Ready(Ok(()))
    ));
    assert_eq!(server.try_read(&mut buf).unwrap(), 3);
    assert_eq!(&buf[..3], b"abc");
}

#[test]
fn readiness_after_shutdown_is_the_closed_error() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (client, server) = connected_pair(&reactor);
    reactor.shutdown();
    let waker = Arc::new(CountingWaker::default());
    match poll_once(pin!(server.writable()), &waker) {
        Poll::Ready(Err(error)) => assert!(error.to_string().contains("shut down"), "{error}"),
        other => panic!("expected the closed error, got {other:?}"),
    }
    // A `try_` call still goes through while the readiness says so (the socket is there, as
    // tokio's `try_` calls find it) ...
    assert_eq!(client.try_write(b"x").unwrap(), 1);
    // ... and says the reactor is gone, not `WouldBlock`, where no event can ever come.
    let error = client.try_read(&mut [0; 1]).unwrap_err();
    assert!(error.to_string().contains("shut down"), "{error}");
    assert_eq!(waker.0.load(Ordering::SeqCst), 0);
}

/// After the reactor is gone, `try_read` still takes what the socket holds while the readiness
/// says so, a `WouldBlock` clears that readiness as before, and then every call, `try_` or
/// waiting, reports the shutdown: nothing hangs waiting for an event that cannot come.
#[test]
fn try_calls_after_shutdown_take_what_is_there_then_report_it() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (client, mut server) = connected_pair(&reactor);
    assert_eq!(client.try_write(b"hello").unwrap(), 5);
    reactor.shutdown();
    let mut buf = [0u8; 5];
    // The accepted side is assumed readable; the data is there.
    assert_eq!(server.try_read(&mut buf).unwrap(), 5);
    assert_eq!(&buf, b"hello");
    let error = server.try_read(&mut buf).unwrap_err();
    assert_eq!(
        error.kind(),
        std::io::ErrorKind::WouldBlock,
        "the call said so"
    );
    let error = server.try_read(&mut buf).unwrap_err();
    assert!(error.to_string().contains("shut down"), "{error}");
    let waker = Arc::new(CountingWaker::default());
    match poll_once(pin!(server.read(&mut buf)), &waker) {
        Poll::Ready(Err(error)) => assert!(error.to_string().contains("shut down"), "{error}"),
        other => panic!("expected the closed error, got {other:?}"),
    }
}

/// A turn that does not wait takes at most the busy limit of events and leaves the rest in
/// the kernel for the next turn; a turn that waits takes up to the full limit.
#[test]
fn a_turn_that_does_not_wait_takes_at_most_the_busy_limit() {
    use crate::net::UnixStream;
    use std::io::Write;
    use std::time::Duration;

    const SOCKETS: usize = 5;
    for (busy_limit, busy_turns) in [(2, vec![2, 2, 1, 0]), (SOCKETS, vec![SOCKETS, 0])] {
        let reactor = Arc::new(Reactor::with_event_limits(64, busy_limit).unwrap());
        // Only the reading ends are registered, so each socket makes exactly one event.
        let (mut writers, readers): (Vec<_>, Vec<_>) = (0..SOCKETS)
            .map(|_| {
                let (writer, reader) = std::os::unix::net::UnixStream::pair().unwrap();
                reader.set_nonblocking(true).unwrap();
                let _enter = reactor.enter();
                (writer, UnixStream::from_std(reader).unwrap())
            })
            .unzip();
        // The registrations' own events (each end starts writable) go in a turn that waits.
        while reactor.turn(Some(Duration::from_millis(10))).unwrap() > 0 {}
        let wakers: Vec<_> = (0..SOCKETS)
            .map(|_| Arc::new(CountingWaker::default()))
            .collect();
        let mut waits: Vec<_> = readers
            .iter()
            .map(|reader| Box::pin(reader.readable()))
            .collect();
        for (wait, waker) in waits.iter_mut().zip(&wakers) {
            assert!(poll_once(wait.as_mut(), waker).is_pending());
        }
        for writer in &mut writers {
            writer.write_all(b"x").unwrap();
        }
        let woken: Vec<usize> = busy_turns
            .iter()
            .map(|_| reactor.turn(Some(Duration::ZERO)).unwrap())
            .collect();
        assert_eq!(woken, busy_turns, "busy limit {busy_limit}");
        let wakes: usize = wakers.iter().map(|waker| waker.wakes()).sum();
        assert_eq!(wakes, SOCKETS, "every reader woken once, none lost");
    }
}

#[test]
#[should_panic(expected = "a reactor turn that does not wait must fetch at least one event")]
fn a_busy_limit_of_zero_is_refused() {
    let _ = Reactor::with_event_limits(64, 0);
}
