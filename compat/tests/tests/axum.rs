//! axum as a program ported by the rename meets it (`tokio` is weft, `axum` is weft-axum):
//! routers, handlers and extractors are axum's own; `axum::serve` takes weft's listeners and
//! serves each connection as a weft task. Counted exactly: which thread ran each handler, the
//! peers, the connections tapped, and what a graceful shutdown lets finish.

use axum::extract::{ConnectInfo, State};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::{Json, Router};
use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Mutex};
use tokio::time::timeout;

/// A bound on waits that would otherwise hang a broken test; never reached by a passing one.
const LIMIT: Duration = Duration::from_secs(10);

/// One HTTP/1.1 request on `stream` (which then closes): the status and the body.
async fn request(
    mut stream: impl AsyncRead + AsyncWrite + Unpin,
    line: &str,
    body: &str,
) -> (u16, String) {
    let head = format!(
        "{line} HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut response = String::new();
    timeout(LIMIT, stream.read_to_string(&mut response))
        .await
        .unwrap()
        .unwrap();
    let status = response[9..12].parse().unwrap();
    let (_, body) = response.split_once("\r\n\r\n").unwrap();
    (status, body.to_string())
}

async fn get_tcp(addr: SocketAddr, path: &str) -> (u16, String) {
    request(
        TcpStream::connect(addr).await.unwrap(),
        &format!("GET {path}"),
        "",
    )
    .await
}

/// Serves `app` on a fresh port in a task until the returned sender sends (or drops): the
/// address, that sender, and the server's task.
async fn serve_until_stopped(
    app: Router,
) -> (
    SocketAddr,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let (stop, stopped) = oneshot::channel::<()>();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        let _ = stopped.await;
    });
    let addr = server.local_addr().unwrap();
    (addr, stop, tokio::spawn(server.into_future()))
}

/// Serves `app` on a fresh port in a task: the address, and the server's task (aborted by the
/// test when done).
async fn serve(app: Router) -> (SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = axum::serve(listener, app);
    let addr = server.local_addr().unwrap();
    (addr, tokio::spawn(server.into_future()))
}

#[derive(Default)]
struct Counter {
    hits: Mutex<u64>,
}

async fn hello() -> String {
    // weft's timer: the handler runs on weft's runtime.
    tokio::time::sleep(Duration::from_millis(1)).await;
    std::thread::current().name().unwrap_or("").to_string()
}

async fn count(State(counter): State<Arc<Counter>>) -> String {
    let mut hits = counter.hits.lock().await;
    *hits += 1;
    hits.to_string()
}

async fn echo(Json(value): Json<serde_json::Value>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "echo": value }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_router_is_served_on_weft_s_workers_with_state_and_json() {
    let counter = Arc::new(Counter::default());
    let app = Router::new()
        .route("/", get(hello))
        .route("/count", get(count))
        .route("/echo", post(echo))
        .with_state(counter.clone());
    let (addr, server) = serve(app).await;

    assert_eq!(get_tcp(addr, "/").await, (200, "weft-worker".to_string()));
    for n in 1..=3 {
        assert_eq!(get_tcp(addr, "/count").await, (200, n.to_string()));
    }
    let echoed = request(
        TcpStream::connect(addr).await.unwrap(),
        "POST /echo",
        r#"{"a":1}"#,
    )
    .await;
    assert_eq!(echoed, (200, r#"{"echo":{"a":1}}"#.to_string()));
    assert_eq!(get_tcp(addr, "/missing").await.0, 404);
    assert_eq!(*counter.hits.lock().await, 3);
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_info_and_tap_io_see_each_connection_once() {
    let tapped = Arc::new(AtomicUsize::new(0));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap().tap_io({
        let tapped = tapped.clone();
        move |stream: &mut TcpStream| {
            stream.set_nodelay(true).unwrap();
            tapped.fetch_add(1, Ordering::SeqCst);
        }
    });
    let app = Router::new().route(
        "/peer",
        get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
    );
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    );
    let addr = server.local_addr().unwrap();
    let server = tokio::spawn(server.into_future());
    for _ in 0..3 {
        let stream = TcpStream::connect(addr).await.unwrap();
        let local = stream.local_addr().unwrap();
        assert_eq!(
            request(stream, "GET /peer", "").await,
            (200, local.to_string())
        );
    }
    assert_eq!(tapped.load(Ordering::SeqCst), 3);
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_method_router_serves_a_unix_socket() {
    let dir = std::env::temp_dir().join(format!("weft-axum-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("socket");
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    let server = tokio::spawn(axum::serve(listener, get(|| async { "over unix" })).into_future());
    let stream = tokio::net::UnixStream::connect(&path).await.unwrap();
    assert_eq!(
        request(stream, "GET /", "").await,
        (200, "over unix".to_string())
    );
    server.abort();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_finishes_the_request_in_flight_then_ends() {
    let (entered_tx, entered) = oneshot::channel::<()>();
    let (release, released) = oneshot::channel::<()>();
    let slot = Arc::new(std::sync::Mutex::new(Some((entered_tx, released))));
    let app = Router::new()
        .route(
            "/slow",
            get(move || {
                let (entered_tx, released) = slot.lock().unwrap().take().unwrap();
                async move {
                    entered_tx.send(()).unwrap();
                    released.await.unwrap();
                    "finished"
                }
            }),
        )
        .route("/", get(|| async { "quick" }));
    let (addr, stop, server) = serve_until_stopped(app).await;
    assert_eq!(get_tcp(addr, "/").await, (200, "quick".to_string()));

    let slow = tokio::spawn(get_tcp(addr, "/slow"));
    timeout(LIMIT, entered).await.unwrap().unwrap();
    stop.send(()).unwrap();
    // The listener closes (a connection that raced the signal into the backlog is closed
    // unserved), and the server waits for the request in flight.
    timeout(LIMIT, async {
        while TcpStream::connect(addr).await.is_ok() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .expect("the listener stayed open after the signal");
    assert!(!server.is_finished());
    release.send(()).unwrap();
    assert_eq!(
        timeout(LIMIT, slow).await.unwrap().unwrap(),
        (200, "finished".to_string())
    );
    timeout(LIMIT, server).await.unwrap().unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_is_served_on_the_same_listener() {
    use axum::body::Bytes;
    use http_body_util::{BodyExt, Empty};

    let app = Router::new().route(
        "/",
        get(|request: axum::extract::Request| async move { format!("{:?}", request.version()) }),
    );
    let (addr, server) = serve(app).await;

    // HTTP/1.1 and HTTP/2 (prior knowledge) on the same port, told apart by their first bytes.
    assert_eq!(get_tcp(addr, "/").await, (200, "HTTP/1.1".to_string()));
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http2::handshake(
        tokio::hyper::WeftExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await
    .unwrap();
    tokio::spawn(connection);
    for _ in 0..3 {
        let request = axum::http::Request::get("http://test/")
            .body(Empty::<Bytes>::new())
            .unwrap();
        let response = timeout(LIMIT, sender.send_request(request))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(response.status(), 200);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body, "HTTP/2.0");
    }
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_callback_uses_weft_s_timers_and_spawn() {
    use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
    use futures_util::{SinkExt, StreamExt};

    // axum's chat example in small: the upgrade callback (a weft task: axum upgrades on the
    // runtime's tokio companion, weft-axum hands the session to weft) spawns a weft task per
    // direction and sleeps on weft's timer before each echo.
    async fn echo(socket: WebSocket) {
        let session = std::thread::current().name().unwrap_or("").to_string();
        let (mut sender, mut receiver) = socket.split();
        let (tx, mut rx) = tokio::sync::mpsc::channel::<String>(4);
        let reader = tokio::spawn(async move {
            while let Some(Ok(Message::Text(text))) = receiver.next().await {
                tx.send(text.to_string()).await.unwrap();
            }
        });
        let writer = tokio::spawn(async move {
            while let Some(text) = rx.recv().await {
                tokio::time::sleep(Duration::from_millis(1)).await;
                let thread = std::thread::current().name().unwrap_or("").to_string();
                let reply = format!("{text} from {thread}, session on {session}");
                sender.send(Message::Text(reply.into())).await.unwrap();
            }
        });
        let _ = reader.await;
        let _ = writer.await;
    }
    let app = Router::new().route(
        "/ws",
        get(|upgrade: WebSocketUpgrade| async move { upgrade.on_upgrade(echo) }),
    );
    let (addr, server) = serve(app).await;

    let (mut socket, _response) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
        .await
        .unwrap();
    for n in 0..3 {
        socket
            .send(tokio_tungstenite::tungstenite::Message::text(format!(
                "hi {n}"
            )))
            .await
            .unwrap();
        let reply = timeout(LIMIT, socket.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(
            reply.into_text().unwrap().as_str(),
            // Not "weft-tokio": the session is not left on the companion's thread.
            format!("hi {n} from weft-worker, session on weft-worker")
        );
    }
    socket.close(None).await.unwrap();
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_upgrade_keeps_axum_s_protocols_settings_and_rejections() {
    use axum::extract::ws::{Message, WebSocketUpgrade};
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    // weft-axum's `WebSocketUpgrade` wraps axum's: each forwarded method must still act. The
    // session reports what it saw through `outcome`.
    let (outcome_tx, mut outcome) = tokio::sync::mpsc::unbounded_channel::<String>();
    let app = Router::new().route(
        "/ws",
        get(|upgrade: WebSocketUpgrade| async move {
            let requested: Vec<_> = upgrade
                .requested_protocols()
                .map(|p| p.to_str().unwrap().to_string())
                .collect();
            let upgrade = upgrade
                .protocols(["superchat", "chat"])
                .max_message_size(1024)
                .write_buffer_size(0)
                .on_failed_upgrade(|error| panic!("the upgrade failed: {error}"));
            let selected = upgrade.selected_protocol().cloned();
            upgrade.on_upgrade(move |mut socket| async move {
                let report = format!(
                    "requested {requested:?}, selected {selected:?}, socket's {:?}",
                    socket.protocol()
                );
                socket.send(Message::Text(report.into())).await.unwrap();
                // Over `max_message_size`: the read fails instead of returning it.
                let read = match socket.recv().await {
                    Some(Err(error)) => format!("refused: {error}"),
                    other => format!("read {other:?}"),
                };
                outcome_tx.send(read).unwrap();
            })
        }),
    );
    let (addr, server) = serve(app).await;

    let mut request = format!("ws://{addr}/ws").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "chat, superchat".parse().unwrap());
    let (mut socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], "superchat");
    let report = timeout(LIMIT, socket.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        report.into_text().unwrap().as_str(),
        "requested [\"chat\", \"superchat\"], selected Some(\"superchat\"), \
         socket's Some(\"superchat\")"
    );
    let too_big = tungstenite::Message::binary(vec![0u8; 4096]);
    socket.send(too_big).await.unwrap();
    let read = timeout(LIMIT, outcome.recv()).await.unwrap().unwrap();
    assert!(
        read.starts_with("refused: ") && read.contains("4096 > 1024"),
        "{read}"
    );

    // A plain GET is rejected as axum rejects it.
    let mut plain = TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"GET /ws HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    timeout(LIMIT, plain.read_to_string(&mut response))
        .await
        .unwrap()
        .unwrap();
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(response.contains("upgrade"), "{response}");
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_closes_idle_keep_alive_connections() {
    // A client that keeps its connection open after a response (as browsers do) must not keep
    // the server from ending: hyper closes an idle connection at once on a graceful shutdown.
    let app = Router::new().route("/", get(|| async { "kept alive" }));
    let (addr, stop, server) = serve_until_stopped(app).await;

    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET / HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    let mut response = Vec::new();
    let mut buf = [0u8; 1024];
    while !response.ends_with(b"kept alive") {
        let n = timeout(LIMIT, idle.read(&mut buf)).await.unwrap().unwrap();
        assert!(n > 0, "the server closed a kept-alive connection early");
        response.extend_from_slice(&buf[..n]);
    }
    stop.send(()).unwrap();
    timeout(LIMIT, server)
        .await
        .expect("the server waited for an idle connection")
        .unwrap()
        .unwrap();
    // The server closed it: the client reads the end of the stream.
    assert_eq!(
        timeout(LIMIT, idle.read(&mut buf)).await.unwrap().unwrap(),
        0
    );
}
