//! A TCP echo server: every connection gets its own task, which writes back whatever it reads
//! until the client closes its side.
//!
//! ```sh
//! cargo run -p weft --example echo [ADDRESS]   # default 127.0.0.1:8080
//! nc 127.0.0.1 8080
//! ```

use std::time::Duration;

use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream};

/// Echoes `stream` until the peer closes it; the number of bytes echoed.
async fn echo(mut stream: TcpStream) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 16 * 1024];
    let mut total = 0u64;
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            // The peer closed its writing side: close ours too, so it sees EOF.
            stream.shutdown().await?;
            return Ok(total);
        }
        stream.write_all(&buf[..n]).await?;
        total += n as u64;
    }
}

#[weft::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8080".to_string());
    let listener = TcpListener::bind(addr.as_str()).await?;
    println!("echo server listening on {}", listener.local_addr()?);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, a connection reset before accept, ...: log, back off
                // a little, and keep serving.
                eprintln!("accept failed: {e}");
                weft::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        weft::spawn(async move {
            match echo(stream).await {
                Ok(bytes) => println!("{peer}: echoed {bytes} bytes"),
                Err(e) => eprintln!("{peer}: {e}"),
            }
        });
    }
}
