//! hyper 1.x on weft, as a user would write it (weft's `hyper` feature): an HTTP/1 server and
//! client over `WeftIo<TcpStream>`, status, headers and bodies checked exactly; keep-alive with
//! many requests on one connection; concurrent connections; a megabyte body both ways; and
//! `WeftTimer` driving hyper's header read timeout.

#[macro_use]
mod common;

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use common::net::*;
use common::*;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http1::{handshake, SendRequest};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{header, Method, Request, Response, StatusCode};
use weft::hyper::{WeftIo, WeftTimer};
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream};
use weft::runtime::Runtime;

on_both_flavors!(
    get_hello_world,
    keep_alive_serves_many_requests_on_one_connection,
    concurrent_connections_each_get_their_own_answers,
    a_megabyte_body_goes_both_ways,
    the_weft_timer_drives_the_header_read_timeout,
);

const HELLO: &[u8] = b"Hello, World!";

/// `GET /`: hello; `POST /echo`: the request body; anything else: 404. Counts requests.
async fn route(
    req: Request<Incoming>,
    requests: Counter,
) -> Result<Response<Full<Bytes>>, Infallible> {
    bump(&requests);
    let response = match (req.method(), req.uri().path()) {
        (&Method::GET, "/") => Response::new(Full::new(Bytes::from_static(HELLO))),
        (&Method::POST, "/echo") => match req.into_body().collect().await {
            Ok(body) => Response::new(Full::new(body.to_bytes())),
            Err(e) => Response::builder()
                .status(StatusCode::BAD_REQUEST)
                .body(Full::new(Bytes::from(e.to_string())))
                .unwrap(),
        },
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Full::new(Bytes::from_static(b"not found")))
            .unwrap(),
    };
    Ok(response)
}

/// What a server saw: connections served without error, with error, and requests.
#[derive(Debug, PartialEq, Eq)]
struct Served {
    ok: usize,
    failed: usize,
    requests: usize,
}

/// Serves exactly `connections` connections, each in its own task; returns once all are done.
async fn serve(listener: TcpListener, connections: usize) -> Served {
    let requests = counter();
    let mut handles = Vec::new();
    for _ in 0..connections {
        let (stream, _) = listener.accept().await.unwrap();
        let requests = requests.clone();
        handles.push(weft::spawn(async move {
            http1::Builder::new()
                .timer(WeftTimer::new())
                .serve_connection(
                    WeftIo::new(stream),
                    service_fn(move |req| route(req, requests.clone())),
                )
                .await
        }));
    }
    let (mut ok, mut failed) = (0, 0);
    for h in handles {
        match h.await.unwrap() {
            Ok(()) => ok += 1,
            Err(_) => failed += 1,
        }
    }
    Served {
        ok,
        failed,
        requests: get(&requests),
    }
}

/// A client connection to `addr`; its connection task runs on weft until the sender drops.
async fn client(addr: std::net::SocketAddr) -> SendRequest<Full<Bytes>> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, connection) = handshake(WeftIo::new(stream)).await.unwrap();
    weft::spawn(async move {
        connection.await.expect("client connection");
    });
    sender
}

/// Sends one request; the status, the `content-length` header and the whole body.
async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    method: Method,
    path: &str,
    body: Bytes,
) -> (StatusCode, Option<String>, Bytes) {
    sender.ready().await.unwrap();
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, "localhost")
        .body(Full::new(body))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status();
    let length = response
        .headers()
        .get(header::CONTENT_LENGTH)
        .map(|v| v.to_str().unwrap().to_string());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, length, body)
}

async fn bind_local() -> (TcpListener, std::net::SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

fn get_hello_world(rt: Runtime) {
    let (answer, served) = rt.block_on(within("GET /", async {
        let (listener, addr) = bind_local().await;
        let server = weft::spawn(serve(listener, 1));
        let mut sender = client(addr).await;
        let answer = send(&mut sender, Method::GET, "/", Bytes::new()).await;
        drop(sender);
        (answer, server.await.unwrap())
    }));
    assert_eq!(answer.0, StatusCode::OK);
    assert_eq!(answer.1.as_deref(), Some("13"));
    assert_eq!(answer.2, HELLO);
    assert_eq!(
        served,
        Served {
            ok: 1,
            failed: 0,
            requests: 1
        }
    );
}

const KEEP_ALIVE_REQUESTS: usize = 30;

fn keep_alive_serves_many_requests_on_one_connection(rt: Runtime) {
    let served = rt.block_on(within("keep-alive", async {
        let (listener, addr) = bind_local().await;
        // One connection only: every request must reuse it.
        let server = weft::spawn(serve(listener, 1));
        let mut sender = client(addr).await;
        for i in 0..KEEP_ALIVE_REQUESTS {
            match i % 3 {
                0 => {
                    let (status, _, body) = send(&mut sender, Method::GET, "/", Bytes::new()).await;
                    assert_eq!((status, &body[..]), (StatusCode::OK, HELLO));
                }
                1 => {
                    let sent = Bytes::from(payload(i as u64, 10 * i + 1));
                    let (status, length, body) =
                        send(&mut sender, Method::POST, "/echo", sent.clone()).await;
                    assert_eq!(status, StatusCode::OK);
                    assert_eq!(length, Some(sent.len().to_string()));
                    assert_same_bytes(&body, &sent, "echoed body");
                }
                _ => {
                    let (status, _, body) =
                        send(&mut sender, Method::GET, "/missing", Bytes::new()).await;
                    assert_eq!(
                        (status, &body[..]),
                        (StatusCode::NOT_FOUND, &b"not found"[..])
                    );
                }
            }
        }
        drop(sender);
        server.await.unwrap()
    }));
    assert_eq!(
        served,
        Served {
            ok: 1,
            failed: 0,
            requests: KEEP_ALIVE_REQUESTS
        }
    );
}

const CONNECTIONS: usize = 50;
const REQUESTS_EACH: usize = 3;

fn concurrent_connections_each_get_their_own_answers(rt: Runtime) {
    let (served, answered) = rt.block_on(within("concurrent clients", async {
        let (listener, addr) = bind_local().await;
        let server = weft::spawn(serve(listener, CONNECTIONS));
        let clients: Vec<_> = (0..CONNECTIONS)
            .map(|c| {
                weft::spawn(async move {
                    let mut sender = client(addr).await;
                    for r in 0..REQUESTS_EACH {
                        let sent = Bytes::from(format!("connection {c}, request {r}"));
                        let (status, _, body) =
                            send(&mut sender, Method::POST, "/echo", sent.clone()).await;
                        assert_eq!(status, StatusCode::OK);
                        assert_eq!(body, sent);
                    }
                    REQUESTS_EACH
                })
            })
            .collect();
        let mut answered = 0;
        for c in clients {
            answered += c.await.unwrap();
        }
        (server.await.unwrap(), answered)
    }));
    assert_eq!(answered, CONNECTIONS * REQUESTS_EACH);
    assert_eq!(
        served,
        Served {
            ok: CONNECTIONS,
            failed: 0,
            requests: CONNECTIONS * REQUESTS_EACH
        }
    );
}

fn a_megabyte_body_goes_both_ways(rt: Runtime) {
    let sent = Bytes::from(payload(99, 1024 * 1024 + 17));
    let s = sent.clone();
    let (length, body, served) = rt.block_on(within("1 MiB body", async move {
        let (listener, addr) = bind_local().await;
        let server = weft::spawn(serve(listener, 1));
        let mut sender = client(addr).await;
        let (status, length, body) = send(&mut sender, Method::POST, "/echo", s).await;
        assert_eq!(status, StatusCode::OK);
        drop(sender);
        (length, body, server.await.unwrap())
    }));
    assert_eq!(length, Some(sent.len().to_string()));
    assert_same_bytes(&body, &sent, "1 MiB echo");
    assert_eq!(served.requests, 1);
    assert_eq!(served.failed, 0);
}

fn the_weft_timer_drives_the_header_read_timeout(rt: Runtime) {
    let (result, after_timeout) = rt.block_on(within("header read timeout", async {
        let (listener, addr) = bind_local().await;
        let server = weft::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let requests = counter();
            let r = requests.clone();
            let result = http1::Builder::new()
                .timer(WeftTimer::new())
                .header_read_timeout(Duration::from_millis(50))
                .serve_connection(
                    WeftIo::new(stream),
                    service_fn(move |req| route(req, r.clone())),
                )
                .await;
            (result, get(&requests))
        });
        // Half a request line, and then silence: only the timer can end this connection.
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"GET / HTT").await.unwrap();
        let (result, requests) = server.await.unwrap();
        assert_eq!(requests, 0);
        // The server closed the connection: the client reads EOF (possibly after a 408).
        let mut rest = Vec::new();
        let closed = stream.read_to_end(&mut rest).await.map(|_| rest);
        (result, closed)
    }));
    let err = result.expect_err("the header read timed out");
    assert!(err.is_timeout(), "{err}");
    let rest = after_timeout.expect("a clean close");
    assert!(
        rest.is_empty() || rest.starts_with(b"HTTP/1.1 408"),
        "unexpected bytes after the timeout: {:?}",
        String::from_utf8_lossy(&rest)
    );
}
