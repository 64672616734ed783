//! What `ready(Interest)` reports beyond readable and writable: the sticky closed bits (epoll
//! backend), priority data, an error condition; how a guard clears them; and the readiness a
//! socket starts with (nothing, unless the kernel just made it and its state is known).

use super::{connected_pair, poll_once, turn_until_woken, CountingWaker};
use crate::io::unix::AsyncFd;
use crate::io::{Interest, Ready};
use crate::net::{UdpSocket, UnixDatagram};
use crate::sys::Selector;
use crate::Reactor;
use std::io::ErrorKind;
use std::net::Shutdown;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

#[test]
fn ready_reports_the_peer_s_fin_and_hang_up_as_closed_bits_on_epoll() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (client, server) = connected_pair(&reactor);
    // The accepted side starts assumed readable: a read that finds nothing clears that.
    let error = server.try_read(&mut [0; 1]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::WouldBlock);
    socket2::SockRef::from(&client)
        .shutdown(Shutdown::Write)
        .unwrap();
    let ready = reactor
        .block_on(server.ready(Interest::READABLE))
        .unwrap()
        .unwrap();
    assert!(ready.is_readable());
    assert_eq!(
        ready.is_read_closed(),
        Selector::SHORT_IO_DRAINS,
        "EPOLLRDHUP is reported (epoll backend)"
    );
    assert!(!ready.is_writable(), "only what the interest covers");
    assert_eq!(server.try_read(&mut [0; 8]).unwrap(), 0, "EOF");
    let ready = reactor
        .block_on(server.ready(Interest::WRITABLE))
        .unwrap()
        .unwrap();
    assert!(ready.is_writable() && !ready.is_write_closed(), "{ready:?}");

    // The peer closes for good; the server's next write draws a reset: an error, a hang-up.
    drop(client);
    let waker = Arc::new(CountingWaker::default());
    let mut error = pin!(server.ready(Interest::ERROR));
    assert!(poll_once(error.as_mut(), &waker).is_pending());
    assert_eq!(server.try_write(b"into the void").unwrap(), 13);
    assert_eq!(turn_until_woken(&reactor), 1);
    let Poll::Ready(Ok(ready)) = poll_once(error.as_mut(), &waker) else {
        panic!("the reset is an error")
    };
    assert_eq!(ready, Ready::ERROR, "only what the interest covers");
    let ready = reactor
        .block_on(server.ready(Interest::WRITABLE))
        .unwrap()
        .unwrap();
    assert!(ready.is_writable());
    assert_eq!(
        ready.is_write_closed(),
        Selector::SHORT_IO_DRAINS,
        "EPOLLHUP (epoll backend): {ready:?}"
    );
}

#[test]
fn priority_data_wakes_a_priority_wait() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (client, server) = connected_pair(&reactor);
    let waker = Arc::new(CountingWaker::default());
    let mut priority = pin!(server.ready(Interest::PRIORITY));
    assert!(poll_once(priority.as_mut(), &waker).is_pending());
    socket2::SockRef::from(&client)
        .send_out_of_band(b"!")
        .unwrap();
    assert_eq!(turn_until_woken(&reactor), 1);
    assert_eq!(waker.wakes(), 1, "the event woke the waiting future");
    let Poll::Ready(Ok(ready)) = poll_once(priority.as_mut(), &waker) else {
        panic!("priority data is there")
    };
    assert_eq!(ready, Ready::PRIORITY, "only what the interest covers");
}

#[test]
fn a_pending_socket_error_wakes_an_error_wait_and_a_guard_clears_it() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let _enter = reactor.enter();
    // A connected UDP socket that sends to a closed port gets ECONNREFUSED back (ICMP port
    // unreachable), which epoll reports as EPOLLERR.
    let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let target = closed.local_addr().unwrap();
    drop(closed);
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_nonblocking(true).unwrap();
    socket.connect(target).unwrap();
    // SAFETY: the std socket owns its descriptor and keeps it until the `AsyncFd` drops it.
    let fd = unsafe { AsyncFd::register(socket) }.unwrap();
    let waker = Arc::new(CountingWaker::default());
    assert!(poll_once(pin!(fd.ready(Interest::ERROR)), &waker).is_pending());
    fd.get_ref().send(b"anyone?").unwrap();
    let mut guard = reactor
        .block_on(fd.ready(Interest::ERROR))
        .unwrap()
        .unwrap();
    assert_eq!(guard.ready(), Ready::ERROR);
    guard.clear_ready();
    assert_eq!(guard.ready(), Ready::EMPTY);
    drop(guard);
    assert!(
        poll_once(pin!(fd.ready(Interest::ERROR)), &waker).is_pending(),
        "cleared: waits for the next error"
    );
    let error = fd.get_ref().recv(&mut [0; 8]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ConnectionRefused);
}

/// A registered socket is ready for nothing until the reactor's first turn reports what the
/// kernel found as it added it (no system call is made for a `try_` meanwhile); a new pair is
/// writable at once, and not readable.
#[test]
fn a_socket_starts_ready_for_what_is_known_and_the_first_turn_tells_the_rest() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let _enter = reactor.enter();
    let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let socket = UdpSocket::from_std(std_socket).unwrap();
    let target = socket.local_addr().unwrap();
    let error = socket.try_send_to(b"x", target).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::WouldBlock, "nothing assumed");
    reactor.turn(Some(Duration::ZERO)).unwrap();
    assert_eq!(
        socket.try_send_to(b"x", target).unwrap(),
        1,
        "the first edge: writable"
    );

    let (a, b) = UnixDatagram::pair().unwrap();
    assert_eq!(
        a.try_send(b"hi").unwrap(),
        2,
        "a new pair is writable at once"
    );
    let error = b.try_recv(&mut [0; 8]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::WouldBlock, "and not readable");
    let waker = Arc::new(CountingWaker::default());
    assert!(poll_once(pin!(b.readable()), &waker).is_pending());
    assert_eq!(
        reactor.block_on(b.recv(&mut [0; 8])).unwrap().unwrap(),
        2,
        "the datagram arrives through the normal event path"
    );
}
