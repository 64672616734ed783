//! `Blocking` with in-memory objects that log every call: which blocking calls a sequence of
//! async reads, writes and flushes makes, exactly, and that errors and failed jobs surface.

use super::blocking::{Blocking, MAX_BUF};
use crate::runtime::Builder;
use std::future::{poll_fn, Future};
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};

/// A reader or writer that logs its calls and serves `input` in `chunk`-sized reads.
#[derive(Clone, Default)]
struct Logged {
    log: Arc<Mutex<Vec<String>>>,
    input: Arc<Mutex<Vec<u8>>>,
    output: Arc<Mutex<Vec<u8>>>,
    chunk: usize,
    fail_writes: bool,
    /// When set, each read first waits for a message on it.
    gate: Option<Arc<Mutex<std::sync::mpsc::Receiver<()>>>>,
}

impl Logged {
    fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl Read for Logged {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(gate) = &self.gate {
            gate.lock().unwrap().recv().unwrap();
        }
        let mut input = self.input.lock().unwrap();
        let n = buf.len().min(self.chunk).min(input.len());
        buf[..n].copy_from_slice(&input[..n]);
        input.drain(..n);
        self.log
            .lock()
            .unwrap()
            .push(format!("read {}/{}", n, buf.len()));
        Ok(n)
    }
}

impl Write for Logged {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.log
            .lock()
            .unwrap()
            .push(format!("write {}", buf.len()));
        if self.fail_writes {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "reader gone"));
        }
        self.output.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.log.lock().unwrap().push("flush".into());
        Ok(())
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

#[test]
#[cfg_attr(miri, ignore)] // the runtime's I/O driver
fn each_blocking_read_asks_for_what_the_caller_s_buffer_holds() {
    let logged = Logged {
        input: Arc::new(Mutex::new(b"abcdef".to_vec())),
        chunk: 4,
        ..Logged::default()
    };
    let mut blocking = Blocking::new(logged.clone());
    let got = block_on(async {
        let mut got = Vec::new();
        let mut buf = [0u8; 8];
        for want in [2, 2, 8, 8, 8] {
            let n = poll_fn(|cx| blocking.poll_read(cx, &mut buf[..want]))
                .await
                .unwrap();
            got.push(buf[..n].to_vec());
        }
        got
    });
    assert_eq!(
        got,
        [&b"ab"[..], b"cd", b"ef", b"", b""].map(<[u8]>::to_vec)
    );
    // Each blocking read asks for what the caller's buffer holds (the object returns at most
    // `chunk`); end-of-file is read again each time it is asked for.
    assert_eq!(
        logged.log(),
        ["read 2/2", "read 2/2", "read 2/8", "read 0/8", "read 0/8"]
    );
}

#[test]
#[cfg_attr(miri, ignore)] // the runtime's I/O driver
fn a_read_cancelled_while_it_runs_loses_nothing_and_its_bytes_serve_later_reads() {
    let (open, gate) = std::sync::mpsc::channel();
    let logged = Logged {
        input: Arc::new(Mutex::new(b"abcdef".to_vec())),
        chunk: 8,
        gate: Some(Arc::new(Mutex::new(gate))),
        ..Logged::default()
    };
    let mut blocking = Blocking::new(logged.clone());
    let got = block_on(async {
        let mut big = [0u8; 8];
        // Polled once (the blocking read starts, and waits at the gate), then dropped.
        let mut first = std::pin::pin!(poll_fn(|cx| blocking.poll_read(cx, &mut big)));
        let started = poll_fn(|cx| std::task::Poll::Ready(first.as_mut().poll(cx))).await;
        assert!(started.is_pending());
        for _ in 0..2 {
            open.send(()).unwrap(); // one per blocking read: the cancelled one, then EOF
        }
        let mut got = Vec::new();
        let mut small = [0u8; 4];
        for _ in 0..3 {
            let n = poll_fn(|cx| blocking.poll_read(cx, &mut small))
                .await
                .unwrap();
            got.extend_from_slice(&small[..n]);
            got.push(b'|');
        }
        got
    });
    assert_eq!(&got[..], b"abcd|ef||");
    assert_eq!(logged.log(), ["read 6/8", "read 0/4"]);
}

#[test]
#[cfg_attr(miri, ignore)] // the runtime's I/O driver
fn a_large_read_buffer_reads_in_one_call_and_hands_out_the_rest_later() {
    let logged = Logged {
        input: Arc::new(Mutex::new((0..=255).collect())),
        chunk: 1000,
        ..Logged::default()
    };
    let mut blocking = Blocking::new(logged.clone());
    let lengths = block_on(async {
        let mut big = [0u8; 300];
        let first = poll_fn(|cx| blocking.poll_read(cx, &mut big))
            .await
            .unwrap();
        let mut small = [0u8; 100];
        let second = poll_fn(|cx| blocking.poll_read(cx, &mut small))
            .await
            .unwrap();
        (first, second, small[0])
    });
    assert_eq!(lengths, (256, 0, 0));
    assert_eq!(logged.log(), ["read 256/300", "read 0/100"]);
}

#[test]
#[cfg_attr(miri, ignore)] // the runtime's I/O driver
fn writes_are_reported_at_once_and_run_behind_one_at_a_time_then_flush_once() {
    let logged = Logged::default();
    let mut blocking = Blocking::new(logged.clone());
    block_on(async {
        for chunk in [&b"one "[..], b"two ", b"three\n"] {
            let n = poll_fn(|cx| blocking.poll_write(cx, chunk)).await.unwrap();
            assert_eq!(n, chunk.len());
        }
        poll_fn(|cx| blocking.poll_flush(cx)).await.unwrap();
        // Nothing written since: a second flush makes no call.
        poll_fn(|cx| blocking.poll_flush(cx)).await.unwrap();
    });
    assert_eq!(logged.log(), ["write 4", "write 4", "write 6", "flush"]);
    assert_eq!(&logged.output.lock().unwrap()[..], b"one two three\n");
}

#[test]
#[cfg_attr(miri, ignore)] // the runtime's I/O driver
fn a_write_larger_than_the_cap_is_written_in_part() {
    let logged = Logged::default();
    let mut blocking = Blocking::new(logged.clone());
    let big = vec![7u8; MAX_BUF + 10];
    let n = block_on(async {
        let n = poll_fn(|cx| blocking.poll_write(cx, &big)).await.unwrap();
        poll_fn(|cx| blocking.poll_flush(cx)).await.unwrap();
        n
    });
    assert_eq!(n, MAX_BUF);
    assert_eq!(logged.log(), [format!("write {MAX_BUF}"), "flush".into()]);
}

#[test]
#[cfg_attr(miri, ignore)] // the runtime's I/O driver
fn a_failed_write_behind_is_reported_by_the_next_flush() {
    let logged = Logged {
        fail_writes: true,
        ..Logged::default()
    };
    let mut blocking = Blocking::new(logged.clone());
    let (written, flushed) = block_on(async {
        let written = poll_fn(|cx| blocking.poll_write(cx, b"lost")).await;
        let flushed = poll_fn(|cx| blocking.poll_flush(cx)).await;
        (written, flushed)
    });
    assert_eq!(written.unwrap(), 4);
    assert_eq!(flushed.unwrap_err().kind(), io::ErrorKind::BrokenPipe);
    assert_eq!(logged.log(), ["write 4"]);
}

#[test]
#[cfg_attr(miri, ignore)] // the runtime's I/O driver
fn a_blocking_job_that_panics_makes_the_handle_fail_instead_of_hang() {
    struct Panics;
    impl Read for Panics {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            panic!("a reader that panics")
        }
    }
    let mut blocking = Blocking::new(Panics);
    let (first, second) = block_on(async {
        let mut buf = [0u8; 4];
        let first = poll_fn(|cx| blocking.poll_read(cx, &mut buf)).await;
        let second = poll_fn(|cx| blocking.poll_read(cx, &mut buf)).await;
        (first, second)
    });
    assert!(first.unwrap_err().to_string().contains("did not complete"));
    assert!(second.unwrap_err().to_string().contains("failed"));
}
