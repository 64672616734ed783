//! The server benches' servers and load generator, briefly, on both runtimes: every workload in
//! both client styles with an exact number of requests (every response checked by the client,
//! counted by the client and by the server), the key-value server's shutdown signal, the child
//! processes `compare` measures, and the stall detector. Never timing.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use weft_benches::compare::groups::{Idle, ServerSetup};
use weft_benches::compare::Group as _;
use weft_benches::load::{run_requests, ClientStyle, LoadConfig, Workload};
use weft_benches::server::{Server, Service};
use weft_benches::syscalls::Tool;
use weft_benches::RuntimeKind;

/// A hang fails the test with this message instead of blocking the test binary forever. Not a
/// timing check: the work takes milliseconds, the limit is minutes.
const HANG_LIMIT: Duration = Duration::from_secs(300);

/// Two workers: on a 2-core CI machine running tests in parallel, more would only add noise.
const WORKERS: usize = 2;
const CONNECTIONS: usize = 8;
const REQUESTS: u64 = 40;

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

fn config(workload: Workload) -> LoadConfig {
    LoadConfig {
        workload,
        connections: CONNECTIONS,
        requests: Some(REQUESTS),
        stall_limit: HANG_LIMIT / 2,
        cpus: None,
    }
}

/// Every request of every connection answered and checked, and counted the same on both sides.
fn check(workload: Workload, style: ClientStyle, rt: RuntimeKind) {
    within_limit(
        format!("{}-{}-{}", workload.name(), style.name(), rt.name()),
        move || {
            let mut server = Server::start(workload.service(), rt, WORKERS, localhost()).unwrap();
            assert_eq!(server.runtime(), rt);
            // Twice on the same server: the second set of connections is served like the first.
            for pass in 1..=2u64 {
                let report =
                    run_requests(style, server.addr(), &config(workload)).unwrap_or_else(|e| {
                        panic!("{} {} on {}: {e}", workload.name(), style.name(), rt.name())
                    });
                let total = CONNECTIONS as u64 * REQUESTS;
                assert_eq!(report.total_requests(), total);
                assert_eq!(report.window_requests(), total);
                assert_eq!(report.connections.len(), CONNECTIONS);
                assert!(report
                    .connections
                    .iter()
                    .all(|c| c.requests == REQUESTS && c.latencies_ns.len() == REQUESTS as usize));
                let fair = report.fairness().unwrap();
                assert_eq!((fair.min, fair.max), (REQUESTS, REQUESTS));
                assert!((fair.jain - 1.0).abs() < 1e-12);
                assert!(
                    report.percentile(100.0) >= report.percentile(50.0)
                        && !report.percentile(50.0).is_zero()
                );

                // The client waited for the server's end of file on every connection; the server
                // counts a connection when its task ends, just after.
                let conns = pass * CONNECTIONS as u64;
                while server.stats().closed_count() < conns {
                    thread::sleep(Duration::from_millis(1));
                }
                let stats = server.stats();
                assert_eq!(stats.first_error(), None);
                assert_eq!(
                    (stats.accepted_count(), stats.closed_count()),
                    (conns, conns)
                );
                match workload.message_size() {
                    0 => assert_eq!((stats.requests(), stats.echoed_bytes()), (pass * total, 0)),
                    size => assert_eq!(
                        (stats.requests(), stats.echoed_bytes()),
                        (0, pass * total * size as u64)
                    ),
                }
            }
            server.shutdown(HANG_LIMIT).unwrap();
        },
    );
}

macro_rules! exact_counts {
    ($($name:ident: $workload:ident, $style:ident;)*) => {
        $(
            mod $name {
                use super::*;

                #[test]
                fn weft() {
                    check(Workload::$workload, ClientStyle::$style, RuntimeKind::Weft);
                }

                #[test]
                fn tokio() {
                    check(Workload::$workload, ClientStyle::$style, RuntimeKind::Tokio);
                }
            }
        )*
    };
}

exact_counts! {
    echo_64b_loop: Echo64, EventLoop;
    echo_64b_threads: Echo64, Threads;
    echo_4k_loop: Echo4k, EventLoop;
    echo_4k_threads: Echo4k, Threads;
    hello_loop: Hello, EventLoop;
    hello_threads: Hello, Threads;
    kv_loop: Kv, EventLoop;
    kv_threads: Kv, Threads;
}

/// The key-value server's `select!` on its shutdown signal: an open, idle connection is
/// closed by the server (the client reads end of file), and the shutdown completes.
fn kv_shutdown_closes_open_connections(rt: RuntimeKind) {
    within_limit(format!("kv-shutdown-{}", rt.name()), move || {
        let mut server = Server::start(Service::Kv, rt, WORKERS, localhost()).unwrap();
        let clients: Vec<TcpStream> = (0..3)
            .map(|_| TcpStream::connect(server.addr()).unwrap())
            .collect();
        for (i, c) in clients.iter().enumerate() {
            let mut reader = BufReader::new(c.try_clone().unwrap());
            let mut w = c;
            let mut line = String::new();
            write!(w, "SET k{i} v{i}\nGET k{i}\nGET nope\n").unwrap();
            for expected in ["OK\n", &format!("VALUE v{i}\n"), "NONE\n"] {
                line.clear();
                reader.read_line(&mut line).unwrap();
                assert_eq!(line, expected);
            }
        }
        server.shutdown(HANG_LIMIT).unwrap();
        for c in &clients {
            let mut line = String::new();
            assert_eq!(
                BufReader::new(c).read_line(&mut line).unwrap(),
                0,
                "{line:?}"
            );
        }
        let stats = server.stats();
        assert_eq!(
            (
                stats.accepted_count(),
                stats.closed_count(),
                stats.requests()
            ),
            (3, 3, 9)
        );
        assert_eq!(stats.first_error(), None);
    });
}

#[test]
fn kv_shutdown_weft() {
    kv_shutdown_closes_open_connections(RuntimeKind::Weft);
}

#[test]
fn kv_shutdown_tokio() {
    kv_shutdown_closes_open_connections(RuntimeKind::Tokio);
}

fn setup() -> ServerSetup {
    ServerSetup {
        program: (
            PathBuf::from(env!("CARGO_BIN_EXE_compare")),
            vec!["--serve".into()],
        ),
        workers: WORKERS,
        connections: 4,
        warmup: Duration::from_millis(10),
        window: Duration::from_millis(50),
        stall_limit: HANG_LIMIT / 2,
        server_cpus: None,
        client_cpus: None,
    }
}

/// What `compare` measures: a server in a child process (`compare --serve`), the load over a
/// window, the server's usage through the control protocol, its exact final counts, and (where
/// perf or strace works) its system calls.
#[test]
fn child_servers_report_usage_and_exact_counts() {
    within_limit("child".into(), || {
        let setup = setup();
        let tool = Tool::detect();
        for rt in RuntimeKind::ALL {
            for (workload, style) in [
                (Workload::Kv, ClientStyle::Threads),
                (Workload::Echo64, ClientStyle::EventLoop),
            ] {
                // `window` checks the server's counts against the client's exactly.
                let (report, used, calls) = setup.window(workload, style, rt, None).unwrap();
                assert!(
                    report.window_requests() > 0
                        && report.total_requests() >= report.window_requests()
                );
                assert!(used.cpu() > Duration::ZERO, "{used:?}");
                assert_eq!(calls, None);
            }
            if let Some(tool) = tool {
                let (report, _, calls) = setup
                    .window(Workload::Kv, ClientStyle::EventLoop, rt, Some(tool))
                    .unwrap();
                // At least a read and a write per request.
                assert!(
                    calls.unwrap() >= 2 * report.window_requests(),
                    "{calls:?} {report:?}"
                );
            }
        }
    });
}

#[test]
fn idle_runtimes_tick_in_their_window() {
    within_limit("idle".into(), || {
        let mut idle = Idle {
            setup: ServerSetup {
                window: Duration::from_millis(100),
                ..setup()
            },
            settle: Duration::from_millis(10),
        };
        for rt in RuntimeKind::ALL {
            let s = idle.measure((), rt).unwrap();
            assert!(
                s.ticks_per_second > 0.0 && s.wakeups_per_second > 0.0,
                "{s:?}"
            );
        }
    });
}

/// A client given a server that never answers fails with an error instead of hanging, in both
/// styles.
#[test]
fn a_silent_server_is_reported_not_waited_for() {
    within_limit("silent".to_owned(), || {
        let listener = TcpListener::bind(localhost()).unwrap();
        for style in ClientStyle::ALL {
            let config = LoadConfig {
                connections: 2,
                requests: Some(1),
                stall_limit: Duration::from_millis(300),
                ..config(Workload::Kv)
            };
            let err = run_requests(style, listener.local_addr().unwrap(), &config).unwrap_err();
            assert!(
                matches!(
                    err.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                ),
                "{style:?}: {err}"
            );
            assert!(
                err.to_string().contains("0 of 2 connections finished"),
                "{style:?}: {err}"
            );
        }
    });
}

/// The whole of `compare`, briefly: a shape, a server row and the idle row, with every output.
#[test]
fn compare_quick_writes_its_tables_csvs_and_chart() {
    within_limit("compare".into(), || {
        let dir = std::env::temp_dir().join(format!("weft-compare-test-{}", std::process::id()));
        let csv = dir.join("c.csv");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_compare"))
            .args([
                "--quick",
                "--workers",
                "2",
                "--connections",
                "4",
                "--clients",
                "loop",
                "--syscalls",
                "off",
            ])
            .args(["--shape", "mpsc_token_ring,kv,idle", "--csv"])
            .arg(&csv)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for needle in [
            "mpsc_token_ring",
            "kv loop",
            "10 ms interval",
            "Jain weft",
            "p99.9 weft",
        ] {
            assert!(stdout.contains(needle), "{needle:?} missing from\n{stdout}");
        }
        let lines = |name: &str| {
            std::fs::read_to_string(dir.join(name))
                .unwrap()
                .lines()
                .count()
        };
        assert_eq!(
            (lines("c.csv"), lines("c_server.csv"), lines("c_idle.csv")),
            (2, 2, 2)
        );
        // Both placements by default where there are two CPUs to split: the second with the
        // server and the load generator on CPUs of their own, in tables and a CSV of its own.
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let pinned = stdout.contains("server, own CPUs: each server");
        assert_eq!(pinned, cpus >= 2, "{stdout}");
        assert_eq!(dir.join("c_server_pinned.csv").exists(), cpus >= 2);
        if pinned {
            assert_eq!(lines("c_server_pinned.csv"), 2);
            assert!(stdout.contains("server and client share every CPU"));
        }
        let svg = std::fs::read_to_string(dir.join("c.svg")).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("mpsc_token_ring") && svg.contains("kv loop")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    });
}
