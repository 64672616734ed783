//! The hyper hello-world servers of the `hello_weft` and `hello_tokio` binaries (driven by `wrk`
//! from `scripts/http.sh`): HTTP/1 with keep-alive, `200 OK` and the body [`BODY`] for every
//! request, hyper 1 with the same builder settings on both runtimes (hyper's defaults, no
//! timer).
//!
//! On tokio the connection is hyper-util's `TokioIo`; on weft it is `weft::hyper::WeftIo`, the
//! same role for `futures-io` streams (what `weft::net::TcpStream` implements).

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};

use crate::rt::{BenchNet, RuntimeKind, TokioRt, WeftRt};

/// The response body.
pub const BODY: &[u8] = b"Hello, World!";

/// The one handler of both servers.
async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(BODY))))
}

/// Reports a failed `accept` (the accept loop then stops: a server that cannot accept any more
/// should not spin).
pub(crate) fn accept_failed(e: &io::Error) {
    eprintln!("hello server: accept failed, no longer accepting: {e}");
}

/// Serves one connection on weft.
pub(crate) async fn serve_weft_connection(stream: weft::net::TcpStream) {
    if let Err(e) = stream.set_nodelay(true) {
        eprintln!("hello server: set_nodelay: {e}");
    }
    let served = http1::Builder::new()
        .serve_connection(weft::hyper::WeftIo::new(stream), service_fn(hello))
        .await;
    if let Err(e) = served {
        report_connection_error(&e);
    }
}

/// Serves one connection on tokio.
pub(crate) async fn serve_tokio_connection(stream: tokio::net::TcpStream) {
    if let Err(e) = stream.set_nodelay(true) {
        eprintln!("hello server: set_nodelay: {e}");
    }
    let served = http1::Builder::new()
        .serve_connection(hyper_util::rt::TokioIo::new(stream), service_fn(hello))
        .await;
    if let Err(e) = served {
        report_connection_error(&e);
    }
}

/// A client that goes away mid-request (wrk does at the end of a run) is normal; anything else
/// is printed.
fn report_connection_error(e: &hyper::Error) {
    if !(e.is_incomplete_message() || e.is_canceled() || is_reset(e)) {
        eprintln!("hello server: connection error: {e}");
    }
}

fn is_reset(e: &hyper::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<io::Error>() {
            return matches!(
                io.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
            );
        }
        source = s.source();
    }
    false
}

/// A hyper hello-world server on a fresh multi-thread runtime; dropping it shuts the runtime
/// down.
#[derive(Debug)]
pub struct HelloServer {
    addr: SocketAddr,
    /// The runtime ([`WeftRt`] or [`TokioRt`]), only kept alive.
    _rt: Box<dyn std::fmt::Debug + Send>,
}

impl HelloServer {
    /// Builds a `kind` runtime with `workers` workers and starts the server on it, bound to
    /// `addr` (port 0 picks a free port: see [`addr`](Self::addr)).
    ///
    /// # Errors
    ///
    /// When the listener cannot be bound.
    pub fn start(kind: RuntimeKind, workers: usize, addr: SocketAddr) -> io::Result<HelloServer> {
        fn on<R: BenchNet + std::fmt::Debug + Send>(
            workers: usize,
            addr: SocketAddr,
        ) -> io::Result<(Box<dyn std::fmt::Debug + Send>, SocketAddr)> {
            let rt = R::new(workers);
            let addr = rt.spawn_hello_server(addr)?;
            Ok((Box::new(rt), addr))
        }
        let (rt, addr) = match kind {
            RuntimeKind::Weft => on::<WeftRt>(workers, addr)?,
            RuntimeKind::Tokio => on::<TokioRt>(workers, addr)?,
        };
        Ok(HelloServer { addr, _rt: rt })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// The `main` of the `hello_weft` and `hello_tokio` binaries:
/// `hello_<runtime> [ADDR] [--workers N]` (default `127.0.0.1:8080`, `WEFT_BENCH_WORKERS` or 4
/// workers). Prints `listening on ADDR` and serves until killed.
pub fn hello_main(kind: RuntimeKind) -> std::process::ExitCode {
    use crate::cli::{positive, Arg, Args};
    use std::io::Write as _;

    let usage = format!(
        "hello_{0}: hyper 1 HTTP/1 hello-world server on {0}\n\n\
         USAGE:\n    hello_{0} [ADDR] [--workers N]\n\n\
         ADDR defaults to 127.0.0.1:8080 (port 0: a free port); --workers defaults to \
         WEFT_BENCH_WORKERS, else 4. Prints `listening on ADDR`, then serves until killed.",
        kind.name()
    );
    let run = || -> Result<(), String> {
        let mut addr: SocketAddr = "127.0.0.1:8080".parse().expect("a valid address");
        let mut workers = crate::workers_from_env();
        let mut args = Args::from_env();
        while let Some(arg) = args.next_arg() {
            match arg {
                Arg::Flag(f) if f == "-h" || f == "--help" => {
                    println!("{usage}");
                    return Ok(());
                }
                Arg::Flag(f) if f == "--workers" => {
                    workers = positive(args.value()?, "--workers")? as usize;
                }
                Arg::Positional(a) => {
                    addr = a.parse().map_err(|e| format!("bad address {a:?}: {e}"))?;
                }
                Arg::Flag(f) => return Err(format!("unknown argument {f:?}")),
            }
        }
        let server = HelloServer::start(kind, workers, addr)
            .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        println!("listening on {}", server.addr());
        std::io::stdout().flush().map_err(|e| e.to_string())?;
        eprintln!(
            "hello_{}: {workers} workers on {}",
            kind.name(),
            server.addr()
        );
        loop {
            std::thread::park();
        }
    };
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hello_{}: {e}", kind.name());
            std::process::ExitCode::FAILURE
        }
    }
}
