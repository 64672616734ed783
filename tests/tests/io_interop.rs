//! The tokio I/O ecosystem on weft sockets, through tokio's `AsyncRead`/`AsyncWrite` that
//! weft's streams implement: tokio-util's `Framed` with a `LinesCodec` (both directions,
//! every line counted), hyper serving and requesting through hyper-util's `TokioIo` (every
//! request counted on both sides), and tokio-util's graceful-shutdown kit (`CancellationToken`,
//! `TaskTracker`) around a weft server.

#[macro_use]
mod common;

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;

use bytes::Bytes;
use common::net::within;
use common::*;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio_util::codec::{Framed, LinesCodec};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use weft::net::{TcpListener, TcpStream, UnixStream};
use weft::runtime::Runtime;

on_both_flavors!(
    framed_lines_go_both_ways_over_tcp,
    framed_lines_over_split_unix_halves,
    hyper_serves_through_tokio_io,
    a_task_tracker_and_a_cancellation_token_shut_a_server_down,
);

const LINES: usize = 200;

/// The server answers each line with `echo: <line>` and returns how many it read once the
/// client shuts down its side; the client sends `LINES` lines, reads `LINES` answers, checks
/// each, shuts down, and then reads the end of the stream.
fn framed_lines_go_both_ways_over_tcp(rt: Runtime) {
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = weft::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let mut framed = Framed::new(stream, LinesCodec::new());
            let mut seen = 0;
            while let Some(line) = framed.next().await {
                framed
                    .send(format!("echo: {}", line.unwrap()))
                    .await
                    .unwrap();
                seen += 1;
            }
            seen
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let mut framed = Framed::new(stream, LinesCodec::new());
        within("the line exchange", async {
            for i in 0..LINES {
                framed.feed(format!("line {i}")).await.unwrap();
            }
            SinkExt::<String>::flush(&mut framed).await.unwrap();
            for i in 0..LINES {
                let answer = framed.next().await.expect("an answer per line").unwrap();
                assert_eq!(answer, format!("echo: line {i}"));
            }
        })
        .await;
        // Shut down writing: the server's stream of lines ends.
        SinkExt::<String>::close(&mut framed).await.unwrap();
        assert_eq!(within("the server", server).await.unwrap(), LINES);
        assert!(
            framed.next().await.is_none(),
            "the server closed after its last answer"
        );
    });
}

/// A `FramedRead` and a `FramedWrite` on the owned halves of a Unix stream, in two tasks.
fn framed_lines_over_split_unix_halves(rt: Runtime) {
    use tokio_util::codec::{FramedRead, FramedWrite};
    rt.block_on(async {
        let (a, b) = UnixStream::pair().unwrap();
        let (a_read, a_write) = a.into_split();
        let writer = weft::spawn(async move {
            let mut sink = FramedWrite::new(a_write, LinesCodec::new());
            for i in 0..LINES {
                sink.send(format!("{i}")).await.unwrap();
            }
            // Dropping the owned write half shuts down writing: `b` reads EOF.
        });
        let mut lines = FramedRead::new(b, LinesCodec::new());
        let mut got = 0;
        while let Some(line) = within("a line", lines.next()).await {
            assert_eq!(line.unwrap(), got.to_string());
            got += 1;
        }
        writer.await.unwrap();
        assert_eq!(got, LINES);
        drop(a_read);
    });
}

const REQUESTS: usize = 25;

/// An HTTP/1 server and client, both over `TokioIo<weft::net::TcpStream>`: `REQUESTS`
/// requests on one keep-alive connection, each answered with its own number.
fn hyper_serves_through_tokio_io(rt: Runtime) {
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let served = counter();
        let server = {
            let served = served.clone();
            weft::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let served = served.clone();
                    async move {
                        bump(&served);
                        let body = format!("answer to {}", req.uri().path());
                        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body))))
                    }
                });
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await
            })
        };
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        let connection = weft::spawn(connection);
        for i in 0..REQUESTS {
            let request = Request::get(format!("/{i}"))
                .header(hyper::header::HOST, "weft")
                .body(Full::new(Bytes::new()))
                .unwrap();
            // The connection task reads the previous response's end before it takes another.
            within("the connection ready", sender.ready())
                .await
                .unwrap();
            let response = within("a response", sender.send_request(request))
                .await
                .unwrap();
            assert_eq!(response.status(), hyper::StatusCode::OK);
            let body = response.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(body, format!("answer to /{i}"));
        }
        assert_eq!(get(&served), REQUESTS, "the server saw each request once");
        drop(sender);
        within("the client connection", connection)
            .await
            .unwrap()
            .unwrap();
        within("the server connection", server)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(get(&served), REQUESTS);
    });
}

/// tokio-util's graceful shutdown on weft: a `CancellationToken` ends the accept loop and tells
/// each connection to say "bye", and a `TaskTracker` waits for every connection task. The tasks
/// are spawned with `weft::spawn(tracker.track_future(..))`: `TaskTracker::spawn` calls
/// `tokio::spawn`, which needs tokio's own runtime (the README's porting section says so).
fn a_task_tracker_and_a_cancellation_token_shut_a_server_down(rt: Runtime) {
    const CLIENTS: usize = 3;
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let token = CancellationToken::new();
        let tracker = TaskTracker::new();
        let served = Arc::new(AtomicUsize::new(0));
        let server = {
            let (token, tracker, served) = (token.clone(), tracker.clone(), served.clone());
            weft::spawn(async move {
                loop {
                    let stream = weft::select! {
                        _ = token.cancelled() => break,
                        accepted = listener.accept() => accepted.unwrap().0,
                    };
                    let (token, served) = (token.clone(), served.clone());
                    weft::spawn(tracker.track_future(async move {
                        let mut framed = Framed::new(stream, LinesCodec::new());
                        loop {
                            weft::select! {
                                line = framed.next() => match line {
                                    Some(line) => framed.send(line.unwrap()).await.unwrap(),
                                    None => break,
                                },
                                _ = token.cancelled() => {
                                    framed.send("bye").await.unwrap();
                                    break;
                                }
                            }
                        }
                        served.fetch_add(1, SeqCst);
                    }));
                }
            })
        };
        let mut clients = Vec::new();
        for i in 0..CLIENTS {
            let stream = TcpStream::connect(addr).await.unwrap();
            let mut framed = Framed::new(stream, LinesCodec::new());
            framed.send(format!("hello {i}")).await.unwrap();
            let echo = within("an echo", framed.next()).await.unwrap().unwrap();
            assert_eq!(echo, format!("hello {i}"));
            clients.push(framed);
        }
        token.cancel();
        within("the accept loop", server).await.unwrap();
        tracker.close();
        within("the tracked connections", tracker.wait()).await;
        assert_eq!(served.load(SeqCst), CLIENTS);
        assert!(tracker.is_empty());
        for mut framed in clients {
            assert_eq!(framed.next().await.unwrap().unwrap(), "bye");
            assert!(
                framed.next().await.is_none(),
                "the server closed after its bye"
            );
        }
    });
}
