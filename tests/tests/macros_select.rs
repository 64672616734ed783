//! `weft::select!` as a user writes it: the winner's handler runs and every losing future is
//! dropped (once), `biased;` order, preconditions, patterns that disable a branch, `else`, a
//! loop over a pinned future, fairness, and compile errors for misuse.

mod common;

use std::time::{Duration, Instant};

use common::*;
use weft::time::sleep;

#[test]
fn the_first_to_complete_wins_and_the_losers_are_dropped() {
    guard(|| {
        for rt in [multi(2), current()] {
            let drops = counter();
            let started = Instant::now();
            let winner = rt.block_on(async {
                let (g1, g2) = (DropGuard::new(&drops), DropGuard::new(&drops));
                weft::select! {
                    _ = async move { let _g = g1; sleep(Duration::from_secs(3600)).await } => "hour",
                    v = async { sleep(Duration::from_millis(10)).await; "ten ms" } => v,
                    _ = async move { let _g = g2; std::future::pending::<()>().await } => "never",
                }
            });
            assert_eq!(winner, "ten ms");
            assert_eq!(get(&drops), 2, "each loser is dropped exactly once");
            assert!(started.elapsed() < Duration::from_secs(10));
        }
    });
}

#[test]
fn losers_are_dropped_before_the_handler_runs() {
    guard(|| {
        let drops = counter();
        current().block_on(async {
            let guard = DropGuard::new(&drops);
            weft::select! {
                _ = async move { let _g = guard; std::future::pending::<()>().await } => {}
                _ = async {} => {
                    assert_eq!(get(&drops), 1);
                    // The handler may await.
                    sleep(Duration::from_millis(1)).await;
                }
            }
        });
    });
}

#[test]
fn biased_polls_in_the_order_written() {
    guard(|| {
        current().block_on(async {
            for _ in 0..50 {
                let order = std::sync::Mutex::new(Vec::new());
                let mark = |i: u32| {
                    order.lock().unwrap().push(i);
                    async move { i }
                };
                let won = weft::select! {
                    biased;
                    a = mark(0) => a,
                    b = mark(1) => b,
                    c = mark(2) => c,
                };
                assert_eq!(won, 0, "with biased the first ready branch wins");
            }
        });
    });
}

#[test]
fn without_biased_every_branch_gets_to_win() {
    guard(|| {
        current().block_on(async {
            let mut wins = [0u32; 3];
            for _ in 0..300 {
                let won = weft::select! {
                    a = async { 0 } => a,
                    b = async { 1 } => b,
                    c = async { 2 } => c,
                };
                wins[won] += 1;
            }
            assert!(wins.iter().all(|&w| w > 30), "wins {wins:?}");
        });
    });
}

#[test]
fn preconditions_and_patterns_disable_branches_and_else_runs_last() {
    guard(|| {
        current().block_on(async {
            let polls = counter();
            let ready = false;
            let value = weft::select! {
                x = count_polls(&polls, async { 1 }), if ready => x,
                Some(x) = async { None::<u32> } => x,
                Ok(x) = async { Err::<u32, ()>(()) } => x,
                else => 99,
            };
            assert_eq!(value, 99);
            assert_eq!(
                get(&polls),
                0,
                "a branch whose precondition fails is never polled"
            );

            let value = weft::select! {
                Some(x) = async { None::<u32> } => x,
                x = async { sleep(Duration::from_millis(5)).await; 7 } => x,
                else => 0,
            };
            assert_eq!(value, 7, "a mismatch disables only its own branch");
        });
    });
}

#[test]
fn every_branch_disabled_without_else_panics() {
    guard(|| {
        expect_panic_containing("no `else` branch", || {
            current().block_on(async {
                weft::select! {
                    Some(x) = async { None::<u8> } => x,
                }
            })
        });
    });
}

#[test]
fn a_pinned_future_survives_across_iterations_of_a_loop() {
    guard(|| {
        multi(2).block_on(async {
            let deadline = sleep(Duration::from_millis(100));
            let mut deadline = std::pin::pin!(deadline);
            let mut tick = weft::time::interval(Duration::from_millis(5));
            let mut ticks = 0u32;
            loop {
                weft::select! {
                    _ = &mut deadline => break,
                    _ = tick.tick() => ticks += 1,
                }
            }
            assert!(ticks >= 2, "only {ticks} ticks before the deadline");
        });
    });
}

#[test]
fn handlers_can_return_and_use_the_question_mark() {
    async fn first_number(texts: [&'static str; 2]) -> Result<u32, std::num::ParseIntError> {
        let n = weft::select! {
            biased;
            n = async { texts[0].parse::<u32>() } => n?,
            n = async { texts[1].parse::<u32>() } => return n.map(|n| n * 100),
        };
        Ok(n)
    }
    guard(|| {
        current().block_on(async {
            assert_eq!(first_number(["4", "5"]).await, Ok(4));
            assert!(first_number(["x", "5"]).await.is_err());
        });
    });
}

#[test]
fn select_with_a_timeout_and_a_task() {
    guard(|| {
        multi(2).block_on(async {
            let drops = counter();
            let guard = DropGuard::new(&drops);
            let mut task = weft::spawn(async move {
                let _guard = guard;
                sleep(Duration::from_secs(3600)).await;
            });
            let timed_out = weft::select! {
                _ = &mut task => false,
                _ = sleep(Duration::from_millis(10)) => true,
            };
            assert!(timed_out);
            // Losing a select! drops the `&mut JoinHandle`, not the task: abort it explicitly.
            assert_eq!(get(&drops), 0);
            task.abort();
            assert!(task.await.unwrap_err().is_cancelled());
            assert_eq!(get(&drops), 1);
        });
    });
}

#[test]
fn misuse_is_a_clear_compile_error() {
    trybuild::TestCases::new().compile_fail("tests/select_ui/*.rs");
}
