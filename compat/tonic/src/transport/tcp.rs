//! The TCP options that tonic sets on its sockets, server side (accepted connections) and
//! client side (connected ones).

use std::io;
use std::time::Duration;
use weft::net::TcpStream;

/// `TCP_NODELAY` and keep-alive, as tonic's builders take them.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TcpOptions {
    /// `Some(on)` sets `TCP_NODELAY`; `None` leaves the system's default.
    pub(crate) nodelay: Option<bool>,
    /// Keep-alive probes after this long idle; `None` leaves keep-alive off (and the two
    /// below unused).
    pub(crate) keepalive_time: Option<Duration>,
    pub(crate) keepalive_interval: Option<Duration>,
    pub(crate) keepalive_retries: Option<u32>,
}

impl TcpOptions {
    /// Sets these options on `stream`.
    pub(crate) fn apply(&self, stream: &TcpStream) -> io::Result<()> {
        if let Some(nodelay) = self.nodelay {
            stream.set_nodelay(nodelay)?;
        }
        if let Some(time) = self.keepalive_time {
            let mut keepalive = socket2::TcpKeepalive::new().with_time(time);
            if let Some(interval) = self.keepalive_interval {
                keepalive = keepalive.with_interval(interval);
            }
            if let Some(retries) = self.keepalive_retries {
                keepalive = keepalive.with_retries(retries);
            }
            socket2::SockRef::from(stream).set_tcp_keepalive(&keepalive)?;
        }
        Ok(())
    }
}
