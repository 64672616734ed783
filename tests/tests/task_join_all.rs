//! `weft::task::join_all` as a user writes it: gather in input order, concurrency inside one
//! task (1000 sleeps take about as long as one), gathering spawned tasks, and cancellation by
//! drop.

mod common;

use std::time::{Duration, Instant};

use common::*;
use weft::task::join_all;
use weft::time::sleep;

#[test]
fn join_all_of_1000_sleeps_runs_them_concurrently() {
    guard(|| {
        for rt in [multi(2), current()] {
            rt.block_on(async {
                let started = Instant::now();
                let outputs = join_all((0..1000u64).map(|i| async move {
                    sleep(Duration::from_millis(10 + i % 10)).await;
                    i
                }))
                .await;
                let elapsed = started.elapsed();
                assert_eq!(outputs, (0..1000).collect::<Vec<_>>());
                // One after the other they would take over 10 s; together, about 20 ms. The
                // bound only catches serialisation or a hang.
                assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
            });
        }
    });
}

#[test]
fn outputs_keep_input_order_whatever_the_completion_order() {
    guard(|| {
        multi(2).block_on(async {
            let outputs = join_all((0..20u64).map(|i| async move {
                sleep(Duration::from_millis(40 - 2 * i)).await;
                i * i
            }))
            .await;
            assert_eq!(outputs, (0..20).map(|i| i * i).collect::<Vec<_>>());
        });
    });
}

#[test]
fn join_all_gathers_spawned_tasks() {
    guard(|| {
        multi(2).block_on(async {
            let handles: Vec<_> = (0..100u32)
                .map(|i| weft::spawn(async move { i + 1 }))
                .collect();
            let joined = join_all(handles).await;
            let sum: u32 = joined.into_iter().map(Result::unwrap).sum();
            assert_eq!(sum, (1..=100).sum());
        });
    });
}

#[test]
fn dropping_join_all_drops_every_unfinished_future_once() {
    guard(|| {
        let drops = counter();
        let rt = multi(2);
        rt.block_on(async {
            let all = join_all((0..10u64).map(|i| {
                let guard = DropGuard::new(&drops);
                async move {
                    let _guard = guard;
                    sleep(Duration::from_millis(if i < 5 { 1 } else { 3_600_000 })).await;
                }
            }));
            let timed_out = weft::time::timeout(Duration::from_millis(200), all).await;
            assert!(timed_out.is_err());
        });
        assert_eq!(get(&drops), 10);
    });
}

#[test]
fn join_all_polls_only_the_woken_futures() {
    guard(|| {
        current().block_on(async {
            let polls = counter();
            let gates: Vec<Gate> = (0..50).map(|_| Gate::new()).collect();
            let all = join_all(
                gates
                    .iter()
                    .map(|gate| count_polls(&polls, gate.wait()))
                    .collect::<Vec<_>>(),
            );
            let opener = {
                let gates = gates.clone();
                async move {
                    for gate in &gates {
                        weft::task::yield_now().await;
                        gate.open();
                    }
                }
            };
            weft::join!(all, opener);
            // 50 first polls, then one per opened gate: never a pass over all 50.
            assert_eq!(get(&polls), 100);
        });
    });
}
