//! The servers of the server benches, on either runtime: [`Server`] runs one [`Service`] (TCP
//! echo, hyper hello-world, key-value) on a fresh multi-thread runtime in this process, and
//! [`IdleRuntime`] a runtime whose only work is a 10 ms interval.
//!
//! The `compare` binary runs each of them in a **child process** of its own ([`child`]: the
//! process side, and [`ChildServer`]: the parent's handle), so that the CPU time, context
//! switches and system calls measured are the server's alone; the tests run them in-process.
//! The handlers themselves are written once for both runtimes, in [`crate::rt::BenchServe`].

use std::convert::Infallible;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};

use crate::rt::{BenchServe, RuntimeKind, TokioRt, WeftRt};

pub mod child;
pub mod kv;

pub use child::{ChildServer, FinalStats};

/// What a server serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// TCP echo: every byte read is written back.
    Echo,
    /// hyper 1 HTTP/1 hello-world: `200 OK`, body [`BODY`], keep-alive.
    Hello,
    /// The line protocol of [`kv`] over a shared map behind a mutex, `select!` on shutdown.
    Kv,
}

impl Service {
    /// Every service.
    pub const ALL: [Service; 3] = [Service::Echo, Service::Hello, Service::Kv];

    /// The service's name: `echo`, `hello` or `kv`.
    pub fn name(self) -> &'static str {
        match self {
            Service::Echo => "echo",
            Service::Hello => "hello",
            Service::Kv => "kv",
        }
    }

    /// Looks a service up by [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Service> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The hello-world response body.
pub const BODY: &[u8] = b"Hello, World!";

/// The hello-world handler of both runtimes.
pub(crate) async fn hello(_req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(BODY))))
}

/// Whether a hyper connection error only says that the client went away (`wrk` drops its
/// connections mid-request at the end of a run): not a server failure.
pub(crate) fn is_client_gone(e: &hyper::Error) -> bool {
    if e.is_incomplete_message() || e.is_canceled() {
        return true;
    }
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

/// What one connection served, counted by its task.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Served {
    /// Requests answered (hello, kv; echo cannot tell messages apart and counts 0).
    pub requests: u64,
    /// Bytes echoed (echo only).
    pub bytes: u64,
}

/// What a server saw, counted by its accept loop and its connection tasks: touched once per
/// accept and once per ended connection, never per request.
#[derive(Debug, Default)]
pub struct ServerStats {
    accepted: AtomicU64,
    closed: AtomicU64,
    requests: AtomicU64,
    bytes: AtomicU64,
    errors: AtomicU64,
    first_error: Mutex<Option<String>>,
}

impl ServerStats {
    /// Counts an accepted connection.
    pub fn accepted(&self) {
        self.accepted.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a connection that ended: with what it served, or with an I/O error.
    pub fn closed(&self, result: io::Result<Served>) {
        match result {
            Ok(served) => {
                self.requests.fetch_add(served.requests, Ordering::Relaxed);
                self.bytes.fetch_add(served.bytes, Ordering::Relaxed);
            }
            Err(e) => self.error(format!("connection: {e}")),
        }
        self.closed.fetch_add(1, Ordering::Release);
    }

    /// Records that `accept` failed (the accept loop then stops).
    pub fn accept_failed(&self, e: &io::Error) {
        self.error(format!("accept: {e}"));
    }

    fn error(&self, msg: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first_error.lock().unwrap_or_else(|e| e.into_inner());
        first.get_or_insert(msg);
    }

    /// Connections accepted so far.
    pub fn accepted_count(&self) -> u64 {
        self.accepted.load(Ordering::Relaxed)
    }

    /// Connections that have ended so far (end of file, shutdown or error).
    pub fn closed_count(&self) -> u64 {
        self.closed.load(Ordering::Acquire)
    }

    /// Requests answered by the connections that ended cleanly (hello, kv).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Bytes echoed by the connections that ended cleanly (echo).
    pub fn echoed_bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// The first error seen (accept or connection), if any.
    pub fn first_error(&self) -> Option<String> {
        self.first_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// A [`Service`] on a fresh multi-thread runtime in this process; dropping it shuts the runtime
/// down.
pub struct Server {
    addr: SocketAddr,
    stats: Arc<ServerStats>,
    runtime: RuntimeKind,
    shutdown: Option<Box<dyn FnOnce() + Send>>,
    /// The runtime ([`WeftRt`] or [`TokioRt`]), only kept alive. Declared last: it drops after
    /// the shutdown signal.
    _rt: Box<dyn fmt::Debug + Send>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.addr)
            .field("runtime", &self.runtime)
            .field("stats", &self.stats)
            .finish()
    }
}

impl Server {
    /// Builds a `runtime` runtime with `workers` workers and starts `service` on it, bound to
    /// `addr` (port 0 picks a free port: see [`addr`](Self::addr)).
    ///
    /// # Errors
    ///
    /// When the listener cannot be bound.
    pub fn start(
        service: Service,
        runtime: RuntimeKind,
        workers: usize,
        addr: SocketAddr,
    ) -> io::Result<Server> {
        type Parts = (Box<dyn fmt::Debug + Send>, crate::rt::Started);
        fn on<R: BenchServe + fmt::Debug + Send>(
            service: Service,
            workers: usize,
            addr: SocketAddr,
            stats: &Arc<ServerStats>,
        ) -> io::Result<Parts> {
            let rt = R::new(workers);
            let started = rt.start_server(service, addr, stats.clone())?;
            Ok((Box::new(rt), started))
        }
        let stats = Arc::new(ServerStats::default());
        let (rt, started) = match runtime {
            RuntimeKind::Weft => on::<WeftRt>(service, workers, addr, &stats)?,
            RuntimeKind::Tokio => on::<TokioRt>(service, workers, addr, &stats)?,
        };
        Ok(Server {
            addr: started.addr,
            stats,
            runtime,
            shutdown: Some(started.shutdown),
            _rt: rt,
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What the server has seen so far.
    pub fn stats(&self) -> &ServerStats {
        &self.stats
    }

    /// The runtime the server runs on.
    pub fn runtime(&self) -> RuntimeKind {
        self.runtime
    }

    /// Fires the shutdown signal (the accept loop stops; key-value connections end at their
    /// next read; echo and hello connections end when their client closes), then waits until
    /// every accepted connection has ended.
    ///
    /// # Errors
    ///
    /// When connections are still open after `limit`: says how many.
    pub fn shutdown(&mut self, limit: Duration) -> Result<(), String> {
        if let Some(signal) = self.shutdown.take() {
            signal();
        }
        let start = Instant::now();
        loop {
            let (accepted, closed) = (self.stats.accepted_count(), self.stats.closed_count());
            if closed >= accepted {
                return Ok(());
            }
            if start.elapsed() > limit {
                return Err(format!(
                    "{} of {accepted} connections still open {limit:?} after the shutdown signal",
                    accepted - closed
                ));
            }
            // Polled rarely: under a tracer each poll is a system call of this process.
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// A runtime whose only work is one task ticking a 10 ms interval ([`IDLE_PERIOD`]): what an
/// idle service costs. Dropping it shuts the runtime down.
#[derive(Debug)]
pub struct IdleRuntime {
    ticks: Arc<AtomicU64>,
    _rt: Box<dyn fmt::Debug + Send>,
}

/// The interval of [`IdleRuntime`].
pub const IDLE_PERIOD: Duration = Duration::from_millis(10);

impl IdleRuntime {
    /// Builds a `runtime` runtime with `workers` workers and spawns the ticking task.
    pub fn start(runtime: RuntimeKind, workers: usize) -> IdleRuntime {
        fn on<R: BenchServe + fmt::Debug + Send>(
            workers: usize,
            ticks: &Arc<AtomicU64>,
        ) -> Box<dyn fmt::Debug + Send> {
            let rt = R::new(workers);
            rt.spawn_interval(IDLE_PERIOD, ticks.clone());
            Box::new(rt)
        }
        let ticks = Arc::new(AtomicU64::new(0));
        let rt = match runtime {
            RuntimeKind::Weft => on::<WeftRt>(workers, &ticks),
            RuntimeKind::Tokio => on::<TokioRt>(workers, &ticks),
        };
        IdleRuntime { ticks, _rt: rt }
    }

    /// Ticks so far.
    pub fn ticks(&self) -> u64 {
        self.ticks.load(Ordering::Relaxed)
    }
}
