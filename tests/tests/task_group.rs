//! `weft::task::TaskGroup` (asyncio.TaskGroup) as a user writes it: values in spawn order, the
//! first error cancelling every other member promptly (their destructors run before their
//! sleeps end), a panic resumed in the joiner, cancellation by drop, spawning after a failure.

mod common;

use std::time::{Duration, Instant};

use common::*;
use weft::task::TaskGroup;
use weft::time::sleep;

#[test]
fn values_come_back_in_spawn_order() {
    guard(|| {
        for rt in [multi(2), current()] {
            rt.block_on(async {
                let group = TaskGroup::<u64, String>::new();
                for i in 0..50u64 {
                    group.spawn(async move {
                        sleep(Duration::from_millis(50 - i)).await;
                        Ok(i)
                    });
                }
                assert_eq!(group.len(), 50);
                assert_eq!(group.join().await.unwrap(), (0..50).collect::<Vec<_>>());
            });
        }
    });
}

#[test]
fn the_first_error_cancels_every_other_member_promptly() {
    guard(|| {
        for rt in [multi(2), current()] {
            let drops = counter();
            let finished = counter();
            let started = Instant::now();
            let result = rt.block_on(async {
                let group = TaskGroup::new();
                for _ in 0..20 {
                    let (guard, finished) = (DropGuard::new(&drops), finished.clone());
                    group.spawn(async move {
                        let _guard = guard;
                        sleep(Duration::from_secs(3600)).await;
                        bump(&finished);
                        Ok(())
                    });
                }
                group.spawn(async {
                    sleep(Duration::from_millis(20)).await;
                    Err("member 20 failed")
                });
                let result = group.join().await;
                // `join` returns once every member is gone: all destructors have run.
                assert_eq!(get(&drops), 20);
                result
            });
            assert_eq!(result, Err("member 20 failed"));
            assert_eq!(get(&finished), 0);
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "cancellation was not prompt"
            );
        }
    });
}

#[test]
fn cancellation_does_not_wait_for_join_to_be_polled() {
    guard(|| {
        let drops = counter();
        let rt = multi(2);
        rt.block_on(async {
            let group = TaskGroup::<(), u8>::new();
            for _ in 0..5 {
                let guard = DropGuard::new(&drops);
                group.spawn(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await;
                    Ok(())
                });
            }
            group.spawn(async { Err(1) });
            // Nobody awaits the group yet, and the members are cancelled anyway.
            let drops = drops.clone();
            weft::task::spawn_blocking(move || {
                assert!(wait_until(Duration::from_secs(10), || get(&drops) == 5));
            })
            .await
            .unwrap();
            assert_eq!(group.join().await, Err(1));
        });
    });
}

#[test]
fn a_panic_in_a_member_cancels_the_rest_and_resumes_in_the_joiner() {
    guard(|| {
        let drops = counter();
        let rt = multi(2);
        let d = drops.clone();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async move {
                let group = TaskGroup::<(), ()>::new();
                let guard = DropGuard::new(&d);
                group.spawn(async move {
                    let _guard = guard;
                    sleep(Duration::from_secs(3600)).await;
                    Ok(())
                });
                group.spawn(async {
                    sleep(Duration::from_millis(10)).await;
                    panic!("member panicked");
                });
                group.join().await
            })
        }));
        let payload = result.expect_err("the member's panic must reach the joiner");
        assert_eq!(panic_message(&*payload), "member panicked");
        assert_eq!(get(&drops), 1);
        // The runtime is unharmed.
        assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
    });
}

#[test]
fn a_joiner_task_sees_the_panic_as_its_own() {
    guard(|| {
        multi(2).block_on(async {
            let joiner = weft::spawn(async {
                let group = TaskGroup::<(), ()>::new();
                group.spawn(async { panic!("inner") });
                group.join().await
            });
            let error = joiner.await.unwrap_err();
            assert!(error.is_panic());
            assert_eq!(panic_message(&*error.into_panic()), "inner");
        });
    });
}

#[test]
fn dropping_the_group_cancels_its_members() {
    guard(|| {
        let drops = counter();
        let rt = multi(2);
        rt.block_on(async {
            let group = TaskGroup::<(), ()>::new();
            for _ in 0..10 {
                let guard = DropGuard::new(&drops);
                group.spawn(async move {
                    let _guard = guard;
                    sleep(Duration::from_secs(3600)).await;
                    Ok(())
                });
            }
            // Dropping the `join` future drops the group with it.
            let timed_out = weft::time::timeout(Duration::from_millis(20), group.join()).await;
            assert!(timed_out.is_err());
        });
        assert!(wait_until(Duration::from_secs(10), || get(&drops) == 10));
    });
}

#[test]
fn a_member_spawned_after_the_failure_is_cancelled_unpolled() {
    guard(|| {
        multi(2).block_on(async {
            let group = TaskGroup::<(), &str>::new();
            group.spawn(async { Err("first") });
            sleep(Duration::from_millis(50)).await;
            let (polls, drops) = (counter(), counter());
            let guard = DropGuard::new(&drops);
            group.spawn(count_polls(&polls, async move {
                let _guard = guard;
                Ok(())
            }));
            assert_eq!(group.join().await, Err("first"));
            assert_eq!((get(&polls), get(&drops)), (0, 1));
        });
    });
}

#[test]
fn only_the_first_of_several_errors_is_returned() {
    guard(|| {
        multi(2).block_on(async {
            let group = TaskGroup::<(), u32>::new();
            for i in 0..10u32 {
                group.spawn(async move { Err(i) });
            }
            let error = group.join().await.unwrap_err();
            assert!(error < 10);
        });
    });
}
