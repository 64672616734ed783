//! UDP on both flavors: `send_to`/`recv_from` round trips with the sender's address, connected
//! sockets with `send`/`recv`, a burst of datagrams received exactly once each, a receiver that
//! waits before anything is sent, truncation to the buffer, and the errors of an unconnected
//! socket.

#[macro_use]
mod common;

use std::collections::BTreeSet;
use std::future::{poll_fn, Future};
use std::io::ErrorKind;
use std::pin::pin;
use std::task::Poll;

use common::net::*;
use weft::net::UdpSocket;
use weft::runtime::Runtime;

on_both_flavors!(
    send_to_and_recv_from_round_trips,
    connected_sockets_send_and_recv,
    a_burst_of_datagrams_arrives_exactly_once_each,
    a_waiting_receiver_is_woken_by_a_datagram,
    a_datagram_larger_than_the_buffer_is_truncated,
    an_unconnected_socket_has_no_peer,
);

async fn bind_local() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").await.expect("bind")
}

const ROUND_TRIPS: usize = 200;

/// Datagram `i` of a test: distinct content, 1 to 1,200 bytes.
fn datagram(i: usize) -> Vec<u8> {
    payload(i as u64, 1 + (i * 37) % 1200)
}

fn send_to_and_recv_from_round_trips(rt: Runtime) {
    let (echoed, replies) = rt.block_on(within("UDP round trips", async {
        let (a, b) = (bind_local().await, bind_local().await);
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        assert_ne!(a_addr, b_addr);
        // b echoes every datagram to whoever sent it, reversed.
        let echo = weft::spawn(async move {
            let mut buf = vec![0u8; 2048];
            for _ in 0..ROUND_TRIPS {
                let (n, from) = b.recv_from(&mut buf).await.unwrap();
                assert_eq!(from, a_addr, "recv_from reports the sender");
                buf[..n].reverse();
                assert_eq!(b.send_to(&buf[..n], from).await.unwrap(), n);
            }
            ROUND_TRIPS
        });
        let mut buf = vec![0u8; 2048];
        let mut replies = 0;
        for i in 0..ROUND_TRIPS {
            let sent = datagram(i);
            assert_eq!(a.send_to(&sent, b_addr).await.unwrap(), sent.len());
            let (n, from) = a.recv_from(&mut buf).await.unwrap();
            assert_eq!(from, b_addr);
            let mut want = sent.clone();
            want.reverse();
            assert_same_bytes(&buf[..n], &want, "reversed echo");
            replies += 1;
        }
        (echo.await.unwrap(), replies)
    }));
    assert_eq!((echoed, replies), (ROUND_TRIPS, ROUND_TRIPS));
}

fn connected_sockets_send_and_recv(rt: Runtime) {
    let total = rt.block_on(within("connected UDP", async {
        let (a, b) = (bind_local().await, bind_local().await);
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        a.connect(b_addr).await.unwrap();
        b.connect(a_addr).await.unwrap();
        assert_eq!(a.peer_addr().unwrap(), b_addr);
        assert_eq!(b.peer_addr().unwrap(), a_addr);
        let echo = weft::spawn(async move {
            let mut buf = vec![0u8; 2048];
            for _ in 0..ROUND_TRIPS {
                let n = b.recv(&mut buf).await.unwrap();
                b.send(&buf[..n]).await.unwrap();
            }
        });
        let mut buf = vec![0u8; 2048];
        let mut total = 0;
        for i in 0..ROUND_TRIPS {
            let sent = datagram(i);
            a.send(&sent).await.unwrap();
            let n = a.recv(&mut buf).await.unwrap();
            assert_same_bytes(&buf[..n], &sent, "connected echo");
            total += n;
        }
        echo.await.unwrap();
        total
    }));
    assert_eq!(total, (0..ROUND_TRIPS).map(|i| datagram(i).len()).sum());
}

/// Small enough that a burst fits in the loopback receive buffer: none is dropped.
const BURST: usize = 64;

fn a_burst_of_datagrams_arrives_exactly_once_each(rt: Runtime) {
    let received = rt.block_on(within("UDP burst", async {
        let (a, b) = (bind_local().await, bind_local().await);
        let b_addr = b.local_addr().unwrap();
        let receiver = weft::spawn(async move {
            let mut buf = [0u8; 512];
            let mut received = Vec::new();
            for _ in 0..BURST {
                let (n, _) = b.recv_from(&mut buf).await.unwrap();
                received.push(buf[..n].to_vec());
            }
            received
        });
        for i in 0..BURST {
            a.send_to(&payload(i as u64, 256), b_addr).await.unwrap();
        }
        receiver.await.unwrap()
    }));
    assert_eq!(received.len(), BURST);
    let distinct: BTreeSet<Vec<u8>> = received.into_iter().collect();
    let expected: BTreeSet<Vec<u8>> = (0..BURST).map(|i| payload(i as u64, 256)).collect();
    assert_eq!(distinct.len(), BURST, "no datagram may arrive twice");
    assert!(distinct == expected, "every datagram arrives intact");
}

fn a_waiting_receiver_is_woken_by_a_datagram(rt: Runtime) {
    let got = rt.block_on(within("waiting receiver", async {
        let (a, b) = (bind_local().await, bind_local().await);
        let b_addr = b.local_addr().unwrap();
        let (ready_tx, ready_rx) = weft::sync::oneshot::channel();
        let receiver = weft::spawn(async move {
            let mut buf = [0u8; 64];
            let n = {
                let mut recv = pin!(b.recv_from(&mut buf));
                let first = poll_fn(|cx| Poll::Ready(recv.as_mut().poll(cx))).await;
                assert!(first.is_pending(), "nothing was sent yet");
                // Only now, with the receiver waiting on the reactor, is the datagram sent.
                ready_tx.send(()).unwrap();
                recv.await.unwrap().0
            };
            buf[..n].to_vec()
        });
        ready_rx.await.unwrap();
        a.send_to(b"wake up", b_addr).await.unwrap();
        receiver.await.unwrap()
    }));
    assert_eq!(got, b"wake up");
}

fn a_datagram_larger_than_the_buffer_is_truncated(rt: Runtime) {
    let (first, second) = rt.block_on(within("truncation", async {
        let (a, b) = (bind_local().await, bind_local().await);
        let b_addr = b.local_addr().unwrap();
        let long = payload(7, 100);
        a.send_to(&long, b_addr).await.unwrap();
        a.send_to(b"next", b_addr).await.unwrap();
        let mut small = [0u8; 10];
        let (n, _) = b.recv_from(&mut small).await.unwrap();
        assert_eq!(n, 10, "only what fits is returned");
        assert_eq!(small[..], long[..10]);
        // The rest of the long datagram is gone: the next receive is the next datagram.
        let mut buf = [0u8; 100];
        let (m, _) = b.recv_from(&mut buf).await.unwrap();
        (n, buf[..m].to_vec())
    }));
    assert_eq!(first, 10);
    assert_eq!(second, b"next");
}

fn an_unconnected_socket_has_no_peer(rt: Runtime) {
    rt.block_on(within("unconnected", async {
        let socket = bind_local().await;
        let err = socket.peer_addr().expect_err("not connected");
        assert_eq!(err.kind(), ErrorKind::NotConnected, "{err}");
        socket
            .send(b"nowhere")
            .await
            .expect_err("send needs a connected socket");
    }));
}
