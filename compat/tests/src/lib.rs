//! A stand-in for a library built on tokio's own runtime (reqwest, a database driver): it
//! depends on tokio itself, not on weft, and calls tokio's runtime directly: `tokio::spawn`,
//! `tokio::net`, `tokio::time`. The tests call it from weft tasks.

use real_tokio::io::{AsyncReadExt, AsyncWriteExt};
use real_tokio::net::TcpListener;
use std::net::SocketAddr;
use std::time::Duration;

/// An echo server on tokio's runtime: binds, then serves each connection in a `tokio::spawn`ed
/// task, each read echoed back after `delay` (a tokio timer). Returns its address and the task
/// that accepts (abort it to stop).
pub async fn start_echo_server(
    delay: Duration,
) -> std::io::Result<(SocketAddr, real_tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let accepting = real_tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            real_tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                loop {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            real_tokio::time::sleep(delay).await;
                            if stream.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            });
        }
    });
    Ok((address, accepting))
}

/// Fetches from `address` with tokio's own `TcpStream`: sends `request`, reads `len` bytes back,
/// within `limit` (a tokio timeout).
pub async fn fetch(address: SocketAddr, request: &[u8], len: usize, limit: Duration) -> Vec<u8> {
    real_tokio::time::timeout(limit, async {
        let mut stream = real_tokio::net::TcpStream::connect(address).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut reply = vec![0; len];
        stream.read_exact(&mut reply).await.unwrap();
        reply
    })
    .await
    .expect("the fetch timed out")
}
