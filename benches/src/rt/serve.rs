//! The servers under test, reduced to what the server benches need: [`BenchServe`] starts a TCP
//! server ([`Service`]: echo, hyper hello-world, key-value) or a ticking interval (the idle
//! runtime) on the runtime, each written with the runtime's own `net`, `io`, `sync`, `time` and
//! `select!`, the way a user of that runtime would write it.
//!
//! The code is written **once**, as the body of the `bench_serve!` macro, and instantiated with
//! each crate's path (`weft::net::TcpListener` or `tokio::net::TcpListener`, and so on): weft's
//! API follows tokio's name for name, so the two servers are the same program, token for token.
//! The only parameter besides the crate is hyper's I/O adapter (`weft::hyper::WeftIo`,
//! `hyper_util::rt::TokioIo`).
//!
//! - **echo**: an accept loop that spawns one task per connection, which reads up to
//!   [`ECHO_BUFFER`] bytes and writes them back with `write_all`, until end of file.
//! - **hello**: hyper 1 HTTP/1 with keep-alive, `200 OK` and the body
//!   [`BODY`](crate::server::BODY) for every request (hyper's default builder, no timer).
//! - **kv**: the shape of a small ported Redis-like server: one task per connection reading
//!   lines through a `BufReader`, a `HashMap` shared behind the runtime's own async `Mutex`,
//!   `GET`/`SET` (see [`crate::server::kv`]), and every read in a `select!` against a shutdown
//!   signal (the runtime's own `watch`).
//!
//! Every server sets `TCP_NODELAY` on each accepted socket, stops accepting when its shutdown
//! signal fires (or its handle is dropped), and counts per connection (in locals, summed into
//! [`ServerStats`] once when the connection ends: nothing shared is touched per request).

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use super::{BenchRuntime, TokioRt, WeftRt};
use crate::server::{ServerStats, Service};

/// The read buffer of each echo connection: 16 KiB, enough for the largest echo message in one
/// read.
pub const ECHO_BUFFER: usize = 16 * 1024;

/// A server started by [`BenchServe::start_server`].
pub struct Started {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Fires the server's shutdown signal: the accept loop stops, and so does every key-value
    /// connection at its next read. (Dropping it does the same.)
    pub shutdown: Box<dyn FnOnce() + Send>,
}

impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Started").field("addr", &self.addr).finish()
    }
}

/// A runtime that can run the servers of the server benches.
pub trait BenchServe: BenchRuntime {
    /// Binds a TCP listener to `addr` and spawns `service`'s accept loop onto the runtime;
    /// accepts, connection ends, requests and bytes are counted in `stats`.
    ///
    /// # Errors
    ///
    /// When the listener cannot be bound.
    fn start_server(
        &self,
        service: Service,
        addr: SocketAddr,
        stats: Arc<ServerStats>,
    ) -> io::Result<Started>;

    /// Spawns a task that ticks an interval of `period` forever (`MissedTickBehavior::Delay`),
    /// counting the ticks: the only work of the idle runtime.
    fn spawn_interval(&self, period: Duration, ticks: Arc<AtomicU64>);
}

/// Implements [`BenchServe`] for `$ty` with the crate `$rt` and hyper's I/O adapter `$hyper_io`;
/// the connection handlers go into the module `$module`.
macro_rules! bench_serve {
    ($ty:ident, $rt:ident, $module:ident, $($hyper_io:ident)::+) => {
        impl BenchServe for $ty {
            fn start_server(
                &self,
                service: Service,
                addr: SocketAddr,
                stats: Arc<ServerStats>,
            ) -> io::Result<Started> {
                let listener = self.0.block_on($rt::net::TcpListener::bind(addr))?;
                let addr = listener.local_addr()?;
                let (stop_tx, stop_rx) = $rt::sync::watch::channel(false);
                let map = Arc::new($rt::sync::Mutex::new(std::collections::HashMap::new()));
                drop(self.0.spawn(async move {
                    let mut stop = stop_rx.clone();
                    loop {
                        let stream = $rt::select! {
                            accepted = listener.accept() => match accepted {
                                Ok((stream, _)) => stream,
                                Err(e) => return stats.accept_failed(&e),
                            },
                            _ = stop.changed() => return,
                        };
                        stats.accepted();
                        let stats = stats.clone();
                        let task = match service {
                            Service::Echo => $rt::spawn(async move {
                                stats.closed($module::echo(stream).await);
                            }),
                            Service::Hello => $rt::spawn(async move {
                                stats.closed($module::hello(stream).await);
                            }),
                            Service::Kv => {
                                let (map, stop) = (map.clone(), stop_rx.clone());
                                $rt::spawn(async move {
                                    stats.closed($module::kv(stream, map, stop).await);
                                })
                            }
                        };
                        drop(task);
                    }
                }));
                let shutdown = Box::new(move || {
                    // Err only when every receiver is gone: nothing left to stop.
                    let _ = stop_tx.send(true);
                });
                Ok(Started { addr, shutdown })
            }

            fn spawn_interval(&self, period: Duration, ticks: Arc<AtomicU64>) {
                drop(self.0.spawn(async move {
                    let mut interval = $rt::time::interval(period);
                    interval.set_missed_tick_behavior($rt::time::MissedTickBehavior::Delay);
                    loop {
                        interval.tick().await;
                        ticks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }));
            }
        }

        /// The connection handlers on this runtime; each returns what the connection served.
        mod $module {
            use std::collections::HashMap;
            use std::io;
            use std::sync::atomic::{AtomicU64, Ordering};
            use std::sync::Arc;

            use $rt::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

            use crate::server::{kv as protocol, Served};

            pub(super) async fn echo(mut stream: $rt::net::TcpStream) -> io::Result<Served> {
                stream.set_nodelay(true)?;
                let mut buf = vec![0u8; super::ECHO_BUFFER];
                let mut bytes = 0u64;
                loop {
                    let n = stream.read(&mut buf).await?;
                    if n == 0 {
                        return Ok(Served { requests: 0, bytes });
                    }
                    stream.write_all(&buf[..n]).await?;
                    bytes += n as u64;
                }
            }

            pub(super) async fn hello(stream: $rt::net::TcpStream) -> io::Result<Served> {
                stream.set_nodelay(true)?;
                // Per connection, so that no two connections share a counter.
                let requests = Arc::new(AtomicU64::new(0));
                let counter = requests.clone();
                let service = hyper::service::service_fn(move |request| {
                    counter.fetch_add(1, Ordering::Relaxed);
                    crate::server::hello(request)
                });
                let served = hyper::server::conn::http1::Builder::new()
                    .serve_connection($($hyper_io)::+::new(stream), service)
                    .await;
                let requests = requests.load(Ordering::Relaxed);
                match served {
                    Ok(()) => Ok(Served { requests, bytes: 0 }),
                    Err(e) if crate::server::is_client_gone(&e) => Ok(Served { requests, bytes: 0 }),
                    Err(e) => Err(io::Error::other(e)),
                }
            }

            pub(super) async fn kv(
                stream: $rt::net::TcpStream,
                map: Arc<$rt::sync::Mutex<HashMap<String, String>>>,
                mut stop: $rt::sync::watch::Receiver<bool>,
            ) -> io::Result<Served> {
                stream.set_nodelay(true)?;
                let mut stream = BufReader::new(stream);
                let (mut line, mut reply) = (String::new(), Vec::new());
                let mut requests = 0u64;
                loop {
                    line.clear();
                    let n = $rt::select! {
                        read = stream.read_line(&mut line) => read?,
                        _ = stop.changed() => 0,
                    };
                    if n == 0 {
                        return Ok(Served { requests, bytes: 0 });
                    }
                    reply.clear();
                    protocol::execute(&mut *map.lock().await, &line, &mut reply);
                    stream.get_mut().write_all(&reply).await?;
                    requests += 1;
                }
            }
        }
    };
}

bench_serve!(WeftRt, weft, weft_handlers, weft::hyper::WeftIo);
bench_serve!(TokioRt, tokio, tokio_handlers, hyper_util::rt::TokioIo);
