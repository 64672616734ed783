//! Dropping a waiting future of weft-io removes exactly its own waker, counted through the
//! waker's `Arc` (one reference is the test's own; each stored clone adds one). (Before: the
//! waker stayed in the source's list until the next event, keeping the task alive.)

use super::{connected_pair, poll_once, turn_until_woken, CountingWaker};
use crate::net::{TcpListener, UdpSocket};
use crate::Reactor;
use std::io::ErrorKind;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

/// The clones of `waker` held elsewhere than by the test.
fn stored(waker: &Arc<CountingWaker>) -> usize {
    Arc::strong_count(waker) - 1
}

#[test]
fn a_dropped_readable_and_writable_release_their_wakers() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (client, server) = connected_pair(&reactor);
    let waker = Arc::new(CountingWaker::default());
    let error = server.try_read(&mut [0u8; 8]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::WouldBlock);
    {
        let mut readable = pin!(server.readable());
        assert!(poll_once(readable.as_mut(), &waker).is_pending());
        assert!(poll_once(readable.as_mut(), &waker).is_pending());
        assert_eq!(stored(&waker), 1, "polled twice, stored once");
    }
    assert_eq!(stored(&waker), 0, "the dropped readable() left nothing");

    // Fill the send buffer until a write would block, then wait for writability.
    let chunk = [7u8; 64 * 1024];
    loop {
        match client.try_write(&chunk) {
            Ok(_) => continue,
            Err(error) if error.kind() == ErrorKind::WouldBlock => break,
            Err(error) => panic!("unexpected write error: {error}"),
        }
    }
    {
        let mut writable = pin!(client.writable());
        assert!(poll_once(writable.as_mut(), &waker).is_pending());
        assert_eq!(stored(&waker), 1);
    }
    assert_eq!(stored(&waker), 0, "the dropped writable() left nothing");
    assert_eq!(waker.wakes(), 0);
}

#[test]
fn dropped_accept_and_recv_from_release_their_wakers() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let _enter = reactor.enter();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let listener = TcpListener::from_std(listener).unwrap();
    let socket = UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0").unwrap()).unwrap();
    let waker = Arc::new(CountingWaker::default());
    {
        let mut accept = pin!(listener.accept());
        assert!(poll_once(accept.as_mut(), &waker).is_pending());
        let mut buf = [0u8; 8];
        let mut recv = pin!(socket.recv_from(&mut buf));
        assert!(poll_once(recv.as_mut(), &waker).is_pending());
        assert_eq!(stored(&waker), 2, "one slot per future");
    }
    assert_eq!(stored(&waker), 0, "the dropped futures left nothing");
}

#[test]
fn distinct_tasks_cancelling_in_a_loop_leave_nothing_behind() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (_client, server) = connected_pair(&reactor);
    let error = server.try_read(&mut [0u8; 8]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::WouldBlock);
    let wakers: Vec<Arc<CountingWaker>> = (0..100).map(|_| Arc::default()).collect();
    for waker in &wakers {
        let mut readable = pin!(server.readable());
        assert!(poll_once(readable.as_mut(), waker).is_pending());
    }
    assert!(wakers.iter().all(|waker| stored(waker) == 0));
}

/// Two futures of one task (equal wakers) wait on one socket; dropping one must not take the
/// other's registration with it.
#[test]
fn dropping_one_of_two_futures_of_a_task_keeps_the_others_wakeup() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (client, server) = connected_pair(&reactor);
    let waker = Arc::new(CountingWaker::default());
    let error = server.try_read(&mut [0u8; 8]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::WouldBlock);
    let mut kept = pin!(server.readable());
    {
        let mut dropped = pin!(server.readable());
        assert!(poll_once(kept.as_mut(), &waker).is_pending());
        assert!(poll_once(dropped.as_mut(), &waker).is_pending());
        assert_eq!(stored(&waker), 2, "each future has its own slot");
    }
    assert_eq!(stored(&waker), 1, "the kept future's waker stays");
    assert_eq!(client.try_write(b"x").unwrap(), 1);
    assert_eq!(turn_until_woken(&reactor), 1);
    assert_eq!(waker.wakes(), 1);
    assert_eq!(stored(&waker), 0, "woken wakers are consumed");
    assert!(matches!(
        poll_once(kept.as_mut(), &waker),
        Poll::Ready(Ok(()))
    ));
}
