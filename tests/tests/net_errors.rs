//! Network errors come back as `io::Error`s of the right kind, never as a panic or a hang:
//! connection refused, address in use, connection reset (while waiting in a read, and after),
//! and misuse (a socket made outside any runtime) panics with a message that says what to do.

#[macro_use]
mod common;

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

use common::net::*;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream};
use weft::runtime::Runtime;

on_both_flavors!(
    connecting_to_a_closed_port_is_refused,
    binding_a_taken_address_is_addr_in_use,
    a_reset_wakes_a_waiting_read_with_connection_reset,
    a_reset_before_the_read_is_connection_reset,
    a_reset_by_the_client_reaches_the_server,
);

/// An address on which nothing listens: bound, then released.
fn closed_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

fn connecting_to_a_closed_port_is_refused(rt: Runtime) {
    let addr = closed_port();
    let errs = rt.block_on(within("refused", async move {
        let mut errs = Vec::new();
        // Several times, and from a task as well as from block_on.
        for _ in 0..3 {
            errs.push(TcpStream::connect(addr).await.expect_err("nobody listens"));
        }
        let from_task = weft::spawn(async move { TcpStream::connect(addr).await.map(drop) });
        errs.push(from_task.await.unwrap().expect_err("nobody listens"));
        errs
    }));
    assert_eq!(errs.len(), 4);
    for err in errs {
        assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
    }
}

fn binding_a_taken_address_is_addr_in_use(rt: Runtime) {
    rt.block_on(within("addr in use", async {
        let first = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = first.local_addr().unwrap();
        let err = TcpListener::bind(addr).await.expect_err("taken");
        assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err}");
        // The first listener is unharmed.
        let _client = TcpStream::connect(addr).await.unwrap();
        let (_, _) = first.accept().await.unwrap();

        let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let err = UdpSocket::bind(udp.local_addr().unwrap())
            .await
            .expect_err("taken");
        assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err}");
    }));
}

/// Makes the kernel answer with RST instead of FIN when `stream` is dropped.
fn set_linger_zero(stream: &std::net::TcpStream) {
    socket2::SockRef::from(stream)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
}

fn a_reset_wakes_a_waiting_read_with_connection_reset(rt: Runtime) {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = std_listener.local_addr().unwrap();
    let (err, write_err) = rt.block_on(within("reset while reading", async move {
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (peer, _) = std_listener.accept().unwrap();
        set_linger_zero(&peer);
        let (waiting_tx, waiting_rx) = weft::sync::oneshot::channel();
        let reader = weft::spawn(async move {
            let mut buf = [0u8; 16];
            let res = {
                let mut read = std::pin::pin!(client.read(&mut buf));
                let first = std::future::poll_fn(|cx| {
                    std::task::Poll::Ready(std::future::Future::poll(read.as_mut(), cx))
                })
                .await;
                assert!(first.is_pending(), "the peer has sent nothing");
                waiting_tx.send(()).unwrap();
                read.await
            };
            (res, client)
        });
        waiting_rx.await.unwrap();
        drop(peer); // RST
        let (res, mut client) = reader.await.unwrap();
        let err = res.expect_err("a reset connection");
        let write_err = client.write_all(b"anyone?").await.expect_err("reset");
        (err, write_err)
    }));
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
    // After the reset has been reported once, writing fails too (EPIPE on Linux).
    assert!(
        matches!(
            write_err.kind(),
            ErrorKind::BrokenPipe | ErrorKind::ConnectionReset
        ),
        "{write_err}"
    );
}

fn a_reset_before_the_read_is_connection_reset(rt: Runtime) {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = std_listener.local_addr().unwrap();
    let err = rt.block_on(within("reset before reading", async move {
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (mut peer, _) = std_listener.accept().unwrap();
        // Prove the connection works, then reset it while the client is not looking.
        client.write_all(b"ping").await.unwrap();
        let mut four = [0u8; 4];
        std::io::Read::read_exact(&mut peer, &mut four).unwrap();
        assert_eq!(&four, b"ping");
        set_linger_zero(&peer);
        drop(peer);
        let mut rest = Vec::new();
        client.read_to_end(&mut rest).await.expect_err("reset")
    }));
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
}

fn a_reset_by_the_client_reaches_the_server(rt: Runtime) {
    let err = rt.block_on(within("reset by the client", async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (accepted_tx, accepted_rx) = std::sync::mpsc::channel();
        let server = weft::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            accepted_tx.send(()).unwrap();
            let mut got = Vec::new();
            stream.read_to_end(&mut got).await.map(|_| got)
        });
        // A blocking std client on the blocking pool: connect, wait for the accept, reset.
        let client = weft::task::spawn_blocking(move || {
            let client = std::net::TcpStream::connect(addr).unwrap();
            accepted_rx.recv().unwrap();
            set_linger_zero(&client);
        });
        client.await.unwrap();
        server
            .await
            .unwrap()
            .expect_err("the client reset the connection")
    }));
    assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
}

// Misuse: sockets need a reactor, which only a running runtime provides.

const NO_REACTOR: &str = "no reactor";

#[test]
#[should_panic(expected = "no reactor")]
fn tcp_bind_outside_a_runtime_panics() {
    let _ = futures_lite::future::block_on(TcpListener::bind("127.0.0.1:0"));
}

#[test]
#[should_panic(expected = "no reactor")]
fn tcp_connect_outside_a_runtime_panics() {
    let _ = futures_lite::future::block_on(TcpStream::connect(closed_port()));
}

#[test]
#[should_panic(expected = "no reactor")]
fn tcp_from_std_outside_a_runtime_panics() {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let _ = TcpListener::from_std(std_listener);
}

#[test]
#[should_panic(expected = "no reactor")]
fn udp_bind_outside_a_runtime_panics() {
    let _ = futures_lite::future::block_on(UdpSocket::bind("127.0.0.1:0"));
}

#[test]
#[should_panic(expected = "no reactor")]
fn unix_pair_outside_a_runtime_panics() {
    let _ = UnixStream::pair();
}

#[test]
fn unix_bind_outside_a_runtime_panics_and_the_message_says_what_to_do() {
    let (first, second) = (SocketPath::new("outside-1"), SocketPath::new("outside-2"));
    common::expect_panic_containing(NO_REACTOR, || UnixListener::bind(first.path()));
    common::expect_panic_containing("runtime", || UnixListener::bind(second.path()));
}

#[test]
fn sockets_made_after_runtime_enter_work_in_block_on() {
    common::guard(|| {
        let rt = common::current();
        let (mut a, mut b) = {
            let _enter = rt.enter();
            UnixStream::pair().expect("the entered runtime provides the reactor")
        };
        let got = rt.block_on(within("entered", async move {
            a.write_all(b"entered").await.unwrap();
            a.shutdown().await.unwrap();
            let mut got = Vec::new();
            b.read_to_end(&mut got).await.unwrap();
            got
        }));
        assert_eq!(got, b"entered");
    });
}
