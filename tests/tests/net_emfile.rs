//! `accept` when the process is out of file descriptors: it fails with `EMFILE` (an error, not a
//! panic, not a hang), the listener stays usable, exactly as many connections are accepted as
//! descriptors are freed, and the worker that saw the error keeps running tasks.
//!
//! This binary lowers its own `RLIMIT_NOFILE`, so it holds this one test only: no other test may
//! run beside it while the limit is low.

mod common;

use std::fs::File;
use std::io::{self, Write};
use std::sync::Arc;

use common::net::*;
use weft::io::AsyncReadExt;
use weft::net::TcpListener;

/// Connections waiting in the listen backlog.
const CLIENTS: usize = 8;
/// Descriptors freed while the limit is low: exactly this many accepts then succeed.
const FREED: usize = 3;

fn nofile() -> libc::rlimit {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `lim` is a valid, writable rlimit for getrlimit to fill in.
    let got = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    assert_eq!(got, 0, "getrlimit: {}", io::Error::last_os_error());
    lim
}

fn set_soft_nofile(soft: libc::rlim_t) {
    let lim = libc::rlimit {
        rlim_cur: soft,
        rlim_max: nofile().rlim_max,
    };
    // SAFETY: `lim` is a valid rlimit whose hard limit is the current one.
    let set = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
    assert_eq!(set, 0, "setrlimit: {}", io::Error::last_os_error());
}

/// The highest file descriptor open in this process.
fn highest_open_fd() -> libc::rlim_t {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .filter_map(|entry| {
            entry
                .ok()?
                .file_name()
                .to_str()?
                .parse::<libc::rlim_t>()
                .ok()
        })
        .max()
        .expect("at least stdin is open")
}

#[test]
fn accept_reports_emfile_and_recovers_once_descriptors_are_freed() {
    common::guard(|| {
        let rt = common::multi(2);
        let listener = Arc::new(rt.block_on(TcpListener::bind("127.0.0.1:0")).expect("bind"));
        let addr = listener.local_addr().unwrap();
        // Blocking std clients: their handshakes complete in the backlog, before any accept.
        let mut clients: Vec<std::net::TcpStream> = (0..CLIENTS)
            .map(|_| std::net::TcpStream::connect(addr).expect("connect"))
            .collect();

        // Lower the limit just above the highest open descriptor and take every free one.
        let original = nofile();
        set_soft_nofile(highest_open_fd() + 1 + 16);
        let mut ballast = Vec::new();
        let exhausted = loop {
            match File::open("/dev/null") {
                Ok(file) => ballast.push(file),
                Err(e) => break e,
            }
        };
        assert_eq!(exhausted.raw_os_error(), Some(libc::EMFILE), "{exhausted}");
        assert!(ballast.len() >= 16);

        // accept, on a worker, fails with EMFILE; twice.
        for _ in 0..2 {
            let l = listener.clone();
            let err = rt
                .block_on(rt.spawn(async move { l.accept().await.map(drop) }))
                .expect("the accepting task completes")
                .expect_err("no descriptor left");
            assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");
        }

        // Free FREED descriptors: exactly that many accepts succeed, then EMFILE again.
        ballast.truncate(ballast.len() - FREED);
        let l = listener.clone();
        let (accepted, next) = rt
            .block_on(rt.spawn(within("accept after freeing", async move {
                let mut accepted = Vec::new();
                for _ in 0..FREED {
                    accepted.push(l.accept().await.expect("a descriptor is free").0);
                }
                let next = l.accept().await.map(drop);
                (accepted, next)
            })))
            .expect("the accepting task completes");
        assert_eq!(accepted.len(), FREED);
        let err = next.expect_err("the freed descriptors are used up");
        assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err}");

        // The accepted streams are the first clients, in order, and they work.
        for (i, client) in clients.iter_mut().enumerate().take(FREED) {
            client.write_all(format!("client {i}").as_bytes()).unwrap();
        }
        let heard = rt.block_on(within("read the accepted streams", async move {
            let mut heard = Vec::new();
            for mut stream in accepted {
                let mut buf = [0u8; 8];
                stream.read_exact(&mut buf).await.unwrap();
                heard.push(String::from_utf8(buf.to_vec()).unwrap());
            }
            heard
        }));
        assert_eq!(heard, ["client 0", "client 1", "client 2"]);

        // Restore the limit: the rest of the backlog is accepted.
        set_soft_nofile(original.rlim_cur);
        drop(ballast);
        let l = listener.clone();
        let mut rest = rt.block_on(within("accept the rest", async move {
            let mut rest = Vec::new();
            for _ in FREED..CLIENTS {
                rest.push(l.accept().await.expect("descriptors are back").0);
            }
            rest
        }));
        assert_eq!(rest.len(), CLIENTS - FREED);
        // The last one accepted is the last client: it reads EOF when that client closes.
        let mut last = rest.pop().unwrap();
        drop(clients.pop());
        let eof = rt.block_on(within("EOF from the last client", async move {
            let mut rest = Vec::new();
            last.read_to_end(&mut rest).await.map(|_| rest)
        }));
        assert_eq!(eof.unwrap(), b"", "the last client closed without writing");

        // The workers that saw the errors still run tasks.
        assert_eq!(rt.block_on(rt.spawn(async { 6 * 7 })).unwrap(), 42);
        assert_eq!(rt.handle().metrics().num_workers(), 2);
    });
}
