//! A small tokio program, unchanged but for its `Cargo.toml`: an echo server and a client
//! that talk over TCP, a `select!` against a timeout, a `JoinSet`, an `mpsc` pipeline. It
//! prints what it did; `tests/rename.rs` runs it and checks the output.

#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut reader, mut writer) = socket.split();
                let _ = tokio::io::copy(&mut reader, &mut writer).await;
            });
        }
    });

    let mut clients = JoinSet::new();
    for i in 0..4u8 {
        clients.spawn(async move {
            let mut stream = TcpStream::connect(addr).await?;
            let message = [b'a' + i; 16];
            stream.write_all(&message).await?;
            let mut echoed = [0u8; 16];
            stream.read_exact(&mut echoed).await?;
            Ok::<bool, std::io::Error>(echoed == message)
        });
    }
    let mut echoed = 0;
    while let Some(result) = clients.join_next().await {
        echoed += usize::from(result.expect("client panicked")?);
    }
    println!("echoed {echoed} of 4");

    let (tx, mut rx) = mpsc::channel(8);
    tokio::spawn(async move {
        for n in 1..=10u32 {
            tx.send(n).await.expect("receiver alive");
        }
    });
    let mut sum = 0;
    while let Some(n) = rx.recv().await {
        sum += n;
    }
    println!("summed {sum}");

    let outcome = tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(60)) => "slept",
        value = async { 7 } => if value == 7 { "ready first" } else { "wrong value" },
    };
    println!("select: {outcome}");
    Ok(())
}
