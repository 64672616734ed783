//! The cooperative budget, with exact counts: polls until a yield, yields per budget, what
//! `unconstrained` and `has_budget_remaining` see, and the starvation it prevents (an
//! always-ready task on one worker, a biased `select!`, a `timeout` around a busy future).

mod common;

use std::future::Future;
use std::time::Duration;

use common::*;
use weft::task::coop::{consume_budget, has_budget_remaining, unconstrained};

/// The budget of one poll (tokio's).
const BUDGET: usize = 128;

#[test]
fn a_task_spends_its_budget_in_exactly_128_steps_per_poll() {
    on_each_flavor(|rt| {
        // 1000 steps: seven polls of 128, an eighth of 104.
        let polls = polls_of(&rt, async {
            for _ in 0..1_000 {
                consume_budget().await;
            }
        });
        assert_eq!(polls, 8);
        // Exactly one budget: 128 steps in one poll, then a second poll for nothing more.
        let polls = polls_of(&rt, async {
            for _ in 0..BUDGET {
                consume_budget().await;
            }
        });
        assert_eq!(polls, 1);
    });
}

#[test]
fn block_on_futures_get_a_budget_too() {
    on_each_flavor(|rt| {
        let polls = counter();
        rt.block_on(count_polls(&polls, async {
            for _ in 0..1_000 {
                consume_budget().await;
            }
        }));
        assert_eq!(get(&polls), 8);
    });
}

#[test]
fn local_set_tasks_get_a_budget_of_their_own() {
    on_each_flavor(|rt| {
        let local = weft::task::LocalSet::new();
        let polls = counter();
        let counted = count_polls(&polls, async {
            for _ in 0..1_000 {
                consume_budget().await;
            }
        });
        local.block_on(&rt, async {
            weft::task::spawn_local(counted).await.unwrap();
        });
        assert_eq!(get(&polls), 8);
        // A fresh budget per poll: the one the driving future spent is not inherited.
        let fresh = local.block_on(&rt, async {
            let task = weft::task::spawn_local(async { has_budget_remaining() });
            for _ in 0..BUDGET {
                consume_budget().await;
            }
            assert!(!has_budget_remaining());
            task.await.unwrap()
        });
        assert!(fresh);
    });
}

#[test]
fn has_budget_remaining_turns_false_after_the_budget() {
    on_each_flavor(|rt| {
        rt.block_on(rt.spawn(async {
            assert!(has_budget_remaining());
            for _ in 0..BUDGET - 1 {
                consume_budget().await;
            }
            assert!(has_budget_remaining());
            consume_budget().await;
            assert!(!has_budget_remaining());
            // The next step yields, and the task resumes with a fresh budget.
            consume_budget().await;
            assert!(has_budget_remaining());
        }))
        .unwrap();
        // Outside any task: unconstrained.
        assert!(has_budget_remaining());
    });
}

#[test]
#[cfg_attr(miri, ignore)] // spawns a process
fn waits_on_an_exited_child_spend_the_budget() {
    on_each_flavor(|rt| {
        let mut child = rt.block_on(async {
            let mut child = weft::process::Command::new("true").spawn().unwrap();
            assert!(child.wait().await.unwrap().success());
            child
        });
        // 1000 ready waits: seven polls of 128, an eighth of 104.
        let polls = polls_of(&rt, async move {
            for _ in 0..1_000 {
                assert!(child.wait().await.unwrap().success());
            }
        });
        assert_eq!(polls, 8);
    });
}

#[test]
fn unconstrained_runs_every_step_in_one_poll() {
    on_each_flavor(|rt| {
        let polls = polls_of(
            &rt,
            unconstrained(async {
                for _ in 0..10 * BUDGET {
                    consume_budget().await;
                }
            }),
        );
        assert_eq!(polls, 1);
    });
}

#[test]
fn sleeps_that_are_already_due_spend_the_budget() {
    on_each_flavor(|rt| {
        let polls = polls_of(&rt, async {
            for _ in 0..1_000 {
                weft::time::sleep(Duration::ZERO).await;
            }
        });
        assert_eq!(polls, 8);
    });
}

#[test]
fn join_handles_of_finished_tasks_spend_the_budget() {
    guard(|| {
        // One thread, so that the 200 tasks run (in spawn order) before the joiner.
        let rt = current();
        let polls = counter();
        rt.block_on(async {
            let handles: Vec<_> = (0..200).map(|i| weft::spawn(async move { i })).collect();
            let joiner = count_polls(&polls, async move {
                let mut sum = 0;
                for handle in handles {
                    sum += handle.await.unwrap();
                }
                assert_eq!(sum, 19_900);
            });
            weft::spawn(joiner).await.unwrap();
        });
        // 128 handles in the first poll, the last 72 in the second.
        assert_eq!(get(&polls), 2);
    });
}

#[test]
fn an_always_ready_task_lets_the_other_tasks_of_its_worker_run() {
    guard(|| {
        let rt = multi(1);
        let busy_polls = counter();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let busy = {
            let stop = stop.clone();
            count_polls(&busy_polls, async move {
                // Spawned from this task's poll, the stopper waits in this worker's LIFO slot:
                // it can run only once this task yields.
                let stopper = {
                    let stop = stop.clone();
                    weft::spawn(
                        async move { stop.store(true, std::sync::atomic::Ordering::SeqCst) },
                    )
                };
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    consume_budget().await;
                }
                stopper.await.unwrap();
            })
        };
        rt.block_on(rt.spawn(busy)).unwrap();
        // The first poll ran out of budget, the stopper ran, the second poll saw the flag.
        assert_eq!(get(&busy_polls), 2);
    });
}

#[test]
fn a_biased_select_reaches_its_other_branch() {
    on_each_flavor(|rt| {
        let steps = rt.block_on(rt.spawn(async {
            let mut steps = 0usize;
            weft::select! {
                biased;
                _ = async {
                    loop {
                        consume_budget().await;
                        steps += 1;
                    }
                } => unreachable!("the loop never ends"),
                _ = weft::task::yield_now() => {}
            }
            steps
        }));
        // The first poll of the select: 128 steps, then the yield registers; the second: 128
        // more, then the yield completes.
        assert_eq!(steps.unwrap(), 2 * BUDGET);
    });
}

#[test]
fn a_timeout_fires_around_a_future_that_spends_every_budget() {
    on_each_flavor(|rt| {
        let result = rt.block_on(rt.spawn(async {
            weft::time::timeout(Duration::from_millis(5), async {
                loop {
                    consume_budget().await;
                }
            })
            .await
        }));
        assert!(result.unwrap().is_err(), "the deadline must win");
    });
}

#[test]
#[cfg_attr(miri, ignore)] // sockets
fn socket_operations_spend_the_budget() {
    guard(|| {
        let rt = current();
        let yields = rt.block_on(async {
            let tx = weft::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let rx = weft::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            tx.connect(rx.local_addr().unwrap()).await.unwrap();
            // A first round trip learns both sockets' readiness from the reactor (a new socket
            // starts not known to be ready, so its first send and recv wait for the event);
            // after it, the loop below never waits. The yield starts the loop on a fresh budget.
            let mut buf = [0u8; 5];
            tx.send(b"hello").await.unwrap();
            assert_eq!(rx.recv(&mut buf).await.unwrap(), 5);
            weft::task::yield_now().await;
            // Counts how often the main future yields: it runs once per yield.
            let tracker = counter();
            let background = {
                let tracker = tracker.clone();
                weft::spawn(async move {
                    loop {
                        bump(&tracker);
                        weft::task::yield_now().await;
                    }
                })
            };
            // Loopback datagrams are delivered inside `send`: neither call ever waits, and two
            // units are spent per round trip.
            for _ in 0..1_024 {
                tx.send(b"hello").await.unwrap();
                assert_eq!(rx.recv(&mut buf).await.unwrap(), 5);
            }
            background.abort();
            get(&tracker)
        });
        // 2048 units: sixteen polls of 128, so fifteen yields in between.
        assert_eq!(yields, 15);
    });
}

/// A `poll_*_ready` that finds the socket ready spends one unit, as tokio's `Registration`:
/// 1000 of them take exactly eight polls. The `async` form (`readable()`) spends none, as
/// tokio's: 1000 take one poll, so a `writable().await` + `try_write` loop can fill a buffer.
#[test]
#[cfg_attr(miri, ignore)] // sockets
fn poll_ready_spends_the_budget_and_the_async_readiness_wait_does_not() {
    on_each_flavor(|rt| {
        let (tx, rx) = rt.block_on(async {
            let tx = weft::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let rx = weft::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            tx.connect(rx.local_addr().unwrap()).await.unwrap();
            // A datagram stays queued: the receiver is readable from here on.
            tx.send(b"hello").await.unwrap();
            rx.readable().await.unwrap();
            (tx, rx)
        });
        let rx = std::sync::Arc::new(rx);
        let waiting = rx.clone();
        let polls = polls_of(&rt, async move {
            for _ in 0..1_000 {
                waiting.readable().await.unwrap();
            }
        });
        assert_eq!(polls, 1);
        let polls = polls_of(&rt, async move {
            for _ in 0..1_000 {
                std::future::poll_fn(|cx| rx.poll_recv_ready(cx))
                    .await
                    .unwrap();
            }
        });
        assert_eq!(polls, 8);
        drop(tx);
    });
}

/// Every `weft::sync` wait that is ready at once spends one unit: 1000 of them take exactly
/// eight polls (seven budgets of 128, then 104).
#[test]
fn sync_waits_that_are_always_ready_yield_every_128() {
    on_each_flavor(|rt| {
        let polls = polls_of(&rt, async {
            let (tx, mut rx) = weft::sync::mpsc::unbounded_channel();
            for i in 0..1_000 {
                tx.send(i).unwrap();
            }
            for i in 0..1_000 {
                assert_eq!(rx.recv().await, Some(i));
            }
        });
        assert_eq!(polls, 8, "mpsc::UnboundedReceiver::recv");

        let polls = polls_of(&rt, async {
            let (tx, mut rx) = weft::sync::mpsc::channel(1_000);
            for i in 0..1_000 {
                tx.send(i).await.unwrap(); // a free slot: ready at once
            }
            drop(tx);
            let mut n = 0;
            while rx.try_recv().is_ok() {
                n += 1;
            }
            assert_eq!(n, 1_000);
        });
        assert_eq!(polls, 8, "mpsc::Sender::send");

        let polls = polls_of(&rt, async {
            let mutex = weft::sync::Mutex::new(0);
            for _ in 0..1_000 {
                *mutex.lock().await += 1;
            }
            assert_eq!(*mutex.lock().await, 1_000);
        });
        // 1001 locks: the last one in the eighth poll (104 + 1 steps).
        assert_eq!(polls, 8, "Mutex::lock");

        let polls = polls_of(&rt, async {
            let semaphore = weft::sync::Semaphore::new(1);
            for _ in 0..1_000 {
                drop(semaphore.acquire().await.unwrap());
            }
        });
        assert_eq!(polls, 8, "Semaphore::acquire");

        let polls = polls_of(&rt, async {
            let lock = weft::sync::RwLock::new(());
            for _ in 0..1_000 {
                drop(lock.read().await);
            }
        });
        assert_eq!(polls, 8, "RwLock::read");

        let polls = polls_of(&rt, async {
            let notify = weft::sync::Notify::new();
            for _ in 0..1_000 {
                notify.notify_one(); // stores a permit: the next wait is ready at once
                notify.notified().await;
            }
        });
        assert_eq!(polls, 8, "Notify::notified");

        let polls = polls_of(&rt, async {
            let (tx, mut rx) = weft::sync::watch::channel(0);
            for i in 0..1_000 {
                tx.send(i).unwrap();
                rx.changed().await.unwrap();
            }
            drop(tx);
        });
        assert_eq!(polls, 8, "watch::Receiver::changed");

        let polls = polls_of(&rt, async {
            let (tx, rx) = weft::sync::watch::channel(());
            drop(rx);
            for _ in 0..1_000 {
                tx.closed().await;
            }
        });
        assert_eq!(polls, 8, "watch::Sender::closed");

        let polls = polls_of(&rt, async {
            for i in 0..1_000 {
                let (tx, rx) = weft::sync::oneshot::channel();
                tx.send(i).unwrap();
                assert_eq!(rx.await.unwrap(), i);
            }
        });
        assert_eq!(polls, 8, "oneshot::Receiver");
    });
}

/// `select!` looks at the budget before any branch, as tokio's: a biased `select!` whose first
/// branch spends a unit and whose second is always ready yields every 128 rounds (1000 rounds:
/// eight polls) instead of letting the ready branch win for ever.
#[test]
fn select_yields_once_the_budget_is_spent() {
    on_each_flavor(|rt| {
        let polls = polls_of(&rt, async {
            for _ in 0..1_000 {
                weft::select! {
                    biased;
                    () = weft::task::consume_budget() => {}
                    () = std::future::ready(()) => {}
                }
            }
        });
        assert_eq!(polls, 8);
    });
}

/// A waker that counts its wakes.
struct CountingWaker(Counter);

impl std::task::Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        bump(&self.0);
    }
}

/// A lock polled by a task with no budget left still takes its place in the queue, as tokio's:
/// when the holder unlocks, that task is the one woken (once), not the one that queued after
/// it.
#[test]
fn a_lock_refused_for_budget_keeps_its_place_in_the_queue() {
    on_each_flavor(|rt| {
        rt.block_on(async {
            use std::task::{Context, Poll};
            let mutex = std::sync::Arc::new(weft::sync::Mutex::new(()));
            let held = mutex.clone().lock_owned().await;
            // Spend this task's budget.
            while weft::task::coop::has_budget_remaining() {
                weft::task::consume_budget().await;
            }
            let (first_wakes, second_wakes) = (counter(), counter());
            let first_waker = std::sync::Arc::new(CountingWaker(first_wakes.clone())).into();
            let second_waker = std::sync::Arc::new(CountingWaker(second_wakes.clone())).into();
            let mut first = Box::pin(mutex.clone().lock_owned());
            let mut second = Box::pin(mutex.clone().lock_owned());
            let mut cx = Context::from_waker(&first_waker);
            assert!(first.as_mut().poll(&mut cx).is_pending());
            let mut cx = Context::from_waker(&second_waker);
            assert!(second.as_mut().poll(&mut cx).is_pending());
            assert_eq!((get(&first_wakes), get(&second_wakes)), (0, 0));
            drop(held);
            assert_eq!(get(&first_wakes), 1, "the first in the queue gets the lock");
            assert_eq!(get(&second_wakes), 0);
            // Out of budget still: the granted lock is handed over at a later poll, and a
            // drop before that gives it on to the next in line.
            drop(first);
            assert_eq!(get(&second_wakes), 1);
            let mut cx = Context::from_waker(&second_waker);
            let mut polled = Poll::Pending;
            while polled.is_pending() {
                weft::task::yield_now().await; // a fresh budget
                polled = second.as_mut().poll(&mut cx);
            }
        });
    });
}

/// `io::empty`, `io::repeat` and `io::sink` are leaves of the budget (tokio's are of its own):
/// 1000 reads or writes take exactly eight polls each.
#[test]
fn the_in_memory_readers_and_writers_spend_the_budget() {
    use weft::io::{AsyncReadExt, AsyncWriteExt};
    on_each_flavor(|rt| {
        let polls = polls_of(&rt, async {
            let mut sink = weft::io::sink();
            for _ in 0..1_000 {
                assert_eq!(sink.write(b"x").await.unwrap(), 1);
            }
        });
        assert_eq!(polls, 8, "sink");
        let polls = polls_of(&rt, async {
            let mut repeat = weft::io::repeat(3);
            let mut byte = [0u8; 1];
            for _ in 0..1_000 {
                repeat.read_exact(&mut byte).await.unwrap();
                assert_eq!(byte, [3]);
            }
        });
        assert_eq!(polls, 8, "repeat");
        let polls = polls_of(&rt, async {
            let mut empty = weft::io::empty();
            let mut byte = [0u8; 1];
            for _ in 0..1_000 {
                assert_eq!(empty.read(&mut byte).await.unwrap(), 0);
            }
        });
        assert_eq!(polls, 8, "empty");
    });
}
