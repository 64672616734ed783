//! The smallest end-to-end check of the I/O driver on both runtime flavors: an echo round trip,
//! the reactor's registration count, and sleeping in the reactor while a timer is due.

use std::time::Duration;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream};

async fn echo_round_trips(rounds: usize) -> std::io::Result<usize> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = weft::spawn(async move {
        let (mut stream, _) = listener.accept().await?;
        let mut buf = [0u8; 64];
        let mut echoed = 0;
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return std::io::Result::Ok(echoed);
            }
            stream.write_all(&buf[..n]).await?;
            echoed += n;
        }
    });
    let mut client = TcpStream::connect(addr).await?;
    client.set_nodelay(true)?;
    let mut reply = [0u8; 8];
    for round in 0..rounds {
        let message = (round as u64).to_le_bytes();
        client.write_all(&message).await?;
        client.read_exact(&mut reply).await?;
        assert_eq!(reply, message, "round {round}");
        if round % 10 == 0 {
            // Park in the reactor with a timer pending: both must wake us.
            weft::time::sleep(Duration::from_millis(1)).await;
        }
    }
    client.shutdown().await?;
    server.await.expect("server task")
}

fn check(runtime: weft::runtime::Runtime) {
    let echoed = runtime.block_on(echo_round_trips(100)).expect("echo");
    assert_eq!(echoed, 800);
    assert_eq!(runtime.handle().metrics().io_sources(), 0);
}

#[test]
fn echo_on_multi_thread() {
    check(
        weft::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    );
}

#[test]
fn echo_on_current_thread() {
    check(
        weft::runtime::Builder::new_current_thread()
            .build()
            .unwrap(),
    );
}
