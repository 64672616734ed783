//! Readiness on both flavors, as code that makes its own calls uses it (tokio's names): an
//! echo of a megabyte driven only by `readable`/`try_read` and `writable`/`try_write`; a full
//! send buffer keeps `writable` waiting until the peer reads; `peek` leaves the bytes for the
//! next read; UDP's `try_` calls; `AsFd` reaching options weft does not wrap; and a `block_on`
//! future that polls by hand and yields still sees the reactor's events.

#[macro_use]
mod common;

use std::io::ErrorKind;
use std::os::fd::AsRawFd;

use common::net::*;
use futures_lite::future::poll_once;
use socket2::SockRef;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream, UdpSocket};
use weft::runtime::Runtime;

on_both_flavors!(
    a_megabyte_echoes_through_try_read_and_try_write,
    a_full_send_buffer_keeps_writable_waiting_until_the_peer_reads,
    peek_leaves_the_bytes_for_the_next_read,
    udp_try_calls_send_and_receive_without_waiting,
    as_fd_reaches_socket_options,
    a_block_on_future_that_yields_until_data_comes_sees_it,
);

async fn connected_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .expect("connect");
    let (server, _) = listener.accept().await.expect("accept");
    (client, server)
}

/// Reads into `buf` with `readable` + `try_read` only; counts the `WouldBlock`s it met.
async fn read_some(stream: &TcpStream, buf: &mut [u8], would_block: &mut usize) -> usize {
    loop {
        stream.readable().await.expect("readable");
        match stream.try_read(buf) {
            Ok(n) => return n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => *would_block += 1,
            Err(e) => panic!("try_read: {e}"),
        }
    }
}

/// Writes all of `data` with `writable` + `try_write` only.
async fn write_all_by_hand(stream: &TcpStream, mut data: &[u8]) {
    while !data.is_empty() {
        stream.writable().await.expect("writable");
        match stream.try_write(data) {
            Ok(n) => data = &data[n..],
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => panic!("try_write: {e}"),
        }
    }
}

const MEGABYTE: usize = 1 << 20;

fn a_megabyte_echoes_through_try_read_and_try_write(rt: Runtime) {
    let sent = payload(7, MEGABYTE);
    let echoed = rt.block_on(within("a hand-driven echo of 1 MiB", async {
        let (client, server) = connected_pair().await;
        let echo = weft::spawn(async move {
            let mut buf = vec![0; 64 * 1024];
            let (mut total, mut would_block) = (0, 0);
            loop {
                let n = read_some(&server, &mut buf, &mut would_block).await;
                if n == 0 {
                    return total;
                }
                write_all_by_hand(&server, &buf[..n]).await;
                total += n;
            }
        });
        let (mut read, mut write) = client.into_split();
        let writer = weft::spawn({
            let sent = sent.clone();
            async move {
                write.write_all(&sent).await.expect("write");
                write.shutdown().await.expect("close");
            }
        });
        let mut echoed = Vec::with_capacity(MEGABYTE);
        read.read_to_end(&mut echoed).await.expect("read back");
        writer.await.unwrap();
        assert_eq!(
            echo.await.unwrap(),
            MEGABYTE,
            "the echo task saw every byte once"
        );
        echoed
    }));
    assert_same_bytes(&echoed, &sent, "the echoed megabyte");
}

fn a_full_send_buffer_keeps_writable_waiting_until_the_peer_reads(rt: Runtime) {
    rt.block_on(within("filling a send buffer", async {
        let (client, mut server) = connected_pair().await;
        let chunk = payload(3, 64 * 1024);
        let mut queued = 0;
        // Fill until `WouldBlock`, then `writable` must wait. An acknowledgement that frees
        // room after the `WouldBlock` is a real event (it may let `writable` return): then fill
        // again. Nobody reads, so this ends once the peer's receive buffer is full too.
        let writable = loop {
            loop {
                match client.try_write(&chunk) {
                    Ok(n) => queued += n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) => panic!("try_write: {e}"),
                }
            }
            let mut writable = Box::pin(client.writable());
            if poll_once(&mut writable).await.is_none() {
                break writable;
            }
        };
        assert!(queued > 0, "some bytes fit before the buffers filled");
        let mut drained = vec![0; queued];
        server.read_exact(&mut drained).await.expect("drain");
        assert_same_bytes(&drained[..chunk.len()], &chunk, "the first chunk");
        writable.await.expect("writable once the peer read");
        assert!(client.try_write(b"more").expect("room again") > 0);
    }));
}

fn peek_leaves_the_bytes_for_the_next_read(rt: Runtime) {
    rt.block_on(within("peek then read", async {
        let (mut client, mut server) = connected_pair().await;
        client.write_all(b"hello").await.unwrap();
        let mut peeked = [0; 5];
        let mut n = 0;
        while n < 5 {
            n = server.peek(&mut peeked).await.expect("peek");
        }
        assert_eq!(&peeked, b"hello");
        let mut read = [0; 5];
        server.read_exact(&mut read).await.expect("read");
        assert_eq!(&read, b"hello", "peek took nothing");
    }));
}

fn udp_try_calls_send_and_receive_without_waiting(rt: Runtime) {
    rt.block_on(within("UDP try calls", async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        let mut buf = [0; 32];
        let empty = b.try_recv_from(&mut buf).unwrap_err();
        assert_eq!(empty.kind(), ErrorKind::WouldBlock, "nothing sent yet");

        a.writable().await.unwrap();
        assert_eq!(a.try_send_to(b"one", b_addr).unwrap(), 3);
        let (n, from) = loop {
            b.readable().await.unwrap();
            match b.try_recv_from(&mut buf) {
                Ok(got) => break got,
                Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
                Err(e) => panic!("try_recv_from: {e}"),
            }
        };
        assert_eq!((&buf[..n], from), (&b"one"[..], a_addr));

        a.connect(b_addr).await.unwrap();
        b.connect(a_addr).await.unwrap();
        assert_eq!(b.try_send(b"two").unwrap(), 3);
        let (n, from) = a.peek_from(&mut buf).await.unwrap();
        assert_eq!((&buf[..n], from), (&b"two"[..], b_addr), "peeked");
        assert_eq!(a.try_recv(&mut buf).unwrap(), 3, "peek left the datagram");
        assert_eq!(&buf[..3], b"two");
        let drained = a.try_recv(&mut buf).unwrap_err();
        assert_eq!(
            drained.kind(),
            ErrorKind::WouldBlock,
            "exactly one datagram"
        );
    }));
}

fn as_fd_reaches_socket_options(rt: Runtime) {
    rt.block_on(within("socket options through AsFd", async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        assert!(
            SockRef::from(&listener).reuse_address().unwrap(),
            "bind sets SO_REUSEADDR as tokio does"
        );
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        SockRef::from(&client).set_keepalive(true).unwrap();
        assert!(SockRef::from(&client).keepalive().unwrap());
        assert!(!SockRef::from(&server).keepalive().unwrap());
        let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        assert_eq!(
            SockRef::from(&udp).local_addr().unwrap().as_socket(),
            Some(udp.local_addr().unwrap())
        );
        assert_ne!(client.as_raw_fd(), server.as_raw_fd());

        let server_addr = server.local_addr().unwrap();
        let (read, write) = client.into_split();
        assert_eq!(read.as_ref().peer_addr().unwrap(), server_addr);
        assert_eq!(write.as_ref().peer_addr().unwrap(), server_addr);
    }));
}

/// The `block_on` future itself polls by hand (`try_read`, then `yield_now`), as tokio's own
/// tests do: between its yields the runtime must look at I/O, or the data that the reactor
/// has not reported yet would never be seen (on the current-thread runtime the future spun
/// for ever). Counts the yields: at least one on the current-thread runtime (the data was not
/// reported at first), and the loop ends.
fn a_block_on_future_that_yields_until_data_comes_sees_it(rt: Runtime) {
    rt.block_on(async {
        let (client, server) = connected_pair().await;
        let mut buf = [0u8; 8];
        // The accepted side starts assumed readable: a read that finds nothing clears that.
        let error = server.try_read(&mut buf).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::WouldBlock);
        client.try_write(b"ping").expect("room for four bytes");
        let mut yields = 0usize;
        let n = loop {
            match server.try_read(&mut buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    yields += 1;
                    weft::task::yield_now().await;
                }
                Err(e) => panic!("try_read: {e}"),
            }
        };
        assert_eq!(&buf[..n], b"ping");
        // On the multi-thread runtime a parked worker may take the event before the first
        // look; on the current-thread runtime only this thread turns the reactor.
        if weft::runtime::Handle::current().runtime_flavor()
            == weft::runtime::RuntimeFlavor::CurrentThread
        {
            assert!(
                yields >= 1,
                "no call is made before the reactor reports the data"
            );
        }
    });
}
