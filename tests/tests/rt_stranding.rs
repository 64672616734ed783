//! The two tokio shortcomings that weft fixes, with generous bounds that only guard against hangs:
//!
//! 1. A task that spawns a child and then blocks its worker in plain code must not strand the
//!    child (tokio keeps it in the blocked worker's un-stealable LIFO slot).
//! 2. A task that blocks its worker in a long poll must not stop timers from firing for tasks
//!    that another worker could run.

mod common;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
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

fn settle(rt: &Runtime) {
    // Let both workers go idle (park) first, the situation in which tokio strands work.
    rt.block_on(async {});
    thread::sleep(Duration::from_millis(50));
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

#[test]
fn child_runs_while_its_parent_sleeps_its_thread() {
    guard(|| {
        let rt = multi(2);
        for round in 0..3 {
            settle(&rt);
            let set_in_time = rt
                .block_on(async {
                    weft::spawn(async {
                        let flag = Arc::new(AtomicBool::new(false));
                        let f = flag.clone();
                        drop(weft::spawn(async move { f.store(true, SeqCst) }));
                        thread::sleep(Duration::from_millis(500));
                        flag.load(SeqCst)
                    })
                    .await
                })
                .unwrap();
            assert!(
                set_in_time,
                "round {round}: the child did not run during its parent's 500 ms blocking sleep"
            );
        }
    });
}

/// The sleeper measures how long its own 50 ms sleep took, from its first poll.
async fn timed_sleep_50ms() -> Duration {
    let t0 = Instant::now();
    weft::time::sleep(Duration::from_millis(50)).await;
    t0.elapsed()
}

async fn blocker() {
    thread::sleep(Duration::from_secs(1));
}

fn check_sleeper(took: Duration, what: &str) {
    assert!(
        took >= Duration::from_millis(50),
        "{what}: a 50 ms sleep ended after {took:?}"
    );
    assert!(
        took < Duration::from_millis(600),
        "{what}: a 50 ms sleep took {took:?} while another worker was blocked for 1 s: \
         timers must keep firing when the driver's worker is busy"
    );
}

#[test]
fn timer_fires_while_a_worker_is_blocked_sleeper_spawned_first() {
    guard(|| {
        let rt = multi(2);
        settle(&rt);
        let sleeper = rt.spawn(timed_sleep_50ms());
        let blocked = rt.spawn(blocker());
        let took = rt.block_on(sleeper).unwrap();
        check_sleeper(took, "sleeper first");
        rt.block_on(blocked).unwrap();
    });
}

#[test]
fn timer_fires_while_a_worker_is_blocked_blocker_spawned_first() {
    guard(|| {
        let rt = multi(2);
        settle(&rt);
        let blocked = rt.spawn(blocker());
        thread::sleep(Duration::from_millis(20));
        let sleeper = rt.spawn(timed_sleep_50ms());
        let took = rt.block_on(sleeper).unwrap();
        check_sleeper(took, "blocker first");
        rt.block_on(blocked).unwrap();
    });
}

#[test]
fn timer_fires_while_a_worker_is_blocked_both_spawned_from_a_task() {
    guard(|| {
        let rt = multi(2);
        settle(&rt);
        let took = rt.block_on(async {
            weft::spawn(async {
                let sleeper = weft::spawn(timed_sleep_50ms());
                let blocked = weft::spawn(blocker());
                let took = sleeper.await.unwrap();
                blocked.await.unwrap();
                took
            })
            .await
            .unwrap()
        });
        check_sleeper(took, "spawned from a task");
    });
}

#[test]
fn timer_fires_while_the_worker_that_drove_the_timers_is_blocked() {
    guard(|| {
        // The blocker is woken by a timer (so it is the driver's worker that picks it up) after
        // the sleeper has registered its timer and the other worker has gone idle; then it blocks.
        let rt = multi(2);
        settle(&rt);
        let blocked = rt.spawn(async {
            weft::time::sleep(Duration::from_millis(20)).await;
            thread::sleep(Duration::from_secs(1));
        });
        let sleeper = rt.spawn(timed_sleep_50ms());
        let took = rt.block_on(sleeper).unwrap();
        check_sleeper(took, "blocker woken by a timer");
        rt.block_on(blocked).unwrap();
    });
}
