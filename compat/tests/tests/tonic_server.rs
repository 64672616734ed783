//! tonic's server as a program ported by the rename meets it (`tokio` is weft, `tonic` is
//! weft-tonic): `transport::Server` serves each connection as a weft task. Counted exactly: which
//! thread ran each handler, what it learned of its peer, which requests a deadline, a limit or a
//! shutdown cut short and which it let finish.

mod tonic_echo;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::timeout;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Endpoint, Server};
use tonic::{Code, Request, Status};
use tonic_echo::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_call_runs_on_weft_s_workers() {
    let service = EchoService::default();
    let counts = service.counts.clone();
    let (addr, stop, server) =
        serve_until_stopped(Server::builder().add_service(EchoServer::new(service)));
    let mut client = client(addr).await;

    let response = client
        .unary(request("hello", 0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.message, "hello");
    assert!(
        response.thread.starts_with("weft-worker"),
        "{}",
        response.thread
    );
    let remote: SocketAddr = response.remote_addr.parse().unwrap();
    assert_eq!(remote.ip(), addr.ip());
    assert_ne!(remote.port(), addr.port());

    let streamed: Vec<EchoResponse> = client
        .server_streaming(EchoRequest {
            message: "item".into(),
            sleep_ms: 0,
            count: 10,
        })
        .await
        .unwrap()
        .into_inner()
        .map(Result::unwrap)
        .collect()
        .await;
    let messages: Vec<&str> = streamed.iter().map(|r| r.message.as_str()).collect();
    let expected: Vec<String> = (0..10).map(|i| format!("item {i}")).collect();
    assert_eq!(messages, expected);
    assert!(streamed.iter().all(|r| r.thread.starts_with("weft-worker")));

    let upload = tokio_stream::iter(["a", "b", "c"].map(|m| request(m, 0)));
    let joined = client.client_streaming(upload).await.unwrap().into_inner();
    assert_eq!(joined.message, "a,b,c");
    assert!(
        joined.thread.starts_with("weft-worker"),
        "{}",
        joined.thread
    );

    let (tx, rx) = mpsc::channel(1);
    let mut echoes = client
        .bidi(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    for word in ["one", "two", "three"] {
        // One at a time: each answer comes back before the next request is sent.
        tx.send(request(word, 0)).await.unwrap();
        let echo = timeout(LIMIT, echoes.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(echo.message, word.to_uppercase());
    }
    drop(tx);
    assert!(timeout(LIMIT, echoes.next()).await.unwrap().is_none());

    assert_eq!(counts.started.load(Ordering::SeqCst), 1);
    assert_eq!(counts.finished.load(Ordering::SeqCst), 1);
    stop.send(()).unwrap();
    drop(client);
    timeout(LIMIT, server).await.unwrap().unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shorter_of_the_server_s_timeout_and_the_client_s_deadline_cancels() {
    let service = EchoService::default();
    let counts = service.counts.clone();
    let (addr, stop, server) = serve_until_stopped(
        Server::builder()
            .timeout(Duration::from_millis(500))
            .add_service(EchoServer::new(service)),
    );
    let mut client = client(addr).await;

    // The server's 500 ms cut a handler that would take an hour.
    let started = tokio::time::Instant::now();
    let status = client.unary(request("slow", 3_600_000)).await.unwrap_err();
    assert_eq!(status.code(), Code::Cancelled);
    assert_eq!(status.message(), "Timeout expired");
    assert!(started.elapsed() >= Duration::from_millis(500));

    // The client's 50 ms (its `grpc-timeout` header) is shorter: it wins.
    let mut short = Request::new(request("slow", 3_600_000));
    short.set_timeout(Duration::from_millis(50));
    let started = tokio::time::Instant::now();
    let status = client.unary(short).await.unwrap_err();
    assert_eq!(status.code(), Code::Cancelled);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );

    // Within both, a request is served.
    let mut fine = Request::new(request("quick", 10));
    fine.set_timeout(Duration::from_secs(5));
    assert_eq!(
        client.unary(fine).await.unwrap().into_inner().message,
        "quick"
    );

    assert_eq!(counts.started.load(Ordering::SeqCst), 3);
    assert_eq!(counts.finished.load(Ordering::SeqCst), 1);
    assert_eq!(counts.cut.load(Ordering::SeqCst), 2);
    stop.send(()).unwrap();
    drop(client);
    timeout(LIMIT, server).await.unwrap().unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_at_its_limit_sheds_load_with_resource_exhausted() {
    let service = EchoService::default();
    let (counts, release) = (service.counts.clone(), service.release.clone());
    let (addr, stop, server) = serve_until_stopped(
        Server::builder()
            .concurrency_limit_per_connection(1)
            .load_shed(true)
            .add_service(EchoServer::new(service)),
    );
    let client = client(addr).await;

    // The first request holds the connection's only slot until released.
    let held = tokio::spawn({
        let mut client = client.clone();
        async move { client.unary(request("held", UNTIL_RELEASED)).await }
    });
    while counts.started.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // The second, on the same connection, is refused at once.
    let status = client.clone().unary(request("shed", 0)).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted);
    release.notify_one();
    let held = timeout(LIMIT, held).await.unwrap().unwrap().unwrap();
    assert_eq!(held.into_inner().message, "held");
    // With the slot free again, a request is served.
    let again = client.clone().unary(request("again", 0)).await.unwrap();
    assert_eq!(again.into_inner().message, "again");

    assert_eq!(counts.started.load(Ordering::SeqCst), 2);
    assert_eq!(counts.finished.load(Ordering::SeqCst), 2);
    stop.send(()).unwrap();
    drop(client);
    timeout(LIMIT, server).await.unwrap().unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_shutdown_finishes_the_calls_in_flight_and_refuses_new_connections() {
    let service = EchoService::default();
    let (counts, release) = (service.counts.clone(), service.release.clone());
    let (addr, stop, server) =
        serve_until_stopped(Server::builder().add_service(EchoServer::new(service)));
    let client = client(addr).await;
    let in_flight = tokio::spawn({
        let mut client = client.clone();
        async move { client.unary(request("in flight", UNTIL_RELEASED)).await }
    });
    while counts.started.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }

    stop.send(()).unwrap();
    // The listener is closed at once: a new connection is refused.
    let mut refused = false;
    for _ in 0..1000 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert!(
        refused,
        "the listener still accepts after the shutdown signal"
    );
    // The server waits for the call in flight...
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!server.is_finished());
    // ...which completes, and then the server ends.
    release.notify_one();
    let response = timeout(LIMIT, in_flight).await.unwrap().unwrap().unwrap();
    assert_eq!(response.into_inner().message, "in flight");
    drop(client);
    timeout(LIMIT, server).await.unwrap().unwrap().unwrap();
    assert_eq!(counts.finished.load(Ordering::SeqCst), 1);
    assert_eq!(counts.cut.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_past_its_age_finishes_its_calls_within_the_grace() {
    let service = EchoService::default();
    let counts = service.counts.clone();
    let (addr, stop, server) = serve_until_stopped(
        Server::builder()
            .max_connection_age(Duration::from_millis(200))
            .max_connection_age_grace(Duration::from_millis(400))
            .add_service(EchoServer::new(service)),
    );
    let client = client(addr).await;
    // Started before the age, done within the grace: it finishes.
    let within = tokio::spawn({
        let mut client = client.clone();
        async move { client.unary(request("within", 300)).await }
    });
    // Started before the age, still running past the grace: the connection is closed under it.
    let beyond = tokio::spawn({
        let mut client = client.clone();
        async move { client.unary(request("beyond", 3_600_000)).await }
    });
    let within = timeout(LIMIT, within).await.unwrap().unwrap().unwrap();
    assert_eq!(within.into_inner().message, "within");
    let beyond = timeout(LIMIT, beyond).await.unwrap().unwrap().unwrap_err();
    assert_ne!(beyond.code(), Code::Ok);
    // The handler of the call cut short was dropped with its connection.
    let deadline = tokio::time::Instant::now() + LIMIT;
    while counts.cut.load(Ordering::SeqCst) == 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(counts.started.load(Ordering::SeqCst), 2);
    assert_eq!(counts.finished.load(Ordering::SeqCst), 1);
    assert_eq!(counts.cut.load(Ordering::SeqCst), 1);
    // The channel connects again. (A call sent while the closed connection was still being
    // noticed fails with CANCELLED, "connection closed", as on tonic's own channel: a client
    // retries it.)
    let mut client = client;
    let deadline = tokio::time::Instant::now() + LIMIT;
    let next = loop {
        match client.unary(request("next", 0)).await {
            Ok(next) => break next,
            Err(status) if status.code() == Code::Cancelled => {
                assert!(tokio::time::Instant::now() < deadline, "never reconnected");
            }
            Err(status) => panic!("{status:?}"),
        }
    };
    assert_eq!(next.into_inner().message, "next");
    stop.send(()).unwrap();
    drop(client);
    timeout(LIMIT, server).await.unwrap().unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_layer_intercepts_every_call() {
    fn check(request: Request<()>) -> Result<Request<()>, Status> {
        match request.metadata().get("authorization") {
            Some(token) if token == "Bearer sesame" => Ok(request),
            _ => Err(Status::unauthenticated("no valid token")),
        }
    }
    let service = EchoService::default();
    let counts = service.counts.clone();
    let incoming = TcpIncoming::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = incoming.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(
        Server::builder()
            .layer(tonic::service::InterceptorLayer::new(check))
            .add_service(EchoServer::new(service))
            .serve_with_incoming_shutdown(incoming, async move {
                let _ = stopped.await;
            }),
    );
    let mut client = client(addr).await;
    let status = client.unary(request("no token", 0)).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let mut with_token = Request::new(request("token", 0));
    with_token
        .metadata_mut()
        .insert("authorization", "Bearer sesame".parse().unwrap());
    let response = client.unary(with_token).await.unwrap();
    assert_eq!(response.into_inner().message, "token");
    assert_eq!(counts.started.load(Ordering::SeqCst), 1);
    stop.send(()).unwrap();
    drop(client);
    timeout(LIMIT, server).await.unwrap().unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unix_socket_server_tells_the_peer_s_credentials() {
    let (dir, path, stop, server) = serve_unix_until_stopped(
        Server::builder().add_service(EchoServer::new(EchoService::default())),
        "weft-tonic",
    );
    // The client connects through tonic's own connector hook, with tokio's Unix socket (as a
    // tonic program's client does; it runs on the runtime's tokio companion).
    let channel = Endpoint::try_from("http://[::]:50051")
        .unwrap()
        .connect_with_connector(tower::service_fn({
            let path = path.clone();
            move |_| {
                let path = path.clone();
                async move {
                    let stream = real_tokio::net::UnixStream::connect(path).await?;
                    Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(stream))
                }
            }
        }))
        .await
        .unwrap();
    let mut client = EchoClient::new(channel);
    let response = client
        .unary(request("local", 0))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.message, "local");
    // The directory this test made is owned by this process's user.
    let uid = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&dir).unwrap());
    assert_eq!(response.peer_uid, uid);
    assert_eq!(response.remote_addr, "");
    stop.send(()).unwrap();
    drop(client);
    timeout(LIMIT, server).await.unwrap().unwrap().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binding_a_port_in_use_is_a_transport_error_with_its_cause() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let error = Server::builder()
        .add_service(EchoServer::new(EchoService::default()))
        .serve(addr)
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "transport error");
    let cause = std::error::Error::source(&error)
        .and_then(|source| source.downcast_ref::<std::io::Error>())
        .expect("the cause is the bind's I/O error");
    assert_eq!(cause.kind(), std::io::ErrorKind::AddrInUse);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trace_function_sees_every_request_s_head() {
    let paths = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (addr, stop, server) = serve_until_stopped(
        Server::builder()
            .trace_fn({
                let paths = paths.clone();
                move |head| {
                    paths.lock().unwrap().push(head.uri().path().to_string());
                    tracing::Span::none()
                }
            })
            .add_service(EchoServer::new(EchoService::default())),
    );
    let mut client = client(addr).await;
    client.unary(request("one", 0)).await.unwrap();
    let upload = tokio_stream::iter([request("two", 0)]);
    client.client_streaming(upload).await.unwrap();
    assert_eq!(
        *paths.lock().unwrap(),
        ["/weft.echo.Echo/Unary", "/weft.echo.Echo/ClientStreaming"]
    );
    stop.send(()).unwrap();
    drop(client);
    timeout(LIMIT, server).await.unwrap().unwrap().unwrap();
}

/// A gRPC call over HTTP/1.1 (as gRPC-Web proxies send them), by hand: all the server sent
/// back before it closed the connection.
async fn http1_call(addr: SocketAddr) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // An empty message: no compression flag, length 0 (EchoRequest's defaults).
    let body = [0u8, 0, 0, 0, 0];
    let head = format!(
        "POST /weft.echo.Echo/Unary HTTP/1.1\r\nhost: test\r\ncontent-type: application/grpc\r\n\
         te: trailers\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    // A server that does not take HTTP/1 may close (and reset) the connection while the
    // request is still being written: what it sent before is the answer.
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&body).await;
    let mut response = Vec::new();
    let _ = timeout(LIMIT, stream.read_to_end(&mut response))
        .await
        .unwrap();
    String::from_utf8_lossy(&response).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http1_is_served_only_when_accepted() {
    let service = EchoService::default();
    let counts = service.counts.clone();
    let (addr, stop, server) = serve_until_stopped(
        Server::builder()
            .accept_http1(true)
            .add_service(EchoServer::new(service.clone())),
    );
    let response = http1_call(addr).await;
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response:?}");
    // The reply message (its `thread` field) came back in the body.
    assert!(response.contains("weft-worker"), "{response:?}");
    assert_eq!(counts.finished.load(Ordering::SeqCst), 1);
    stop.send(()).unwrap();
    timeout(LIMIT, server).await.unwrap().unwrap().unwrap();

    // tonic's default: HTTP/2 only; an HTTP/1 request gets no HTTP/1 answer (the server
    // sends its HTTP/2 settings, then closes on the bad preface), and no handler runs.
    let (addr, stop, server) =
        serve_until_stopped(Server::builder().add_service(EchoServer::new(service)));
    let response = http1_call(addr).await;
    assert!(!response.starts_with("HTTP/"), "{response:?}");
    assert_eq!(counts.started.load(Ordering::SeqCst), 1);
    stop.send(()).unwrap();
    timeout(LIMIT, server).await.unwrap().unwrap().unwrap();
}
