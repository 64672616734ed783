//! The networking under test, reduced to what the I/O benches need: [`BenchNet`] starts a TCP
//! echo server or an HTTP/1 hello-world server on the runtime, each written with the runtime's
//! own socket types and I/O traits (`weft::net` + `weft::io` on weft, `tokio::net` +
//! `tokio::io` on tokio), the way a user of that runtime would write it.
//!
//! The two echo servers are line-for-line the same program: an accept loop that spawns one task
//! per connection, which reads up to [`ECHO_BUFFER`] bytes and writes them back with
//! `write_all`, until end of file. Both set `TCP_NODELAY` on every accepted socket.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use super::{BenchRuntime, TokioRt, WeftRt};
use crate::echo::EchoStats;

/// The read buffer of each echo connection: 16 KiB, enough for the largest message of
/// [`crate::echo::EchoKind`] in one read.
pub const ECHO_BUFFER: usize = 16 * 1024;

/// A runtime whose own networking the I/O benches can drive.
pub trait BenchNet: BenchRuntime {
    /// Binds a TCP listener to `addr` and spawns the echo server's accept loop onto the runtime;
    /// returns the address it listens on (`addr` may have port 0). Accepts, closes and echoed
    /// bytes are counted in `stats`.
    ///
    /// # Errors
    ///
    /// When the listener cannot be bound.
    fn spawn_echo_server(&self, addr: SocketAddr, stats: Arc<EchoStats>) -> io::Result<SocketAddr>;

    /// Binds a TCP listener to `addr` and spawns an HTTP/1 server (hyper 1) answering every
    /// request with `200 OK` and the body [`crate::http::BODY`]; returns the address it listens
    /// on.
    ///
    /// # Errors
    ///
    /// When the listener cannot be bound.
    fn spawn_hello_server(&self, addr: SocketAddr) -> io::Result<SocketAddr>;
}

impl BenchNet for WeftRt {
    fn spawn_echo_server(&self, addr: SocketAddr, stats: Arc<EchoStats>) -> io::Result<SocketAddr> {
        let listener = self.0.block_on(weft::net::TcpListener::bind(addr))?;
        let local = listener.local_addr()?;
        drop(self.0.spawn(async move {
            loop {
                let stream = match listener.accept().await {
                    Ok((stream, _)) => stream,
                    Err(e) => return stats.accept_failed(&e),
                };
                stats.accepted();
                let stats = stats.clone();
                drop(weft::spawn(async move {
                    let result = weft_echo(stream).await;
                    stats.closed(result);
                }));
            }
        }));
        Ok(local)
    }

    fn spawn_hello_server(&self, addr: SocketAddr) -> io::Result<SocketAddr> {
        let listener = self.0.block_on(weft::net::TcpListener::bind(addr))?;
        let local = listener.local_addr()?;
        drop(self.0.spawn(async move {
            loop {
                let stream = match listener.accept().await {
                    Ok((stream, _)) => stream,
                    Err(e) => return crate::http::accept_failed(&e),
                };
                drop(weft::spawn(crate::http::serve_weft_connection(stream)));
            }
        }));
        Ok(local)
    }
}

/// One echo connection on weft; the bytes echoed.
async fn weft_echo(mut stream: weft::net::TcpStream) -> io::Result<u64> {
    use weft::io::{AsyncReadExt, AsyncWriteExt};

    stream.set_nodelay(true)?;
    let mut buf = vec![0u8; ECHO_BUFFER];
    let mut echoed = 0u64;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(echoed);
        }
        stream.write_all(&buf[..n]).await?;
        echoed += n as u64;
    }
}

impl BenchNet for TokioRt {
    fn spawn_echo_server(&self, addr: SocketAddr, stats: Arc<EchoStats>) -> io::Result<SocketAddr> {
        let listener = self.0.block_on(tokio::net::TcpListener::bind(addr))?;
        let local = listener.local_addr()?;
        drop(self.0.spawn(async move {
            loop {
                let stream = match listener.accept().await {
                    Ok((stream, _)) => stream,
                    Err(e) => return stats.accept_failed(&e),
                };
                stats.accepted();
                let stats = stats.clone();
                drop(tokio::spawn(async move {
                    let result = tokio_echo(stream).await;
                    stats.closed(result);
                }));
            }
        }));
        Ok(local)
    }

    fn spawn_hello_server(&self, addr: SocketAddr) -> io::Result<SocketAddr> {
        let listener = self.0.block_on(tokio::net::TcpListener::bind(addr))?;
        let local = listener.local_addr()?;
        drop(self.0.spawn(async move {
            loop {
                let stream = match listener.accept().await {
                    Ok((stream, _)) => stream,
                    Err(e) => return crate::http::accept_failed(&e),
                };
                drop(tokio::spawn(crate::http::serve_tokio_connection(stream)));
            }
        }));
        Ok(local)
    }
}

/// One echo connection on tokio; the bytes echoed.
async fn tokio_echo(mut stream: tokio::net::TcpStream) -> io::Result<u64> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    stream.set_nodelay(true)?;
    let mut buf = vec![0u8; ECHO_BUFFER];
    let mut echoed = 0u64;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(echoed);
        }
        stream.write_all(&buf[..n]).await?;
        echoed += n as u64;
    }
}
