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

/// Serves `hello` on every connection to `listener`, each a weft task.
async fn serve_hello(listener: TcpListener) {
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        tokio::spawn(async move {
            let hello = |_: Request<Incoming>| async {
                Ok::<_, Infallible>(Response::new("hi".to_owned()))
            };
            let _ = Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), hyper::service::service_fn(hello))
                .await;
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_legacy_client_connects_over_weft_s_sockets_with_weft_connector() {
    use hyper_util::client::legacy::Client;
    use hyper_util::connect::WeftConnector;

    let metrics = tokio::runtime::Handle::current().metrics();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(serve_hello(listener));
    let url: hyper::Uri = format!("http://{addr}/").parse().unwrap();
    // hyper-util's own connector: the client's socket is tokio's (the companion's), so weft's
    // driver holds only the server's end of the kept-alive connection that one GET opened.
    // (One GET: a second may open a second connection while the first goes back to the pool.)
    let before = metrics.io_sources();
    let tokio_sockets = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    assert_eq!(get(&tokio_sockets, &url).await, "hi");
    assert_eq!(metrics.io_sources(), before + 1);
    drop(tokio_sockets);

    // weft's: both ends are weft's sockets.
    let mut connector = WeftConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(LIMIT));
    let weft_sockets = Client::builder(TokioExecutor::new()).build(connector);
    let before = wait_for_sources(&metrics, before).await;
    assert_eq!(get(&weft_sockets, &url).await, "hi");
    assert_eq!(
        metrics.io_sources(),
        before + 2,
        "one connection, both of its ends on weft"
    );
    for _ in 0..5 {
        assert_eq!(get(&weft_sockets, &url).await, "hi");
    }

    // Not for https: a clear error, not a plaintext connection.
    let refused = weft_sockets
        .get("https://127.0.0.1:1/".parse().unwrap())
        .await
        .unwrap_err();
    assert!(refused.is_connect(), "{refused:?}");
    let reason = std::error::Error::source(&refused).map(ToString::to_string);
    assert!(
        reason
            .as_deref()
            .is_some_and(|r| r.contains("http:// URIs only")),
        "{refused:?}: {reason:?}"
    );
    server.abort();
}

/// One GET through `client`: its body, after a 200.
async fn get<C>(
    client: &hyper_util::client::legacy::Client<C, Empty<Bytes>>,
    url: &hyper::Uri,
) -> Bytes
where
    C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
{
    let response = timeout(LIMIT, client.get(url.clone()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(response.status(), 200);
    response.into_body().collect().await.unwrap().to_bytes()
}

/// Waits until the driver holds `sources` sockets again (a dropped client's connection closes
/// its server end a moment later), and returns that count.
async fn wait_for_sources(metrics: &tokio::runtime::RuntimeMetrics, sources: usize) -> usize {
    let deadline = Instant::now() + LIMIT;
    while metrics.io_sources() != sources {
        assert!(
            Instant::now() < deadline,
            "{} sockets, not {sources}",
            metrics.io_sources()
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    sources
}
