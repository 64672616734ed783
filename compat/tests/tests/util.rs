//! tokio-util's API as a program ported by the rename meets it: `tokio` is weft and
//! `tokio_util` is weft-util here. The parts written for weft (`PollSender`, `PollSemaphore`,
//! `TaskTracker`'s spawns, `AbortOnDropHandle`, `net::Listener`, `UdpFramed`, `context`,
//! `DelayQueue` and `FutureExt`'s timeouts on weft's timer) and tokio-util's own, re-exported
//! (codecs, `CancellationToken`), and `SyncIoBridge` on weft's runtime handle. `JoinQueue`
//! and `LocalPoolHandle`: `util_task.rs`. (tokio-util's own test files run against weft-util
//! too: `compat/scripts/upstream_tests.sh`.)

use futures_util::{SinkExt, StreamExt};
use std::future::{poll_fn, Future};
use std::io::Read;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, Semaphore};
use tokio::time::{timeout, Instant};
use tokio_util::bytes::Bytes;
use tokio_util::codec::{BytesCodec, Framed, LinesCodec};
use tokio_util::context::{RuntimeExt, TokioContext};
use tokio_util::io::SyncIoBridge;
use tokio_util::sync::{CancellationToken, PollSemaphore, PollSender};
use tokio_util::task::TaskTracker;
use tokio_util::time::DelayQueue;
use tokio_util::udp::UdpFramed;

/// A bound on waits that would otherwise hang a broken test; never reached by a passing one.
const LIMIT: Duration = Duration::from_secs(10);

/// Whether one poll of `poll` finds it pending.
async fn is_pending<T>(mut poll: impl FnMut(&mut std::task::Context<'_>) -> Poll<T>) -> bool {
    poll_fn(|cx| Poll::Ready(poll(cx).is_pending())).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_sender_sink_delivers_every_item_in_order_under_backpressure() {
    let (tx, mut rx) = mpsc::channel(2);
    let mut sink = PollSender::new(tx);
    sink.send(0u32).await.unwrap();
    sink.send(1).await.unwrap();
    // Both slots are full: the next reservation waits for the receiver.
    assert!(is_pending(|cx| sink.poll_reserve(cx)).await);
    assert_eq!(rx.recv().await, Some(0));
    let producer = tokio::spawn(async move {
        for i in 2..200u32 {
            sink.send(i).await.unwrap();
        }
    });
    let mut received = Vec::new();
    while let Some(i) = timeout(LIMIT, rx.recv()).await.unwrap() {
        received.push(i);
    }
    producer.await.unwrap();
    assert_eq!(received, (1..200).collect::<Vec<_>>());
}

#[tokio::test]
async fn poll_sender_abort_send_frees_the_slot_and_close_lets_the_channel_end() {
    let (tx, mut rx) = mpsc::channel::<&str>(1);
    let mut sender = PollSender::new(tx.clone());
    poll_fn(|cx| sender.poll_reserve(cx)).await.unwrap();
    assert_eq!(tx.capacity(), 0, "the reservation holds the one slot");
    assert!(sender.abort_send());
    assert!(!sender.abort_send(), "nothing left to abort");
    assert_eq!(tx.capacity(), 1);

    // A reservation still waiting is aborted too.
    tx.try_send("other").unwrap();
    assert!(is_pending(|cx| sender.poll_reserve(cx)).await);
    assert!(sender.abort_send());
    assert_eq!(rx.recv().await, Some("other"));

    // Closing after a reservation: the reserved send still goes, then no more.
    poll_fn(|cx| sender.poll_reserve(cx)).await.unwrap();
    sender.close();
    assert!(sender.is_closed() && sender.get_ref().is_none());
    sender.send_item("last").unwrap();
    assert!(poll_fn(|cx| sender.poll_reserve(cx)).await.is_err());
    drop(tx);
    assert_eq!(rx.recv().await, Some("last"));
    assert_eq!(rx.recv().await, None, "every sender is gone");
}

#[tokio::test]
async fn poll_sender_fails_once_the_receiver_is_dropped() {
    let (tx, rx) = mpsc::channel::<u8>(4);
    let mut sender = PollSender::new(tx);
    let mut clone = sender.clone();
    drop(rx);
    let error = sender.send(1).await.unwrap_err();
    assert_eq!(
        error.into_inner(),
        None,
        "the reservation failed, before any item"
    );
    assert!(sender.is_closed());
    assert_eq!(sender.send_item(7).unwrap_err().into_inner(), Some(7));
    assert!(poll_fn(|cx| clone.poll_reserve(cx)).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_semaphore_streams_permits_as_they_free() {
    let semaphore = Arc::new(Semaphore::new(3));
    let mut permits = PollSemaphore::new(semaphore.clone());
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(permits.next().await.unwrap());
    }
    assert_eq!(permits.available_permits(), 0);
    assert!(is_pending(|cx| permits.poll_acquire(cx)).await);
    let first = held.remove(0);
    tokio::spawn(async move { drop(first) });
    let fourth = timeout(LIMIT, permits.next()).await.unwrap().unwrap();
    assert_eq!(fourth.num_permits(), 1);

    permits.add_permits(2);
    let two = poll_fn(|cx| permits.poll_acquire_many(cx, 2))
        .await
        .unwrap();
    assert_eq!(two.num_permits(), 2);
    drop((two, fourth, held));
    assert_eq!(semaphore.available_permits(), 5);
    assert!(Arc::ptr_eq(&permits.clone_inner(), &semaphore));
    assert_eq!(permits.clone().as_ref().available_permits(), 5);
    permits.close();
    assert!(
        permits.next().await.is_none(),
        "a closed semaphore ends the stream"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_tracker_spawns_on_weft_workers_and_waits_for_all() {
    let tracker = TaskTracker::new();
    let gate = Arc::new(Semaphore::new(0));
    let mut handles = Vec::new();
    for _ in 0..10 {
        let gate = gate.clone();
        handles.push(tracker.spawn(async move {
            gate.acquire().await.unwrap().forget();
            std::thread::current().name().map(str::to_owned)
        }));
    }
    assert_eq!(tracker.len(), 10);
    assert!(tracker.close());
    let mut waiting = std::pin::pin!(tracker.wait());
    assert!(is_pending(|cx| waiting.as_mut().poll(cx)).await);
    gate.add_permits(10);
    timeout(LIMIT, waiting).await.unwrap();
    assert!(tracker.is_empty());
    for handle in handles {
        assert_eq!(handle.await.unwrap().as_deref(), Some("weft-worker"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_tracker_counts_blocking_tasks_and_tokens() {
    let tracker = TaskTracker::new();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let blocking = tracker.spawn_blocking(move || released.recv().unwrap());
    let on_handle = tracker.spawn_on(async { 5 }, &tokio::runtime::Handle::current());
    assert_eq!(on_handle.await.unwrap(), 5);
    let token = tracker.token();
    assert_eq!(tracker.len(), 2, "the blocking task and the token");
    tracker.close();
    release.send(()).unwrap();
    blocking.await.unwrap();
    assert_eq!(tracker.len(), 1);
    drop(token);
    timeout(LIMIT, tracker.wait()).await.unwrap();
    assert!(TaskTracker::ptr_eq(&tracker, &tracker.clone()));
    assert!(!TaskTracker::ptr_eq(&tracker, &TaskTracker::default()));
}

#[tokio::test]
async fn udp_framed_carries_exact_datagrams_and_peers() {
    let a = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    let mut a_bytes = UdpFramed::new(a.clone(), BytesCodec::new());
    let mut b_lines = UdpFramed::new(b, LinesCodec::new());
    for datagram in ["one\ntwo\n", "three"] {
        a_bytes.send((Bytes::from(datagram), b_addr)).await.unwrap();
    }
    let mut got = Vec::new();
    for _ in 0..3 {
        let (line, from) = timeout(LIMIT, b_lines.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        got.push((line, from));
    }
    let expected = ["one", "two", "three"].map(|line| (line.to_owned(), a_addr));
    assert_eq!(
        got, expected,
        "each datagram decoded on its own, to its end"
    );

    b_lines.send(("reply".to_owned(), a_addr)).await.unwrap();
    let (reply, from) = timeout(LIMIT, a_bytes.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!((&reply[..], from), (&b"reply\n"[..], b_addr));
    assert!(Arc::ptr_eq(a_bytes.get_ref(), &a) && a_bytes.read_buffer().is_empty());
}

#[test]
fn tokio_context_runs_weft_spawns_on_the_wrapped_runtime_from_a_plain_executor() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("wrapped")
        .build()
        .unwrap();
    let on_runtime = |tag: u32| async move {
        let name = tokio::spawn(async { std::thread::current().name().map(str::to_owned) });
        (tag, name.await.unwrap())
    };
    let wrapped = runtime.wrap(on_runtime(1));
    assert_eq!(
        futures_lite::future::block_on(wrapped),
        (1, Some("wrapped".to_owned()))
    );
    let context = TokioContext::new(on_runtime(2), runtime.handle().clone());
    assert_eq!(context.handle().id(), runtime.handle().id());
    let result = futures_lite::future::block_on(context);
    assert_eq!(result, (2, Some("wrapped".to_owned())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framed_lines_codec_over_a_weft_tcp_stream() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut lines = Framed::new(stream, LinesCodec::new());
        while let Some(line) = lines.next().await {
            lines.send(line.unwrap().to_uppercase()).await.unwrap();
        }
    });
    let mut client = Framed::new(
        TcpStream::connect(address).await.unwrap(),
        LinesCodec::new(),
    );
    let mut replies = Vec::new();
    for word in ["alpha", "beta", "gamma"] {
        client.send(word).await.unwrap();
        replies.push(
            timeout(LIMIT, client.next())
                .await
                .unwrap()
                .unwrap()
                .unwrap(),
        );
    }
    assert_eq!(replies, ["ALPHA", "BETA", "GAMMA"]);
    drop(client);
    server.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_token_reaches_children_waiters_and_drop_guards() {
    let parent = CancellationToken::new();
    let child = parent.child_token();
    let waiter = tokio::spawn(child.clone().cancelled_owned());
    let guarded = CancellationToken::new();
    drop(guarded.clone().drop_guard());
    assert!(guarded.is_cancelled(), "a dropped guard cancels");
    assert!(!child.is_cancelled());
    parent.cancel();
    timeout(LIMIT, waiter).await.unwrap().unwrap();
    let never = child
        .run_until_cancelled(std::future::pending::<()>())
        .await;
    assert_eq!(never, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_io_bridge_reads_a_weft_stream_from_the_blocking_pool() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        stream.write_all(b"over the bridge").await.unwrap();
    });
    let stream = TcpStream::connect(address).await.unwrap();
    let text = tokio::task::spawn_blocking(move || {
        let mut text = String::new();
        SyncIoBridge::new(stream).read_to_string(&mut text).unwrap();
        text
    });
    assert_eq!(
        timeout(LIMIT, text).await.unwrap().unwrap(),
        "over the bridge"
    );
}

#[tokio::test(start_paused = true)]
async fn delay_queue_yields_in_deadline_order_on_weft_s_paused_clock() {
    let start = Instant::now();
    let mut queue = DelayQueue::new();
    for (item, ms) in [("late", 60), ("early", 20), ("middle", 40)] {
        queue.insert(item, Duration::from_millis(ms));
    }
    // `insert_at` takes the program's `tokio::time::Instant`: weft's.
    let dropped = queue.insert_at("dropped", start + Duration::from_millis(30));
    let moved = queue.insert_at("moved", start + Duration::from_millis(10));
    queue.reset_at(&moved, start + Duration::from_millis(50));
    assert_eq!(queue.remove(&dropped).into_inner(), "dropped");
    assert_eq!(queue.deadline(&moved), start + Duration::from_millis(50));
    assert_eq!(queue.len(), 4);

    let mut order = Vec::new();
    while let Some(expired) = timeout(LIMIT, queue.next()).await.unwrap() {
        // Each at its deadline exactly: the paused clock drives the queue's timer.
        assert_eq!(expired.deadline(), Instant::now());
        order.push((expired.into_inner(), start.elapsed().as_millis()));
    }
    assert_eq!(
        order,
        [("early", 20), ("middle", 40), ("moved", 50), ("late", 60)]
    );
}

#[tokio::test(start_paused = true)]
async fn delay_queue_yields_after_the_task_s_budget_of_due_entries() {
    let mut queue = DelayQueue::new();
    for i in 0..200u32 {
        queue.insert(i, Duration::ZERO);
    }
    tokio::time::sleep(Duration::from_millis(1)).await;
    // A fresh poll, so a fresh budget (the sleep just spent a unit of this one).
    tokio::task::yield_now().await;
    // 200 entries due: one poll of the task takes 128 (weft's budget), then the queue yields.
    let taken_in_one_poll = poll_fn(|cx| {
        let mut taken = 0;
        while let Poll::Ready(Some(_)) = queue.poll_expired(cx) {
            taken += 1;
        }
        Poll::Ready(taken)
    })
    .await;
    assert_eq!(taken_in_one_poll, 128);
    let mut rest = 0;
    while timeout(LIMIT, queue.next()).await.unwrap().is_some() {
        rest += 1;
    }
    assert_eq!(rest, 72);
}

#[tokio::test(start_paused = true)]
async fn future_ext_timeouts_are_weft_s() {
    use tokio_util::time::FutureExt;
    let start = Instant::now();
    let slow = tokio::time::sleep(Duration::from_secs(5));
    // weft's `Timeout`, so its `Elapsed` is the program's `tokio::time::error::Elapsed`.
    let timed: tokio::time::Timeout<_> = slow.timeout(Duration::from_secs(1));
    let elapsed: tokio::time::error::Elapsed = timed.await.unwrap_err();
    assert_eq!(elapsed.to_string(), "deadline has elapsed");
    assert_eq!(start.elapsed(), Duration::from_secs(1));
    let on_time = async { 7 }.timeout_at(start + Duration::from_secs(2)).await;
    assert_eq!(on_time, Ok(7));
}

#[tokio::test]
async fn poll_sender_sends_values_that_borrow() {
    // tokio-util's `PollSender<T>` asks only `T: Send`; so does weft-util's.
    let words = [String::from("borrowed"), String::from("values")];
    let (tx, mut rx) = mpsc::channel::<&str>(1);
    let mut sink = PollSender::new(tx);
    for word in &words {
        sink.send(word.as_str()).await.unwrap();
        assert_eq!(rx.recv().await, Some(word.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_on_drop_handles_abort_exactly_the_tasks_they_still_own() {
    use tokio_util::task::{AbortOnDrop, AbortOnDropHandle};
    // Each task holds a oneshot sender until it is aborted: its receiver then errs.
    let parked = || {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _held = tx;
            std::future::pending::<()>().await
        });
        (task, rx)
    };
    let (task, dropped) = parked();
    let handle = AbortOnDropHandle::new(task);
    assert!(!handle.is_finished());
    drop(handle);
    assert!(
        dropped.await.is_err(),
        "dropping the handle aborted the task"
    );

    let (task, detached) = parked();
    let plain = AbortOnDropHandle::new(task).detach();
    tokio::task::yield_now().await;
    assert!(!plain.is_finished(), "a detached task runs on");
    let abort = plain.abort_handle();
    drop(plain);
    let guard = AbortOnDrop::new(abort);
    assert!(!guard.is_finished());
    drop(guard);
    assert!(detached.await.is_err(), "dropping AbortOnDrop aborted it");

    let (task, kept) = parked();
    let abort = AbortOnDrop::new(task.abort_handle()).detach();
    tokio::task::yield_now().await;
    assert!(
        !abort.is_finished(),
        "detach gave the handle back without aborting"
    );
    abort.abort();
    assert!(kept.await.is_err());

    let answer = AbortOnDropHandle::new(tokio::spawn(async { 6 * 7 }));
    assert_eq!(answer.as_ref().id(), answer.abort_handle().id());
    assert_eq!(answer.await.unwrap(), 42);
    let aborted = AbortOnDropHandle::new(parked().0);
    aborted.abort();
    assert!(aborted.await.unwrap_err().is_cancelled());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_map_reports_each_key_once_and_aborts_by_key() {
    use std::collections::BTreeMap;
    use tokio_util::task::JoinMap;
    let mut map = JoinMap::new();
    let (release, gate) = tokio::sync::watch::channel(false);
    for key in ["a", "b", "c", "d"] {
        let mut gate = gate.clone();
        map.spawn(key, async move {
            gate.wait_for(|open| *open).await.unwrap();
            key.len() * 10
        });
    }
    // Replacing "d": the first "d" task is aborted and never reported.
    let (replaced_tx, replaced_rx) = tokio::sync::oneshot::channel::<()>();
    map.spawn("d", async move {
        let _held = replaced_tx;
        std::future::pending::<usize>().await
    });
    map.spawn("d", async { 4 });
    assert!(replaced_rx.await.is_err(), "the replaced task was aborted");
    assert_eq!(map.len(), 4);
    let mut keys: Vec<_> = map.keys().copied().collect();
    keys.sort();
    assert_eq!(keys, ["a", "b", "c", "d"]);
    assert!(map.contains_key("a") && !map.contains_key("z"));
    assert!(map.abort("b"));
    assert!(!map.abort("z"));
    map.abort_matching(|key| *key == "c");
    release.send(true).unwrap();
    let mut done = BTreeMap::new();
    while let Some((key, output)) = timeout(LIMIT, map.join_next()).await.unwrap() {
        let outcome = match output {
            Ok(value) => Ok(value),
            Err(error) => Err(error.is_cancelled()),
        };
        assert!(done.insert(key, outcome).is_none(), "{key} reported twice");
    }
    let expected = BTreeMap::from([
        ("a", Ok(10)),
        ("b", Err(true)),
        ("c", Err(true)),
        ("d", Ok(4)),
    ]);
    assert_eq!(done, expected);
    assert!(map.is_empty());

    // Detached tasks run on, unreported; shutdown aborts and waits.
    let (tx, mut rx) = mpsc::unbounded_channel();
    map.spawn("detached", async move {
        tx.send("ran").unwrap();
        0
    });
    map.detach_all();
    assert!(map.join_next().await.is_none());
    assert_eq!(timeout(LIMIT, rx.recv()).await.unwrap(), Some("ran"));
    map.spawn("forever", std::future::pending());
    map.spawn_blocking("blocking", || 7);
    let joined = loop {
        // `try_join_next` reports the blocking task once it is done, without waiting.
        if let Some((key, output)) = map.try_join_next() {
            break (key, output.unwrap());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    assert_eq!(joined, ("blocking", 7));
    assert_eq!(map.len(), 1);
    map.spawn("second", std::future::pending());
    assert_eq!(map.len(), 2);
    timeout(LIMIT, map.shutdown()).await.unwrap();
    assert!(map.is_empty());
}

/// A server generic over tokio-util's `Listener`: echoes one line per connection, `count`
/// connections, and returns what it echoed.
async fn echo_lines<L>(mut listener: L, count: usize) -> Vec<String>
where
    L: tokio_util::net::Listener,
    L::Io: Unpin,
{
    use tokio::io::{AsyncBufReadExt, BufReader};
    let mut lines = Vec::new();
    for _ in 0..count {
        let (stream, _peer) = timeout(LIMIT, listener.accept()).await.unwrap().unwrap();
        let mut stream = BufReader::new(stream);
        let mut line = String::new();
        stream.read_line(&mut line).await.unwrap();
        stream.get_mut().write_all(line.as_bytes()).await.unwrap();
        lines.push(line);
    }
    lines
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_generic_server_serves_tcp_and_unix_listeners() {
    use tokio::io::AsyncReadExt;
    use tokio_util::net::Listener;

    let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = Listener::local_addr(&tcp).unwrap();
    let server = tokio::spawn(echo_lines(tcp, 2));
    for n in 0..2 {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(format!("tcp {n}\n").as_bytes())
            .await
            .unwrap();
        let mut echoed = String::new();
        stream.read_to_string(&mut echoed).await.unwrap();
        assert_eq!(echoed, format!("tcp {n}\n"));
    }
    assert_eq!(server.await.unwrap(), ["tcp 0\n", "tcp 1\n"]);

    let dir = std::env::temp_dir().join(format!("weft-util-listener-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("socket");
    let unix = tokio::net::UnixListener::bind(&path).unwrap();
    assert_eq!(
        Listener::local_addr(&unix).unwrap().as_pathname(),
        Some(path.as_path())
    );
    let server = tokio::spawn(echo_lines(unix, 1));
    let mut stream = tokio::net::UnixStream::connect(&path).await.unwrap();
    stream.write_all(b"unix\n").await.unwrap();
    let mut echoed = String::new();
    stream.read_to_string(&mut echoed).await.unwrap();
    assert_eq!(echoed, "unix\n");
    assert_eq!(server.await.unwrap(), ["unix\n"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
