//! `weft::task::JoinSet` as a user writes it: completion order, abort_all and drop aborting
//! every task (destructors counted), shutdown, detach, spawn_blocking, join_all's panics, and
//! `join_next` inside `select!` (cancel safety).

mod common;

use std::time::{Duration, Instant};

use common::*;
use weft::task::{JoinSet, TaskGroup};
use weft::time::sleep;

#[test]
fn tasks_that_sleep_less_come_out_first() {
    guard(|| {
        // On one thread the order is exact even if the thread is descheduled past several
        // deadlines (the wheel fires them in deadline order, the queue runs them in that
        // order). On two workers, tasks whose timers fire in one turn may finish in either
        // order when the machine is loaded, so only the outputs are checked there; the exact
        // completion order on many workers is `completion_order_follows_...` below.
        for (rt, exact) in [(multi(2), false), (current(), true)] {
            rt.block_on(async {
                let mut set = JoinSet::new();
                for ms in [150u64, 0, 100, 50] {
                    set.spawn(async move {
                        sleep(Duration::from_millis(ms)).await;
                        ms
                    });
                }
                let mut order = Vec::new();
                while let Some(joined) = set.join_next().await {
                    order.push(joined.unwrap());
                }
                if !exact {
                    order.sort_unstable();
                }
                assert_eq!(order, [0, 50, 100, 150]);
            });
        }
    });
}

#[test]
fn completion_order_follows_the_order_tasks_are_released() {
    guard(|| {
        multi(2).block_on(async {
            let gates: Vec<Gate> = (0..8).map(|_| Gate::new()).collect();
            let mut set = JoinSet::new();
            for (i, gate) in gates.iter().enumerate() {
                let wait = gate.wait();
                set.spawn(async move {
                    wait.await;
                    i
                });
            }
            for i in [5, 2, 7, 0, 1, 6, 3, 4] {
                gates[i].open();
                assert_eq!(set.join_next().await.unwrap().unwrap(), i);
            }
            assert!(set.join_next().await.is_none());
        });
    });
}

#[test]
fn abort_all_cancels_every_task() {
    guard(|| {
        let drops = counter();
        multi(2).block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..100 {
                let guard = DropGuard::new(&drops);
                set.spawn(async move {
                    let _guard = guard;
                    sleep(Duration::from_secs(3600)).await;
                });
            }
            set.abort_all();
            let mut cancelled = 0;
            while let Some(joined) = set.join_next().await {
                assert!(joined.unwrap_err().is_cancelled());
                cancelled += 1;
            }
            assert_eq!(cancelled, 100);
            // Joined as cancelled means the future was dropped first.
            assert_eq!(get(&drops), 100);
        });
    });
}

#[test]
fn dropping_the_set_aborts_every_task() {
    guard(|| {
        let drops = counter();
        let polls = counter();
        let rt = multi(2);
        rt.block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..50 {
                let guard = DropGuard::new(&drops);
                set.spawn(count_polls(&polls, async move {
                    let _guard = guard;
                    std::future::pending::<()>().await;
                }));
            }
            drop(set);
        });
        assert!(wait_until(Duration::from_secs(10), || get(&drops) == 50));
        // Once every future is freed (each holds a clone of `polls`), none can be polled.
        assert!(wait_until(HANG_LIMIT, || std::sync::Arc::strong_count(
            &polls
        ) == 1));
        assert_eq!(get(&drops), 50);
        assert!(get(&polls) <= 50, "an aborted task was polled again");
    });
}

#[test]
fn shutdown_waits_until_every_task_is_gone() {
    guard(|| {
        let drops = counter();
        multi(2).block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..10 {
                let guard = DropGuard::new(&drops);
                set.spawn(async move {
                    let _guard = guard;
                    sleep(Duration::from_secs(3600)).await;
                });
            }
            set.shutdown().await;
            assert!(set.is_empty());
            assert_eq!(get(&drops), 10);
        });
    });
}

#[test]
fn detached_tasks_keep_running() {
    guard(|| {
        let ran = counter();
        multi(2).block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..5 {
                let ran = ran.clone();
                set.spawn(async move {
                    sleep(Duration::from_millis(20)).await;
                    bump(&ran);
                });
            }
            set.detach_all();
            drop(set);
            sleep(Duration::from_millis(300)).await;
        });
        assert_eq!(get(&ran), 5);
    });
}

#[test]
fn many_tasks_all_come_back_once() {
    guard(|| {
        multi(2).block_on(async {
            let mut set = JoinSet::new();
            for i in 0..10_000u64 {
                set.spawn(async move {
                    if i % 3 == 0 {
                        weft::task::yield_now().await;
                    }
                    i
                });
            }
            set.spawn_blocking(|| 10_000);
            assert_eq!(set.len(), 10_001);
            let mut seen = vec![false; 10_001];
            while let Some(joined) = set.join_next().await {
                let i = joined.unwrap() as usize;
                assert!(!seen[i], "task {i} joined twice");
                seen[i] = true;
            }
            assert!(seen.iter().all(|&s| s));
        });
    });
}

#[test]
fn join_all_resumes_the_panic_of_a_task() {
    guard(|| {
        let drops = counter();
        let rt = multi(2);
        let d = drops.clone();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async move {
                let mut set = JoinSet::new();
                let guard = DropGuard::new(&d);
                set.spawn(async move {
                    let _guard = guard;
                    sleep(Duration::from_secs(3600)).await;
                    0
                });
                set.spawn(async {
                    sleep(Duration::from_millis(10)).await;
                    panic!("task failed")
                });
                set.join_all().await
            })
        }));
        let payload = result.unwrap_err();
        assert_eq!(panic_message(&*payload), "task failed");
        assert!(wait_until(Duration::from_secs(10), || get(&drops) == 1));
    });
}

#[test]
fn join_next_in_a_select_loop_loses_nothing() {
    guard(|| {
        multi(2).block_on(async {
            let mut set = JoinSet::new();
            for i in 0..20u64 {
                set.spawn(async move {
                    sleep(Duration::from_millis(i * 3)).await;
                    i
                });
            }
            let mut tick = weft::time::interval(Duration::from_millis(2));
            let (mut joined, mut ticks) = (Vec::new(), 0);
            let started = Instant::now();
            loop {
                weft::select! {
                    Some(result) = set.join_next() => joined.push(result.unwrap()),
                    _ = tick.tick(), if !set.is_empty() => ticks += 1,
                    else => break,
                }
                assert!(started.elapsed() < Duration::from_secs(20));
            }
            joined.sort_unstable();
            assert_eq!(joined, (0..20).collect::<Vec<_>>());
            assert!(ticks > 0);
        });
    });
}

#[test]
fn a_join_set_and_a_task_group_side_by_side() {
    guard(|| {
        multi(2).block_on(async {
            // The same work both ways: the set reports each result, the group all or nothing.
            let mut set = JoinSet::new();
            let group = TaskGroup::new();
            for i in 0..4u32 {
                set.spawn(async move {
                    if i == 2 {
                        Err(i)
                    } else {
                        Ok(i)
                    }
                });
                group.spawn(async move {
                    if i == 2 {
                        Err(i)
                    } else {
                        Ok(i)
                    }
                });
            }
            let mut results = Vec::new();
            while let Some(joined) = set.join_next().await {
                results.push(joined.unwrap());
            }
            results.sort();
            assert_eq!(results, [Ok(0), Ok(1), Ok(3), Err(2)]);
            assert_eq!(group.join().await, Err(2));
        });
    });
}

#[test]
fn a_panicking_waker_of_join_next_takes_down_no_worker() {
    guard(|| {
        let rt = multi(1);
        let gate = Gate::new();
        let mut set = JoinSet::new();
        let g = gate.clone();
        set.spawn_on(
            async move {
                g.wait().await;
                std::thread::current().id()
            },
            rt.handle(),
        );
        // `join_next` awaited from outside the runtime, with a waker that panics: the worker
        // that completes the task wakes it through the set's ready list.
        let wakes = counter();
        let waker = std::task::Waker::from(std::sync::Arc::new(PanickingWaker(wakes.clone())));
        {
            let mut next = Box::pin(set.join_next());
            let mut cx = std::task::Context::from_waker(&waker);
            assert!(std::future::Future::poll(next.as_mut(), &mut cx).is_pending());
        }
        gate.open();
        assert!(wait_until(HANG_LIMIT, || get(&wakes) == 1));
        let worker = rt.block_on(set.join_next()).unwrap().unwrap();
        // The one worker survived and still runs tasks.
        let next = rt.block_on(rt.spawn(async { std::thread::current().id() }));
        assert_eq!(next.unwrap(), worker);
        assert!(set.is_empty());
    });
}
