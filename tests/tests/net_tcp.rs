//! TCP as a user sees it, on both flavors: an echo server with 300 concurrent clients (each
//! byte verified), half-close and EOF, megabytes both ways at once over split halves, dropping a
//! write half, reuniting halves, addresses, `TCP_NODELAY`, `from_std`, and line-oriented reads.

#[macro_use]
mod common;

use std::net::SocketAddr;

use common::net::*;
use weft::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use weft::net::{TcpListener, TcpStream};
use weft::runtime::Runtime;

on_both_flavors!(
    echo_300_concurrent_clients_byte_for_byte,
    half_close_then_reply_then_eof,
    a_closed_peer_reads_as_eof,
    megabytes_both_ways_at_once_over_split_halves,
    dropping_the_owned_write_half_gives_the_peer_eof_and_keeps_reading,
    halves_reunite_only_with_their_own_stream,
    addresses_nodelay_and_connect_by_name,
    from_std_listener_and_stream,
    buffered_line_reads,
    a_stream_by_reference_reads_and_writes_at_once,
);

async fn bind_local() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local_addr");
    (listener, addr)
}

const CLIENTS: usize = 300;
const CHUNKS: usize = 4;

/// Client `i` sends this many bytes: all different, from 1 to 20,000.
fn client_len(i: usize) -> usize {
    1 + (i * 7919) % 20_000
}

/// Sends client `i`'s payload in [`CHUNKS`] chunks, reading each chunk's echo before the next,
/// closes, and checks that the echo is exact and followed by EOF. The bytes sent.
async fn echo_client(addr: SocketAddr, i: usize) -> usize {
    let data = payload(i as u64, client_len(i));
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut echoed = vec![0u8; data.len()];
    let chunk = data.len().div_ceil(CHUNKS);
    for (sent, back) in data.chunks(chunk).zip(echoed.chunks_mut(chunk)) {
        stream.write_all(sent).await.expect("write");
        stream.read_exact(back).await.expect("read the echo");
    }
    stream.shutdown().await.expect("close");
    let mut rest = Vec::new();
    let extra = stream.read_to_end(&mut rest).await.expect("read to EOF");
    assert_eq!(extra, 0, "client {i}: nothing may follow the echo");
    assert_same_bytes(&echoed, &data, "echo");
    data.len()
}

fn echo_300_concurrent_clients_byte_for_byte(rt: Runtime) {
    ensure_fd_limit(4 * CLIENTS as u64 + 256);
    let (sent, mut echoed) = rt.block_on(within("300 echo clients", async {
        let (listener, addr) = bind_local().await;
        let server = weft::spawn(serve_echo(listener, CLIENTS));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|i| weft::spawn(echo_client(addr, i)))
            .collect();
        let mut sent = Vec::with_capacity(CLIENTS);
        for client in clients {
            sent.push(client.await.expect("client task"));
        }
        (sent, server.await.expect("server task"))
    }));
    let mut expected: Vec<usize> = (0..CLIENTS).map(client_len).collect();
    assert_eq!(sent, expected);
    assert_eq!(echoed.len(), CLIENTS, "one server task per connection");
    echoed.sort_unstable();
    expected.sort_unstable();
    assert_eq!(
        echoed, expected,
        "each connection echoed exactly its client's bytes"
    );
}

fn half_close_then_reply_then_eof(rt: Runtime) {
    let request = payload(1, 10_000);
    let reply = payload(2, 30_000);
    let (req, rep) = (request.clone(), reply.clone());
    let (server_got, client_got, write_after_close) = rt.block_on(within("half-close", async {
        let (listener, addr) = bind_local().await;
        let server = weft::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut got = Vec::new();
            // EOF comes only from the client's close; then the reply goes the other way.
            stream.read_to_end(&mut got).await.unwrap();
            stream.write_all(&rep).await.unwrap();
            stream.shutdown().await.unwrap();
            got
        });
        let mut client = TcpStream::connect(addr).await.unwrap();
        client.write_all(&req).await.unwrap();
        client.shutdown().await.unwrap();
        let write_after_close = client.write(b"late").await;
        let mut got = Vec::new();
        let n = client.read_to_end(&mut got).await.unwrap();
        assert_eq!(n, got.len());
        (server.await.unwrap(), got, write_after_close)
    }));
    assert_same_bytes(&server_got, &request, "request seen by the server");
    assert_same_bytes(&client_got, &reply, "reply seen by the client");
    let err = write_after_close.expect_err("writing after close must fail");
    assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe, "{err}");
}

fn a_closed_peer_reads_as_eof(rt: Runtime) {
    let reads = rt.block_on(within("EOF", async {
        let (listener, addr) = bind_local().await;
        let mut client = TcpStream::connect(addr).await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let reader = weft::spawn(async move {
            let mut buf = [0u8; 64];
            // Waits (the server has not closed yet), then sees EOF, and EOF again.
            let first = client.read(&mut buf).await.unwrap();
            let second = client.read(&mut buf).await.unwrap();
            let mut rest = Vec::new();
            let third = client.read_to_end(&mut rest).await.unwrap();
            [first, second, third]
        });
        weft::task::yield_now().await;
        drop(server);
        reader.await.unwrap()
    }));
    assert_eq!(reads, [0, 0, 0]);
}

const BIG: usize = 8 * 1024 * 1024;

fn megabytes_both_ways_at_once_over_split_halves(rt: Runtime) {
    let (to_server, to_client) = (payload(10, BIG), payload(20, BIG));
    let (up, down) = (to_server.clone(), to_client.clone());
    let (server_got, client_got) = rt.block_on(within("8 MiB each way", async move {
        let (listener, addr) = bind_local().await;
        // The server: borrowed halves, reading and writing at once inside one task.
        let server = weft::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let (mut rd, mut wr) = stream.split();
            let (got, ()) = weft::join!(
                async {
                    let mut got = Vec::with_capacity(BIG);
                    rd.read_to_end(&mut got).await.unwrap();
                    got
                },
                async {
                    for chunk in down.chunks(65_536 - 7) {
                        wr.write_all(chunk).await.unwrap();
                    }
                    wr.shutdown().await.unwrap();
                }
            );
            got
        });
        // The client: owned halves in two tasks.
        let (mut rd, mut wr) = TcpStream::connect(addr).await.unwrap().into_split();
        let writer = weft::spawn(async move {
            for chunk in up.chunks(100_003) {
                wr.write_all(chunk).await.unwrap();
            }
            wr.shutdown().await.unwrap();
        });
        let reader = weft::spawn(async move {
            let mut got = Vec::with_capacity(BIG);
            rd.read_to_end(&mut got).await.unwrap();
            got
        });
        writer.await.unwrap();
        (server.await.unwrap(), reader.await.unwrap())
    }));
    assert_same_bytes(&server_got, &to_server, "client to server");
    assert_same_bytes(&client_got, &to_client, "server to client");
}

fn dropping_the_owned_write_half_gives_the_peer_eof_and_keeps_reading(rt: Runtime) {
    let (server_read, client_read) = rt.block_on(within("drop the write half", async {
        let (listener, addr) = bind_local().await;
        let (mut rd, mut wr) = TcpStream::connect(addr).await.unwrap().into_split();
        let (mut server, _) = listener.accept().await.unwrap();
        wr.write_all(b"last words").await.unwrap();
        drop(wr);
        let mut server_read = Vec::new();
        server.read_to_end(&mut server_read).await.unwrap();
        // The other direction is still open.
        server.write_all(b"still readable").await.unwrap();
        server.shutdown().await.unwrap();
        let mut client_read = Vec::new();
        rd.read_to_end(&mut client_read).await.unwrap();
        (server_read, client_read)
    }));
    assert_eq!(server_read, b"last words");
    assert_eq!(client_read, b"still readable");
}

fn halves_reunite_only_with_their_own_stream(rt: Runtime) {
    let echoed = rt.block_on(within("reunite", async {
        let (listener, addr) = bind_local().await;
        let server = weft::spawn(serve_echo(listener, 2));
        let (ra, wa) = TcpStream::connect(addr).await.unwrap().into_split();
        let (rb, wb) = TcpStream::connect(addr).await.unwrap().into_split();
        let mismatched = ra.reunite(wb).expect_err("halves of two different streams");
        let (ra, wb) = (mismatched.0, mismatched.1);
        let mut a = ra.reunite(wa).expect("a's own halves");
        let mut b = rb.reunite(wb).expect("b's own halves");
        // The failed attempt shut nothing down: both streams still echo.
        for (stream, msg) in [(&mut a, &b"from a"[..]), (&mut b, &b"from b!"[..])] {
            stream.write_all(msg).await.unwrap();
            stream.shutdown().await.unwrap();
            let mut back = Vec::new();
            stream.read_to_end(&mut back).await.unwrap();
            assert_eq!(back, msg);
        }
        server.await.unwrap()
    }));
    assert_eq!(echoed, [6, 7]);
}

fn addresses_nodelay_and_connect_by_name(rt: Runtime) {
    rt.block_on(within("addresses", async {
        let (listener, addr) = bind_local().await;
        assert!(addr.ip().is_loopback());
        assert_ne!(addr.port(), 0, "port 0 picks a free port");
        let client = TcpStream::connect(addr).await.unwrap();
        let (server, peer) = listener.accept().await.unwrap();
        assert_eq!(client.peer_addr().unwrap(), addr);
        assert_eq!(client.local_addr().unwrap(), peer);
        assert_eq!(server.local_addr().unwrap(), addr);
        assert_eq!(server.peer_addr().unwrap(), peer);

        client.set_nodelay(true).unwrap();
        assert!(client.nodelay().unwrap());
        client.set_nodelay(false).unwrap();
        assert!(!client.nodelay().unwrap());

        // A name resolves to several addresses (localhost: maybe ::1 first); connect tries each.
        let by_name = TcpStream::connect(format!("localhost:{}", addr.port()))
            .await
            .unwrap();
        assert_eq!(by_name.peer_addr().unwrap(), addr);
        let (_, by_name_peer) = listener.accept().await.unwrap();
        assert_eq!(by_name.local_addr().unwrap(), by_name_peer);
    }));
}

fn from_std_listener_and_stream(rt: Runtime) {
    let echoed = rt.block_on(within("from_std", async {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        let listener = TcpListener::from_std(std_listener).unwrap();
        assert_eq!(listener.local_addr().unwrap(), addr);
        let server = weft::spawn(serve_echo(listener, 1));
        // A blocking std connect completes through the listen backlog.
        let std_stream = std::net::TcpStream::connect(addr).unwrap();
        let mut stream = TcpStream::from_std(std_stream).unwrap();
        stream.write_all(b"through from_std").await.unwrap();
        stream.shutdown().await.unwrap();
        let mut back = Vec::new();
        stream.read_to_end(&mut back).await.unwrap();
        assert_eq!(back, b"through from_std");
        server.await.unwrap()
    }));
    assert_eq!(echoed, [16]);
}

fn buffered_line_reads(rt: Runtime) {
    let lines = rt.block_on(within("lines", async {
        let (listener, addr) = bind_local().await;
        let server = weft::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            // Lines split across writes, and a last line without a newline.
            for piece in ["alp", "ha\nbe", "ta\n", "\ngam", "ma"] {
                stream.write_all(piece.as_bytes()).await.unwrap();
                stream.flush().await.unwrap();
                weft::task::yield_now().await;
            }
            stream.shutdown().await.unwrap();
        });
        let mut reader = BufReader::new(TcpStream::connect(addr).await.unwrap());
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await.unwrap() == 0 {
                break;
            }
            lines.push(line);
        }
        server.await.unwrap();
        lines
    }));
    assert_eq!(lines, ["alpha\n", "beta\n", "\n", "gamma"]);
}

fn a_stream_by_reference_reads_and_writes_at_once(rt: Runtime) {
    let message = payload(3, 500_000);
    let msg = message.clone();
    let got = rt.block_on(within("&TcpStream", async move {
        let (listener, addr) = bind_local().await;
        let server = weft::spawn(serve_echo(listener, 1));
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut rd, mut wr) = (&stream, &stream);
        // Half a megabyte does not fit in the socket buffers: writing and reading the echo
        // must make progress together.
        let ((), got) = weft::join!(
            async {
                wr.write_all(&msg).await.unwrap();
                wr.shutdown().await.unwrap();
            },
            async {
                let mut got = Vec::new();
                rd.read_to_end(&mut got).await.unwrap();
                got
            }
        );
        assert_eq!(server.await.unwrap(), [msg.len()]);
        got
    }));
    assert_same_bytes(&got, &message, "echo through &TcpStream");
}

/// With one I/O event per look at the reactor (`max_io_events_per_tick(1)`), and tasks that
/// keep every worker busy, each event is still taken in its turn: 16 connections × 20 round
/// trips all come back, byte for byte, on both flavors.
#[test]
fn one_event_per_tick_still_serves_every_connection() {
    common::guard(|| {
        for mut builder in [
            weft::runtime::Builder::new_current_thread(),
            weft::runtime::Builder::new_multi_thread(),
        ] {
            let rt = builder
                .worker_threads(2)
                .max_io_events_per_tick(1)
                .build()
                .unwrap();
            for _ in 0..4 {
                rt.spawn(async {
                    loop {
                        weft::task::yield_now().await;
                    }
                });
            }
            let echoed = rt.block_on(async {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                weft::spawn(async move {
                    loop {
                        let (mut socket, _) = listener.accept().await.unwrap();
                        weft::spawn(async move {
                            let mut buf = [0u8; 4];
                            while socket.read_exact(&mut buf).await.is_ok() {
                                socket.write_all(&buf).await.unwrap();
                            }
                        });
                    }
                });
                let clients: Vec<_> = (0..16u32)
                    .map(|client| {
                        weft::spawn(async move {
                            let mut stream = TcpStream::connect(addr).await.unwrap();
                            for round in 0..20u32 {
                                let sent = (client * 1000 + round).to_le_bytes();
                                stream.write_all(&sent).await.unwrap();
                                let mut got = [0u8; 4];
                                stream.read_exact(&mut got).await.unwrap();
                                assert_eq!(got, sent);
                            }
                            20usize
                        })
                    })
                    .collect();
                let mut echoed = 0;
                for client in clients {
                    echoed += client.await.unwrap();
                }
                echoed
            });
            assert_eq!(echoed, 16 * 20);
        }
    });
}

#[test]
#[should_panic(expected = "max_io_events_per_tick must be non-zero")]
fn zero_io_events_per_tick_is_refused() {
    weft::runtime::Builder::new_multi_thread().max_io_events_per_tick(0);
}
