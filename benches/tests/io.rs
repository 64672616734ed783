//! The I/O head-to-head's servers, briefly, on both runtimes: every echo shape with an exact
//! number of round trips (every byte checked by the client, counted by the client and by the
//! server), and the hyper hello-world server answering keep-alive requests. Never timing.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use weft_benches::echo::{run_client, ClientConfig, EchoKind, EchoServer, Load};
use weft_benches::http::{HelloServer, BODY};
use weft_benches::RuntimeKind;

/// A hang fails the test with this message instead of blocking the test binary forever. Not a
/// timing check: the work takes milliseconds, the limit is minutes.
const HANG_LIMIT: Duration = Duration::from_secs(300);

/// Two workers: on a 2-core CI machine running tests in parallel, more would only add noise.
const WORKERS: usize = 2;
const CONNECTIONS: usize = 16;
const ROUND_TRIPS: u64 = 50;

fn localhost() -> SocketAddr {
    (Ipv4Addr::LOCALHOST, 0).into()
}

/// Runs `f` on a thread of its own; fails the test if it hangs, re-raises its panic.
fn within_limit<T: Send + 'static>(what: String, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let worker = thread::Builder::new()
        .name(what.clone())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .unwrap();
    match rx.recv_timeout(HANG_LIMIT) {
        Ok(v) => {
            worker.join().unwrap();
            v
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(payload) = worker.join() {
                std::panic::resume_unwind(payload);
            }
            unreachable!("{what}: neither reported nor panicked");
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what} did not finish in {HANG_LIMIT:?}"),
    }
}

fn check_echo(kind: EchoKind, rt: RuntimeKind) {
    within_limit(format!("{}-{}", kind.name(), rt.name()), move || {
        let server = EchoServer::start(rt, WORKERS, localhost()).unwrap();
        assert_eq!(server.runtime(), rt);
        let config = ClientConfig {
            connections: CONNECTIONS,
            size: kind.size(),
            load: Load::RoundTrips(ROUND_TRIPS),
            stall_limit: HANG_LIMIT / 2,
        };
        // Twice on the same server: the second set of connections is served like the first.
        for pass in 1..=2u64 {
            let report = run_client(server.addr(), &config)
                .unwrap_or_else(|e| panic!("{} on {}: {e}", kind.name(), rt.name()));
            let round_trips = CONNECTIONS as u64 * ROUND_TRIPS;
            let bytes = round_trips * kind.size() as u64;
            assert_eq!(report.round_trips, round_trips);
            assert_eq!(report.bytes_echoed, bytes);
            assert_eq!(report.connections, CONNECTIONS);
            // Every round trip was measured.
            assert!(report.percentile(100.0) >= report.percentile(50.0));
            assert!(!report.percentile(100.0).is_zero());

            // The server saw the same: every connection accepted, closed cleanly (the client
            // waited for the server's end of file), every byte echoed once.
            let conns = pass * CONNECTIONS as u64;
            let start = Instant::now();
            while server.stats().closed_count() < conns && start.elapsed() < HANG_LIMIT {
                thread::sleep(Duration::from_millis(1));
            }
            let stats = server.stats();
            assert_eq!(stats.first_error(), None);
            assert_eq!(stats.accepted_count(), conns);
            assert_eq!(stats.closed_count(), conns);
            assert_eq!(stats.echoed_bytes(), pass * bytes);
        }
    });
}

/// Sends `requests` keep-alive GETs on one connection, one after the other, and returns the
/// bodies.
fn get_keep_alive(addr: SocketAddr, requests: usize) -> Vec<Vec<u8>> {
    let stream = TcpStream::connect(addr).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut bodies = Vec::new();
    for _ in 0..requests {
        writer
            .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .unwrap();
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "status line {status:?}");
        let mut length = None;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = Some(value.trim().parse::<usize>().unwrap());
                }
            }
        }
        let mut body = vec![0; length.expect("a content-length header")];
        reader.read_exact(&mut body).unwrap();
        bodies.push(body);
    }
    bodies
}

fn check_hello(rt: RuntimeKind) {
    within_limit(format!("hello-{}", rt.name()), move || {
        let server = HelloServer::start(rt, WORKERS, localhost()).unwrap();
        let clients: Vec<_> = (0..4)
            .map(|_| {
                let addr = server.addr();
                thread::spawn(move || get_keep_alive(addr, 5))
            })
            .collect();
        for c in clients {
            let bodies = c.join().unwrap();
            assert_eq!(bodies.len(), 5);
            assert!(bodies.iter().all(|b| b == BODY));
        }
    });
}

#[test]
fn echo_64b_weft() {
    check_echo(EchoKind::Small, RuntimeKind::Weft);
}

#[test]
fn echo_64b_tokio() {
    check_echo(EchoKind::Small, RuntimeKind::Tokio);
}

#[test]
fn echo_4k_weft() {
    check_echo(EchoKind::Large, RuntimeKind::Weft);
}

#[test]
fn echo_4k_tokio() {
    check_echo(EchoKind::Large, RuntimeKind::Tokio);
}

#[test]
fn hello_weft() {
    check_hello(RuntimeKind::Weft);
}

#[test]
fn hello_tokio() {
    check_hello(RuntimeKind::Tokio);
}

/// A client given a wrong server fails with an error instead of hanging: here the server is a
/// plain listener that never answers, so the stall detector reports it.
#[test]
fn a_silent_server_is_reported_not_waited_for() {
    within_limit("silent".to_owned(), || {
        let listener = std::net::TcpListener::bind(localhost()).unwrap();
        let config = ClientConfig {
            connections: 2,
            size: 64,
            load: Load::RoundTrips(1),
            stall_limit: Duration::from_millis(300),
        };
        let err = run_client(listener.local_addr().unwrap(), &config).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        assert!(
            err.to_string().contains("0 of 2 connections finished"),
            "{err}"
        );
    });
}
