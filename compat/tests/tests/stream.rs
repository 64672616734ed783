//! tokio-stream's API as a program ported by the rename meets it: `tokio` is weft and
//! `tokio_stream` is weft-stream here. Every wrapper over weft's types, tokio-stream's own
//! combinators and `StreamMap` over them, and the timer combinators and `iter`, written for
//! weft's timer and cooperative budget. (tokio-stream's own test files run against weft-stream
//! too: `compat/scripts/upstream_tests.sh`.)

use std::future::poll_fn;
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::{
    BroadcastStream, IntervalStream, JoinSetStream, LinesStream, ReadDirStream, ReceiverStream,
    SignalStream, SplitStream, TcpListenerStream, UnboundedReceiverStream, UnixListenerStream,
    WatchStream,
};
use tokio_stream::{Stream, StreamExt, StreamMap};

/// A bound on waits that would otherwise hang a broken test; never reached by a passing one.
const LIMIT: Duration = Duration::from_secs(10);

/// Whether one poll of `stream` finds it pending.
async fn is_pending<S: Stream + Unpin>(stream: &mut S) -> bool {
    poll_fn(|cx| Poll::Ready(Pin::new(&mut *stream).poll_next(cx).is_pending())).await
}

/// A path under the temporary directory that no other test or run uses.
fn unique_temp_path(what: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    std::env::temp_dir().join(format!("weft-stream-{what}-{}-{nanos}", std::process::id()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receiver_stream_yields_every_message_in_order_then_ends() {
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        for i in 0..100u32 {
            tx.send(i).await.unwrap();
        }
    });
    let received: Vec<u32> = ReceiverStream::new(rx).collect().await;
    assert_eq!(received, (0..100).collect::<Vec<_>>());
}

#[tokio::test]
async fn receiver_stream_close_drains_the_buffer_and_into_inner_keeps_the_rest() {
    let (tx, rx) = mpsc::channel(8);
    for i in 0..3 {
        tx.try_send(i).unwrap();
    }
    let mut stream = ReceiverStream::from(rx);
    assert_eq!(stream.size_hint(), (3, None));
    assert_eq!(stream.next().await, Some(0));
    stream.close();
    assert!(tx.try_send(9).is_err(), "a closed channel takes no more");
    assert_eq!(stream.as_ref().len(), 2);
    assert_eq!(stream.size_hint(), (2, Some(2)));
    let mut rx = stream.into_inner();
    assert_eq!(rx.recv().await, Some(1));
    assert_eq!(rx.recv().await, Some(2));
    assert_eq!(rx.recv().await, None);
}

#[tokio::test]
async fn unbounded_receiver_stream_yields_in_order_and_closes() {
    let (tx, rx) = mpsc::unbounded_channel();
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    let mut stream = UnboundedReceiverStream::new(rx);
    assert_eq!(stream.size_hint(), (5, None));
    assert_eq!(stream.next().await, Some(0));
    stream.close();
    assert!(tx.send(9).is_err(), "a closed channel takes no more");
    assert_eq!(stream.size_hint(), (4, Some(4)));
    assert_eq!(stream.as_mut().recv().await, Some(1));
    let rest: Vec<i32> = UnboundedReceiverStream::from(stream.into_inner())
        .collect()
        .await;
    assert_eq!(rest, [2, 3, 4]);
}

#[tokio::test]
async fn broadcast_stream_reports_the_exact_lag_then_goes_on() {
    let (tx, rx) = broadcast::channel(2);
    for i in 0..5u32 {
        tx.send(i).unwrap();
    }
    drop(tx);
    let items: Vec<_> = BroadcastStream::new(rx).collect().await;
    let lagged = BroadcastStreamRecvError::Lagged(3);
    assert_eq!(items, [Err(lagged.clone()), Ok(3), Ok(4)]);
    assert_eq!(lagged.to_string(), "channel lagged by 3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_stream_waits_for_each_message_until_the_senders_are_gone() {
    let (tx, rx) = broadcast::channel(16);
    let mut stream = BroadcastStream::from(rx);
    assert!(is_pending(&mut stream).await);
    tokio::spawn(async move {
        for i in 0..10u32 {
            tx.send(i).unwrap();
            tokio::task::yield_now().await;
        }
    });
    let items: Vec<_> = stream.collect().await;
    assert_eq!(items, (0..10).map(Ok).collect::<Vec<_>>());
}

#[tokio::test]
async fn watch_stream_new_yields_the_current_value_then_each_change() {
    let (tx, rx) = watch::channel(0);
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    let mut values = WatchStream::new(rx);
    // The value current at the first poll, not every value sent before it.
    assert_eq!(values.next().await, Some(2));
    assert!(is_pending(&mut values).await);
    tx.send(3).unwrap();
    assert_eq!(values.next().await, Some(3));
    drop(tx);
    assert_eq!(values.next().await, None);
}

#[tokio::test]
async fn watch_stream_from_changes_skips_the_seen_value() {
    let (tx, rx) = watch::channel(0);
    let mut changes = WatchStream::from_changes(rx);
    // The initial value is not a change.
    assert!(is_pending(&mut changes).await);
    tx.send(5).unwrap();
    assert_eq!(changes.next().await, Some(5));
    tx.send(6).unwrap();
    tx.send(7).unwrap();
    // Only the latest of two sends.
    assert_eq!(changes.next().await, Some(7));
    drop(tx);
    assert_eq!(changes.next().await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_map_tags_every_item_with_its_key() {
    let mut map = StreamMap::new();
    for key in ["a", "b", "c"] {
        let (tx, rx) = mpsc::channel(2);
        map.insert(key, ReceiverStream::new(rx));
        tokio::spawn(async move {
            for i in 0..5u32 {
                tx.send(format!("{key}{i}")).await.unwrap();
            }
        });
    }
    let items: Vec<(&str, String)> = map.collect().await;
    assert_eq!(items.len(), 15);
    for key in ["a", "b", "c"] {
        let of_key: Vec<&str> = items
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, item)| item.as_str())
            .collect();
        let expected: Vec<String> = (0..5).map(|i| format!("{key}{i}")).collect();
        assert_eq!(of_key, expected, "key {key}'s items, in order");
    }
}

#[tokio::test(start_paused = true)]
async fn timeout_and_timeout_repeating_run_on_weft_s_paused_clock() {
    let start = Instant::now();
    let mut silent = pin!(tokio_stream::pending::<u32>().timeout(Duration::from_millis(20)));
    let item: Option<Result<u32, tokio_stream::Elapsed>> = silent.next().await;
    assert!(matches!(item, Some(Err(_))), "{item:?}");
    // weft's clock, paused: exactly the timeout, and one `Elapsed` per wait.
    assert_eq!(start.elapsed(), Duration::from_millis(20));
    assert!(is_pending(&mut silent).await);

    let (tx, rx) = mpsc::channel(1);
    tx.send(1u32).await.unwrap();
    let mut stream = pin!(ReceiverStream::new(rx).timeout(Duration::from_millis(20)));
    assert_eq!(stream.next().await, Some(Ok(1)));
    assert!(matches!(stream.next().await, Some(Err(_))));
    drop(tx);
    assert_eq!(stream.next().await, None);

    // `timeout_repeating` takes the program's `tokio::time::interval`: weft's `Interval`.
    let (tx, rx) = mpsc::channel(1);
    let interval = tokio::time::interval(Duration::from_millis(10));
    let mut stream = pin!(ReceiverStream::new(rx).timeout_repeating(interval));
    let start = Instant::now();
    // The interval's first tick is at once; then every 10 ms without an item.
    for expected in [0, 10, 20] {
        assert!(matches!(stream.next().await, Some(Err(_))));
        assert_eq!(start.elapsed(), Duration::from_millis(expected));
    }
    tx.send(7).await.unwrap();
    assert_eq!(stream.next().await, Some(Ok(7)));
}

#[tokio::test(start_paused = true)]
async fn chunks_timeout_and_throttle_run_on_weft_s_paused_clock() {
    let (tx, rx) = mpsc::channel(8);
    for i in 0..3u32 {
        tx.try_send(i).unwrap();
    }
    let mut chunks = pin!(ReceiverStream::new(rx).chunks_timeout(2, Duration::from_millis(30)));
    // A full chunk at once, then a partial one at its deadline, 30 ms after its first item.
    let start = Instant::now();
    assert_eq!(chunks.next().await, Some(vec![0, 1]));
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(chunks.next().await, Some(vec![2]));
    assert_eq!(start.elapsed(), Duration::from_millis(30));
    drop(tx);
    assert_eq!(chunks.next().await, None);

    let start = Instant::now();
    let mut gaps = Vec::new();
    let mut throttled = pin!(tokio_stream::iter(0..3u32).throttle(Duration::from_millis(10)));
    while let Some(item) = throttled.next().await {
        gaps.push((item, start.elapsed().as_millis()));
    }
    assert_eq!(gaps, [(0, 0), (1, 10), (2, 20)]);
}

#[tokio::test]
async fn iter_spends_the_weft_task_s_cooperative_budget() {
    // An endless ready stream: a weft task gets 128 items per poll (tokio's budget, as
    // tokio-stream's `iter` spends tokio's), then the stream yields and wakes the task.
    let mut endless = tokio_stream::iter(std::iter::repeat(1u8));
    let ready_in_one_poll = poll_fn(|cx| {
        let mut ready = 0;
        while Pin::new(&mut endless).poll_next(cx).is_ready() {
            ready += 1;
        }
        Poll::Ready(ready)
    })
    .await;
    assert_eq!(ready_in_one_poll, 128);
    tokio::task::yield_now().await;
    assert_eq!(
        endless.next().await,
        Some(1),
        "a fresh budget after the yield"
    );
}

#[tokio::test(start_paused = true)]
async fn interval_stream_ticks_on_the_period() {
    let start = Instant::now();
    let period = Duration::from_millis(10);
    let mut ticks = IntervalStream::new(tokio::time::interval(period));
    assert_eq!(ticks.size_hint(), (usize::MAX, None));
    let first: Vec<Instant> = (&mut ticks).take(3).collect().await;
    assert_eq!(first, [start, start + period, start + period * 2]);
    assert_eq!(ticks.as_ref().period(), period);
    assert_eq!(ticks.into_inner().tick().await, start + period * 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_set_stream_yields_every_output_and_into_inner_keeps_the_rest() {
    let mut set = tokio::task::JoinSet::new();
    for i in 0..10u64 {
        set.spawn(async move { i * i });
    }
    let mut outputs = JoinSetStream::new(set);
    assert_eq!(outputs.size_hint(), (10, Some(10)));
    let mut squares: Vec<u64> = (&mut outputs).take(3).map(Result::unwrap).collect().await;
    let set = outputs.into_inner();
    assert_eq!(set.len(), 7);
    let rest: Vec<u64> = JoinSetStream::from(set).map(Result::unwrap).collect().await;
    squares.extend(rest);
    squares.sort_unstable();
    assert_eq!(squares, (0..10).map(|i| i * i).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_listener_stream_accepts_each_connection() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    for i in 0..8u8 {
        tokio::spawn(async move {
            let mut client = tokio::net::TcpStream::connect(address).await.unwrap();
            client.write_all(&[i]).await.unwrap();
        });
    }
    let mut incoming = TcpListenerStream::new(listener);
    let mut seen = Vec::new();
    for _ in 0..8 {
        let accepted = tokio::time::timeout(LIMIT, incoming.next()).await.unwrap();
        let mut connection = accepted.unwrap().unwrap();
        seen.push(connection.read_u8().await.unwrap());
    }
    seen.sort_unstable();
    assert_eq!(seen, (0..8).collect::<Vec<u8>>());
    assert_eq!(incoming.into_inner().local_addr().unwrap(), address);
}

#[tokio::test]
async fn unix_listener_stream_accepts_each_connection() {
    let path = unique_temp_path("socket");
    let mut incoming = UnixListenerStream::new(tokio::net::UnixListener::bind(&path).unwrap());
    for i in 0..3u8 {
        let mut client = tokio::net::UnixStream::connect(&path).await.unwrap();
        client.write_all(&[i]).await.unwrap();
        let mut connection = incoming.next().await.unwrap().unwrap();
        assert_eq!(connection.read_u8().await.unwrap(), i);
    }
    assert!(is_pending(&mut incoming).await, "no fourth connection");
    drop(incoming.into_inner());
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn signal_stream_yields_once_per_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut signals = SignalStream::new(signal(SignalKind::user_defined2()).unwrap());
    for _ in 0..2 {
        let pid = std::process::id().to_string();
        let status = tokio::process::Command::new("kill")
            .args(["-USR2", &pid])
            .status()
            .await
            .unwrap();
        assert!(status.success());
        let delivered = tokio::time::timeout(LIMIT, signals.next()).await;
        assert_eq!(delivered, Ok(Some(())));
    }
    assert!(is_pending(&mut signals).await, "no third signal");
}

#[tokio::test]
async fn read_dir_stream_lists_exactly_the_files_created() {
    let dir = unique_temp_path("dir");
    tokio::fs::create_dir(&dir).await.unwrap();
    for name in ["a.txt", "b.txt", "c.txt"] {
        tokio::fs::write(dir.join(name), name).await.unwrap();
    }
    let entries = ReadDirStream::new(tokio::fs::read_dir(&dir).await.unwrap());
    let mut names: Vec<String> = entries
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect()
        .await;
    names.sort_unstable();
    tokio::fs::remove_dir_all(&dir).await.unwrap();
    assert_eq!(names, ["a.txt", "b.txt", "c.txt"]);
}

#[tokio::test]
async fn lines_and_split_streams_read_weft_io() {
    let lines = LinesStream::new(BufReader::new(&b"one\ntwo\nthree\n"[..]).lines());
    let lines: Vec<String> = lines.map(Result::unwrap).collect().await;
    assert_eq!(lines, ["one", "two", "three"]);
    let parts = SplitStream::new(BufReader::new(&b"a,bc,"[..]).split(b','));
    let parts: Vec<Vec<u8>> = parts.map(Result::unwrap).collect().await;
    assert_eq!(parts, [b"a".to_vec(), b"bc".to_vec()]);
}
