//! Helpers for the `net_*` tests: distinct payloads, an echo server, a hang guard for one await,
//! unique Unix socket paths, and enough file descriptors for hundreds of connections.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use weft::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use weft::net::TcpListener;

/// How long one network step may take before the test is declared hung (a hang guard, not a
/// timing assertion).
pub const NET_LIMIT: Duration = Duration::from_secs(20);

/// Awaits `fut`, failing the test with `what` if it takes longer than [`NET_LIMIT`]. The timer
/// starts at the first poll, so the result can be handed to `block_on` from outside a runtime.
pub async fn within<F: Future>(what: &'static str, fut: F) -> F::Output {
    match weft::time::timeout(NET_LIMIT, fut).await {
        Ok(out) => out,
        Err(_) => panic!("HANG: {what} did not finish within {NET_LIMIT:?}"),
    }
}

/// `len` bytes unique to `seed`: two payloads with different seeds differ in their first 8
/// bytes, and no payload repeats itself with a short period, so a lost, duplicated or reordered
/// chunk never goes unnoticed.
pub fn payload(seed: u64, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    out.extend_from_slice(&seed.to_le_bytes());
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Asserts that `got` is `want`, byte for byte, with a short message (not two megabyte dumps).
#[track_caller]
pub fn assert_same_bytes(got: &[u8], want: &[u8], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length differs");
    if let Some(at) = got.iter().zip(want).position(|(a, b)| a != b) {
        panic!(
            "{what}: first difference at byte {at} of {}: got {:#04x}, want {:#04x}",
            want.len(),
            got[at],
            want[at]
        );
    }
}

/// Copies everything `stream` reads back to it until EOF, then closes its writing side; the
/// number of bytes echoed.
pub async fn echo_until_eof<S>(mut stream: S) -> io::Result<usize>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; 4096];
    let mut total = 0;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            stream.shutdown().await?;
            return Ok(total);
        }
        stream.write_all(&buf[..n]).await?;
        total += n;
    }
}

/// Accepts exactly `connections` connections on `listener`, echoing each in its own task;
/// returns the number of bytes echoed on each, in order of acceptance. Errors fail the test.
pub async fn serve_echo(listener: TcpListener, connections: usize) -> Vec<usize> {
    let mut handles = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (stream, peer) = listener.accept().await.expect("accept");
        assert_eq!(
            stream.peer_addr().expect("peer_addr"),
            peer,
            "accept's address is the peer's"
        );
        handles.push(weft::spawn(echo_until_eof(stream)));
    }
    let mut echoed = Vec::with_capacity(connections);
    for h in handles {
        echoed.push(h.await.expect("echo task").expect("echo"));
    }
    echoed
}

/// Raises this process's soft limit on open files to at least `want` (within the hard limit),
/// so that hundreds of connections fit whatever the machine's default.
pub fn ensure_fd_limit(want: u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit for getrlimit to fill in.
    let got = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    assert_eq!(got, 0, "getrlimit: {}", io::Error::last_os_error());
    if lim.rlim_cur >= want as libc::rlim_t {
        return;
    }
    lim.rlim_cur = (want as libc::rlim_t).min(lim.rlim_max);
    // SAFETY: `lim` is a valid rlimit, read above, with the soft limit within the hard one.
    let set = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
    assert_eq!(set, 0, "setrlimit: {}", io::Error::last_os_error());
}

/// A path for a Unix socket in the temporary directory, unique to this process and call; the
/// file (if any) is removed when the value drops.
#[derive(Debug)]
pub struct SocketPath(PathBuf);

impl SocketPath {
    pub fn new(name: &str) -> SocketPath {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "weft-{}-{}-{name}.sock",
            std::process::id(),
            NEXT.fetch_add(1, SeqCst)
        ));
        let _ = std::fs::remove_file(&path);
        SocketPath(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for SocketPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
