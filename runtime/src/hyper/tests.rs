//! The hyper adapters on their own: bytes pass through [`WeftIo`] unchanged in both directions
//! and at every buffer size, `Pending` and errors pass through, shutdown is close (and back), the
//! timer's `reset` moves a weft sleep in place, and the executor runs every future exactly once.

use super::{WeftExecutor, WeftIo, WeftTimer, MAX_SCRATCH};
use crate::runtime::{Builder, Runtime};
use crate::test_util::noop_waker;
use futures_lite::{AsyncReadExt, AsyncWriteExt};
use hyper::rt::{Executor, Read, ReadBuf, ReadBufCursor, Timer, Write};
use std::future::{poll_fn, Future};
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

/// `len` bytes that differ from their neighbours and from any shifted copy of themselves.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// Polls hyper's `poll_read` on `io` once into `buf`, as hyper does: into uninitialized memory.
fn hyper_read_once<R: Read + Unpin>(io: &mut R, capacity: usize) -> Poll<io::Result<Vec<u8>>> {
    let mut storage = vec![MaybeUninit::<u8>::uninit(); capacity];
    let mut buf = ReadBuf::uninit(&mut storage);
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    match Pin::new(io).poll_read(&mut cx, buf.unfilled()) {
        Poll::Ready(Ok(())) => Poll::Ready(Ok(buf.filled().to_vec())),
        Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
        Poll::Pending => Poll::Pending,
    }
}

#[test]
fn hyper_reads_a_futures_reader_exactly_at_every_buffer_size() {
    let data = pattern(300_000);
    let mut io = WeftIo::new(&data[..]);
    let sizes = [1, 7, 4096, 65_536, MAX_SCRATCH + 10_000, 3];
    let mut got = Vec::new();
    let mut reads = 0;
    loop {
        let capacity = sizes[reads % sizes.len()];
        let chunk = match hyper_read_once(&mut io, capacity) {
            Poll::Ready(res) => res.unwrap(),
            Poll::Pending => panic!("a slice never returns Pending"),
        };
        reads += 1;
        if chunk.is_empty() {
            break;
        }
        assert!(chunk.len() <= capacity.min(MAX_SCRATCH));
        got.extend_from_slice(&chunk);
    }
    assert_eq!(got.len(), data.len());
    assert!(got == data, "the bytes must come through unchanged");
    // At EOF every further read is empty too.
    assert!(matches!(hyper_read_once(&mut io, 64), Poll::Ready(Ok(ref v)) if v.is_empty()));
    assert!(io.scratch.len() <= MAX_SCRATCH);
}

#[test]
fn a_zero_capacity_hyper_read_reads_nothing() {
    let mut io = WeftIo::new(&b"abc"[..]);
    assert!(matches!(hyper_read_once(&mut io, 0), Poll::Ready(Ok(ref v)) if v.is_empty()));
    assert_eq!(
        *io.inner(),
        b"abc",
        "nothing may be consumed from the source"
    );
}

/// A futures-io stream scripted step by step; records what is written, flushed and closed.
#[derive(Default)]
struct Scripted {
    reads: Vec<Poll<io::Result<Vec<u8>>>>,
    written: Vec<u8>,
    write_calls: usize,
    flushes: usize,
    closes: usize,
}

impl futures_io::AsyncRead for Scripted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if self.reads.is_empty() {
            return Poll::Ready(Ok(0));
        }
        match self.reads.remove(0) {
            Poll::Pending => {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Ready(Ok(bytes)) => {
                assert!(
                    bytes.len() <= buf.len(),
                    "script chunk larger than the buffer"
                );
                buf[..bytes.len()].copy_from_slice(&bytes);
                Poll::Ready(Ok(bytes.len()))
            }
        }
    }
}

impl futures_io::AsyncWrite for Scripted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.write_calls += 1;
        self.written.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.flushes += 1;
        Poll::Ready(Ok(()))
    }

    fn poll_close(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.closes += 1;
        Poll::Ready(Ok(()))
    }
}

#[test]
fn pending_and_errors_pass_through_the_hyper_read_adapter() {
    let mut io = WeftIo::new(Scripted {
        reads: vec![
            Poll::Pending,
            Poll::Ready(Ok(b"first".to_vec())),
            Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "scripted",
            ))),
            Poll::Ready(Ok(b"after the error".to_vec())),
        ],
        ..Scripted::default()
    });
    assert!(hyper_read_once(&mut io, 64).is_pending());
    match hyper_read_once(&mut io, 64) {
        Poll::Ready(Ok(v)) => assert_eq!(v, b"first"),
        other => panic!("expected the first chunk, got {other:?}"),
    }
    match hyper_read_once(&mut io, 64) {
        Poll::Ready(Err(e)) => assert_eq!(e.kind(), io::ErrorKind::ConnectionReset),
        other => panic!("expected the scripted error, got {other:?}"),
    }
    match hyper_read_once(&mut io, 64) {
        Poll::Ready(Ok(v)) => assert_eq!(v, b"after the error"),
        other => panic!("expected the last chunk, got {other:?}"),
    }
    assert!(io.inner().reads.is_empty());
}

#[test]
fn hyper_writes_flushes_and_shutdown_reach_the_futures_writer() {
    let mut io = WeftIo::new(Scripted::default());
    let waker = noop_waker();
    let mut cx = Context::from_waker(&waker);
    let mut pinned = Pin::new(&mut io);
    assert!(pinned.is_write_vectored());
    let n = match pinned.as_mut().poll_write(&mut cx, b"GET / HTTP/1.1\r\n") {
        Poll::Ready(Ok(n)) => n,
        other => panic!("write: {other:?}"),
    };
    assert_eq!(n, 16);
    let slices = [
        io::IoSlice::new(b""),
        io::IoSlice::new(b"Host: x\r\n"),
        io::IoSlice::new(b"\r\n"),
    ];
    // futures-io's default vectored write takes the first non-empty slice.
    let n = match pinned.as_mut().poll_write_vectored(&mut cx, &slices) {
        Poll::Ready(Ok(n)) => n,
        other => panic!("vectored write: {other:?}"),
    };
    assert_eq!(n, 9);
    assert!(pinned.as_mut().poll_flush(&mut cx).is_ready());
    assert!(pinned.as_mut().poll_shutdown(&mut cx).is_ready());
    let inner = io.into_inner();
    assert_eq!(inner.written, b"GET / HTTP/1.1\r\nHost: x\r\n");
    assert_eq!(inner.write_calls, 2);
    assert_eq!(inner.flushes, 1);
    assert_eq!(inner.closes, 1, "hyper's shutdown is futures-io's close");
}

/// A hyper stream that hands out its data in chunks of at most `chunk` bytes, and records writes.
struct HyperSide {
    data: Vec<u8>,
    pos: usize,
    chunk: usize,
    written: Vec<u8>,
    shutdowns: usize,
}

impl Read for HyperSide {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        mut buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let n = self
            .chunk
            .min(buf.remaining())
            .min(self.data.len() - self.pos);
        let start = self.pos;
        buf.put_slice(&self.data[start..start + n]);
        self.pos += n;
        Poll::Ready(Ok(()))
    }
}

impl Write for HyperSide {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // Take at most 5 bytes a call, so that write_all has to loop.
        let n = buf.len().min(5);
        self.written.extend_from_slice(&buf[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.shutdowns += 1;
        Poll::Ready(Ok(()))
    }
}

#[test]
fn a_hyper_stream_reads_and_writes_through_futures_io() {
    let data = pattern(10_000);
    let mut io = WeftIo::new(HyperSide {
        data: data.clone(),
        pos: 0,
        chunk: 333,
        written: Vec::new(),
        shutdowns: 0,
    });
    futures_lite::future::block_on(async {
        let mut got = Vec::new();
        assert_eq!(io.read_to_end(&mut got).await.unwrap(), data.len());
        assert!(got == data);
        io.write_all(b"twenty-three bytes long").await.unwrap();
        io.flush().await.unwrap();
        io.close().await.unwrap();
    });
    let inner = io.into_inner();
    assert_eq!(inner.written, b"twenty-three bytes long");
    assert_eq!(inner.shutdowns, 1, "futures-io's close is hyper's shutdown");
}

#[test]
fn both_directions_stacked_give_back_the_same_bytes() {
    // futures-io -> hyper -> futures-io.
    let data = pattern(200_000);
    let mut io = WeftIo::new(WeftIo::new(&data[..]));
    let mut got = Vec::new();
    let n = futures_lite::future::block_on(io.read_to_end(&mut got)).unwrap();
    assert_eq!(n, data.len());
    assert!(got == data);
}

#[test]
fn the_timer_sleeps_and_resets_a_weft_sleep_in_place() {
    let rt = current_thread();
    rt.block_on(async {
        let timer = WeftTimer::new();
        let start = Instant::now();
        timer.sleep(Duration::from_millis(5)).await;
        assert!(start.elapsed() >= Duration::from_millis(5), "never early");

        let mut sleep = timer.sleep(Duration::from_secs(3600));
        // Register the timer, then move it.
        assert!(poll_fn(|cx| Poll::Ready(sleep.as_mut().poll(cx).is_pending())).await);
        let before: *const () = &*sleep as *const dyn hyper::rt::Sleep as *const ();
        let target = Instant::now() + Duration::from_millis(5);
        timer.reset(&mut sleep, target);
        let after: *const () = &*sleep as *const dyn hyper::rt::Sleep as *const ();
        assert_eq!(
            before, after,
            "a weft sleep is reset in place, not replaced"
        );
        sleep.as_mut().await;
        assert!(Instant::now() >= target);

        // A deadline already past completes at the first poll.
        let mut past = timer.sleep_until(Instant::now());
        assert!(poll_fn(|cx| Poll::Ready(past.as_mut().poll(cx).is_ready())).await);
    });
}

/// A sleep that is not weft's: `reset` must replace it with one of weft's.
struct ForeignSleep;

impl Future for ForeignSleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

impl hyper::rt::Sleep for ForeignSleep {}

#[test]
fn the_timer_replaces_a_foreign_sleep_on_reset() {
    let rt = current_thread();
    rt.block_on(async {
        let timer = WeftTimer::new();
        let mut sleep: Pin<Box<dyn hyper::rt::Sleep>> = Box::pin(ForeignSleep);
        let target = Instant::now() + Duration::from_millis(2);
        timer.reset(&mut sleep, target);
        assert!(sleep.is::<crate::time::Sleep>());
        sleep.await;
        assert!(Instant::now() >= target);
    });
}

#[test]
fn the_executor_runs_every_future_exactly_once() {
    const FUTURES: usize = 100;
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut seen = rt.block_on(async {
        let (tx, mut rx) = crate::sync::mpsc::unbounded_channel();
        for i in 0..FUTURES {
            let tx = tx.clone();
            WeftExecutor::new().execute(async move {
                crate::task::yield_now().await;
                tx.send(i).unwrap();
            });
        }
        drop(tx);
        let mut seen = Vec::new();
        while let Some(i) = rx.recv().await {
            seen.push(i);
        }
        seen
    });
    seen.sort_unstable();
    assert_eq!(seen, (0..FUTURES).collect::<Vec<_>>());
}

#[test]
#[should_panic(expected = "no weft runtime is running")]
fn the_executor_panics_outside_a_runtime() {
    WeftExecutor::new().execute(async {});
}
