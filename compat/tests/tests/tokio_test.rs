//! tokio-test's API as a program's tests ported by the rename meet it: `tokio` is weft and
//! `tokio_test` is weft-test here. `block_on` on a weft runtime; the macros and the mock task
//! (tokio-test's own); the mock I/O and mock stream, written for weft's timer. (tokio-test's own
//! test files run against weft-test too: `compat/scripts/upstream_tests.sh`.)

use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;
use tokio_stream::StreamExt;
use tokio_test::io::Builder;
use tokio_test::stream_mock::StreamMockBuilder;
use tokio_test::{
    assert_elapsed, assert_err, assert_ok, assert_pending, assert_ready, assert_ready_eq, task,
};

#[test]
fn block_on_runs_weft_timers_spawns_and_sockets() {
    let start = std::time::Instant::now();
    let echoed = tokio_test::block_on(async {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut line = String::new();
            let (read, mut write) = stream.split();
            BufReader::new(read).read_line(&mut line).await.unwrap();
            write
                .write_all(line.to_uppercase().as_bytes())
                .await
                .unwrap();
        });
        let mut client = TcpStream::connect(address).await.unwrap();
        client.write_all(b"ported\n").await.unwrap();
        let mut reply = String::new();
        BufReader::new(&mut client)
            .read_line(&mut reply)
            .await
            .unwrap();
        server.await.unwrap();
        reply
    });
    assert_eq!(echoed, "PORTED\n");
    assert!(start.elapsed() >= Duration::from_millis(10));
}

#[test]
fn block_on_inside_a_runtime_panics_with_the_nested_message() {
    let panic =
        std::panic::catch_unwind(|| tokio_test::block_on(async { tokio_test::block_on(async {}) }))
            .expect_err("a nested block_on panics");
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(
        message.contains("Cannot start a runtime from within a runtime"),
        "{message:?}"
    );
}

#[test]
fn the_mock_task_counts_wake_ups_of_weft_futures() {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<u32>(1);
    let mut receive = task::spawn(async move { rx.recv().await });
    assert_pending!(receive.poll());
    assert!(!receive.is_woken());
    tx.try_send(5).unwrap();
    assert!(receive.is_woken(), "the send woke the receiver");
    assert_ready_eq!(receive.poll(), Some(5));
    let mut ready = task::spawn(std::future::ready(Ok::<u8, ()>(1)));
    let value = assert_ready!(ready.poll());
    assert_eq!(assert_ok!(value), 1);
    assert_err!(Err::<(), _>("refused"));
}

#[tokio::test(start_paused = true)]
async fn assert_elapsed_reads_weft_s_paused_clock() {
    let start = Instant::now();
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_elapsed!(start, Duration::from_millis(250));
}

#[tokio::test(start_paused = true)]
async fn the_mock_io_plays_its_script_on_weft_s_paused_clock() {
    let start = Instant::now();
    let mock = Builder::new()
        .read(b"one\ntwo\n")
        .wait(Duration::from_secs(20))
        .read(b"three\n")
        .write(b"3 lines")
        .build();
    let mut lines = BufReader::new(mock).lines();
    let mut seen = Vec::new();
    // Three lines, not "until EOF": a mock whose next action is a write keeps a read pending.
    for _ in 0..3 {
        seen.push(lines.next_line().await.unwrap().expect("a scripted line"));
    }
    assert_eq!(seen, ["one", "two", "three"]);
    // The wait ran on weft's clock, which the paused test skipped, exactly.
    assert_eq!(start.elapsed(), Duration::from_secs(20));
    let mut mock = lines.into_inner().into_inner();
    mock.write_all(format!("{} lines", seen.len()).as_bytes())
        .await
        .unwrap();
}

#[tokio::test]
async fn the_mock_io_takes_more_script_from_its_handle_and_returns_scripted_errors() {
    use tokio::io::AsyncReadExt;
    let (mut mock, mut handle) = Builder::new()
        .read(b"hello")
        .read_error(std::io::Error::other("cruel"))
        .build_with_handle();
    let mut buf = [0; 16];
    assert_eq!(mock.read(&mut buf).await.unwrap(), 5);
    let error = mock.read(&mut buf).await.unwrap_err();
    assert_eq!(
        (error.kind(), error.to_string()),
        (std::io::ErrorKind::Other, "cruel".into())
    );
    // Played out, the handle alive: the next read waits for the handle's script.
    let mut read = task::spawn(mock.read(&mut buf));
    assert_pending!(read.poll());
    handle.read(b"world");
    assert!(read.is_woken());
    assert_ready_eq!(read.poll().map(Result::unwrap), 5);
    drop(read);
    assert_eq!(&buf[..5], b"world");
    // Every handle dropped: end of file.
    drop(handle);
    assert_eq!(mock.read(&mut buf).await.unwrap(), 0);
}

#[test]
#[should_panic(expected = "There is still data left to read. (name server, 1 actions remain)")]
fn a_mock_dropped_with_script_left_panics_with_its_name() {
    let _mock = Builder::new().name("server").read(b"unread").build();
}

#[tokio::test(start_paused = true)]
async fn the_mock_stream_yields_its_items_around_a_wait_on_weft_s_paused_clock() {
    let start = Instant::now();
    let mock = StreamMockBuilder::new()
        .next(1)
        .wait(Duration::from_secs(15))
        .next(2)
        .build();
    let items: Vec<u32> = mock.collect().await;
    assert_eq!(items, [1, 2]);
    assert_eq!(start.elapsed(), Duration::from_secs(15));
}
