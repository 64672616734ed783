//! [`ClientStyle::EventLoop`](super::ClientStyle::EventLoop): every connection a task on one
//! tokio current-thread runtime, on one thread of its own.

use std::io;
use std::net::SocketAddr;
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{conn_error, ConnRecord, Control, Exchange, LoadConfig, Records, Workload};

/// Starts the load thread: it connects every connection, reports on `connected` (once), then
/// runs them to the end.
pub(crate) fn spawn(
    addr: SocketAddr,
    config: &LoadConfig,
    control: &Arc<Control>,
    connected: mpsc::Sender<io::Result<()>>,
) -> io::Result<JoinHandle<Records>> {
    let (config, control) = (config.clone(), control.clone());
    std::thread::Builder::new()
        .name("load-event-loop".into())
        .spawn(move || {
            if let Some(cpus) = &config.cpus {
                if let Err(e) = cpus.pin_current_thread() {
                    let _ = connected.send(Err(io::Error::new(e.kind(), e.to_string())));
                    return Err(e);
                }
            }
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(run(addr, config, control, connected))
        })
}

async fn run(
    addr: SocketAddr,
    config: LoadConfig,
    control: Arc<Control>,
    connected: mpsc::Sender<io::Result<()>>,
) -> Records {
    let mut streams = Vec::with_capacity(config.connections);
    for i in 0..config.connections {
        let stream = TcpStream::connect(addr)
            .await
            .and_then(|s| s.set_nodelay(true).map(|()| s));
        match stream {
            Ok(s) => streams.push(s),
            Err(e) => {
                let e = conn_error(i, 0, format!("connect to {addr}: {e}"), e.kind());
                let _ = connected.send(Err(io::Error::new(e.kind(), e.to_string())));
                return Err(e);
            }
        }
    }
    let _ = connected.send(Ok(()));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, stream) in streams.into_iter().enumerate() {
        let control = control.clone();
        let workload = config.workload;
        tasks.spawn(async move {
            connection(stream, i, workload, &control)
                .await
                .map(|r| (i, r))
        });
    }
    let joined = async {
        let mut records = Vec::with_capacity(config.connections);
        while let Some(r) = tasks.join_next().await {
            records.push(r.map_err(io::Error::other)??);
        }
        Ok::<_, io::Error>(records)
    };
    tokio::select! {
        records = joined => records,
        e = stalled(&control, config.stall_limit) => Err(e),
    }
}

/// Completes when no request has completed for `limit`.
async fn stalled(control: &Control, limit: Duration) -> io::Error {
    let mut last = 0;
    let mut since = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let total: u64 = control.progress().iter().sum();
        if total != last {
            (last, since) = (total, Instant::now());
        } else if since.elapsed() >= limit {
            return control.stalled(limit);
        }
    }
}

/// One connection's closed loop, then its orderly close.
async fn connection(
    mut stream: TcpStream,
    conn: usize,
    workload: Workload,
    control: &Control,
) -> io::Result<ConnRecord> {
    let mut exchange = Exchange::new(workload, conn);
    let mut record = ConnRecord::default();
    let mut buf = vec![0u8; 16 * 1024];
    while control.go_on(record.requests) {
        let seq = record.requests;
        let err = |e: io::Error| conn_error(conn, seq, &e, e.kind());
        let sent = Instant::now();
        stream
            .write_all(exchange.next_request())
            .await
            .map_err(err)?;
        let mut filled = 0;
        let len = loop {
            if filled == buf.len() {
                buf.resize(buf.len() * 2, 0);
            }
            let n = stream.read(&mut buf[filled..]).await.map_err(err)?;
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
    // Close our side, then wait for the server to close its own: nothing may follow.
    let seq = record.requests;
    stream
        .shutdown()
        .await
        .map_err(|e| conn_error(conn, seq, &e, e.kind()))?;
    let n = stream
        .read(&mut buf)
        .await
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
