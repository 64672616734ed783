//! The two tokio shortcomings that weft fixes, with generous bounds that only guard against hangs:
//!
//! 1. A task that spawns a child and then blocks its worker in plain code must not strand the
//!    child (tokio keeps it in the blocked worker's un-stealable LIFO slot).
//! 2. A task that blocks its worker in a long poll must not stop timers from firing for tasks
//!    that another worker could run.
//!
//! Each blocked task blocks until the work it must not strand has happened (or `GIVE_UP`
//! passes, which fails the test): no test depends on how long anything takes.

mod common;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use weft::runtime::Runtime;

const GIVE_UP: Duration = Duration::from_secs(5);

/// The parent spawns `children` children (each sets its flag), then spins in plain code until all
/// flags are set or GIVE_UP passes; true if it had to give up.
async fn parent_spins_until_children_ran(children: usize) -> bool {
    let flags: Vec<Arc<AtomicBool>> = (0..children).map(|_| Arc::default()).collect();
    for f in &flags {
        let f = f.clone();
        drop(weft::spawn(async move { f.store(true, SeqCst) }));
    }
    let t0 = Instant::now();
    while !flags.iter().all(|f| f.load(SeqCst)) {
        if t0.elapsed() > GIVE_UP {
            return true;
        }
        std::hint::spin_loop();
        thread::yield_now();
    }
    false
}

/// Waits until every worker is asleep: the situation in which tokio strands work.
fn settle(rt: &Runtime) {
    let metrics = || rt.handle().metrics();
    assert!(
        wait_until(HANG_LIMIT, || metrics().idle_workers()
            == metrics().num_workers()),
        "the workers never went idle"
    );
}

#[test]
fn child_runs_while_its_parent_spins_on_its_flag() {
    guard(|| {
        let rt = multi(2);
        for round in 0..20 {
            settle(&rt);
            let gave_up = rt
                .block_on(async { weft::spawn(parent_spins_until_children_ran(1)).await })
                .unwrap();
            assert!(
                !gave_up,
                "round {round}: the child spawned by a blocking parent was stranded for {GIVE_UP:?}"
            );
        }
    });
}

#[test]
fn child_runs_while_its_parent_spins_parent_spawned_from_outside() {
    guard(|| {
        let rt = multi(2);
        for round in 0..20 {
            settle(&rt);
            let h = rt.spawn(parent_spins_until_children_ran(1));
            let gave_up = rt.block_on(h).unwrap();
            assert!(
                !gave_up,
                "round {round}: the child was stranded for {GIVE_UP:?}"
            );
        }
    });
}

#[test]
fn several_children_run_while_their_parent_spins() {
    guard(|| {
        let rt = multi(2);
        for round in 0..10 {
            settle(&rt);
            let gave_up = rt
                .block_on(async { weft::spawn(parent_spins_until_children_ran(3)).await })
                .unwrap();
            assert!(
                !gave_up,
                "round {round}: some of 3 children were stranded for {GIVE_UP:?}"
            );
        }
    });
}

/// Peers that never run out of work of their own never steal: the monitor hands the blocked
/// worker's queued tasks to the injector, which busy workers check every 61 ticks.
#[test]
fn children_run_while_their_parent_spins_and_every_peer_is_busy() {
    guard(|| {
        let rt = multi(2);
        let stop = Arc::new(AtomicBool::new(false));
        let spinners: Vec<_> = (0..4)
            .map(|_| {
                let stop = stop.clone();
                rt.spawn(async move {
                    while !stop.load(SeqCst) {
                        weft::task::yield_now().await;
                    }
                })
            })
            .collect();
        for round in 0..5 {
            let gave_up = rt
                .block_on(async { weft::spawn(parent_spins_until_children_ran(3)).await })
                .unwrap();
            assert!(
                !gave_up,
                "round {round}: children of a blocking parent were stranded for {GIVE_UP:?} \
                 while every other worker was busy"
            );
        }
        stop.store(true, SeqCst);
        for spinner in spinners {
            rt.block_on(spinner).unwrap();
        }
    });
}

#[test]
fn child_runs_while_its_parent_blocks_its_thread() {
    guard(|| {
        let rt = multi(2);
        for round in 0..3 {
            settle(&rt);
            let set_in_time = rt
                .block_on(async {
                    weft::spawn(async {
                        // The parent blocks its thread (not spinning) until the child runs.
                        let (ran, child_ran) = mpsc::channel();
                        drop(weft::spawn(async move { ran.send(()).unwrap() }));
                        child_ran.recv_timeout(GIVE_UP).is_ok()
                    })
                    .await
                })
                .unwrap();
            assert!(
                set_in_time,
                "round {round}: the child did not run while its parent blocked for {GIVE_UP:?}"
            );
        }
    });
}

/// Blocks its worker in plain code (no `.await`) until `released`, or until `GIVE_UP` passes;
/// `true` if it was released. Sets `blocking` first.
async fn block_worker_until(blocking: Arc<AtomicBool>, released: mpsc::Receiver<()>) -> bool {
    blocking.store(true, SeqCst);
    released.recv_timeout(GIVE_UP).is_ok()
}

/// Sleeps 50 ms, then releases the blocked worker; how long the sleep took.
async fn sleep_then_release(release: mpsc::Sender<()>) -> Duration {
    let t0 = Instant::now();
    weft::time::sleep(Duration::from_millis(50)).await;
    let took = t0.elapsed();
    let _ = release.send(());
    took
}

fn check(released: bool, took: Duration, what: &str) {
    assert!(
        took >= Duration::from_millis(50),
        "{what}: a 50 ms sleep ended after {took:?}"
    );
    assert!(
        released,
        "{what}: a 50 ms timer did not fire while another worker was blocked for {GIVE_UP:?}: \
         timers must keep firing when the driver's worker is busy"
    );
}

#[test]
fn timer_fires_while_a_worker_is_blocked_sleeper_spawned_first() {
    guard(|| {
        let rt = multi(2);
        settle(&rt);
        let (release, released) = mpsc::channel();
        let sleeper = rt.spawn(sleep_then_release(release));
        let blocked = rt.spawn(block_worker_until(Arc::default(), released));
        let took = rt.block_on(sleeper).unwrap();
        check(rt.block_on(blocked).unwrap(), took, "sleeper first");
    });
}

#[test]
fn timer_fires_while_a_worker_is_blocked_blocker_spawned_first() {
    guard(|| {
        let rt = multi(2);
        settle(&rt);
        let (release, released) = mpsc::channel();
        let blocking = Arc::new(AtomicBool::new(false));
        let blocked = rt.spawn(block_worker_until(blocking.clone(), released));
        assert!(wait_until(HANG_LIMIT, || blocking.load(SeqCst)));
        let sleeper = rt.spawn(sleep_then_release(release));
        let took = rt.block_on(sleeper).unwrap();
        check(rt.block_on(blocked).unwrap(), took, "blocker first");
    });
}

#[test]
fn timer_fires_while_a_worker_is_blocked_both_spawned_from_a_task() {
    guard(|| {
        let rt = multi(2);
        settle(&rt);
        let (released, took) = rt.block_on(async {
            weft::spawn(async {
                let (release, released) = mpsc::channel();
                let sleeper = weft::spawn(sleep_then_release(release));
                let blocked = weft::spawn(block_worker_until(Arc::default(), released));
                let took = sleeper.await.unwrap();
                (blocked.await.unwrap(), took)
            })
            .await
            .unwrap()
        });
        check(released, took, "spawned from a task");
    });
}

#[test]
fn timer_fires_while_the_worker_that_drove_the_timers_is_blocked() {
    guard(|| {
        // The blocker is woken by a timer (so it is the driver's worker that picks it up) after
        // the sleeper has registered its timer and the other worker has gone idle; then it blocks.
        let rt = multi(2);
        settle(&rt);
        let (release, released) = mpsc::channel();
        let blocked = rt.spawn(async move {
            weft::time::sleep(Duration::from_millis(20)).await;
            block_worker_until(Arc::default(), released).await
        });
        let sleeper = rt.spawn(sleep_then_release(release));
        let took = rt.block_on(sleeper).unwrap();
        check(
            rt.block_on(blocked).unwrap(),
            took,
            "blocker woken by a timer",
        );
    });
}
