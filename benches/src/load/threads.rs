//! [`ClientStyle::Threads`](super::ClientStyle::Threads): one OS thread per connection,
//! blocking `std::net::TcpStream`s.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Instant;

use super::{conn_error, ConnRecord, Control, Exchange, LoadConfig, Records};

/// A small stack: a connection thread holds a few buffers, and there may be hundreds of them.
const STACK: usize = 128 * 1024;

/// Starts one thread per connection: each connects, reports on `connected`, then runs its
/// closed loop to the end.
pub(crate) fn spawn(
    addr: SocketAddr,
    config: &LoadConfig,
    control: &Arc<Control>,
    connected: mpsc::Sender<io::Result<()>>,
) -> io::Result<Vec<JoinHandle<Records>>> {
    (0..config.connections)
        .map(|conn| {
            let (config, control, connected) = (config.clone(), control.clone(), connected.clone());
            std::thread::Builder::new()
                .name(format!("load-conn-{conn}"))
                .stack_size(STACK)
                .spawn(move || {
                    let stream = open(addr, &config, conn);
                    let _ = connected.send(
                        stream
                            .as_ref()
                            .map(drop)
                            .map_err(|e| io::Error::new(e.kind(), e.to_string())),
                    );
                    drop(connected);
                    let record = connection(stream?, conn, &config, &control).map_err(|e| {
                        if matches!(
                            e.kind(),
                            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                        ) {
                            let stalled = control.stalled(config.stall_limit);
                            io::Error::new(stalled.kind(), format!("connection {conn}: {stalled}"))
                        } else {
                            e
                        }
                    })?;
                    Ok(vec![(conn, record)])
                })
        })
        .collect()
}

fn open(addr: SocketAddr, config: &LoadConfig, conn: usize) -> io::Result<TcpStream> {
    let setup = || -> io::Result<TcpStream> {
        if let Some(cpus) = &config.cpus {
            cpus.pin_current_thread()?;
        }
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        // The stall detector: a read that waits this long fails.
        stream.set_read_timeout(Some(config.stall_limit))?;
        stream.set_write_timeout(Some(config.stall_limit))?;
        Ok(stream)
    };
    setup().map_err(|e| conn_error(conn, 0, format!("connect to {addr}: {e}"), e.kind()))
}

/// One connection's closed loop, then its orderly close.
fn connection(
    mut stream: TcpStream,
    conn: usize,
    config: &LoadConfig,
    control: &Control,
) -> io::Result<ConnRecord> {
    let mut exchange = Exchange::new(config.workload, conn);
    let mut record = ConnRecord::default();
    let mut buf = vec![0u8; 16 * 1024];
    while control.go_on(record.requests) {
        let seq = record.requests;
        let err = |e: io::Error| conn_error(conn, seq, &e, e.kind());
        let sent = Instant::now();
        stream.write_all(exchange.next_request()).map_err(err)?;
        let mut filled = 0;
        let len = loop {
            if filled == buf.len() {
                buf.resize(buf.len() * 2, 0);
            }
            let n = stream.read(&mut buf[filled..]).map_err(err)?;
            if n == 0 {
                return Err(conn_error(
                    conn,
                    seq,
                    "the server closed the connection",
                    io::ErrorKind::UnexpectedEof,
                ));
            }
            filled += n;
            let invalid = |e| conn_error(conn, seq, e, io::ErrorKind::InvalidData);
            if let Some(len) = exchange.response_len(&buf[..filled]).map_err(invalid)? {
                break len;
            }
        };
        let latency = sent.elapsed();
        if len != filled {
            let extra = format!("{} bytes after the response", filled - len);
            return Err(conn_error(conn, seq, extra, io::ErrorKind::InvalidData));
        }
        exchange
            .check(&buf[..len])
            .map_err(|e| conn_error(conn, seq, e, io::ErrorKind::InvalidData))?;
        control.completed(conn, &mut record, latency);
    }
    let seq = record.requests;
    stream
        .shutdown(Shutdown::Write)
        .map_err(|e| conn_error(conn, seq, &e, e.kind()))?;
    let n = stream
        .read(&mut buf)
        .map_err(|e| conn_error(conn, seq, &e, e.kind()))?;
    if n != 0 {
        return Err(conn_error(
            conn,
            seq,
            format!("{n} bytes after the last response"),
            io::ErrorKind::InvalidData,
        ));
    }
    Ok(record)
}
