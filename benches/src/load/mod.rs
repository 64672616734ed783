//! The load generator of the server benches: `connections` TCP connections to a server, each
//! a closed loop (write one request, read its whole response, check it, record the latency,
//! repeat), in one of two [`ClientStyle`]s:
//!
//! - [`ClientStyle::EventLoop`] ("loop"): one thread, a tokio **current-thread** runtime, one
//!   task per connection ([`event_loop`]). The least a client can take from a shared machine:
//!   one thread that sleeps only when every connection waits. It is tokio's, but it is not the
//!   server: it shares nothing with a tokio server, which runs in another process.
//! - [`ClientStyle::Threads`] ("threads"): one OS thread per connection, blocking
//!   `std::net::TcpStream`s ([`threads`]): what a plain synchronous client looks like, and a
//!   server then competes with N runnable threads.
//!
//! What is exchanged is the [`Workload`]'s ([`exchange`]). The run is either a fixed number of
//! requests per connection (`requests: Some(n)`: tests, `echo_client`), all of them measured,
//! or driven by [`RunningLoad`]: requests run from the start, but only those that *complete*
//! between [`begin_window`](RunningLoad::begin_window) and
//! [`end_window`](RunningLoad::end_window) are counted and their latencies recorded; the
//! connections close after the window. Every request is counted in
//! [`LoadReport::total_requests`], for the exact check against the server's own count.
//!
//! Both styles fail (rather than hang) when no response comes for `stall_limit`, naming the
//! connections and their progress.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::os::CpuList;
use crate::server::Service;

pub mod event_loop;
pub mod exchange;
pub mod threads;

pub use exchange::Exchange;

/// What the clients ask a server for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Workload {
    /// 64-byte echo messages: the cost of a round trip through the runtime.
    Echo64,
    /// 4 KiB echo messages: the same plus moving the bytes.
    Echo4k,
    /// A keep-alive `GET /` to the hyper hello-world server.
    Hello,
    /// Alternating `SET` and `GET` of the connection's own keys on the key-value server.
    Kv,
}

impl Workload {
    /// Every workload, in report order.
    pub const ALL: [Workload; 4] = [
        Workload::Echo64,
        Workload::Echo4k,
        Workload::Hello,
        Workload::Kv,
    ];

    /// `echo_64b`, `echo_4k`, `hello` or `kv`.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Echo64 => "echo_64b",
            Workload::Echo4k => "echo_4k",
            Workload::Hello => "hello",
            Workload::Kv => "kv",
        }
    }

    /// Looks a workload up by [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<Workload> {
        Self::ALL.into_iter().find(|w| w.name() == name)
    }

    /// The server it talks to.
    pub fn service(self) -> Service {
        match self {
            Workload::Echo64 | Workload::Echo4k => Service::Echo,
            Workload::Hello => Service::Hello,
            Workload::Kv => Service::Kv,
        }
    }

    /// The echo message size (0 for the others).
    pub fn message_size(self) -> usize {
        match self {
            Workload::Echo64 => 64,
            Workload::Echo4k => 4096,
            Workload::Hello | Workload::Kv => 0,
        }
    }
}

/// How the load generator drives its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientStyle {
    /// One event-loop thread (tokio current-thread) for every connection.
    EventLoop,
    /// One blocking OS thread per connection.
    Threads,
}

impl ClientStyle {
    /// Both styles, in report order.
    pub const ALL: [ClientStyle; 2] = [ClientStyle::EventLoop, ClientStyle::Threads];

    /// `loop` or `threads`.
    pub fn name(self) -> &'static str {
        match self {
            ClientStyle::EventLoop => "loop",
            ClientStyle::Threads => "threads",
        }
    }

    /// Looks a style up by [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<ClientStyle> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Concurrent connections when not told otherwise.
pub const DEFAULT_CONNECTIONS: usize = 64;

/// What the load generator should do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadConfig {
    /// What to ask for.
    pub workload: Workload,
    /// Concurrent connections, each a closed loop.
    pub connections: usize,
    /// `Some(n)`: exactly `n` requests per connection, all measured; `None`: until the window
    /// ends (see the module docs).
    pub requests: Option<u64>,
    /// Fail when no response comes for this long.
    pub stall_limit: Duration,
    /// Pin the client's threads to these CPUs.
    pub cpus: Option<CpuList>,
}

/// Phases of a run, in [`Control::phase`].
const WARMUP: u8 = 0;
const MEASURE: u8 = 1;
const STOP: u8 = 2;

/// What the controller shares with the connections: the phase, and each connection's progress
/// (requests so far, for the stall reports).
#[derive(Debug)]
pub(crate) struct Control {
    phase: AtomicU8,
    progress: Box<[AtomicU64]>,
    limit: Option<u64>,
}

impl Control {
    fn new(config: &LoadConfig) -> Control {
        Control {
            phase: AtomicU8::new(if config.requests.is_some() {
                MEASURE
            } else {
                WARMUP
            }),
            progress: (0..config.connections).map(|_| AtomicU64::new(0)).collect(),
            limit: config.requests,
        }
    }

    /// Whether a connection that has made `done` requests should make another.
    pub(crate) fn go_on(&self, done: u64) -> bool {
        self.phase.load(Ordering::Relaxed) != STOP && self.limit.map_or(true, |n| done < n)
    }

    /// Records a completed request of `conn`.
    pub(crate) fn completed(&self, conn: usize, record: &mut ConnRecord, latency: Duration) {
        record.requests += 1;
        if self.phase.load(Ordering::Relaxed) == MEASURE {
            record.window += 1;
            record
                .latencies_ns
                .push(u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX));
        }
        self.progress[conn].store(record.requests, Ordering::Relaxed);
    }

    /// Requests so far, per connection.
    pub(crate) fn progress(&self) -> Vec<u64> {
        self.progress
            .iter()
            .map(|p| p.load(Ordering::Relaxed))
            .collect()
    }

    /// The error of a run in which nothing completed for `limit`.
    pub(crate) fn stalled(&self, limit: Duration) -> io::Error {
        let counts = self.progress();
        let finished = self
            .limit
            .map_or(0, |n| counts.iter().filter(|&&c| c >= n).count());
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "no response for {limit:?} ({finished} of {} connections finished, {} requests \
                 in all); requests per connection: {counts:?}",
                counts.len(),
                counts.iter().sum::<u64>(),
            ),
        )
    }
}

/// What one connection did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnRecord {
    /// Every request completed.
    pub requests: u64,
    /// Requests completed inside the measured window.
    pub window: u64,
    /// The latency of each of those, in nanoseconds.
    pub latencies_ns: Vec<u64>,
}

/// How evenly the connections were served over the window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fairness {
    /// The fewest requests one connection completed.
    pub min: u64,
    /// The most.
    pub max: u64,
    /// Jain's index over the per-connection counts, (Σx)² / (n·Σx²): 1 when all are equal,
    /// 1/n when one connection got everything.
    pub jain: f64,
}

impl Fairness {
    /// Over `counts` (one per connection); `None` for no connections or no requests.
    pub fn of(counts: &[u64]) -> Option<Fairness> {
        let sum: f64 = counts.iter().map(|&c| c as f64).sum();
        let squares: f64 = counts.iter().map(|&c| (c as f64) * (c as f64)).sum();
        (squares > 0.0).then(|| Fairness {
            min: counts.iter().copied().min().unwrap_or(0),
            max: counts.iter().copied().max().unwrap_or(0),
            jain: sum * sum / (counts.len() as f64 * squares),
        })
    }
}

/// What the load generator measured.
#[derive(Clone, PartialEq)]
pub struct LoadReport {
    /// Per connection, in connection order.
    pub connections: Vec<ConnRecord>,
    /// The measured window (for a fixed number of requests: from the start to the end).
    pub window: Duration,
    /// Every window latency, sorted.
    sorted_ns: Vec<u64>,
}

impl fmt::Debug for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadReport")
            .field("connections", &self.connections.len())
            .field("total_requests", &self.total_requests())
            .field("window_requests", &self.window_requests())
            .field("window", &self.window)
            .field("p50", &self.percentile(50.0))
            .finish()
    }
}

impl LoadReport {
    fn new(connections: Vec<ConnRecord>, window: Duration) -> LoadReport {
        let mut sorted_ns: Vec<u64> = connections
            .iter()
            .flat_map(|c| c.latencies_ns.iter().copied())
            .collect();
        sorted_ns.sort_unstable();
        LoadReport {
            connections,
            window,
            sorted_ns,
        }
    }

    /// Every request completed, warm-up and tail included.
    pub fn total_requests(&self) -> u64 {
        self.connections.iter().map(|c| c.requests).sum()
    }

    /// Requests completed inside the window.
    pub fn window_requests(&self) -> u64 {
        self.connections.iter().map(|c| c.window).sum()
    }

    /// Window requests per second.
    pub fn throughput(&self) -> f64 {
        let secs = self.window.as_secs_f64();
        if secs > 0.0 {
            self.window_requests() as f64 / secs
        } else {
            0.0
        }
    }

    /// The `p`th percentile (0 < p ≤ 100, nearest rank) of the window's latencies; zero when
    /// there were none.
    pub fn percentile(&self, p: f64) -> Duration {
        Duration::from_nanos(percentile_of_sorted(&self.sorted_ns, p))
    }

    /// Fairness over the window's per-connection counts.
    pub fn fairness(&self) -> Option<Fairness> {
        let counts: Vec<u64> = self.connections.iter().map(|c| c.window).collect();
        Fairness::of(&counts)
    }
}

/// The `p`th percentile (nearest rank) of sorted values; zero for none.
pub fn percentile_of_sorted(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    // Less a hair, so that a rank that is a whole number in decimal (99.9% of 1000) is not
    // pushed to the next one by binary rounding.
    let rank = ((p / 100.0) * sorted.len() as f64 - 1e-9).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// What a load generator thread returns: each of its connections' index and record.
pub(crate) type Records = io::Result<Vec<(usize, ConnRecord)>>;

/// A load generator at work (see the module docs).
#[derive(Debug)]
pub struct RunningLoad {
    control: Arc<Control>,
    workers: Vec<JoinHandle<Records>>,
    started: Instant,
    window: Option<(Instant, Option<Instant>)>,
}

impl RunningLoad {
    /// Connects every connection and starts the requests; returns once all are connected.
    ///
    /// # Errors
    ///
    /// When a connection cannot be made.
    pub fn start(
        style: ClientStyle,
        addr: SocketAddr,
        config: &LoadConfig,
    ) -> io::Result<RunningLoad> {
        let control = Arc::new(Control::new(config));
        let (connected_tx, connected) = mpsc::channel();
        let workers = match style {
            ClientStyle::EventLoop => {
                vec![event_loop::spawn(addr, config, &control, connected_tx)?]
            }
            ClientStyle::Threads => threads::spawn(addr, config, &control, connected_tx)?,
        };
        let mut load = RunningLoad {
            control,
            workers,
            started: Instant::now(),
            window: None,
        };
        let expected = match style {
            ClientStyle::EventLoop => 1,
            ClientStyle::Threads => config.connections,
        };
        for _ in 0..expected {
            match connected.recv() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    load.control.phase.store(STOP, Ordering::Relaxed);
                    return Err(e);
                }
                Err(_) => break, // a worker died: `finish` reports how
            }
        }
        load.started = Instant::now();
        Ok(load)
    }

    /// Starts the measured window.
    pub fn begin_window(&mut self) {
        self.control.phase.store(MEASURE, Ordering::Relaxed);
        self.window = Some((Instant::now(), None));
    }

    /// Ends the measured window: from now on, connections finish their request in flight and
    /// close.
    pub fn end_window(&mut self) {
        self.control.phase.store(STOP, Ordering::Relaxed);
        if let Some((_, end)) = &mut self.window {
            *end = Some(Instant::now());
        }
    }

    /// Waits for every connection to finish (ending the window first, when one was begun and
    /// not ended) and reports.
    ///
    /// # Errors
    ///
    /// The first connection's error: it failed, closed early, answered wrongly, or stalled.
    pub fn finish(mut self) -> io::Result<LoadReport> {
        if matches!(self.window, Some((_, None))) {
            self.end_window();
        }
        let mut records = Vec::new();
        let mut first_error = None;
        for worker in self.workers.drain(..) {
            match worker.join() {
                Ok(Ok(r)) => records.extend(r),
                Ok(Err(e)) => {
                    first_error.get_or_insert(e);
                }
                Err(_) => {
                    first_error.get_or_insert(io::Error::other("a load generator thread panicked"));
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        records.sort_by_key(|(i, _)| *i);
        let window = match self.window {
            Some((start, Some(end))) => end - start,
            _ => self.started.elapsed(),
        };
        Ok(LoadReport::new(
            records.into_iter().map(|(_, r)| r).collect(),
            window,
        ))
    }
}

impl Drop for RunningLoad {
    fn drop(&mut self) {
        // An unfinished run (the controller failed): let the connections go.
        self.control.phase.store(STOP, Ordering::Relaxed);
    }
}

/// Drives `config.connections` connections to `addr` for exactly `config.requests` requests
/// each, in `style`, and reports.
///
/// # Errors
///
/// As [`RunningLoad::start`] and [`RunningLoad::finish`].
///
/// # Panics
///
/// If `config.requests` is `None`.
pub fn run_requests(
    style: ClientStyle,
    addr: SocketAddr,
    config: &LoadConfig,
) -> io::Result<LoadReport> {
    assert!(
        config.requests.is_some(),
        "run_requests needs a request count"
    );
    RunningLoad::start(style, addr, config)?.finish()
}

/// An error about connection `conn`.
pub(crate) fn conn_error(
    conn: usize,
    seq: u64,
    e: impl fmt::Display,
    kind: io::ErrorKind,
) -> io::Error {
    io::Error::new(kind, format!("connection {conn}, request {seq}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for w in Workload::ALL {
            assert_eq!(Workload::from_name(w.name()), Some(w));
        }
        for s in ClientStyle::ALL {
            assert_eq!(ClientStyle::from_name(s.name()), Some(s));
        }
        assert_eq!(Workload::from_name("echo"), None);
        assert_eq!(Workload::Echo4k.service(), Service::Echo);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u64> = (1..=1000).collect();
        assert_eq!(percentile_of_sorted(&v, 50.0), 500);
        assert_eq!(percentile_of_sorted(&v, 99.0), 990);
        assert_eq!(percentile_of_sorted(&v, 99.9), 999);
        assert_eq!(percentile_of_sorted(&v, 100.0), 1000);
        assert_eq!(percentile_of_sorted(&[7], 1.0), 7);
        assert_eq!(percentile_of_sorted(&[], 50.0), 0);
    }

    #[test]
    fn jain_is_one_when_even_and_one_over_n_when_one_takes_all() {
        let even = Fairness::of(&[5, 5, 5, 5]).unwrap();
        assert_eq!((even.min, even.max), (5, 5));
        assert!((even.jain - 1.0).abs() < 1e-12);
        let one = Fairness::of(&[0, 0, 0, 8]).unwrap();
        assert!((one.jain - 0.25).abs() < 1e-12);
        let two = Fairness::of(&[1, 3]).unwrap();
        assert!((two.jain - 16.0 / 20.0).abs() < 1e-12);
        assert_eq!(Fairness::of(&[0, 0]), None);
        assert_eq!(Fairness::of(&[]), None);
    }
}
