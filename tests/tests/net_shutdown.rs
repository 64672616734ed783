//! Sockets and the end of things: a task aborted in `read` drops its socket (the peer sees EOF,
//! the reactor forgets it), every dropped socket is deregistered, a runtime dropped with tasks
//! waiting on sockets closes them, and a read waiting on a runtime's socket from elsewhere (a
//! plain thread, another runtime) fails with an error instead of hanging when that runtime goes.

#[macro_use]
mod common;

use std::future::{poll_fn, Future};
use std::io;
use std::pin::pin;
use std::sync::mpsc;
use std::task::Poll;
use std::thread;

use common::net::*;
use common::*;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream, UdpSocket, UnixStream};
use weft::runtime::Runtime;

on_both_flavors!(
    aborting_a_task_waiting_in_read_drops_its_socket,
    every_dropped_socket_is_deregistered,
    dropping_the_runtime_closes_the_sockets_of_its_tasks,
    a_read_waiting_on_a_plain_thread_fails_when_the_runtime_drops,
    a_read_waiting_on_another_runtime_fails_when_the_runtime_drops,
);

/// Sockets registered with the reactor of `rt`.
fn sources(rt: &Runtime) -> usize {
    rt.handle().metrics().io_sources()
}

/// A connected pair: `(client, server)`, and the listener they came from.
async fn connected() -> (TcpListener, TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (listener, client, server)
}

/// Reads once from `stream`, but first proves (by one poll) that the read is waiting, and says
/// so on `waiting`.
async fn read_after_waiting(stream: &mut TcpStream, waiting: impl FnOnce()) -> io::Result<Vec<u8>> {
    let mut buf = [0u8; 64];
    let n = {
        let mut read = pin!(stream.read(&mut buf));
        let first = poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx))).await;
        assert!(first.is_pending(), "the peer has sent nothing yet");
        waiting();
        read.await?
    };
    Ok(buf[..n].to_vec())
}

fn aborting_a_task_waiting_in_read_drops_its_socket(rt: Runtime) {
    let before = sources(&rt);
    let handle = rt.handle().clone();
    let drops = counter();
    let d = drops.clone();
    let (eof, during, after) = rt.block_on(within("abort a reader", async move {
        let (listener, mut client, mut server) = connected().await;
        let during = handle.metrics().io_sources();
        let (waiting_tx, waiting_rx) = weft::sync::oneshot::channel();
        let reader = weft::spawn(async move {
            let _guard = DropGuard::new(&d);
            read_after_waiting(&mut server, || waiting_tx.send(()).unwrap()).await
        });
        waiting_rx.await.unwrap();
        reader.abort();
        let err = reader.await.expect_err("aborted");
        assert!(err.is_cancelled());
        // The server stream went with the task: the client reads EOF.
        let mut buf = [0u8; 8];
        let eof = client.read(&mut buf).await.unwrap();
        let after = handle.metrics().io_sources();
        drop((client, listener));
        (eof, during, after)
    }));
    assert_eq!(get(&drops), 1, "the aborted task's future is dropped once");
    assert_eq!(eof, 0, "the peer of the dropped socket reads EOF");
    assert_eq!(during, before + 3, "listener, client and server");
    assert_eq!(after, before + 2, "the server stream is deregistered");
    assert_eq!(sources(&rt), before);
}

const ROUNDS: usize = 100;

fn every_dropped_socket_is_deregistered(rt: Runtime) {
    let before = sources(&rt);
    let handle = rt.handle().clone();
    let counts = rt.block_on(within("deregistration", async move {
        let count = || handle.metrics().io_sources();
        let mut seen = Vec::new();
        for i in 0..ROUNDS {
            let (listener, mut client, mut server) = connected().await;
            seen.push(count());
            let msg = payload(i as u64, 100);
            client.write_all(&msg).await.unwrap();
            let mut back = [0u8; 100];
            server.read_exact(&mut back).await.unwrap();
            assert_eq!(back[..], msg[..]);
            drop((listener, client, server));
            seen.push(count());
        }
        let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        seen.push(count());
        drop(udp);
        seen.push(count());
        let pair = UnixStream::pair().unwrap();
        let (rd, wr) = pair.0.into_split();
        seen.push(count());
        drop((rd, wr, pair.1));
        seen.push(count());
        seen
    }));
    let mut expected = Vec::new();
    for _ in 0..ROUNDS {
        expected.extend([before + 3, before]);
    }
    expected.extend([before + 1, before, before + 2, before]);
    assert_eq!(counts, expected);
    assert_eq!(sources(&rt), before);
}

const WAITERS: usize = 10;

fn dropping_the_runtime_closes_the_sockets_of_its_tasks(doomed: Runtime) {
    let listener = doomed.block_on(async { TcpListener::bind("127.0.0.1:0").await.unwrap() });
    let addr = listener.local_addr().unwrap();
    // The clients live on a runtime of their own, which outlives `doomed`; their connections
    // complete through the listen backlog.
    let survivor = common::multi(2);
    let clients = survivor.block_on(async move {
        let mut clients = Vec::new();
        for _ in 0..WAITERS {
            clients.push(TcpStream::connect(addr).await.unwrap());
        }
        clients
    });
    // On `doomed`, one task per accepted stream waits in `read`.
    let waiting = counter();
    let w = waiting.clone();
    doomed.block_on(within("accept and wait", async move {
        for _ in 0..WAITERS {
            let (mut stream, _) = listener.accept().await.unwrap();
            let w = w.clone();
            weft::spawn(async move {
                // Nobody writes: this waits until the runtime drops the task.
                let _ = read_after_waiting(&mut stream, || bump(&w)).await;
            });
        }
        while get(&w) < WAITERS {
            weft::task::yield_now().await;
        }
    }));
    assert_eq!(get(&waiting), WAITERS);
    drop(doomed);
    let survivor_handle = survivor.handle().clone();
    let (eofs, registered) = survivor.block_on(within("EOF on the survivor", async move {
        let registered = survivor_handle.metrics().io_sources();
        let mut eofs = Vec::new();
        for mut client in clients {
            eofs.push(client.read(&mut [0u8; 8]).await.unwrap());
        }
        (eofs, registered)
    }));
    assert_eq!(
        eofs, [0; WAITERS],
        "every stream of the dropped runtime was closed"
    );
    assert_eq!(
        registered, WAITERS,
        "the survivor's clients are its only sources"
    );
    assert_eq!(sources(&survivor), 0);
}

fn a_read_waiting_on_a_plain_thread_fails_when_the_runtime_drops(rt: Runtime) {
    let (listener, stream, peer) = rt.block_on(connected());
    let (polled_tx, polled_rx) = mpsc::channel();
    let waiter = thread::spawn(move || {
        let mut stream = stream;
        let first = futures_lite::future::block_on(read_after_waiting(&mut stream, || {
            polled_tx.send(()).unwrap()
        }));
        // And any later operation fails at once.
        let second = futures_lite::future::block_on(stream.read(&mut [0u8; 8]));
        (first, second.map(drop))
    });
    polled_rx
        .recv_timeout(NET_LIMIT)
        .expect("the waiting thread never polled its read");
    drop(rt);
    let (first, second) = join_within(waiter);
    let err = first.expect_err("the runtime that drives this socket is gone");
    assert_eq!(err.kind(), io::ErrorKind::Other, "{err}");
    assert!(err.to_string().contains("shut down"), "{err}");
    let again = second.expect_err("still gone");
    assert!(again.to_string().contains("shut down"), "{again}");
    // Kept alive until now, so that EOF could not stand in for the error.
    drop((listener, peer));
}

fn a_read_waiting_on_another_runtime_fails_when_the_runtime_drops(rt: Runtime) {
    let (listener, stream, peer) = rt.block_on(connected());
    let (polled_tx, polled_rx) = mpsc::channel();
    let waiter = thread::spawn(move || {
        let other = common::current();
        let mut stream = stream;
        let first = other.block_on(read_after_waiting(&mut stream, || {
            polled_tx.send(()).unwrap()
        }));
        // A task on the other runtime gets the same error, instead of waiting forever.
        let second = other.block_on(async move {
            weft::spawn(async move { stream.read(&mut [0u8; 8]).await.map(drop) })
                .await
                .unwrap()
        });
        (first, second)
    });
    polled_rx
        .recv_timeout(NET_LIMIT)
        .expect("the other runtime never polled its read");
    drop(rt);
    let (first, second) = join_within(waiter);
    let err = first.expect_err("the runtime that drives this socket is gone");
    assert_eq!(err.kind(), io::ErrorKind::Other, "{err}");
    assert!(err.to_string().contains("shut down"), "{err}");
    let again = second.expect_err("still gone");
    assert!(again.to_string().contains("shut down"), "{again}");
    drop((listener, peer));
}

/// Joins `thread`, failing the test if it is not done within [`NET_LIMIT`].
fn join_within<T: Send + 'static>(thread: thread::JoinHandle<T>) -> T {
    assert!(
        wait_until(NET_LIMIT, || thread.is_finished()),
        "HANG: a read on a socket whose runtime dropped is still waiting"
    );
    thread.join().expect("the waiting thread panicked")
}
