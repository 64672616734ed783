//! tonic's client as a program ported by the rename meets it (`tokio` is weft, `tonic` is
//! weft-tonic): an `Endpoint`'s channel connects through weft's sockets and runs its tasks on
//! weft. Counted exactly: the tasks a channel adds to weft, what a `unix:` endpoint reaches,
//! which errors a connection gets, where a balanced channel sends its calls.

mod tonic_echo;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::timeout;
use tonic::transport::{Endpoint, Server};
use tonic::Code;
use tonic_echo::*;

/// An executor that counts what it spawns, on the current weft runtime.
#[derive(Clone, Default)]
struct CountingExecutor(Arc<AtomicUsize>);

impl<F> hyper::rt::Executor<F> for CountingExecutor
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        self.0.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(future);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_s_tasks_are_weft_tasks() {
    let (addr, stop, server) =
        serve_until_stopped(Server::builder().add_service(EchoServer::new(EchoService::default())));
    let metrics = tokio::runtime::Handle::current().metrics();
    // The weft tasks that one connected channel adds, once a call has been answered and its
    // short-lived tasks (the server's stream, the request's) have ended.
    let added_by = |endpoint: Endpoint| {
        let metrics = metrics.clone();
        async move {
            let before = metrics.num_alive_tasks();
            let mut client = EchoClient::new(endpoint.connect().await.unwrap());
            client.unary(request("counted", 0)).await.unwrap();
            for _ in 0..50 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            (metrics.num_alive_tasks() - before, client)
        }
    };
    let endpoint = Endpoint::from_shared(format!("http://{addr}")).unwrap();
    // Through an executor of our own, which spawns on weft: the server's connection task, and
    // the channel's request buffer and HTTP/2 connection (at least).
    let spawned = CountingExecutor::default();
    let (counted, counted_client) = added_by(endpoint.clone().executor(spawned.clone())).await;
    assert!(counted >= 3, "{counted}");
    assert!(spawned.0.load(Ordering::SeqCst) >= 2);
    // With the default executor: the same tasks, on weft too (tonic's own endpoint spawns the
    // channel's on the tokio companion, where weft's count would not see them).
    let (default, default_client) = added_by(endpoint).await;
    assert_eq!(default, counted);
    drop((counted_client, default_client));
    stop.send(()).unwrap();
    timeout(LIMIT, server).await.unwrap().unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unix_endpoint_connects_through_weft_s_unix_socket() {
    let (dir, path, stop, server) = serve_unix_until_stopped(
        Server::builder().add_service(EchoServer::new(EchoService::default())),
        "weft-tonic-uds",
    );
    let mut client = EchoClient::connect(format!("unix:{}", path.display()))
        .await
        .unwrap();
    let response = client.unary(request("unix", 0)).await.unwrap().into_inner();
    assert_eq!(response.message, "unix");
    let uid = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&dir).unwrap());
    assert_eq!(response.peer_uid, uid);
    stop.send(()).unwrap();
    drop(client);
    timeout(LIMIT, server).await.unwrap().unwrap().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_errors_are_transport_errors_and_calls_on_a_lazy_channel_unavailable() {
    let (addr, stop, server) =
        serve_until_stopped(Server::builder().add_service(EchoServer::new(EchoService::default())));
    // An IPv6 local address cannot reach an IPv4 server.
    let error = Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .local_address(Some("::1".parse().unwrap()))
        .connect()
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "transport error");
    // A lazy channel to a closed port fails its call with UNAVAILABLE, as tonic's does.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_addr = closed.local_addr().unwrap();
    drop(closed);
    let channel = Endpoint::from_shared(format!("http://{closed_addr}"))
        .unwrap()
        .connect_lazy();
    let status = EchoClient::new(channel)
        .unary(request("nobody", 0))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    // With the right family, the same server answers.
    let mut client = EchoClient::new(
        Endpoint::from_shared(format!("http://{addr}"))
            .unwrap()
            .local_address(Some("127.0.0.1".parse().unwrap()))
            .connect()
            .await
            .unwrap(),
    );
    let response = client.unary(request("v4", 0)).await.unwrap().into_inner();
    assert_eq!(response.message, "v4");
    stop.send(()).unwrap();
    drop(client);
    timeout(LIMIT, server).await.unwrap().unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_balanced_channel_follows_its_changes() {
    use tonic::transport::channel::Change;
    use tonic::transport::Channel;
    let (first, second) = (EchoService::default(), EchoService::default());
    let (first_counts, second_counts) = (first.counts.clone(), second.counts.clone());
    let (addr1, stop1, server1) =
        serve_until_stopped(Server::builder().add_service(EchoServer::new(first)));
    let (addr2, stop2, server2) =
        serve_until_stopped(Server::builder().add_service(EchoServer::new(second)));
    let (channel, changes) = Channel::balance_channel::<u8>(4);
    let endpoint = |addr: SocketAddr| Endpoint::from_shared(format!("http://{addr}")).unwrap();
    changes
        .send(Change::Insert(1, endpoint(addr1)))
        .await
        .unwrap();
    changes
        .send(Change::Insert(2, endpoint(addr2)))
        .await
        .unwrap();
    let mut client = EchoClient::new(channel);
    for _ in 0..20 {
        client.unary(request("spread", 0)).await.unwrap();
    }
    let served = |counts: &Counts| counts.finished.load(Ordering::SeqCst);
    assert_eq!(served(&first_counts) + served(&second_counts), 20);
    // Once the first is removed, every call goes to the second.
    changes.send(Change::Remove(1)).await.unwrap();
    let deadline = tokio::time::Instant::now() + LIMIT;
    let mut in_a_row = 0;
    while in_a_row < 10 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the removal never took effect"
        );
        let before = served(&first_counts);
        client.unary(request("second", 0)).await.unwrap();
        in_a_row = if served(&first_counts) == before {
            in_a_row + 1
        } else {
            0
        };
    }
    drop(client);
    drop(changes);
    stop1.send(()).unwrap();
    stop2.send(()).unwrap();
    timeout(LIMIT, server1).await.unwrap().unwrap().unwrap();
    timeout(LIMIT, server2).await.unwrap().unwrap().unwrap();
}
