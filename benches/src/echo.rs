//! The TCP echo head-to-head: an echo server on the runtime under test ([`EchoServer`], written
//! with each runtime's own `net` and `io` APIs in [`crate::rt::BenchNet`]) and one load
//! generator, the same for both runtimes ([`run_client`]).
//!
//! # The load generator
//!
//! [`run_client`] runs on the calling thread, on a **tokio current-thread runtime**: one thread,
//! one epoll loop, driving every connection. On a 2-core machine whatever drives the load
//! competes with the server's workers for the CPU; one thread that never sleeps while it has
//! work is the least it can take (a thread per connection would add 64 threads to the OS
//! scheduler's run queue, and their context switches would cost more than the server's), and it
//! is the same code, the same thread and the same cost whichever server it drives. It never
//! shares anything with the server's runtime: a tokio server does not run on it, and it does not
//! run on a tokio server.
//!
//! Each connection is a closed loop: write one message, read until the whole message has come
//! back, check that every byte is the one sent, record the round trip's latency, repeat. A round
//! trip's latency runs from just before the write to just after the last byte is read.
//!
//! [`Load::RoundTrips`] does an exact number of round trips per connection (the tests and the
//! `echo_client` binary); [`Load::Timed`] runs every connection for a warm-up and then a
//! measured window, and counts the round trips that *completed* inside the window
//! (the `compare` binary).

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::rt::{BenchNet, RuntimeKind, TokioRt, WeftRt};

/// The echo shapes of the `compare` binary's `io` group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EchoKind {
    /// 64-byte messages: the cost of a round trip through the runtime (wake-ups, syscalls).
    Small,
    /// 4 KiB messages: the same plus moving the bytes.
    Large,
}

impl EchoKind {
    /// Both shapes, in report order.
    pub const ALL: [EchoKind; 2] = [EchoKind::Small, EchoKind::Large];

    /// The shape's name: `"echo_64b"` or `"echo_4k"`.
    pub fn name(self) -> &'static str {
        match self {
            EchoKind::Small => "echo_64b",
            EchoKind::Large => "echo_4k",
        }
    }

    /// The message size in bytes.
    pub fn size(self) -> usize {
        match self {
            EchoKind::Small => 64,
            EchoKind::Large => 4096,
        }
    }

    /// Looks a shape up by [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<EchoKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Concurrent connections of the echo shapes when not told otherwise.
pub const DEFAULT_CONNECTIONS: usize = 64;

/// What the echo server saw, counted by its accept loop and its connection tasks (a counter is
/// touched once per accept and once per closed connection, never per message).
#[derive(Debug, Default)]
pub struct EchoStats {
    accepted: AtomicU64,
    closed: AtomicU64,
    echoed: AtomicU64,
    errors: AtomicU64,
    first_error: Mutex<Option<String>>,
}

impl EchoStats {
    /// Counts an accepted connection.
    pub fn accepted(&self) {
        self.accepted.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a connection that ended: with the bytes it echoed, or with an I/O error.
    pub fn closed(&self, result: io::Result<u64>) {
        match result {
            Ok(n) => {
                self.echoed.fetch_add(n, Ordering::Relaxed);
            }
            Err(e) => self.error(format!("echo connection: {e}")),
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

    /// Connections that have ended so far (end of file or error).
    pub fn closed_count(&self) -> u64 {
        self.closed.load(Ordering::Acquire)
    }

    /// Bytes echoed by the connections that ended cleanly.
    pub fn echoed_bytes(&self) -> u64 {
        self.echoed.load(Ordering::Relaxed)
    }

    /// The first error seen (accept or connection), if any.
    pub fn first_error(&self) -> Option<String> {
        self.first_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// A TCP echo server on a fresh multi-thread runtime; dropping it shuts the runtime down.
#[derive(Debug)]
pub struct EchoServer {
    addr: SocketAddr,
    stats: Arc<EchoStats>,
    kind: RuntimeKind,
    /// The runtime ([`WeftRt`] or [`TokioRt`]), only kept alive.
    _rt: Box<dyn fmt::Debug + Send>,
}

impl EchoServer {
    /// Builds a `kind` runtime with `workers` workers and starts an echo server on it, bound to
    /// `addr` (port 0 picks a free port: see [`addr`](Self::addr)).
    ///
    /// # Errors
    ///
    /// When the listener cannot be bound.
    pub fn start(kind: RuntimeKind, workers: usize, addr: SocketAddr) -> io::Result<EchoServer> {
        fn on<R: BenchNet + fmt::Debug + Send>(
            workers: usize,
            addr: SocketAddr,
            stats: &Arc<EchoStats>,
        ) -> io::Result<(Box<dyn fmt::Debug + Send>, SocketAddr)> {
            let rt = R::new(workers);
            let addr = rt.spawn_echo_server(addr, stats.clone())?;
            Ok((Box::new(rt), addr))
        }
        let stats = Arc::new(EchoStats::default());
        let (rt, addr) = match kind {
            RuntimeKind::Weft => on::<WeftRt>(workers, addr, &stats)?,
            RuntimeKind::Tokio => on::<TokioRt>(workers, addr, &stats)?,
        };
        Ok(EchoServer {
            addr,
            stats,
            kind,
            _rt: rt,
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What the server has seen so far.
    pub fn stats(&self) -> &EchoStats {
        &self.stats
    }

    /// The runtime the server runs on.
    pub fn runtime(&self) -> RuntimeKind {
        self.kind
    }
}

/// How long the load generator drives its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// Exactly this many round trips per connection; every one is measured.
    RoundTrips(u64),
    /// Round trips for `warmup` (not counted), then for `measure`: the round trips that
    /// complete inside the measured window are counted, and their latencies recorded.
    Timed {
        /// Unmeasured warm-up, every connection busy.
        warmup: Duration,
        /// The measured window.
        measure: Duration,
    },
}

/// What the load generator should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientConfig {
    /// Concurrent connections, each a closed loop of round trips.
    pub connections: usize,
    /// Bytes per message.
    pub size: usize,
    /// How long (or how many round trips).
    pub load: Load,
    /// Give up (with an error that says where) when no connection completes a round trip for
    /// this long: a server that lost a wake-up would otherwise hang the client forever.
    pub stall_limit: Duration,
}

/// What the load generator measured.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientReport {
    /// Connections driven.
    pub connections: usize,
    /// Bytes per message.
    pub size: usize,
    /// Round trips counted (all of them, or those that completed in the measured window).
    pub round_trips: u64,
    /// Bytes that came back, checked, over the counted round trips.
    pub bytes_echoed: u64,
    /// The time the counted round trips took: the measured window for [`Load::Timed`], from the
    /// first write to the last read for [`Load::RoundTrips`].
    pub elapsed: Duration,
    /// Latency of every counted round trip, in nanoseconds, sorted.
    latencies_ns: Vec<u64>,
}

impl fmt::Debug for ClientReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientReport")
            .field("connections", &self.connections)
            .field("size", &self.size)
            .field("round_trips", &self.round_trips)
            .field("bytes_echoed", &self.bytes_echoed)
            .field("elapsed", &self.elapsed)
            .field("p50", &self.percentile(50.0))
            .field("p99", &self.percentile(99.0))
            .finish()
    }
}

impl ClientReport {
    /// Round trips per second.
    pub fn throughput(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.round_trips as f64 / secs
        } else {
            0.0
        }
    }

    /// The `p`th percentile (0 < p ≤ 100, nearest rank) of the round-trip latencies; zero when
    /// nothing was counted.
    pub fn percentile(&self, p: f64) -> Duration {
        Duration::from_nanos(percentile_of_sorted(&self.latencies_ns, p))
    }
}

/// The `p`th percentile (nearest rank) of sorted values; zero for none.
fn percentile_of_sorted(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// What one connection did.
struct ConnResult {
    round_trips: u64,
    bytes: u64,
    latencies_ns: Vec<u64>,
    first: Option<Instant>,
    last: Option<Instant>,
}

/// Fills a connection's message: a pattern that differs per connection and per round trip (the
/// first 8 bytes are the round trip's number), so that bytes echoed to the wrong connection or
/// a stale echo are caught.
fn stamp(msg: &mut [u8], conn: usize, seq: u64) {
    let head = seq.to_le_bytes();
    let n = head.len().min(msg.len());
    msg[..n].copy_from_slice(&head[..n]);
    if seq == 0 {
        for (i, b) in msg.iter_mut().enumerate().skip(n) {
            *b = (i as u8).wrapping_mul(31).wrapping_add(conn as u8);
        }
    }
}

/// Drives `config.connections` connections to the echo server at `addr`, on a tokio
/// current-thread runtime on the calling thread (see the module docs), and reports what it
/// measured.
///
/// # Errors
///
/// When a connection cannot be made, fails, closes early, echoes a wrong byte, or when no round
/// trip completes for `config.stall_limit`.
///
/// # Panics
///
/// If called from inside a tokio runtime, or if the client's runtime cannot be built.
pub fn run_client(addr: SocketAddr, config: &ClientConfig) -> io::Result<ClientReport> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("failed to build the load generator's tokio runtime");
    rt.block_on(client(addr, *config))
}

async fn client(addr: SocketAddr, config: ClientConfig) -> io::Result<ClientReport> {
    let mut streams = Vec::with_capacity(config.connections);
    for _ in 0..config.connections {
        let s = tokio::net::TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        streams.push(s);
    }
    // Per connection: round trips so far, for the stall detector and its message.
    let progress: Arc<[AtomicU64]> = (0..config.connections).map(|_| AtomicU64::new(0)).collect();
    let start = Instant::now();
    let (warm_end, end) = match config.load {
        Load::RoundTrips(_) => (start, None),
        Load::Timed { warmup, measure } => (start + warmup, Some(start + warmup + measure)),
    };
    let mut tasks = tokio::task::JoinSet::new();
    for (i, stream) in streams.into_iter().enumerate() {
        let progress = progress.clone();
        tasks.spawn(connection(stream, i, config, warm_end, end, progress));
    }

    let stalled = async {
        let mut last = 0;
        let mut since = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let total: u64 = progress.iter().map(|p| p.load(Ordering::Relaxed)).sum();
            if total != last {
                (last, since) = (total, Instant::now());
            } else if since.elapsed() >= config.stall_limit {
                let counts: Vec<u64> = progress.iter().map(|p| p.load(Ordering::Relaxed)).collect();
                let done = match config.load {
                    Load::RoundTrips(n) => counts.iter().filter(|&&c| c >= n).count(),
                    Load::Timed { .. } => 0,
                };
                return io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "no round trip completed for {:?} ({} of {} connections finished, \
                         {total} round trips in all, {} B messages); round trips per \
                         connection: {counts:?}",
                        config.stall_limit, done, config.connections, config.size,
                    ),
                );
            }
        }
    };
    let joined = async {
        let mut results = Vec::with_capacity(config.connections);
        while let Some(r) = tasks.join_next().await {
            results.push(r.map_err(io::Error::other)??);
        }
        Ok::<_, io::Error>(results)
    };
    let results = tokio::select! {
        r = joined => r?,
        e = stalled => return Err(e),
    };

    let mut latencies_ns = Vec::new();
    let (mut round_trips, mut bytes_echoed) = (0, 0);
    let (mut first, mut last) = (None::<Instant>, None::<Instant>);
    for r in results {
        round_trips += r.round_trips;
        bytes_echoed += r.bytes;
        latencies_ns.extend(r.latencies_ns);
        first = match (first, r.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        last = last.max(r.last);
    }
    latencies_ns.sort_unstable();
    let elapsed = match (config.load, first, last) {
        (Load::Timed { measure, .. }, _, _) => measure,
        (Load::RoundTrips(_), Some(a), Some(b)) => b - a,
        (Load::RoundTrips(_), _, _) => Duration::ZERO,
    };
    Ok(ClientReport {
        connections: config.connections,
        size: config.size,
        round_trips,
        bytes_echoed,
        elapsed,
        latencies_ns,
    })
}

/// One connection's closed loop.
async fn connection(
    mut stream: tokio::net::TcpStream,
    index: usize,
    config: ClientConfig,
    warm_end: Instant,
    end: Option<Instant>,
    progress: Arc<[AtomicU64]>,
) -> io::Result<ConnResult> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut msg = vec![0u8; config.size];
    let mut back = vec![0u8; config.size];
    let mut r = ConnResult {
        round_trips: 0,
        bytes: 0,
        latencies_ns: Vec::new(),
        first: None,
        last: None,
    };
    if let Load::RoundTrips(n) = config.load {
        r.latencies_ns.reserve_exact(n.try_into().unwrap_or(0));
    }
    let mut seq = 0u64;
    loop {
        let sent = Instant::now();
        match (config.load, end) {
            (Load::RoundTrips(n), _) if seq >= n => break,
            (_, Some(end)) if sent >= end => break,
            _ => {}
        }
        stamp(&mut msg, index, seq);
        stream.write_all(&msg).await?;
        stream.read_exact(&mut back).await.map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("connection {index}, round trip {seq}: reading the echo: {e}"),
            )
        })?;
        let done = Instant::now();
        if back != msg {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("connection {index}, round trip {seq}: the echo differs from the message"),
            ));
        }
        seq += 1;
        progress[index].store(seq, Ordering::Relaxed);
        if done >= warm_end && end.map_or(true, |end| done < end) {
            r.round_trips += 1;
            r.bytes += config.size as u64;
            r.latencies_ns
                .push(u64::try_from((done - sent).as_nanos()).unwrap_or(u64::MAX));
            r.first.get_or_insert(sent);
            r.last = Some(done);
        }
    }
    // Close our side and wait for the server to close its side: no byte may follow the last
    // echo. (The server counts the connection as closed just after it has closed it.)
    stream.shutdown().await?;
    let n = stream.read(&mut back).await?;
    if n != 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("connection {index}: {n} unexpected bytes after the last round trip"),
        ));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in EchoKind::ALL {
            assert_eq!(EchoKind::from_name(k.name()), Some(k));
        }
        assert_eq!(EchoKind::from_name("echo_1m"), None);
        assert_eq!(EchoKind::Small.size(), 64);
        assert_eq!(EchoKind::Large.size(), 4096);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile_of_sorted(&v, 50.0), 50);
        assert_eq!(percentile_of_sorted(&v, 99.0), 99);
        assert_eq!(percentile_of_sorted(&v, 100.0), 100);
        assert_eq!(percentile_of_sorted(&[7], 1.0), 7);
        assert_eq!(percentile_of_sorted(&[], 50.0), 0);
    }

    #[test]
    fn stamps_differ_per_connection_and_round_trip() {
        let mut a = vec![0u8; 64];
        let mut b = vec![0u8; 64];
        stamp(&mut a, 0, 0);
        stamp(&mut b, 1, 0);
        assert_ne!(a, b);
        let before = a.clone();
        stamp(&mut a, 0, 1);
        assert_ne!(a, before);
        assert_eq!(a[8..], before[8..]);
        let mut tiny = vec![0u8; 3];
        stamp(&mut tiny, 0, 5);
        assert_eq!(tiny, [5, 0, 0]);
    }
}
