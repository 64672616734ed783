//! Where a multi-thread worker queues a task, and when it wakes a peer for it:
//! - a task that someone else woke while it ran goes back in the local queue, ahead of remote
//!   work; one that woke itself to yield (`yield_now`, a spent coop budget) waits behind the
//!   remote work (exact run orders on one worker);
//! - work that a poll queues wakes an idle peer once the poll has returned, not in the middle
//!   of it, where the poller may hold a lock the woken task wants, and not at all if it is a
//!   single task, which the worker runs next (a lockstep chain stays on its worker).

mod common;

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use common::*;
use weft::runtime::Builder;

type Order = Arc<Mutex<Vec<&'static str>>>;

/// How task `a` is woken during its first poll.
#[derive(Clone, Copy, Debug)]
enum Wake {
    /// By another thread, while `a` runs.
    ByAnother,
    /// By itself, with `yield_now`.
    YieldNow,
    /// By itself, its coop budget spent.
    BudgetSpent,
}

/// On one worker: task `a`'s first poll has another thread spawn `b` (into the injector,
/// before `a`'s poll ends), then `a` is woken as `wake` says. The order the steps ran in.
fn run_order(wake: Wake) -> Vec<&'static str> {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let order: Order = Arc::default();
    let handle = rt.handle().clone();
    let a = {
        let order = order.clone();
        async move {
            order.lock().unwrap().push("a first");
            let b = {
                let order = order.clone();
                // A thread outside the runtime: its spawn goes to the injector.
                std::thread::spawn(move || {
                    handle.spawn(async move { order.lock().unwrap().push("b") })
                })
                .join()
                .unwrap()
            };
            match wake {
                Wake::ByAnother => {
                    let mut woken = false;
                    poll_fn(|cx| {
                        if woken {
                            return Poll::Ready(());
                        }
                        woken = true;
                        let waker = cx.waker().clone();
                        std::thread::spawn(move || waker.wake()).join().unwrap();
                        Poll::Pending
                    })
                    .await
                }
                Wake::YieldNow => weft::task::yield_now().await,
                Wake::BudgetSpent => {
                    // The whole budget, then one more unit: that one makes the task yield.
                    for _ in 0..=128 {
                        weft::task::consume_budget().await;
                    }
                }
            }
            order.lock().unwrap().push("a again");
            b.await.unwrap();
        }
    };
    rt.block_on(rt.spawn(a)).unwrap();
    let order = order.lock().unwrap().clone();
    order
}

#[test]
fn a_task_woken_by_another_while_it_runs_goes_ahead_of_remote_work() {
    guard(|| {
        assert_eq!(run_order(Wake::ByAnother), ["a first", "a again", "b"]);
    });
}

#[test]
fn a_task_that_yields_goes_behind_remote_work() {
    guard(|| {
        assert_eq!(run_order(Wake::YieldNow), ["a first", "b", "a again"]);
        assert_eq!(run_order(Wake::BudgetSpent), ["a first", "b", "a again"]);
    });
}

/// Polls the inner future with `in_poll` set, so other tasks can tell whether this poll is
/// still running, and records how long each poll took.
struct Watched<F> {
    inner: Pin<Box<F>>,
    in_poll: Arc<AtomicBool>,
    longest_poll: Arc<Mutex<Duration>>,
}

impl<F: Future> Future for Watched<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let start = Instant::now();
        self.in_poll.store(true, Ordering::SeqCst);
        let output = self.inner.as_mut().poll(cx);
        self.in_poll.store(false, Ordering::SeqCst);
        let took = start.elapsed();
        let mut longest = self.longest_poll.lock().unwrap();
        *longest = (*longest).max(took);
        output
    }
}

/// On a two-worker runtime, from a task: waits (on timers, which wake only the worker that
/// sleeps in the driver, and no one else) until the other worker sleeps. Returns its index and
/// its park/unpark count then (odd: asleep).
async fn until_the_peer_sleeps(metrics: &weft::runtime::RuntimeMetrics) -> (usize, u64) {
    loop {
        weft::time::sleep(Duration::from_millis(1)).await;
        let peer = 1 - weft::runtime::worker_index().expect("a worker runs the task");
        let unparks = metrics.worker_park_unpark_count(peer);
        if unparks % 2 == 1 {
            return (peer, unparks);
        }
    }
}

/// The monitor thread hands a stuck worker's queue to a peer once two of its looks, at least
/// 1 ms apart, find the same poll; a poll shorter than this never meets that.
const SHORTER_THAN_A_MONITOR_LOOK: Duration = Duration::from_millis(1);

/// One try on two workers: a task waits (on timers, which wake the worker that sleeps in the
/// driver, and no one else) until its peer sleeps, then, in one poll, spawns `first` and
/// `second` (which takes the LIFO slot and pushes `first` to the stealable deque) and keeps that
/// poll going for 300 us, long enough for a peer woken at the spawn to steal `first`. Returns
/// whether `first` started while the spawner's poll still ran, or `None` if a poll ran long
/// enough for the monitor to step in (a loaded machine preempted it): the try says nothing then.
fn first_started_during_the_spawning_poll() -> Option<bool> {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let in_poll = Arc::new(AtomicBool::new(false));
    let longest_poll = Arc::new(Mutex::new(Duration::ZERO));
    let started_during = Arc::new(AtomicBool::new(false));
    let metrics = rt.metrics();
    let spawner = {
        let in_poll = in_poll.clone();
        let started_during = started_during.clone();
        let metrics = metrics.clone();
        async move {
            let (peer, peer_unparks) = until_the_peer_sleeps(&metrics).await;
            // The peer sleeps; from here to the end of the spin, one poll.
            let first = weft::spawn(async move {
                if in_poll.load(Ordering::SeqCst) {
                    started_during.store(true, Ordering::SeqCst);
                }
            });
            let second = weft::spawn(async {});
            let start = Instant::now();
            while start.elapsed() < Duration::from_micros(300) {
                std::hint::spin_loop();
            }
            first.await.unwrap();
            second.await.unwrap();
            (peer, peer_unparks)
        }
    };
    let watched = Watched {
        inner: Box::pin(spawner),
        in_poll,
        longest_poll: longest_poll.clone(),
    };
    let (peer, peer_unparks) = rt.block_on(rt.spawn(watched)).unwrap();
    // The spawned work woke the peer, once the poll was over.
    assert!(
        wait_until(Duration::from_secs(10), || {
            metrics.worker_park_unpark_count(peer) != peer_unparks
        }),
        "the peer was never woken for the spawned work"
    );
    let longest = *longest_poll.lock().unwrap();
    (longest < SHORTER_THAN_A_MONITOR_LOOK).then(|| started_during.load(Ordering::SeqCst))
}

#[test]
fn a_poll_wakes_a_peer_for_the_work_it_queued_only_once_it_returns() {
    guard(|| {
        let mut conclusive = 0;
        for _ in 0..20 {
            match first_started_during_the_spawning_poll() {
                Some(started_during) => {
                    assert!(
                        !started_during,
                        "a peer took the spawned task while the spawning poll still ran"
                    );
                    conclusive += 1;
                    if conclusive == 3 {
                        return;
                    }
                }
                None => continue,
            }
        }
        assert!(
            conclusive > 0,
            "every try's poll ran past a monitor look: the machine is too loaded to tell"
        );
    });
}

/// Hops of the lockstep chain below (even: the first task sees the even counts, 0 last). With
/// a peer woken every `MAX_LIFO_POLLS` (3) hops, as before a single queued task stopped waking
/// one, the peer was woken tens of times during it.
const CHAIN_HOPS: u32 = 300;

/// One try on two workers: two tasks pass a count back and forth through two `channel(1)`s,
/// `CHAIN_HOPS` hops, started once the other worker sleeps. Returns how many times that
/// worker's park/unpark count moved meanwhile (2 per wake-up).
fn peer_wakes_during_a_lockstep_chain() -> u64 {
    use weft::sync::{mpsc, oneshot};
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let metrics = rt.metrics();
    let main = async move {
        let (to_even, mut even_rx) = mpsc::channel::<u32>(1);
        let (to_odd, mut odd_rx) = mpsc::channel::<u32>(1);
        let (done_tx, done_rx) = oneshot::channel::<()>();
        let start = to_even.clone();
        drop(weft::spawn(async move {
            while let Some(hops) = even_rx.recv().await {
                if hops == 0 {
                    done_tx.send(()).unwrap();
                    return;
                }
                to_odd.send(hops - 1).await.unwrap();
            }
        }));
        drop(weft::spawn(async move {
            // Ends when the even task has returned and dropped `to_odd`.
            while let Some(hops) = odd_rx.recv().await {
                to_even.send(hops - 1).await.unwrap();
            }
        }));
        let (peer, before) = until_the_peer_sleeps(&metrics).await;
        start.send(CHAIN_HOPS).await.unwrap();
        done_rx.await.unwrap();
        metrics.worker_park_unpark_count(peer) - before
    };
    rt.block_on(rt.spawn(main)).unwrap()
}

#[test]
fn a_lockstep_chain_stays_on_its_worker_and_wakes_no_peer() {
    guard(|| {
        // A loaded machine may preempt the chain's worker long enough for the monitor to hand
        // its queue to the peer: one quiet try of five is the proof.
        let mut moves = Vec::new();
        for _ in 0..5 {
            let moved = peer_wakes_during_a_lockstep_chain();
            if moved <= 2 {
                return;
            }
            moves.push(moved);
        }
        panic!("the peer was woken during every chain (park/unpark counts moved {moves:?})");
    });
}
