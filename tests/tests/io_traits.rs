//! tokio's I/O traits and utilities (`weft::io`) on weft's streams: `read_buf` into a
//! `BytesMut`, the integer helpers, `shutdown`, `BufReader`/`BufWriter`/`BufStream` passing
//! the other direction through, `lines`/`split`/`read_until`, `copy`, `copy_bidirectional`,
//! `io::split`, `duplex`, vectored writes; and the futures-io family, still there.

#[macro_use]
mod common;

use bytes::BytesMut;
use common::net::*;
use weft::io::{
    self, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, BufStream, BufWriter,
};
use weft::net::{TcpListener, TcpStream, UnixStream};
use weft::runtime::Runtime;

on_both_flavors!(
    read_buf_fills_bytes_mut_without_zeroing_and_counts_exactly,
    integer_helpers_round_trip_and_shutdown_is_eof,
    buffered_wrappers_pass_the_other_direction_through,
    lines_split_and_read_until,
    copy_and_copy_bidirectional_count_every_byte,
    io_split_and_duplex,
    vectored_writes_reach_the_peer_in_order,
    the_futures_io_family_still_works,
);

async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

const TOTAL: usize = 256 * 1024;

/// 256 KiB go through `read_buf` into one `BytesMut`: every byte arrives, in order, and the
/// sum of what each call returned is exactly the total.
fn read_buf_fills_bytes_mut_without_zeroing_and_counts_exactly(rt: Runtime) {
    rt.block_on(async {
        let (mut client, mut server) = tcp_pair().await;
        let data = payload(1, TOTAL);
        let writer = {
            let data = data.clone();
            weft::spawn(async move {
                client.write_all(&data).await.unwrap();
                client.shutdown().await.unwrap();
            })
        };
        let mut buf = BytesMut::with_capacity(4096);
        let (mut returned, mut calls) = (0, 0);
        loop {
            let n = within("read_buf", server.read_buf(&mut buf)).await.unwrap();
            if n == 0 {
                break;
            }
            returned += n;
            calls += 1;
        }
        writer.await.unwrap();
        assert_eq!(
            returned, TOTAL,
            "the counts read_buf returned add up to the total"
        );
        assert!(calls >= 1);
        assert_same_bytes(&buf, &data, "read_buf");
    });
}

fn integer_helpers_round_trip_and_shutdown_is_eof(rt: Runtime) {
    rt.block_on(async {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        a.write_u8(0xAB).await.unwrap();
        a.write_u16(0xBEEF).await.unwrap();
        a.write_u32_le(0xDEAD_BEEF).await.unwrap();
        a.write_i64(-42).await.unwrap();
        a.write_f64(1.5).await.unwrap();
        a.shutdown().await.unwrap();
        assert_eq!(b.read_u8().await.unwrap(), 0xAB);
        assert_eq!(b.read_u16().await.unwrap(), 0xBEEF);
        assert_eq!(b.read_u32_le().await.unwrap(), 0xDEAD_BEEF);
        assert_eq!(b.read_i64().await.unwrap(), -42);
        assert_eq!(b.read_f64().await.unwrap(), 1.5);
        let eof = b.read_u8().await.unwrap_err();
        assert_eq!(
            eof.kind(),
            io::ErrorKind::UnexpectedEof,
            "nothing after the shutdown"
        );
        // The other direction is still open after `a`'s shutdown.
        b.write_all(b"back").await.unwrap();
        let mut back = [0; 4];
        assert_eq!(a.read_exact(&mut back).await.unwrap(), 4);
        assert_eq!(&back, b"back");
    });
}

/// A `BufWriter` still reads (and a `BufReader` still writes) straight through: a
/// request/response protocol over one buffered stream, with the flushes counted by content.
fn buffered_wrappers_pass_the_other_direction_through(rt: Runtime) {
    rt.block_on(async {
        let (a, b) = UnixStream::pair().unwrap();
        let mut writer = BufWriter::new(a);
        let mut reader = BufReader::new(b);
        for round in 0..50u32 {
            writer.write_u32(round).await.unwrap();
            writer.flush().await.unwrap();
            assert_eq!(reader.read_u32().await.unwrap(), round);
            // The reader answers through its inner stream, the writer reads it through.
            reader.write_u32(round * 2).await.unwrap();
            assert_eq!(writer.read_u32().await.unwrap(), round * 2);
        }
        let (a, b) = UnixStream::pair().unwrap();
        let (mut a, mut b) = (BufStream::new(a), BufStream::new(b));
        a.write_all(b"buffered ").await.unwrap();
        a.write_all(b"both ways\n").await.unwrap();
        a.flush().await.unwrap();
        let mut line = String::new();
        b.read_line(&mut line).await.unwrap();
        assert_eq!(line, "buffered both ways\n");
    });
}

fn lines_split_and_read_until(rt: Runtime) {
    rt.block_on(async {
        let (mut a, b) = UnixStream::pair().unwrap();
        let writer = weft::spawn(async move {
            for i in 0..100 {
                a.write_all(format!("line {i}\n").as_bytes()).await.unwrap();
            }
            a.write_all(b"x;y;z").await.unwrap();
            a.shutdown().await.unwrap();
        });
        let mut reader = BufReader::new(b);
        let mut until = Vec::new();
        reader.read_until(b'\n', &mut until).await.unwrap();
        assert_eq!(until, b"line 0\n");
        let mut lines = reader.lines();
        for i in 1..100 {
            let line = within("next_line", lines.next_line()).await.unwrap();
            assert_eq!(line.as_deref(), Some(format!("line {i}").as_str()));
        }
        let mut parts = lines.into_inner().split(b';');
        let mut got = Vec::new();
        while let Some(part) = parts.next_segment().await.unwrap() {
            got.push(part);
        }
        assert_eq!(got, [b"x".to_vec(), b"y".to_vec(), b"z".to_vec()]);
        writer.await.unwrap();
    });
}

fn copy_and_copy_bidirectional_count_every_byte(rt: Runtime) {
    rt.block_on(async {
        // copy: a slice into a TCP stream, then the stream into a Vec.
        let (mut client, mut server) = tcp_pair().await;
        let data = payload(2, TOTAL);
        let copied = io::copy(&mut &data[..], &mut client).await.unwrap();
        assert_eq!(copied, TOTAL as u64);
        client.shutdown().await.unwrap();
        let mut sink = Vec::new();
        assert_eq!(
            io::copy(&mut server, &mut sink).await.unwrap(),
            TOTAL as u64
        );
        assert_same_bytes(&sink, &data, "io::copy");

        // copy_bidirectional: a proxy between two TCP connections.
        let (mut outer_client, mut proxy_in) = tcp_pair().await;
        let (mut proxy_out, mut upstream) = tcp_pair().await;
        let proxy =
            weft::spawn(async move { io::copy_bidirectional(&mut proxy_in, &mut proxy_out).await });
        let echo = weft::spawn(async move {
            let mut buf = vec![0; 4096];
            let mut total = 0;
            loop {
                let n = upstream.read(&mut buf).await.unwrap();
                if n == 0 {
                    upstream.shutdown().await.unwrap();
                    return total;
                }
                upstream.write_all(&buf[..n]).await.unwrap();
                total += n;
            }
        });
        let request = payload(3, 100_000);
        let writer = {
            let request = request.clone();
            async move {
                outer_client.write_all(&request).await.unwrap();
                outer_client.shutdown().await.unwrap();
                let mut reply = Vec::new();
                outer_client.read_to_end(&mut reply).await.unwrap();
                reply
            }
        };
        let reply = within("the proxied echo", writer).await;
        assert_same_bytes(&reply, &request, "through the proxy");
        assert_eq!(echo.await.unwrap(), 100_000);
        let (up, down) = proxy.await.unwrap().unwrap();
        assert_eq!((up, down), (100_000, 100_000), "bytes each way");
    });
}

fn io_split_and_duplex(rt: Runtime) {
    rt.block_on(async {
        let (client, mut server) = tcp_pair().await;
        let (mut read, mut write) = io::split(client);
        write.write_all(b"via io::split").await.unwrap();
        let mut buf = [0; 13];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"via io::split");
        server.write_all(b"back").await.unwrap();
        let mut back = [0; 4];
        read.read_exact(&mut back).await.unwrap();
        assert_eq!(&back, b"back");
        let client = read.unsplit(write);
        drop(client);

        let (mut left, mut right) = io::duplex(64);
        let writer = weft::spawn(async move {
            left.write_all(&payload(4, 10_000)).await.unwrap();
            left.shutdown().await.unwrap();
        });
        let mut got = Vec::new();
        right.read_to_end(&mut got).await.unwrap();
        writer.await.unwrap();
        assert_same_bytes(&got, &payload(4, 10_000), "duplex");
    });
}

fn vectored_writes_reach_the_peer_in_order(rt: Runtime) {
    use std::io::IoSlice;
    use weft::io::AsyncWrite;
    rt.block_on(async {
        let (mut client, mut server) = tcp_pair().await;
        assert!(client.is_write_vectored());
        let parts: [&[u8]; 3] = [b"one ", b"two ", b"three"];
        let mut written = 0;
        while written < 13 {
            let slices: Vec<IoSlice<'_>> = parts.iter().map(|p| IoSlice::new(p)).collect();
            assert_eq!(
                written, 0,
                "a 13-byte vectored write to an empty socket is whole"
            );
            written += client.write_vectored(&slices).await.unwrap();
        }
        assert_eq!(written, 13);
        let mut buf = [0; 13];
        server.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"one two three");
    });
}

fn the_futures_io_family_still_works(rt: Runtime) {
    use weft::io::futures;
    rt.block_on(async {
        let (mut a, mut b) = UnixStream::pair().unwrap();
        futures::AsyncWriteExt::write_all(&mut a, b"smol world")
            .await
            .unwrap();
        futures::AsyncWriteExt::close(&mut a).await.unwrap();
        let mut got = String::new();
        futures::AsyncReadExt::read_to_string(&mut b, &mut got)
            .await
            .unwrap();
        assert_eq!(got, "smol world");
    });
}
