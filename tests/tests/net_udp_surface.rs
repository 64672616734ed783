//! The rest of tokio's `UdpSocket`: the `poll_*` operations, `peek*` and `peek_sender`,
//! receiving into a `BufMut`, `ready(Interest)`, `try_io`/`async_io`, the socket options,
//! multicast membership, and the std conversions.

#[macro_use]
mod common;

use std::future::poll_fn;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use bytes::BytesMut;
use common::net::within;
use weft::io::{Interest, ReadBuf};
use weft::net::UdpSocket;
use weft::runtime::Runtime;

on_both_flavors!(
    poll_operations_send_and_receive,
    peek_and_peek_sender_leave_the_datagram,
    receive_into_buf_mut,
    ready_interest_and_try_io,
    options_round_trip,
    multicast_membership,
    std_conversions_keep_the_socket,
);

async fn pair() -> (UdpSocket, UdpSocket, SocketAddr, SocketAddr) {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    (a, b, a_addr, b_addr)
}

fn poll_operations_send_and_receive(rt: Runtime) {
    rt.block_on(async {
        let (a, b, a_addr, b_addr) = pair().await;
        let sent = poll_fn(|cx| a.poll_send_to(cx, b"to", b_addr))
            .await
            .unwrap();
        assert_eq!(sent, 2);
        let mut storage = [0u8; 16];
        let mut buf = ReadBuf::new(&mut storage);
        let from = within(
            "poll_recv_from",
            poll_fn(|cx| b.poll_recv_from(cx, &mut buf)),
        )
        .await
        .unwrap();
        assert_eq!((buf.filled(), from), (&b"to"[..], a_addr));

        a.connect(b_addr).await.unwrap();
        b.connect(a_addr).await.unwrap();
        for i in 0..10u8 {
            assert_eq!(poll_fn(|cx| a.poll_send(cx, &[i; 3])).await.unwrap(), 3);
        }
        for i in 0..10u8 {
            let mut storage = [0u8; 8];
            let mut buf = ReadBuf::new(&mut storage);
            within("poll_recv", poll_fn(|cx| b.poll_recv(cx, &mut buf)))
                .await
                .unwrap();
            assert_eq!(buf.filled(), [i; 3], "datagram {i}, in order");
        }
        assert_eq!(
            b.try_recv(&mut [0; 8]).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
    });
}

fn peek_and_peek_sender_leave_the_datagram(rt: Runtime) {
    rt.block_on(async {
        let (a, b, a_addr, b_addr) = pair().await;
        a.send_to(b"peekaboo", b_addr).await.unwrap();
        assert_eq!(
            within("peek_sender", b.peek_sender()).await.unwrap(),
            a_addr
        );
        assert_eq!(b.try_peek_sender().unwrap(), a_addr);
        assert_eq!(poll_fn(|cx| b.poll_peek_sender(cx)).await.unwrap(), a_addr);
        let mut small = [0u8; 4];
        let (n, from) = b.peek_from(&mut small).await.unwrap();
        assert_eq!((n, &small, from), (4, b"peek", a_addr));
        let mut storage = [0u8; 16];
        let mut buf = ReadBuf::new(&mut storage);
        assert_eq!(
            poll_fn(|cx| b.poll_peek_from(cx, &mut buf)).await.unwrap(),
            a_addr
        );
        assert_eq!(buf.filled(), b"peekaboo");
        let (n, _) = b.try_peek_from(&mut storage).unwrap();
        assert_eq!(&storage[..n], b"peekaboo");
        // Still there, whole, for the real receive; then gone.
        let mut whole = [0u8; 16];
        let (n, from) = b.recv_from(&mut whole).await.unwrap();
        assert_eq!((&whole[..n], from), (&b"peekaboo"[..], a_addr));
        assert_eq!(
            b.try_peek_sender().unwrap_err().kind(),
            ErrorKind::WouldBlock
        );

        b.connect(a_addr).await.unwrap();
        a.send_to(b"connected", b_addr).await.unwrap();
        let mut peeked = [0u8; 16];
        let n = b.peek(&mut peeked).await.unwrap();
        assert_eq!(&peeked[..n], b"connected");
        let mut buf = ReadBuf::new(&mut peeked);
        poll_fn(|cx| b.poll_peek(cx, &mut buf)).await.unwrap();
        assert_eq!(buf.filled(), b"connected");
        assert_eq!(b.try_peek(&mut [0; 16]).unwrap(), 9);
        assert_eq!(b.recv(&mut [0; 16]).await.unwrap(), 9);
    });
}

fn receive_into_buf_mut(rt: Runtime) {
    rt.block_on(async {
        let (a, b, a_addr, b_addr) = pair().await;
        for i in 0..4u8 {
            a.send_to(&[i; 100], b_addr).await.unwrap();
        }
        let mut buf = BytesMut::with_capacity(1024);
        let (n, from) = b.recv_buf_from(&mut buf).await.unwrap();
        assert_eq!((n, from, buf.len()), (100, a_addr, 100));
        let (n, from) = within("the second", async {
            loop {
                match b.try_recv_buf_from(&mut buf) {
                    Err(e) if e.kind() == ErrorKind::WouldBlock => b.readable().await.unwrap(),
                    other => break other.unwrap(),
                }
            }
        })
        .await;
        assert_eq!((n, from, buf.len()), (100, a_addr, 200));
        b.connect(a_addr).await.unwrap();
        let mut vec = Vec::with_capacity(256);
        assert_eq!(b.recv_buf(&mut vec).await.unwrap(), 100);
        assert_eq!(b.try_recv_buf(&mut vec).unwrap(), 100);
        assert_eq!(vec.len(), 200);
        assert_eq!(&buf[..], [[0u8; 100], [1u8; 100]].concat());
        assert_eq!(vec, [[2u8; 100], [3u8; 100]].concat());
        assert_eq!(
            b.try_recv_buf(&mut vec).unwrap_err().kind(),
            ErrorKind::WouldBlock
        );
    });
}

fn ready_interest_and_try_io(rt: Runtime) {
    rt.block_on(async {
        let (a, b, _, b_addr) = pair().await;
        let ready = a
            .ready(Interest::READABLE | Interest::WRITABLE)
            .await
            .unwrap();
        assert!(ready.is_writable(), "an idle socket can send");
        poll_fn(|cx| a.poll_send_ready(cx)).await.unwrap();
        // Nothing to read yet: try_io's WouldBlock clears readability...
        let mut buf = [0u8; 8];
        let error = b
            .try_io(Interest::READABLE, || b.try_recv_from(&mut buf))
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::WouldBlock);
        // ...so that async_io waits for the datagram sent meanwhile.
        let sender = async {
            a.writable().await.unwrap();
            a.send_to(b"wake", b_addr).await.unwrap()
        };
        let receiver = b.async_io(Interest::READABLE, || raw_recv(&b));
        let (sent, received) = within("async_io", async { weft::join!(sender, receiver) }).await;
        assert_eq!((sent, received.unwrap()), (4, 4));
    });
}

/// The caller's own system call for `async_io`: a plain `recv` through socket2.
fn raw_recv(socket: &UdpSocket) -> std::io::Result<usize> {
    use std::io::Read;
    let socket = socket2::SockRef::from(socket);
    let mut socket: &socket2::Socket = &socket;
    socket.read(&mut [0u8; 8])
}

fn options_round_trip(rt: Runtime) {
    rt.block_on(async {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        socket.set_ttl(17).unwrap();
        assert_eq!(socket.ttl().unwrap(), 17);
        for on in [true, false] {
            socket.set_broadcast(on).unwrap();
            assert_eq!(socket.broadcast().unwrap(), on);
            socket.set_multicast_loop_v4(on).unwrap();
            assert_eq!(socket.multicast_loop_v4().unwrap(), on);
        }
        socket.set_tos_v4(0x08).unwrap();
        assert_eq!(socket.tos_v4().unwrap(), 0x08);
        socket.set_multicast_ttl_v4(9).unwrap();
        assert_eq!(socket.multicast_ttl_v4().unwrap(), 9);
        let v6 = UdpSocket::bind((Ipv6Addr::LOCALHOST, 0)).await.unwrap();
        for on in [false, true] {
            v6.set_multicast_loop_v6(on).unwrap();
            assert_eq!(v6.multicast_loop_v6().unwrap(), on);
        }
        assert!(socket.take_error().unwrap().is_none());
    });
}

fn multicast_membership(rt: Runtime) {
    rt.block_on(async {
        let socket = UdpSocket::bind("0.0.0.0:0").await.unwrap();
        let group = Ipv4Addr::new(239, 7, 7, 7);
        let error = socket
            .leave_multicast_v4(group, Ipv4Addr::LOCALHOST)
            .unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::AddrNotAvailable,
            "not a member yet"
        );
        socket
            .join_multicast_v4(group, Ipv4Addr::LOCALHOST)
            .unwrap();
        socket
            .leave_multicast_v4(group, Ipv4Addr::LOCALHOST)
            .unwrap();
        let error = socket
            .join_multicast_v4(Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST)
            .unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::InvalidInput,
            "not a multicast address"
        );
    });
}

fn std_conversions_keep_the_socket(rt: Runtime) {
    rt.block_on(async {
        let (a, b, _, b_addr) = pair().await;
        let std_b = b.into_std().unwrap();
        assert_eq!(std_b.local_addr().unwrap(), b_addr);
        a.send_to(b"kept", b_addr).await.unwrap();
        let b = UdpSocket::try_from(std_b).unwrap();
        let mut buf = [0u8; 8];
        let (n, _) = within("recv after the round trip", b.recv_from(&mut buf))
            .await
            .unwrap();
        assert_eq!(&buf[..n], b"kept");
    });
}
