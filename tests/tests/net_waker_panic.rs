//! A waker of the program's own making that panics when weft's reactor wakes it (a future
//! polled by hand with a custom `Context`, as a small executor inside a task would): the panic
//! is reported once through the panic hook, it does not escape `block_on` or take a worker
//! down, and the runtime's I/O keeps working. (Before: on a current-thread runtime the panic
//! escaped `block_on`; on a multi-thread runtime it unwound the worker that turned the
//! reactor, and the poisoned turn lock stopped I/O for good.)
//!
//! This file installs a panic hook (process-wide) that records panics whose message carries a
//! waker's id: each test counts only its own.

#[macro_use]
mod common;

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Barrier, Mutex, Once};
use std::task::{Context, Poll, Wake, Waker};

use common::net::*;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream};
use weft::runtime::Runtime;

on_both_flavors!(a_panicking_waker_neither_stops_io_nor_takes_a_worker_down);

/// Messages of the panics seen by the hook that mention a waker id.
static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

fn record_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info.to_string();
            if message.contains("panicking waker #") {
                SEEN.lock().unwrap().push(message);
            }
            previous(info);
        }));
    });
}

fn panics_of(tag: &str) -> usize {
    let seen = SEEN.lock().unwrap();
    seen.iter().filter(|message| message.contains(tag)).count()
}

/// Wakes the task that polled with it (so that the test sees it fire), then panics.
struct PanicAfterWake {
    tag: String,
    task: Waker,
    fired: Arc<AtomicBool>,
}

impl Wake for PanicAfterWake {
    fn wake(self: Arc<Self>) {
        self.fired.store(true, SeqCst);
        self.task.wake_by_ref();
        panic!("{} (on purpose)", self.tag);
    }
}

async fn connected_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .expect("connect");
    let (server, _) = listener.accept().await.expect("accept");
    (client, server)
}

fn a_panicking_waker_neither_stops_io_nor_takes_a_worker_down(rt: Runtime) {
    record_panics();
    let tag = format!("panicking waker #{}", NEXT_ID.fetch_add(1, SeqCst));
    let workers = rt.handle().metrics().num_workers();
    rt.block_on(within(
        "the waker panic and the round trips after it",
        async {
            let (mut client_a, mut server_a) = connected_pair().await;
            let (mut client_b, mut server_b) = connected_pair().await;
            let fired = Arc::new(AtomicBool::new(false));
            let mut buf = [0u8; 8];
            let mut read = pin!(server_a.read(&mut buf));
            poll_fn(|cx| {
                let waker = Waker::from(Arc::new(PanicAfterWake {
                    tag: tag.clone(),
                    task: cx.waker().clone(),
                    fired: fired.clone(),
                }));
                let polled = read.as_mut().poll(&mut Context::from_waker(&waker));
                assert!(polled.is_pending(), "nothing to read yet");
                Poll::Ready(())
            })
            .await;
            client_a.write_all(b"a").await.unwrap();
            // The reactor wakes the panicking waker, which wakes this task first.
            poll_fn(|_| {
                if fired.load(SeqCst) {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            })
            .await;
            // I/O goes on: a round trip on the other connection, and the read that waited.
            client_b.write_all(b"ping").await.unwrap();
            let mut reply = [0u8; 4];
            server_b.read_exact(&mut reply).await.unwrap();
            assert_eq!(&reply, b"ping");
            assert_eq!(read.await.unwrap(), 1);
        },
    ));
    // The waker wakes this task and only then panics, on the thread that turned the reactor:
    // under load this task can finish before that thread reaches the hook. Wait for it (a
    // hang guard's limit, not a timing assertion), then check it reported exactly one panic.
    let deadline = std::time::Instant::now() + NET_LIMIT;
    while panics_of(&tag) == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert_eq!(panics_of(&tag), 1, "the hook reported the panic once");
    if workers > 1 {
        // Every worker is alive: as many tasks as workers meet at a barrier, which needs them
        // all running at once (a missing worker is a hang, caught by the guard).
        let barrier = Arc::new(Barrier::new(workers));
        rt.block_on(async {
            let meetings: Vec<_> = (0..workers)
                .map(|_| {
                    let barrier = barrier.clone();
                    weft::spawn(async move {
                        barrier.wait();
                    })
                })
                .collect();
            for meeting in meetings {
                meeting.await.unwrap();
            }
        });
    }
}
