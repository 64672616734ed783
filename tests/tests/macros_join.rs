//! `weft::join!` and `weft::try_join!` on real runtimes: concurrency inside one task, the first
//! error cancelling the other branches (their destructors run once), borrowed futures.

mod common;

use std::time::{Duration, Instant};

use common::*;
use weft::time::sleep;

async fn after(ms: u64, value: u32) -> u32 {
    sleep(Duration::from_millis(ms)).await;
    value
}

#[test]
fn join_runs_its_branches_concurrently_and_keeps_their_order() {
    guard(|| {
        for rt in [multi(2), current()] {
            rt.block_on(async {
                let started = Instant::now();
                let (a, b, c) = weft::join!(after(200, 1), after(200, 2), after(10, 3));
                assert_eq!((a, b, c), (1, 2, 3));
                // Serially it would be 410 ms; generous bound against serialisation only.
                assert!(started.elapsed() < Duration::from_millis(400 * 5));
            });
        }
    });
}

#[test]
fn join_waits_for_every_branch_even_after_an_error() {
    guard(|| {
        current().block_on(async {
            let (bad, good) = weft::join!(async { Err::<u32, &str>("early") }, after(20, 5));
            assert_eq!((bad, good), (Err("early"), 5));
        });
    });
}

#[test]
fn try_join_returns_the_first_error_and_drops_the_other_branches() {
    guard(|| {
        let drops = counter();
        let rt = multi(2);
        let started = Instant::now();
        let result = rt.block_on(async {
            let (g1, g2) = (DropGuard::new(&drops), DropGuard::new(&drops));
            weft::try_join!(
                async move {
                    let _g = g1;
                    sleep(Duration::from_secs(3600)).await;
                    Ok::<u32, String>(1)
                },
                async move {
                    let _g = g2;
                    sleep(Duration::from_secs(3600)).await;
                    Ok(2)
                },
                async {
                    sleep(Duration::from_millis(10)).await;
                    Err::<(), _>("failed".to_string())
                },
            )
        });
        assert_eq!(result, Err("failed".to_string()));
        assert_eq!(get(&drops), 2, "each losing branch is dropped exactly once");
        assert!(started.elapsed() < Duration::from_secs(10));
    });
}

#[test]
fn try_join_gives_the_tuple_when_everything_succeeds() {
    guard(|| {
        multi(2).block_on(async {
            let spawned = weft::spawn(async { 3u32 });
            let result: Result<(u32, u32, u32), weft::task::JoinError> =
                weft::try_join!(async { Ok(1) }, async { Ok(after(5, 2).await) }, spawned);
            assert_eq!(result.unwrap(), (1, 2, 3));
        });
    });
}

#[test]
fn branches_may_borrow_pinned_futures_and_locals() {
    guard(|| {
        current().block_on(async {
            let name = String::from("local");
            let mut slow = std::pin::pin!(after(20, 7));
            let (len, seven) = weft::join!(async { name.len() }, &mut slow);
            assert_eq!((len, seven), (5, 7));
            let (x,) = weft::join!(biased; async { name.clone() });
            assert_eq!(x, "local");
        });
    });
}
