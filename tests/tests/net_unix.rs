//! Unix domain sockets on both flavors: an echo server on a path in the temporary directory with
//! concurrent clients (each byte verified), `pair()` both ways with half-close, dropping an owned
//! write half, addresses, the errors of a missing, stale or taken path, and a connect whose
//! listener goes away before it is reported.

#[macro_use]
mod common;

use std::io::ErrorKind;

use common::net::*;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{UnixListener, UnixStream};
use weft::runtime::Runtime;

on_both_flavors!(
    echo_100_concurrent_clients_on_a_path,
    a_pair_talks_both_ways_with_half_close,
    dropping_the_owned_write_half_gives_the_peer_eof,
    addresses_name_the_path,
    missing_stale_and_taken_paths_are_errors,
    a_connect_whose_listener_goes_away_before_the_first_event_fails,
);

const CLIENTS: usize = 100;

fn echo_100_concurrent_clients_on_a_path(rt: Runtime) {
    ensure_fd_limit(4 * CLIENTS as u64 + 256);
    let socket = SocketPath::new("echo");
    let path = socket.path().to_path_buf();
    let (sent, mut echoed) = rt.block_on(within("Unix echo", async move {
        let listener = UnixListener::bind(&path).unwrap();
        let server = weft::spawn(async move {
            let mut handles = Vec::new();
            for _ in 0..CLIENTS {
                let (stream, _) = listener.accept().await.unwrap();
                handles.push(weft::spawn(echo_until_eof(stream)));
            }
            let mut echoed = Vec::new();
            for h in handles {
                echoed.push(h.await.unwrap().unwrap());
            }
            echoed
        });
        let clients: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let path = path.clone();
                weft::spawn(async move {
                    let data = payload(i as u64, 1 + i * 397);
                    let mut stream = UnixStream::connect(&path).await.unwrap();
                    let mut back = vec![0u8; data.len()];
                    let chunk = data.len().div_ceil(3);
                    for (out, back) in data.chunks(chunk).zip(back.chunks_mut(chunk)) {
                        stream.write_all(out).await.unwrap();
                        stream.read_exact(back).await.unwrap();
                    }
                    stream.shutdown().await.unwrap();
                    assert_eq!(stream.read(&mut [0u8; 8]).await.unwrap(), 0);
                    assert_same_bytes(&back, &data, "Unix echo");
                    data.len()
                })
            })
            .collect();
        let mut sent = Vec::new();
        for c in clients {
            sent.push(c.await.unwrap());
        }
        (sent, server.await.unwrap())
    }));
    let mut expected: Vec<usize> = (0..CLIENTS).map(|i| 1 + i * 397).collect();
    assert_eq!(sent, expected);
    echoed.sort_unstable();
    expected.sort_unstable();
    assert_eq!(echoed, expected);
    drop(socket);
}

fn a_pair_talks_both_ways_with_half_close(rt: Runtime) {
    let (left_got, right_got) = rt.block_on(within("pair", async {
        let (mut left, mut right) = UnixStream::pair().unwrap();
        let to_right = payload(1, 300_000);
        let to_left = payload(2, 200_000);
        // Both directions at once: neither fits in the socket buffer.
        let (left_got, right_got) = weft::join!(
            async {
                let (mut rd, mut wr) = left.split();
                let ((), got) = weft::join!(
                    async {
                        wr.write_all(&to_right).await.unwrap();
                        wr.shutdown().await.unwrap();
                    },
                    async {
                        let mut got = Vec::new();
                        rd.read_to_end(&mut got).await.unwrap();
                        got
                    }
                );
                got
            },
            async {
                let mut got = Vec::new();
                // `right` reads everything first (the left side closes), then answers.
                right.read_to_end(&mut got).await.unwrap();
                right.write_all(&to_left).await.unwrap();
                right.shutdown().await.unwrap();
                got
            }
        );
        assert_same_bytes(&left_got, &to_left, "to the left");
        assert_same_bytes(&right_got, &to_right, "to the right");
        (left_got.len(), right_got.len())
    }));
    assert_eq!((left_got, right_got), (200_000, 300_000));
}

fn dropping_the_owned_write_half_gives_the_peer_eof(rt: Runtime) {
    let (peer_read, half_read) = rt.block_on(within("Unix write half", async {
        let (stream, mut peer) = UnixStream::pair().unwrap();
        let (mut rd, mut wr) = stream.into_split();
        wr.write_all(b"bye").await.unwrap();
        drop(wr);
        let mut peer_read = Vec::new();
        peer.read_to_end(&mut peer_read).await.unwrap();
        peer.write_all(b"but I can still talk").await.unwrap();
        drop(peer);
        let mut half_read = Vec::new();
        rd.read_to_end(&mut half_read).await.unwrap();
        (peer_read, half_read)
    }));
    assert_eq!(peer_read, b"bye");
    assert_eq!(half_read, b"but I can still talk");
}

fn addresses_name_the_path(rt: Runtime) {
    let socket = SocketPath::new("addr");
    let path = socket.path().to_path_buf();
    rt.block_on(within("Unix addresses", async move {
        let listener = UnixListener::bind(&path).unwrap();
        assert_eq!(
            listener.local_addr().unwrap().as_pathname(),
            Some(path.as_path())
        );
        let client = UnixStream::connect(&path).await.unwrap();
        let (server, from) = listener.accept().await.unwrap();
        // The client did not bind a name of its own.
        assert!(from.is_unnamed());
        assert!(client.local_addr().unwrap().is_unnamed());
        assert_eq!(
            client.peer_addr().unwrap().as_pathname(),
            Some(path.as_path())
        );
        assert_eq!(
            server.local_addr().unwrap().as_pathname(),
            Some(path.as_path())
        );
    }));
    drop(socket);
}

fn missing_stale_and_taken_paths_are_errors(rt: Runtime) {
    let socket = SocketPath::new("errors");
    let path = socket.path().to_path_buf();
    rt.block_on(within("Unix errors", async move {
        let missing = UnixStream::connect(&path)
            .await
            .expect_err("nothing at that path");
        assert_eq!(missing.kind(), ErrorKind::NotFound, "{missing}");

        let listener = UnixListener::bind(&path).unwrap();
        let taken = UnixListener::bind(&path).expect_err("the path is taken");
        assert_eq!(taken.kind(), ErrorKind::AddrInUse, "{taken}");

        // Dropping the listener leaves the socket file behind, with nobody listening.
        drop(listener);
        assert!(path.exists());
        let stale = UnixStream::connect(&path)
            .await
            .expect_err("nobody listens any more");
        assert_eq!(stale.kind(), ErrorKind::ConnectionRefused, "{stale}");
    }));
    drop(socket);
}

/// A Unix connect returns at once (the connection waits in the listener's backlog), but the
/// stream waits for the registration's first event, as tokio's does: a listener dropped
/// before then fails the connect itself (tokio#3879), not the first read.
fn a_connect_whose_listener_goes_away_before_the_first_event_fails(rt: Runtime) {
    rt.block_on(async {
        let path = SocketPath::new("gone");
        let listener = UnixListener::bind(path.path()).unwrap();
        let mut connect = std::pin::pin!(UnixStream::connect(path.path()));
        let first = futures_lite::future::poll_once(connect.as_mut()).await;
        // On the current-thread runtime only this thread turns the reactor, so the first
        // event cannot have been taken yet; on the multi-thread one a parked worker may take
        // it at once, and then the connect has rightly completed before the drop below.
        if weft::runtime::Handle::current().runtime_flavor()
            == weft::runtime::RuntimeFlavor::CurrentThread
        {
            assert!(first.is_none(), "waits for the first event");
        }
        if first.is_some() {
            return;
        }
        drop(listener);
        let error = within("connect", connect).await.unwrap_err();
        assert!(
            matches!(
                error.kind(),
                ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset
            ),
            "{error:?}"
        );
    });
}
