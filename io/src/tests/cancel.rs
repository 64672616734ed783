//! Dropping a waiting future of weft-io removes exactly its own waker, counted through the
//! waker's `Arc` (one reference is the test's own; each stored clone adds one). (Before: the
//! waker stayed in the source's list until the next event, keeping the task alive.)

use super::{connected_pair, poll_once, turn_until_woken, CountingWaker};
use crate::io::unix::AsyncFd;
use crate::io::Interest;
use crate::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixStream};
use crate::Reactor;
use std::future::Future;
use std::io::ErrorKind;
use std::pin::{pin, Pin};
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

/// Fills `try_write`'s socket until it would block.
fn fill(mut try_write: impl FnMut(&[u8]) -> std::io::Result<usize>) {
    let chunk = [7u8; 64 * 1024];
    loop {
        match try_write(&chunk) {
            Ok(_) => {}
            Err(error) if error.kind() == ErrorKind::WouldBlock => return,
            Err(error) => panic!("unexpected write error: {error}"),
        }
    }
}

/// `ready(Interest)` waits in one slot per list its interest needs: reading and writing in two,
/// priority and error together in the third; dropping it frees every one.
#[test]
fn a_dropped_ready_frees_a_slot_in_each_list_it_waited_in() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (client, server) = connected_pair(&reactor);
    let waker = Arc::new(CountingWaker::default());
    fill(|buf| client.try_write(buf));
    {
        let both = client.ready(Interest::READABLE | Interest::WRITABLE);
        let other = client.ready(Interest::PRIORITY | Interest::ERROR);
        let all = client
            .ready(Interest::READABLE | Interest::WRITABLE | Interest::PRIORITY | Interest::ERROR);
        let (mut both, mut other, mut all) = (pin!(both), pin!(other), pin!(all));
        assert!(poll_once(both.as_mut(), &waker).is_pending());
        assert_eq!(
            stored(&waker),
            2,
            "a slot in the read list and one in the write list"
        );
        assert!(poll_once(other.as_mut(), &waker).is_pending());
        assert_eq!(stored(&waker), 3, "priority and error share the third list");
        assert!(poll_once(all.as_mut(), &waker).is_pending());
        assert_eq!(stored(&waker), 6, "one slot in each of the three lists");
    }
    assert_eq!(stored(&waker), 0, "the dropped futures left nothing");
    drop(server);
    assert_eq!(waker.wakes(), 0);
}

/// Every waiting `async fn` of the sockets, cancelled: each frees exactly its own waker.
#[test]
fn dropped_socket_futures_release_their_wakers() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let (tcp, _peer) = connected_pair(&reactor);
    let _enter = reactor.enter();
    let udp = UdpSocket::from_std(std::net::UdpSocket::bind("127.0.0.1:0").unwrap()).unwrap();
    let (datagram, _other) = UnixDatagram::pair().unwrap();
    let (stream, _stream_peer) = UnixStream::pair().unwrap();
    let (sender, receiver) = crate::net::unix::pipe::pipe().unwrap();
    fill(|buf| datagram.try_send(&buf[..1024]));
    fill(|buf| sender.try_write(buf));
    let waker = Arc::new(CountingWaker::default());
    let (mut a, mut b, mut c, mut d) = ([0u8; 8], [0u8; 8], [0u8; 8], [0u8; 8]);
    let (mut e, mut f, mut g) = ([0u8; 8], [0u8; 8], [0u8; 8]);
    let mut vec = Vec::with_capacity(8);
    {
        let futures: [Pin<Box<dyn Future<Output = ()> + '_>>; 16] = [
            Box::pin(async { drop(tcp.peek(&mut a).await) }),
            Box::pin(async { drop(tcp.readable().await) }),
            Box::pin(async {
                drop(
                    tcp.async_io(Interest::READABLE, || tcp.try_read(&mut [0; 1]))
                        .await,
                )
            }),
            Box::pin(async { drop(udp.recv(&mut b).await) }),
            Box::pin(async { drop(udp.recv_from(&mut c).await) }),
            Box::pin(async { drop(udp.recv_buf_from(&mut vec).await) }),
            Box::pin(async { drop(udp.peek(&mut d).await) }),
            Box::pin(async { drop(udp.peek_from(&mut e).await) }),
            Box::pin(async { drop(udp.peek_sender().await) }),
            Box::pin(async { drop(datagram.recv(&mut f).await) }),
            Box::pin(async { drop(datagram.recv_from(&mut g).await) }),
            Box::pin(async { drop(datagram.send(b"full").await) }),
            Box::pin(async { drop(stream.readable().await) }),
            Box::pin(async { drop(receiver.readable().await) }),
            Box::pin(async { drop(sender.writable().await) }),
            Box::pin(async { drop(sender.ready(Interest::WRITABLE).await) }),
        ];
        let mut futures = futures;
        for (i, future) in futures.iter_mut().enumerate() {
            assert!(
                poll_once(future.as_mut(), &waker).is_pending(),
                "future {i}"
            );
            assert_eq!(stored(&waker), i + 1, "one slot per future, future {i}");
        }
    }
    assert_eq!(stored(&waker), 0, "the dropped futures left nothing");
    assert_eq!(waker.wakes(), 0);
}

/// `AsyncFd`'s waits (`readable`, `writable`, `ready` for both, `async_io`) hold their own
/// slots too.
#[test]
fn dropped_async_fd_waits_release_their_wakers() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let _enter = reactor.enter();
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    // SAFETY: the std stream owns its descriptor and keeps it until the `AsyncFd` drops it.
    let fd = unsafe { AsyncFd::register(a) }.unwrap();
    reactor.turn(Some(std::time::Duration::ZERO)).unwrap();
    fill(|buf| {
        fd.try_io(Interest::WRITABLE, |mut s| {
            std::io::Write::write(&mut s, buf)
        })
    });
    let waker = Arc::new(CountingWaker::default());
    {
        let readable = pin!(fd.readable());
        let writable = pin!(fd.writable());
        let both = pin!(fd.ready(Interest::READABLE | Interest::WRITABLE));
        let io = pin!(fd.async_io(Interest::READABLE, |mut s| {
            std::io::Read::read(&mut s, &mut [0; 1])
        }));
        let (mut readable, mut writable, mut both, mut io) = (readable, writable, both, io);
        assert!(poll_once(readable.as_mut(), &waker).is_pending());
        assert!(poll_once(writable.as_mut(), &waker).is_pending());
        assert!(poll_once(both.as_mut(), &waker).is_pending());
        assert!(poll_once(io.as_mut(), &waker).is_pending());
        assert_eq!(stored(&waker), 5, "1 + 1 + 2 + 1 slots");
    }
    assert_eq!(stored(&waker), 0, "the dropped futures left nothing");
}

/// A connect still in progress (its SYN dropped by a listener whose accept queue is full),
/// cancelled: its waker goes with it.
#[test]
fn a_dropped_connect_releases_its_waker() {
    let reactor = Arc::new(Reactor::new().unwrap());
    let listener =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let any: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    listener.bind(&any.into()).unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    // Backlog 0 holds one connection; the next SYN is dropped and the connect waits.
    let _queued = std::net::TcpStream::connect(addr).unwrap();
    let _enter = reactor.enter();
    let waker = Arc::new(CountingWaker::default());
    {
        let mut connect = pin!(TcpStream::connect(addr));
        assert!(poll_once(connect.as_mut(), &waker).is_pending());
        assert_eq!(stored(&waker), 1);
    }
    assert_eq!(stored(&waker), 0, "the dropped connect left nothing");
}
