//! hyper-util as a hyper program ported by the rename meets it (`tokio` is weft, `hyper_util`
//! is weft-hyper-util): `TokioExecutor` spawns on weft (every HTTP/2 stream of a connection
//! runs on weft's workers, counted by thread), and `TokioTimer` sleeps on weft's timers (a
//! header-read timeout follows the paused test clock).

use axum::body::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use std::convert::Infallible;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

/// A bound on waits that would otherwise hang a broken test; never reached by a passing one.
const LIMIT: Duration = Duration::from_secs(10);

/// Answers with the name of the thread that ran it, after a sleep on weft's timer.
async fn thread_name(_request: Request<Incoming>) -> Result<Response<String>, Infallible> {
    tokio::time::sleep(Duration::from_millis(1)).await;
    let name = std::thread::current().name().unwrap_or("").to_owned();
    Ok(Response::new(name))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_streams_run_on_weft_s_workers() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        // As hyper's examples write it; HTTP/2 spawns each stream through the executor.
        Builder::new(TokioExecutor::new())
            .serve_connection(
                TokioIo::new(stream),
                hyper::service::service_fn(thread_name),
            )
            .await
            .unwrap();
    });
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    let connection = tokio::spawn(connection);
    let mut names = Vec::new();
    for _ in 0..4 {
        let request = Request::get("http://test/")
            .body(Empty::<Bytes>::new())
            .unwrap();
        let response = timeout(LIMIT, sender.send_request(request))
            .await
            .unwrap()
            .unwrap();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        names.push(String::from_utf8(body.to_vec()).unwrap());
    }
    assert_eq!(names, ["weft-worker"; 4]);
    drop(sender);
    timeout(LIMIT, connection).await.unwrap().unwrap().unwrap();
    timeout(LIMIT, server).await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn the_timer_follows_weft_s_paused_clock() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut builder = Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(Duration::from_secs(30));
        // The client never finishes its request's head: hyper gives up after the header-read
        // timeout.
        let served = builder
            .serve_connection(
                TokioIo::new(stream),
                hyper::service::service_fn(thread_name),
            )
            .await;
        assert!(
            served.is_err(),
            "the header-read timeout ends the connection"
        );
    });
    let started = (tokio::time::Instant::now(), Instant::now());
    let mut silent = TcpStream::connect(addr).await.unwrap();
    // Enough for `auto` to tell HTTP/1 (so the timeout applies), not a whole head.
    silent
        .write_all(b"GET / HTTP/1.1\r\nhost: test\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 64];
    // An hour on the paused clock: weft's timer fires the 30 s timeout first, at once in real
    // time (tokio's timer would wait 30 real seconds, and this read would time out).
    let read = timeout(Duration::from_secs(3600), silent.read(&mut buf)).await;
    let closed = read.expect("the connection outlived its header-read timeout");
    assert!(
        matches!(closed, Ok(0) | Err(_)),
        "closed by the server: {closed:?}"
    );
    assert!(started.0.elapsed() >= Duration::from_secs(30));
    assert!(
        started.1.elapsed() < Duration::from_secs(10),
        "on the paused clock, not the real one"
    );
}
