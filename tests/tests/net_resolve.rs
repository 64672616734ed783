//! `weft::net::ToSocketAddrs` and `lookup_host`: every address form tokio takes, literal
//! addresses with no blocking thread, host names on the blocking pool (one thread, counted by
//! the runtime's metrics), `connect` trying each address in turn, and `bind` reporting the
//! last address's error.

#[macro_use]
mod common;

use std::io::ErrorKind;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use weft::net::{lookup_host, TcpListener, TcpStream, UdpSocket};
use weft::runtime::{Handle, Runtime};

on_both_flavors!(
    every_literal_form_binds_connects_and_sends_without_a_blocking_thread,
    a_host_name_is_resolved_on_the_blocking_pool,
    connect_tries_each_address_in_turn,
    bind_reports_the_last_address_error,
    malformed_addresses_are_invalid_input,
);

fn blocking_threads() -> usize {
    Handle::current().metrics().num_blocking_threads()
}

fn every_literal_form_binds_connects_and_sends_without_a_blocking_thread(rt: Runtime) {
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let port = addr.port();
        let owned = format!("127.0.0.1:{port}");
        let slice = [addr];
        let mut connections = Vec::new();
        connections.push(TcpStream::connect(addr).await.unwrap());
        connections.push(TcpStream::connect(&addr).await.unwrap());
        connections.push(TcpStream::connect(owned.as_str()).await.unwrap());
        connections.push(TcpStream::connect(&owned).await.unwrap());
        connections.push(TcpStream::connect(owned.clone()).await.unwrap());
        connections.push(TcpStream::connect(("127.0.0.1", port)).await.unwrap());
        connections.push(
            TcpStream::connect((String::from("127.0.0.1"), port))
                .await
                .unwrap(),
        );
        connections.push(
            TcpStream::connect((IpAddr::V4(Ipv4Addr::LOCALHOST), port))
                .await
                .unwrap(),
        );
        connections.push(
            TcpStream::connect((Ipv4Addr::LOCALHOST, port))
                .await
                .unwrap(),
        );
        connections.push(TcpStream::connect(&slice[..]).await.unwrap());
        for _ in 0..connections.len() {
            let (_, peer) = listener.accept().await.unwrap();
            assert!(peer.ip().is_loopback());
        }
        assert_eq!(connections.len(), 10);

        let a = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b_port = b.local_addr().unwrap().port();
        a.send_to(b"1", ("127.0.0.1", b_port)).await.unwrap();
        a.send_to(b"2", format!("127.0.0.1:{b_port}"))
            .await
            .unwrap();
        a.connect(("127.0.0.1", b_port)).await.unwrap();
        a.send(b"3").await.unwrap();
        let mut buf = [0; 1];
        for want in [b"1", b"2", b"3"] {
            b.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf, want);
        }
        let found: Vec<SocketAddr> = lookup_host(addr).await.unwrap().collect();
        assert_eq!(found, [addr]);
        assert_eq!(
            blocking_threads(),
            0,
            "literal addresses never leave the task"
        );
    });
}

fn a_host_name_is_resolved_on_the_blocking_pool(rt: Runtime) {
    rt.block_on(async {
        assert_eq!(blocking_threads(), 0);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let found: Vec<SocketAddr> = lookup_host(("localhost", port)).await.unwrap().collect();
        assert!(!found.is_empty());
        assert!(
            found
                .iter()
                .all(|a| a.ip().is_loopback() && a.port() == port),
            "{found:?}"
        );
        assert_eq!(blocking_threads(), 1, "one lookup, one blocking thread");
        // The thread hands the result over before it goes idle: wait for it to be idle, or
        // the second lookup would rightly start a second thread.
        while Handle::current().metrics().num_idle_blocking_threads() == 0 {
            weft::task::yield_now().await;
        }
        // `localhost` may resolve to ::1 first, where nothing listens: connect goes on to the
        // next address.
        let stream = TcpStream::connect(format!("localhost:{port}"))
            .await
            .unwrap();
        let (accepted, _) = listener.accept().await.unwrap();
        assert_eq!(accepted.peer_addr().unwrap(), stream.local_addr().unwrap());
        assert_eq!(
            blocking_threads(),
            1,
            "the idle thread took the second lookup"
        );
    });
}

/// A closed port: bound and dropped, so that connecting is refused at once.
async fn closed_addr() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

fn connect_tries_each_address_in_turn(rt: Runtime) {
    rt.block_on(async {
        let closed = closed_addr().await;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let open = listener.local_addr().unwrap();
        let stream = TcpStream::connect(&[closed, open][..]).await.unwrap();
        assert_eq!(stream.peer_addr().unwrap(), open);
        let error = TcpStream::connect(&[closed, closed][..]).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::ConnectionRefused);
    });
}

fn bind_reports_the_last_address_error(rt: Runtime) {
    rt.block_on(async {
        let taken = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let in_use = taken.local_addr().unwrap();
        // TEST-NET-1: never an address of this host.
        let foreign: SocketAddr = "192.0.2.1:0".parse().unwrap();
        let error = TcpListener::bind(&[in_use, foreign][..]).await.unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::AddrNotAvailable,
            "the last address's error"
        );
        let error = TcpListener::bind(&[foreign, in_use][..]).await.unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::AddrInUse,
            "the last address's error"
        );
        let fallback = TcpListener::bind(&[in_use, "127.0.0.1:0".parse().unwrap()][..])
            .await
            .unwrap();
        assert_ne!(
            fallback.local_addr().unwrap(),
            in_use,
            "the second address was bound"
        );
    });
}

fn malformed_addresses_are_invalid_input(rt: Runtime) {
    rt.block_on(async {
        for bad in ["no port here", "host:notaport", "127.0.0.1:99999"] {
            let error = TcpStream::connect(bad).await.unwrap_err();
            assert_eq!(error.kind(), ErrorKind::InvalidInput, "{bad}");
        }
        let empty: &[SocketAddr] = &[];
        let error = UdpSocket::bind(empty).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert_eq!(blocking_threads(), 0, "nothing was looked up");
    });
}
