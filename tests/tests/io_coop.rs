//! `weft::io`'s copies and in-memory pipes are leaves of the cooperative budget (tokio's are of
//! tokio's own): exact polls per budget, and the starvation they no longer cause (tokio's
//! `io_copy::copy_is_cooperative`, `copy_buf_is_cooperative` and
//! `io_mem_stream::duplex_is_cooperative`, which hung before).

mod common;

use common::*;
use weft::io::{AsyncReadExt, AsyncWriteExt};

/// The budget of one poll (tokio's).
const BUDGET: usize = 128;

/// Polls that `units` units of budget take when nothing else makes the task wait.
fn polls_for(units: usize) -> usize {
    units.div_ceil(BUDGET)
}

#[test]
fn a_copy_spends_one_unit_per_read() {
    on_each_flavor(|rt| {
        // Each copy reads twice: the five bytes, then EOF. 1000 copies: 2000 units.
        let polls = polls_of(&rt, async {
            for _ in 0..1_000 {
                let mut reader: &[u8] = b"hello";
                let mut writer = Vec::new();
                assert_eq!(weft::io::copy(&mut reader, &mut writer).await.unwrap(), 5);
                assert_eq!(writer, b"hello");
            }
        });
        assert_eq!(polls, polls_for(2_000), "copy");
        let polls = polls_of(&rt, async {
            for _ in 0..1_000 {
                let mut reader = weft::io::BufReader::new(&b"hello"[..]);
                let mut writer = Vec::new();
                assert_eq!(
                    weft::io::copy_buf(&mut reader, &mut writer).await.unwrap(),
                    5
                );
                assert_eq!(writer, b"hello");
            }
        });
        assert_eq!(polls, polls_for(2_000), "copy_buf");
    });
}

#[test]
fn a_bidirectional_copy_spends_one_unit_per_read_each_way() {
    on_each_flavor(|rt| {
        // Two reads each way (the bytes, then EOF): 4 units a call, 4000 in all.
        let polls = polls_of(&rt, async {
            for _ in 0..1_000 {
                let mut a = weft::io::join(&b"ping"[..], Vec::new());
                let mut b = weft::io::join(&b"pong!"[..], Vec::new());
                let copied = weft::io::copy_bidirectional(&mut a, &mut b).await.unwrap();
                assert_eq!(copied, (4, 5));
                assert_eq!(a.into_inner().1, b"pong!");
                assert_eq!(b.into_inner().1, b"ping");
            }
        });
        assert_eq!(polls, polls_for(4_000), "copy_bidirectional");
        let polls = polls_of(&rt, async {
            for _ in 0..1_000 {
                let mut a = weft::io::join(&b"ping"[..], Vec::new());
                let mut b = weft::io::join(&b"pong!"[..], Vec::new());
                let copied = weft::io::copy_bidirectional_with_sizes(&mut a, &mut b, 2, 3)
                    .await
                    .unwrap();
                assert_eq!(copied, (4, 5));
            }
        });
        // Buffers of 2 and 3 bytes: "ping" takes two reads and "pong!" two, plus EOF each
        // way: 6 units a call.
        assert_eq!(polls, polls_for(6_000), "copy_bidirectional_with_sizes");
    });
}

#[test]
fn the_pipes_spend_one_unit_per_read_and_per_write() {
    on_each_flavor(|rt| {
        let polls = polls_of(&rt, async {
            let (mut client, mut server) = weft::io::duplex(64);
            let mut byte = [0u8; 1];
            for round in 0..1_000u32 {
                client.write_all(&[round as u8]).await.unwrap();
                server.read_exact(&mut byte).await.unwrap();
                assert_eq!(byte, [round as u8]);
            }
        });
        assert_eq!(polls, polls_for(2_000), "duplex");
        let polls = polls_of(&rt, async {
            let (mut receiver, mut sender) = weft::io::simplex(64);
            let mut byte = [0u8; 1];
            for round in 0..1_000u32 {
                sender.write_all(&[round as u8]).await.unwrap();
                receiver.read_exact(&mut byte).await.unwrap();
                assert_eq!(byte, [round as u8]);
            }
        });
        assert_eq!(polls, polls_for(2_000), "simplex");
        let polls = polls_of(&rt, async {
            let mut pipe = weft::io::SimplexStream::new_unsplit(64);
            let mut byte = [0u8; 1];
            for _ in 0..1_000 {
                pipe.write_all(b"x").await.unwrap();
                pipe.read_exact(&mut byte).await.unwrap();
            }
        });
        assert_eq!(polls, polls_for(2_000), "SimplexStream");
    });
}

/// tokio's `copy_is_cooperative`, `copy_buf_is_cooperative` and `duplex_is_cooperative`: a loop
/// that never waits gives way to a biased `select!`'s other branch. Each ended in a hang.
#[test]
fn loops_of_copies_and_pipe_round_trips_let_a_biased_select_move_on() {
    on_each_flavor(|rt| {
        rt.block_on(rt.spawn(async {
            weft::select! {
                biased;
                _ = async {
                    loop {
                        let mut reader: &[u8] = b"hello";
                        let mut writer = Vec::new();
                        let _ = weft::io::copy(&mut reader, &mut writer).await;
                    }
                } => unreachable!("the copy loop never ends"),
                _ = weft::task::yield_now() => {}
            }
            weft::select! {
                biased;
                _ = async {
                    loop {
                        let mut reader = weft::io::BufReader::new(&b"hello"[..]);
                        let mut writer = Vec::new();
                        let _ = weft::io::copy_buf(&mut reader, &mut writer).await;
                    }
                } => unreachable!("the copy_buf loop never ends"),
                _ = weft::task::yield_now() => {}
            }
            let (mut tx, mut rx) = weft::io::duplex(8 * 1024);
            weft::select! {
                biased;
                _ = async {
                    loop {
                        tx.write_all(&[3u8; 4096]).await.unwrap();
                        let mut buf = [0u8; 4096];
                        let _ = rx.read(&mut buf).await.unwrap();
                    }
                } => unreachable!("the duplex loop never ends"),
                _ = weft::task::yield_now() => {}
            }
        }))
        .unwrap();
    });
}

/// The wrappers change no result: a closed pipe still reads EOF and fails writes, and a copy
/// through a pipe that fills up waits for its reader instead of losing bytes.
#[test]
fn pipes_and_copies_keep_tokio_semantics() {
    on_each_flavor(|rt| {
        rt.block_on(async {
            let (mut a, b) = weft::io::duplex(4);
            drop(b);
            let err = a.write_all(b"lost").await.unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe);
            let mut rest = Vec::new();
            assert_eq!(a.read_to_end(&mut rest).await.unwrap(), 0);

            let (mut front, mut back) = weft::io::duplex(16);
            let data: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
            let reader = weft::spawn(async move {
                let mut got = Vec::new();
                back.read_to_end(&mut got).await.unwrap();
                got
            });
            let mut source = &data[..];
            assert_eq!(
                weft::io::copy(&mut source, &mut front).await.unwrap(),
                10_000
            );
            front.shutdown().await.unwrap();
            assert_eq!(reader.await.unwrap(), data);
        });
    });
}

#[test]
#[should_panic(expected = "`max_buf_size` must be greater than 0")]
fn a_pipe_of_capacity_zero_is_refused() {
    let _ = weft::io::duplex(0);
}
